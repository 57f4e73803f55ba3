//go:build !js

package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

// cspWatchJS reports every Content-Security-Policy violation, in the page
// and in every Worker it starts (and those start), to GET /__csp: each
// Worker is started from a blob: URL that listens first and then imports
// the real script, as a page may do (worker-src allows blob:).
const cspWatchJS = `(() => {
  const core = (where) => {
    const report = (e) => fetch("/__csp?where=" + where + "&v=" + encodeURIComponent(
      e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + (e.lineNumber || 0)));
    (self.document || self).addEventListener("securitypolicyviolation", report);
    const Base = self.Worker;
    if (!Base) return;
    self.Worker = class extends Base {
      constructor(url, ...args) {
        const href = new URL(url, self.location.href).href;
        const src = "self.__cspPrelude = " + JSON.stringify(self.__cspPrelude) + ";\n" + self.__cspPrelude +
          ";\nimportScripts(" + JSON.stringify(href) + ");";
        super(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), ...args);
      }
    };
  };
  self.__cspPrelude = "(" + core.toString() + ")('worker')";
  core("page");
})();`

// The room page works under the server's security headers: its scripts,
// its node's Worker, the miner Workers, their wasm and the websocket all
// start, a block gets mined, and nothing anywhere violates the policy.
func TestPageWorksUnderTheContentSecurityPolicy(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	p := chain.PlaygroundParams
	p.Difficulty = 1 << 12
	srv, err := newServer(serverConfig{Params: p, Relay: relay.DefaultConfig(), Data: t.TempDir()})
	require.NoError(t, err)
	var mu sync.Mutex
	var violations []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__csp" {
			mu.Lock()
			violations = append(violations, r.URL.Query().Get("where")+": "+r.URL.Query().Get("v"))
			mu.Unlock()
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); hs.Close() })

	require.NoError(t, chromedp.Do(browser, addInitScript(cspWatchJS), chromedp.Navigate(hs.URL+"/")))
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(hs.URL+"/r/csp"), chromedp.WaitEnabled(chromedp.ID("mine"))))
	policy, err := chromedp.Run(browser, chromedp.Evaluate[string](`fetch(location.href).then((r) => r.headers.get("content-security-policy"))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Contains(t, policy, "'wasm-unsafe-eval'")
	require.NoError(t, chromedp.Do(browser, chromedp.Click(chromedp.ID("mine"))))
	waitJS(t, browser, `Number(document.getElementById("tip-height").textContent) >= 1`, 60*time.Second, "the tab never mined a block")
	require.NoError(t, chromedp.Do(browser, chromedp.Click(chromedp.ID("stop"))))
	time.Sleep(200 * time.Millisecond) // a report in flight lands (nothing is expected)
	mu.Lock()
	defer mu.Unlock()
	require.Empty(t, violations, "the policy blocked something the page uses")
}
