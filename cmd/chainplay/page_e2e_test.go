//go:build !js

package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestPageScreenshots builds a room a class would have after a few
// minutes — two students' tabs with nicknames, a native peer who mined
// and posted (one post an XSS attempt), a transfer by nickname, a fork,
// a block open in the inspector, tamper mode — and writes full-page
// screenshots of it at 360, 1280 and 1920 px (the paths are logged). At
// every width the page must not scroll sideways.
func TestPageScreenshots(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	const room = "shots"
	ana := ts.joinNative(t, room, "Ana")
	ana.mine(t, 4)
	_, err := ana.Post("", "Hello class! This post is in block 5.")
	require.NoError(t, err)
	_, err = ana.Post("", `<img src=x onerror=alert(1)>`)
	require.NoError(t, err)
	ana.mine(t, 1)

	tabA := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, tabA, ts.http.URL+"/r/"+room)
	rename(t, tabA, "Bea")
	tabB := tabFor(t, newTabIn(t, tabA), 3*time.Minute)
	openRoom(t, tabB, ts.http.URL+"/r/"+room)
	rename(t, tabB, "Cai")
	waitJS(t, tabA, `chainplay.view().wallet.contacts.some((c) => c.name === "Cai")`, 30*time.Second, "Bea never saw Cai")

	mineIn(t, tabA)
	waitJS(t, tabA, `chainplay.view().wallet.balance === 50`, 30*time.Second, "Bea never got her reward")
	status, text := apiCall(t, tabA, "POST", "/new_transaction", map[string]any{"author": "Bea", "content": "Bea was here"})
	require.Equal(t, 201, status, text)
	require.NoError(t, chromedp.Do(tabA,
		chromedp.SetValue(chromedp.ID("send-amount"), "12"),
		chromedp.SetValue(chromedp.ID("send-memo"), "for the pizza"),
	))
	require.NoError(t, chromedp.Do(tabA, chromedp.Evaluate[chromedp.Void](`(() => {
  const sel = document.getElementById("send-contact");
  sel.value = [...sel.options].find((o) => o.dataset.name === "Cai").value;
  sel.dispatchEvent(new Event("change"));
  document.getElementById("send").click();
})()`)))
	waitJS(t, tabA, `document.getElementById("wallet-message").textContent.startsWith("Sent")`, 30*time.Second, "the transfer was refused")
	mineIn(t, tabB)
	waitJS(t, tabA, `chainplay.view().tip.height === 7`, 30*time.Second, "Bea never saw Cai's block")

	// A fork: a block on #5 that lost to the best chain.
	side := sideBlock(t, ana.Chain(), 5, ana.Address())
	body, err := json.Marshal(side)
	require.NoError(t, err)
	status, text = apiCall(t, tabA, "POST", "/add_block", json.RawMessage(body))
	require.Less(t, status, 300, text)
	waitJS(t, tabA, `chainplay.view().stale.length === 1`, 10*time.Second, "the side block is not shown")

	dir := screenshotDir(t)
	for _, w := range []int64{360, 1280, 1920} {
		require.NoError(t, chromedp.Do(tabA, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, tabA), "the room page scrolls sideways at %d px", w)
	}
	screenshots(t, tabA, dir, "room", 360, 1280, 1920)

	// The inspector on block 5, verified.
	require.NoError(t, chromedp.Do(tabA, chromedp.Evaluate[chromedp.Void](`document.querySelector('#blocks li.block[data-height="5"] button').click()`)))
	waitJS(t, tabA, `!document.getElementById("inspector").hidden && document.querySelectorAll("#inspector-bytes .byte").length === 100`, 10*time.Second, "the inspector did not open")
	require.NoError(t, chromedp.Do(tabA, chromedp.Click(chromedp.ID("inspector-verify"))))
	waitJS(t, tabA, `document.getElementById("inspector-verify-result").classList.contains("ok")`, 10*time.Second, "the inspector's bytes did not verify")
	require.NoError(t, chromedp.Do(tabA, chromedp.ScrollIntoView(chromedp.ID("inspector"))))
	screenshots(t, tabA, dir, "inspector", 360, 1280, 1920)

	// Tamper mode on block 5: pay its reward to Bea.
	require.NoError(t, chromedp.Do(tabA, chromedp.Click(chromedp.ID("inspector-tamper"))))
	waitJS(t, tabA, `document.querySelectorAll("#tamper-blocks li.block").length >= 3`, 10*time.Second, "tamper mode did not start")
	require.NoError(t, chromedp.Do(tabA, chromedp.Evaluate[chromedp.Void](`(() => {
  const to = document.querySelector('[data-testid="tamper-5-0-to"]');
  to.value = chainplay.address();
  to.dispatchEvent(new Event("change", { bubbles: true }));
})()`)))
	waitJS(t, tabA, `document.querySelector('[data-testid="forged-5"]').dataset.valid === "false"`, 10*time.Second, "the edit did not break block 5")
	for _, w := range []int64{360, 1280, 1920} {
		require.NoError(t, chromedp.Do(tabA, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, tabA), "the tamper panel scrolls sideways at %d px", w)
	}
	require.NoError(t, chromedp.Do(tabA, chromedp.ScrollIntoView(chromedp.ID("tamper"))))
	screenshots(t, tabA, dir, "tamper", 360, 1280, 1920)

	// The lobby.
	lobby := tabFor(t, newTabIn(t, tabA), time.Minute)
	require.NoError(t, chromedp.Do(lobby, chromedp.Navigate(ts.http.URL+"/")))
	waitJS(t, lobby, `document.querySelector(".preset-name").textContent !== ""`, 10*time.Second, "the lobby did not load its words")
	for _, w := range []int64{360, 1280, 1920} {
		require.NoError(t, chromedp.Do(lobby, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, lobby), "the lobby scrolls sideways at %d px", w)
	}
	screenshots(t, lobby, dir, "lobby", 360, 1280, 1920)
	require.NoError(t, chromedp.Do(lobby, chromedp.Click(`[data-testid="create-submit"]`)))
	waitJS(t, lobby, `!document.getElementById("created").hidden && document.getElementById("created-qr").complete && document.getElementById("created-qr").naturalWidth > 0`,
		10*time.Second, "the lobby did not show the new room")
	screenshots(t, lobby, dir, "lobby-created", 360, 1280, 1920)
}
