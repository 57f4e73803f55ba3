//go:build !js

package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// processID returns p's process id, as its log says.
func (p *proc) processID(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`cluster: connected" process=([a-z0-9]+)`).FindStringSubmatch(p.log.String())
	require.NotNil(t, m, "no process id in %s's log", p.name)
	return m[1]
}

// TestClusterTabReconnectsElsewhere: a Chromium tab whose page came from
// process a, and a native peer on process b, see each other's blocks;
// a is killed (kill -9: the server the page was loaded from is gone), the
// tab's node says it reconnects through another process, joins the room
// there (its page lists the other processes' relays, and its CSP lets it
// reach them and only them), and the room converges.
func TestClusterTabReconnectsElsewhere(t *testing.T) {
	tab := newBrowser(t)
	pc := startProcCluster(t, 3, nil)
	a, b, c := pc.procs[0], pc.procs[1], pc.procs[2]
	const room = "tabs"
	require.Equal(t, 201, callURL(t, a.url, "POST", "/api/rooms", "", map[string]any{"name": room, "difficulty": 1, "retarget_interval": 0}, nil))

	// a's pages list b and c once a has read the cluster's servers; its
	// policy allows them and no other origin.
	var page string
	var csp string
	require.Eventually(t, func() bool {
		resp, err := http.Get(a.url + "/r/" + room)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		page, csp = string(body), resp.Header.Get("Content-Security-Policy")
		return strings.Contains(page, b.ws(room)) && strings.Contains(page, c.ws(room))
	}, wait, 100*time.Millisecond, "a's room page never listed the other processes' relays")
	for _, p := range []*proc{b, c} {
		host := strings.TrimPrefix(p.url, "http://")
		require.Contains(t, csp, " http://"+host+" ws://"+host)
	}
	require.NotContains(t, csp, "ws:;")
	require.NotContains(t, csp, " * ")

	bob := joinProcs(t, room, "bob", b, c, a)
	openRoom(t, tab, a.url+"/r/"+room)
	aID, bID, cID := a.processID(t), b.processID(t), c.processID(t)
	waitJS(t, tab, `chainplay.view().self.startsWith(`+jsString(aID+"-")+`) && chainplay.view().peers.some((p) => p.name === "bob")`,
		wait, "the tab is not in the room on a with bob")

	bob.mine(t, 1)
	waitJS(t, tab, `chainplay.view().tip.hash === `+jsString(bob.Chain().Tip().Hash.String()), wait, "the tab never got bob's block")
	height := mineIn(t, tab)
	require.Eventually(t, func() bool { return bob.Chain().Tip().Height == height }, wait, 10*time.Millisecond, "bob never got the tab's block")

	killed := time.Now()
	a.kill()
	waitJS(t, tab, `[...document.querySelectorAll("#events li")].some((li) => /^Reconnecting to the room through 127\.0\.0\.1:\d+/.test(li.textContent))`,
		wait, "the page never said it reconnects through another server")
	waitJS(t, tab, `chainplay.view().conn.state === "connected" && (chainplay.view().self.startsWith(`+jsString(bID+"-")+`) || chainplay.view().self.startsWith(`+jsString(cID+"-")+`))`,
		wait, "the tab never joined the room on b or c")
	back := time.Since(killed)
	bob.mine(t, 1)
	waitJS(t, tab, `chainplay.view().tip.hash === `+jsString(bob.Chain().Tip().Hash.String()), wait, "the tab never got bob's block after the kill")
	height = mineIn(t, tab)
	require.Eventually(t, func() bool { return bob.Chain().Tip().Height == height }, wait, 10*time.Millisecond, "bob never got the tab's block after the kill")
	self := evalJS[string](t, tab, `chainplay.view().self`)
	t.Logf("the tab's server (a) killed: the tab was in the room again as %s after %v, and converged with bob", self, back.Round(time.Millisecond))
}
