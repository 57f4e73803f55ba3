//go:build !js

package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestStakeRoomPage: the room page of a proof-of-stake or delegated room
// has no Mine button to press in vain (the tab's node builds no signed
// slot blocks): the miner panel gives way to words on who signs the
// room's blocks, in the reader's language.
func TestStakeRoomPage(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	ts.createRoom(t, "pos-page", map[string]any{"engine": "pos", "validators": 2})
	ts.createRoom(t, "dpos-page", map[string]any{"engine": "dpos", "delegates": 3})
	tab := tabFor(t, sharedTab(t), 2*time.Minute)
	for room, want := range map[string]string{"pos-page": "proof-of-stake", "dpos-page": "delegated proof-of-stake"} {
		openRoom(t, tab, ts.http.URL+"/r/"+room)
		waitJS(t, tab, `!!document.getElementById("stake")`, 20*time.Second, "no stake panel in "+room)
		require.True(t, evalJS[bool](t, tab, `document.getElementById("miner").hidden`), "%s shows the miner panel", room)
		require.Contains(t, evalJS[string](t, tab, `document.getElementById("stake").textContent`), want)
	}
	// A tab holding a genesis validator's key signs its slots: the room
	// grows with nobody mining.
	v := ts.createRoom(t, "pos-tab", map[string]any{"engine": "pos", "validators": 1, "block_time_ms": 1000})
	require.Len(t, v.ValidatorKeys, 1)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("chainplay-tab-pos-tab", JSON.stringify({seed: `+jsString(v.ValidatorKeys[0])+`, name: "Vera", since: Date.now()}))`)))
	openRoom(t, tab, ts.http.URL+"/r/pos-tab")
	waitJS(t, tab, `chainplay.view().tip.height >= 3`, 30*time.Second, "the validator tab signed no blocks")
	require.False(t, evalJS[bool](t, tab, `chainplay.view().extra.miner.mining`), "nobody mines")
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("blocks").textContent`), "signed by you")

	openRoom(t, tab, ts.http.URL+"/r/pow-page")
	require.False(t, evalJS[bool](t, tab, `!!document.getElementById("stake") || document.getElementById("miner").hidden`), "a PoW room keeps its miner")
}
