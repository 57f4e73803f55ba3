//go:build !js

package main

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// TestTabShowsAReorg: a tab follows block 1 of one miner; another miner
// who built two blocks offline joins the room, the tab reorgs to the
// branch with more work, and it shows the lost block as stale beside the
// new block of the same height, with the reorg in its event log.
func TestTabShowsAReorg(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := startServer(t, t.TempDir(), nil)
	const room = "forks"
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(ts.http.URL+"/r/"+room)))
	require.NoError(t, chromedp.Do(browser, chromedp.WaitEnabled(chromedp.ID("mine"))))

	a := ts.joinNative(t, room, "alice")
	a.mine(t, 1)
	lost := a.Chain().Tip().Hash
	poll(t, browser, `document.getElementById("tip-hash").textContent === "`+lost.String()+`"`, "the tab never followed alice's block")

	// Bob mines two blocks on his own, then joins: his branch has more work.
	info := ts.room(t, room)
	c, err := chain.New(chain.Config{Params: info.Params})
	require.NoError(t, err)
	bob, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: "bob", Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	for range 2 {
		_, err := bob.MineBlock(context.Background())
		require.NoError(t, err)
	}
	won := bob.Chain().Tip().Hash
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, err := node.DialRelay(ctx, ts.ws+"/ws/"+room, "bob")
	require.NoError(t, err)
	go bob.Run(ctx, tr)

	poll(t, browser, `document.getElementById("tip-hash").textContent === "`+won.String()+`"`, "the tab never reorged to bob's heavier branch")
	require.Equal(t, "2", text(t, browser, "tip-height"))
	poll(t, browser, `!!document.querySelector('#blocks li.block.stale[data-hash="`+lost.String()+`"]')`, "alice's block is not shown as stale")
	// textContent: a card scrolled out of view is not laid out
	// (content-visibility), and innerText reads only what is.
	stale := evalJS[string](t, browser, `document.querySelector("#blocks li.block.stale").textContent`)
	require.Contains(t, stale, "#1")
	require.Contains(t, stale, "less work")
	poll(t, browser, `[...document.querySelectorAll("#events li")].some((li) => li.textContent.startsWith("Reorg"))`, "no reorg in the event log")
}
