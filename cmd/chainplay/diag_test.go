//go:build !js

package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

const diagJS = `(() => {
  const d = (globalThis.__diag = []);
  const mark = (what) => d.push([Math.round(performance.now()), "mark", what]);
  mark("script");
  document.addEventListener("DOMContentLoaded", () => mark("domcontentloaded"));
  const IS = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (...a) => { mark("instantiate start"); const r = await IS(...a); mark("instantiate done"); return r; };
  const F = globalThis.fetch;
  globalThis.fetch = async (...a) => { mark("fetch " + a[0]); const r = await F(...a); mark("fetched " + a[0]); return r; };
  window.addEventListener("chainplay:ready", () => mark("ready"));
  window.addEventListener("chainplay:event", (e) => d.push([Math.round(performance.now()), "ev", e.detail.kind, e.detail.code || "", e.detail.height || 0]));
  const WS = globalThis.WebSocket;
  globalThis.WebSocket = class extends WS {
    constructor(...a) { super(...a); this.addEventListener("message", (e) => { try { const m = JSON.parse(e.data); d.push([Math.round(performance.now()), "ws", m.type, e.data.length]); } catch {} }); }
    send(x) { try { const m = JSON.parse(x); d.push([Math.round(performance.now()), "send", m.type, x.length]); } catch {} super.send(x); }
  };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) d.push([Math.round(e.startTime), "long", Math.round(e.duration)]); }).observe({ type: "longtask", buffered: true });
})();`

func TestDiagSync(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	k := 1000
	browser := newBrowserFor(t, 10*time.Minute)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank")))
	room := "sync"
	p := syncBenchParams("sync")
	blocks := benchChain(t, p, k)
	dir := t.TempDir()
	seedArchive(t, dir, room, chain.GenesisBlock(p), blocks)
	ts := startServer(t, dir, func(c *serverConfig) { c.Params = p; c.Relay = relay.DefaultConfig() })
	tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, addInitScript(diagJS), addInitScript(tabSyncJS), chromedp.Navigate(ts.http.URL+"/r/"+room)))
	waitJS(t, tctx, fmt.Sprintf(`"%d" in __sync.at`, k), 3*time.Minute, "the tab never synced")
	time.Sleep(500 * time.Millisecond)
	out := evalJS[[][]any](t, tctx, `__diag`)
	for _, r := range out {
		fmt.Println(r...)
	}
	fmt.Println("synced at", evalJS[float64](t, tctx, fmt.Sprintf(`__sync.at["%d"]`, k)))
}

func cdpDo[P, R any](cmd cdp.Command[P, R], p P) chromedp.Action[R] {
	return func(ctx context.Context, t *chromedp.Target) (R, error) {
		return cdp.Call(ctx, t, cmd, p)
	}
}

func TestDiagProfile(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip()
	}
	k := 1000
	browser := newBrowserFor(t, 10*time.Minute)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank")))
	room := "sync"
	p := syncBenchParams("sync")
	blocks := benchChain(t, p, k)
	dir := t.TempDir()
	seedArchive(t, dir, room, chain.GenesisBlock(p), blocks)
	ts := startServer(t, dir, func(c *serverConfig) { c.Params = p; c.Relay = relay.DefaultConfig() })
	tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, addInitScript(tabSyncJS)))
	_, err := chromedp.Run(tctx, cdpDo(profiler.Enable, cdp.Empty{}))
	require.NoError(t, err)
	_, err = chromedp.Run(tctx, cdpDo(profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}))
	require.NoError(t, err)
	_, err = chromedp.Run(tctx, cdpDo(profiler.Start, cdp.Empty{}))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tctx, chromedp.Navigate(ts.http.URL+"/r/"+room)))
	waitJS(t, tctx, fmt.Sprintf(`"%d" in __sync.at`, k), 3*time.Minute, "the tab never synced")
	res, err := chromedp.Run(tctx, cdpDo(profiler.Stop, cdp.Empty{}))
	require.NoError(t, err)
	prof := res.Profile
	byID := map[int64]*profiler.ProfileNode{}
	for _, n := range prof.Nodes {
		byID[n.ID] = n
	}
	self := map[string]float64{}
	total := map[string]float64{}
	parent := map[int64]int64{}
	for _, n := range prof.Nodes {
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	for i, s := range prof.Samples {
		dt := float64(prof.TimeDeltas[i]) / 1000
		n := byID[s]
		self[n.CallFrame.FunctionName+" "+n.CallFrame.URL[max(0, len(n.CallFrame.URL)-20):]] += dt
		seen := map[string]bool{}
		for id := s; id != 0; id = parent[id] {
			name := byID[id].CallFrame.FunctionName
			if !seen[name] {
				seen[name] = true
				total[name] += dt
			}
			if _, ok := parent[id]; !ok {
				break
			}
		}
	}
	type kv struct {
		k string
		v float64
	}
	top := func(m map[string]float64, n int) {
		var l []kv
		for k, v := range m {
			l = append(l, kv{k, v})
		}
		sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v })
		for i := 0; i < n && i < len(l); i++ {
			fmt.Printf("%8.1f ms  %s\n", l[i].v, l[i].k)
		}
	}
	fmt.Println("== self")
	top(self, 45)
	fmt.Println("== total")
	top(total, 60)
	fmt.Println("synced at", evalJS[float64](t, tctx, fmt.Sprintf(`__sync.at["%d"]`, k)))
}
