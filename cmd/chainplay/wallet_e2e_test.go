//go:build !js

package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// poll waits until expr is true in tab.
func poll(t *testing.T, tab context.Context, expr, why string) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, why)
}

// mineOne mines exactly one block in tab through its API console.
func mineOne(t *testing.T, tab context.Context) {
	t.Helper()
	require.NoError(t, chromedp.Do(tab,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("api-output").textContent = ""`),
		chromedp.SetValue(chromedp.ID("api-path"), "/mine"),
		// A click by script: while the tab mines, new block cards move the
		// console down between finding the button and clicking it.
		chromedp.Evaluate[chromedp.Void](`document.getElementById("api-send").click()`),
	))
	poll(t, tab, `document.getElementById("api-output").textContent.startsWith("200")`, "GET /mine did not answer 200")
}

func text(t *testing.T, tab context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.ID(id)))
	require.NoError(t, err)
	return s
}

// TestWalletSendAndPost: tab A earns a block reward, sends coins to tab B
// with a fee, the transfer waits in B's mempool, the next block confirms
// it, and both wallets show the right balances; an overspend is refused
// in words; a post from B reaches A's mempool.
func TestWalletSendAndPost(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := newTestServer(t, 1<<16)
	tabA, tabB := twoTabs(t, browser, ts.URL+"/r/wallet", "send")
	for _, tab := range []context.Context{tabA, tabB} {
		poll(t, tab, `document.getElementById("wallet-address").textContent.length === 40`, "the wallet never showed its address")
	}
	addrB := text(t, tabB, "wallet-address")

	mineOne(t, tabA)
	poll(t, tabA, `document.getElementById("wallet-balance").textContent === "50 coins"`, "tab A never showed its reward")

	require.NoError(t, chromedp.Do(tabA,
		chromedp.SetValue(chromedp.ID("send-to"), addrB),
		chromedp.SetValue(chromedp.ID("send-amount"), "5"),
		chromedp.SetValue(chromedp.ID("send-fee"), "1"),
		chromedp.SetValue(chromedp.ID("send-memo"), "for lunch"),
		chromedp.Click(chromedp.ID("send")),
	))
	poll(t, tabA, `document.getElementById("wallet-message").textContent.startsWith("Sent")`, "the transfer was not accepted")
	poll(t, tabA, `document.getElementById("wallet-pending").textContent === "6 waiting to be mined"`, "tab A does not show its pending spend")
	poll(t, tabB, `document.querySelectorAll("#mempool li").length === 1`, "the transfer never reached tab B's mempool")
	require.Contains(t, text(t, tabB, "mempool"), "for lunch")

	mineOne(t, tabA)
	poll(t, tabB, `document.getElementById("wallet-balance").textContent === "5 coins"`, "tab B never showed the coins it received")
	poll(t, tabA, `document.getElementById("wallet-balance").textContent === "95 coins"`, "tab A: 50 + 50 + fee 1 − 6 = 95")
	poll(t, tabB, `document.querySelectorAll("#mempool li").length === 0`, "the mined transfer stayed in the mempool")

	require.NoError(t, chromedp.Do(tabA,
		chromedp.SetValue(chromedp.ID("send-amount"), "1000"),
		chromedp.Click(chromedp.ID("send")),
	))
	poll(t, tabA, `document.getElementById("wallet-message").textContent.startsWith("Not sent")`, "an overspend was not refused")
	require.Contains(t, text(t, tabA, "wallet-message"), "more than the sender's balance")

	require.NoError(t, chromedp.Do(tabB,
		chromedp.SetValue(chromedp.ID("post-author"), "bob"),
		chromedp.SetValue(chromedp.ID("post-content"), "hello class"),
		chromedp.Click(chromedp.ID("post")),
	))
	poll(t, tabA, `document.getElementById("mempool").textContent.includes("hello class")`, "the post never reached tab A")
	require.Contains(t, text(t, tabA, "mempool"), "bob")
}
