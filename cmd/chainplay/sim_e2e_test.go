//go:build !js

package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/sim"
)

// TestSimPage: the /sim page runs chain/sim in a Web Worker of the
// visitor's browser and draws its curves beside the papers': the selfish
// pool's simulated share follows Eyal & Sirer's equation, the double
// spend's success follows Rosenfeld's formula, and the page's thread never
// freezes while the Worker computes. It fits 360 to 1920 px; screenshots
// are written where the test prints.
func TestSimPage(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	tab := tabFor(t, sharedTab(t), 2*time.Minute)
	require.NoError(t, chromedp.Do(tab, addInitScript(`globalThis.__long = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__long.push(Math.round(e.duration)); }).observe({ type: "longtask", buffered: true });`),
		chromedp.Navigate(ts.http.URL+"/sim")))
	waitJS(t, tab, `!!globalThis.chainplaySimPage`, 20*time.Second, "the page's module did not load")
	time.Sleep(300 * time.Millisecond) // the page settles
	click := func(js string) { require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](js))) }

	click(`globalThis.__long.length = 0`) // from here on: while the Worker computes
	// Selfish mining at γ = ½ over 20,000 blocks per point.
	click(`document.getElementById("sim-blocks").value = "20000"; document.querySelector('[data-testid="sim-selfish-run"]').click()`)
	waitJS(t, tab, `!!document.getElementById("sim-selfish-chart").dataset.points`, 60*time.Second, "no selfish curve")
	var sp []sim.SelfishPoint
	require.NoError(t, json.Unmarshal([]byte(evalJS[string](t, tab, `document.getElementById("sim-selfish-chart").dataset.points`)), &sp))
	require.Len(t, sp, 9)
	for _, p := range sp {
		require.InDelta(t, sim.SelfishRevenue(p.Alpha, 0.5), p.Paper, 1e-9)
		require.InDelta(t, p.Paper, p.Simulated, 0.03, "α=%v", p.Alpha)
	}
	require.Equal(t, 9, evalJS[int](t, tab, `document.querySelectorAll("#sim-selfish-chart circle.simulated").length`), "a dot per simulated point")
	require.Equal(t, 3, evalJS[int](t, tab, `document.querySelectorAll("#sim-selfish-chart path.series").length`), "honest, paper and simulated curves")

	// A double spend at q = 30 %.
	click(`document.getElementById("sim-trials").value = "20000"; document.querySelector('[data-testid="sim-ds-run"]').click()`)
	waitJS(t, tab, `!!document.getElementById("sim-ds-chart").dataset.points`, 60*time.Second, "no double-spend curve")
	var dp []sim.DoubleSpendPoint
	require.NoError(t, json.Unmarshal([]byte(evalJS[string](t, tab, `document.getElementById("sim-ds-chart").dataset.points`)), &dp))
	require.NotEmpty(t, dp)
	for _, p := range dp {
		require.InDelta(t, sim.Rosenfeld(0.3, p.Z), p.Rosenfeld, 1e-9)
		require.InDelta(t, p.Rosenfeld, p.Simulated, 0.03, "z=%d", p.Z)
	}
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("sim-ds-status").textContent`), "30 %")

	// The simulations run in the Worker: on the page's thread they would
	// block it for seconds. 200 ms, not the 50 ms of a "long task": on a
	// shared 2-core machine drawing a chart or a GC can take 75 ms.
	require.Empty(t, evalJS[[]int](t, tab, `globalThis.__long.filter((d) => d > 200)`), "the page's thread froze while the Worker computed")
	dir := screenshotDir(t)
	for _, w := range []int64{360, 1280, 1920} {
		require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, tab), "the sim page scrolls sideways at %d px", w)
	}
	require.Empty(t, lowContrast(t, tab), "text below WCAG AA contrast on the sim page")
	screenshots(t, tab, dir, "sim", 360, 1280, 1920)
}
