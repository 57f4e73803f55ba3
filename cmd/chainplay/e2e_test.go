//go:build !js

package main

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/web"
)

// chromium returns the browser to drive. Without one the test skips on a
// developer machine and fails under CI=true, where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: CI must install it (apt-get install chromium)")
	}
	t.Skip("chromium not found; install it (apt-get install chromium) to run the browser tests")
	return ""
}

// requireWasm fails when the page's wasm was not built into web/static.
func requireWasm(t *testing.T) {
	t.Helper()
	for _, f := range []string{"node.wasm", "miner.wasm", "sim.wasm", "wasm_exec.js"} {
		_, err := fs.Stat(web.StaticFS, f)
		require.NoError(t, err, "web/static/%s is missing: run `make wasm` (make test does)", f)
	}
}

// newBrowser returns the first tab of a browser of the test's own: a new
// browser context (its own storage and HTTP cache) of the shared headless
// Chromium (sharedTab), whose actions are bounded to 3 minutes.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, 3*time.Minute)
}

// newBrowserFor is newBrowser whose actions are bounded to d.
func newBrowserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	return tabFor(t, sharedTab(t), d)
}

func newTestServer(t *testing.T, difficulty uint64) *httptest.Server {
	t.Helper()
	p := chain.PlaygroundParams
	p.Difficulty = difficulty
	srv, err := newServer(serverConfig{Params: p, Relay: relay.DefaultConfig(), Data: t.TempDir()})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Close(); ts.Close() })
	return ts
}

// twoTabs opens url in the browser's first tab and in a second one, and
// waits until the element with id ready is enabled in both.
func twoTabs(t *testing.T, browser context.Context, url, ready string) (tabA, tabB context.Context) {
	t.Helper()
	tabA = browser
	require.NoError(t, chromedp.Do(tabA, chromedp.Navigate(url))) // starts the browser
	tabB, cancel := chromedp.NewContext(browser)                  // a second tab in it
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tabB, chromedp.Navigate(url)))
	for _, tab := range []context.Context{tabA, tabB} {
		require.NoError(t, chromedp.Do(tab, chromedp.WaitEnabled(chromedp.ID(ready))))
	}
	return tabA, tabB
}

// TestTwoTabsShareABlock is the walking skeleton end to end: two tabs join
// one room through the relay, tab A mines a block in its Web Worker, and
// tab B validates it, shows the same tip at height 1 and lists it through
// its in-page REST API.
func TestTwoTabsShareABlock(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := newTestServer(t, 1<<24) // ~1.3 s per block in one wasm SIMD worker (13 MH/s): time to press Stop after one
	tabA, tabB := twoTabs(t, browser, ts.URL+"/r/e2e", "mine")
	// Both tabs see each other and the room's archive peer through the
	// relay before A mines.
	for _, tab := range []context.Context{tabA, tabB} {
		_, err := chromedp.Run(tab, chromedp.Poll[bool](`document.querySelectorAll("#peers li").length === 2`,
			chromedp.WithPollingTimeout(30*time.Second)))
		require.NoError(t, err, "tabs never saw each other in the room")
	}

	// Press Stop the moment A's node reports its first block, as a student
	// watching the page would, only faster: a test polling from outside
	// could let a second block through.
	require.NoError(t, chromedp.Do(tabA, chromedp.Evaluate[chromedp.Void](`window.addEventListener("chainplay:event", (e) => {
  if (e.detail.kind === "mined") document.getElementById("stop").click();
})`)))
	require.NoError(t, chromedp.Do(tabA, chromedp.Click(chromedp.ID("mine"))))
	_, err := chromedp.Run(tabA, chromedp.Poll[bool](`document.getElementById("tip-height").textContent === "1"`,
		chromedp.WithPollingTimeout(90*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	require.NoError(t, err, "tab A never mined a block")
	_, err = chromedp.Run(tabA, chromedp.Poll[bool](`document.getElementById("miner-status").textContent === "Idle"`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "tab A did not stop mining")
	heightA, err := chromedp.Run(tabA, chromedp.Text(chromedp.ID("tip-height")))
	require.NoError(t, err)
	require.Equal(t, "1", heightA, "tab A mined past height 1 before Stop took effect")
	tipA, err := chromedp.Run(tabA, chromedp.Text(chromedp.ID("tip-hash")))
	require.NoError(t, err)
	require.Len(t, tipA, 64)

	_, err = chromedp.Run(tabB, chromedp.Poll[bool](`document.getElementById("tip-hash").textContent === "`+tipA+`"`,
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "tab B never showed tab A's block")
	heightB, err := chromedp.Run(tabB, chromedp.Text(chromedp.ID("tip-height")))
	require.NoError(t, err)
	require.Equal(t, "1", heightB)

	// Tab B's API console asks its in-tab node for GET /chain.
	require.NoError(t, chromedp.Do(tabB,
		chromedp.SetValue(chromedp.ID("api-path"), "/chain"),
		chromedp.Click(chromedp.ID("api-send")),
	))
	_, err = chromedp.Run(tabB, chromedp.Poll[bool](`document.getElementById("api-output").textContent.startsWith("200")`,
		chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "the API console got no answer")
	out, err := chromedp.Run(tabB, chromedp.Text(chromedp.ID("api-output")))
	require.NoError(t, err)
	require.Contains(t, out, `"length": 2`)
	require.Contains(t, out, `"hash": "`+tipA+`"`)
	require.True(t, strings.Contains(out, `"index": 1`), out)
}
