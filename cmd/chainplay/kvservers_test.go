//go:build !js

package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/relay/natsbus"
)

func TestCheckPublicURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://10.0.0.5:8080":     "http://10.0.0.5:8080",
		"https://cp2.example.org/": "https://cp2.example.org",
		"http://[::1]:80":          "http://[::1]:80",
	} {
		got, err := checkPublicURL(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, bad := range []string{"", "10.0.0.5:8080", "ws://h:1", "http://h/x", "http://h?q=1", "http://u@h", "http://h;script-src", "ftp://h"} {
		_, err := checkPublicURL(bad)
		require.ErrorIs(t, err, errBadPublicURL, bad)
	}
}

// The directory lists the other processes that announced a URL, not
// itself; a process that stops leaves the list at once, but its origin
// stays allowed (its tabs' pages outlive it); an origin never listed is
// not allowed.
func TestServerDirectory(t *testing.T) {
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	log := slog.New(slog.DiscardHandler)
	x := joinTestCluster(t, e, "x", time.Second).startDirectory("http://10.0.0.5:8080", log)
	y := joinTestCluster(t, e, "y", time.Second).startDirectory("https://cp2.example.org", log)
	quiet := joinTestCluster(t, e, "q", time.Second).startDirectory("", log) // behind a load balancer: announces nothing
	defer quiet.close()
	for _, d := range []*serverDirectory{x, y, quiet} {
		d.beat()
	}
	require.Equal(t, []serverEntry{{Proc: "y", URL: "https://cp2.example.org"}}, x.Others())
	require.Equal(t, []serverEntry{{Proc: "x", URL: "http://10.0.0.5:8080"}, {Proc: "y", URL: "https://cp2.example.org"}}, quiet.Others())
	require.Equal(t, "wss://cp2.example.org/ws/lab", x.Others()[0].wsURL("lab"))
	require.True(t, x.allows("https://cp2.example.org"))
	require.True(t, x.allows("HTTPS://CP2.example.org"), "an origin's scheme and host are case-insensitive")
	require.False(t, x.allows("https://evil.example.org"))
	require.False(t, x.allows("http://10.0.0.5:8080"), "not itself: its own pages are same-origin")
	require.False(t, (*serverDirectory)(nil).allows("https://cp2.example.org"), "a single process allows no other origin")

	y.close()
	x.beat()
	require.Empty(t, x.Others(), "a process that stopped is no relay to redial")
	require.True(t, x.allows("https://cp2.example.org"), "but the tabs of its pages may still reach the others")
	x.close()
}

func TestContentSecurityPolicyListsTheCluster(t *testing.T) {
	csp := contentSecurityPolicy("a.example:80", nil, "https://b.example", "wss://b.example")
	require.Contains(t, csp, "connect-src 'self' ws://a.example:80 wss://a.example:80 https://b.example wss://b.example;")
}

// A page lists only relays its own policy allows: the cluster's other
// processes are read once per request, for the policy and the page alike
// (read twice, a process that joined in between was in the page and not
// in the policy — seen in CI, the tab could not have reached it).
func TestPageRelaysAreThePolicys(t *testing.T) {
	n := 0
	others := func() []serverEntry { // one more process every time it is read
		n++
		var out []serverEntry
		for i := range n {
			out = append(out, serverEntry{Proc: fmt.Sprint(i), URL: fmt.Sprintf("http://10.0.0.%d:8080", i+1)})
		}
		return out
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, e := range othersOf(r.Context(), others) {
			fmt.Fprintln(w, e.wsURL("class"))
		}
	})
	rec := httptest.NewRecorder()
	securityHeaders(page, nil, others).ServeHTTP(rec, httptest.NewRequest("GET", "/r/class", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	var connect []string
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == "connect-src" {
			connect = f[1:]
		}
	}
	listed := strings.Fields(rec.Body.String())
	require.NotEmpty(t, listed)
	for _, u := range listed {
		require.Contains(t, connect, strings.TrimSuffix(u, "/ws/class"), "the page lists %s; its policy: %s", u, csp)
	}
	require.Equal(t, 1, n, "read once")
}
