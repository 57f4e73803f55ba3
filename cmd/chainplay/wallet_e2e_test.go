//go:build !js

package main

import (
	"context"
	"strings"
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

// pickContact chooses the contact with nickname name in tab's send form.
func pickContact(t *testing.T, tab context.Context, name string) {
	t.Helper()
	waitJS(t, tab, `[...document.getElementById("send-contact").options].some((o) => o.dataset.name === `+jsString(name)+`)`,
		30*time.Second, name+" is not among the contacts")
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => {
  const sel = document.getElementById("send-contact");
  sel.value = [...sel.options].find((o) => o.dataset.name === `+jsString(name)+`).value;
  sel.dispatchEvent(new Event("change"));
})()`)))
}

// TestWalletSendAndPost: two tabs of one browser are two students with
// different wallets; tab A earns a block reward and sends coins to tab B
// picked by nickname, with a fee; the transfer waits in B's mempool and
// A's history says pending; the next block confirms it, both wallets show
// the right balances and A's history counts confirmations; an overspend
// is refused in words; a post from B reaches A's mempool and every
// tab's feed.
func TestWalletSendAndPost(t *testing.T) {
	requireWasm(t)
	ts := newTestServer(t, 1<<16)
	tabA := tabFor(t, sharedTab(t), 3*time.Minute)
	tabB := tabFor(t, newTabIn(t, tabA), 3*time.Minute)
	openRoom(t, tabA, ts.URL+"/r/wallet")
	rename(t, tabA, "Ana")
	openRoom(t, tabB, ts.URL+"/r/wallet")
	rename(t, tabB, "Bob")
	for _, tab := range []context.Context{tabA, tabB} {
		poll(t, tab, `document.getElementById("wallet-address").textContent.length === 40`, "the wallet never showed its address")
	}
	addrA, addrB := text(t, tabA, "wallet-address"), text(t, tabB, "wallet-address")
	require.NotEqual(t, addrA, addrB, "two tabs of one browser are two wallets")

	mineOne(t, tabA)
	poll(t, tabA, `document.getElementById("wallet-balance").textContent === "50 coins"`, "tab A never showed its reward")

	pickContact(t, tabA, "Bob")
	require.NoError(t, chromedp.Do(tabA,
		chromedp.SetValue(chromedp.ID("send-amount"), "5"),
		chromedp.SetValue(chromedp.ID("send-fee"), "1"),
		chromedp.SetValue(chromedp.ID("send-memo"), "for lunch"),
		chromedp.Click(chromedp.ID("send")),
	))
	poll(t, tabA, `document.getElementById("wallet-message").textContent.startsWith("Sent 5 coins to Bob")`, "the transfer was not accepted")
	poll(t, tabA, `document.getElementById("wallet-pending").textContent === "6 waiting to be mined"`, "tab A does not show its pending spend")
	poll(t, tabA, `document.querySelector("#history li").dataset.status === "pending"`, "tab A's history does not show the transfer pending")
	require.Contains(t, text(t, tabA, "history"), "sent 5 coins to Bob")
	poll(t, tabB, `document.querySelectorAll("#mempool li.tx").length === 1`, "the transfer never reached tab B's mempool")
	require.Contains(t, text(t, tabB, "mempool"), "for lunch")
	poll(t, tabB, `document.getElementById("wallet-pending").textContent === "5 coming in, waiting to be mined"`, "tab B does not show what comes in")

	mineOne(t, tabA)
	poll(t, tabB, `document.getElementById("wallet-balance").textContent === "5 coins"`, "tab B never showed the coins it received")
	poll(t, tabA, `document.getElementById("wallet-balance").textContent === "95 coins"`, "tab A: 50 + 50 + fee 1 − 6 = 95")
	poll(t, tabB, `document.querySelectorAll("#mempool li.tx").length === 0`, "the mined transfer stayed in the mempool")
	poll(t, tabA, `document.querySelector("#history li").dataset.status === "confirmed"`, "tab A's history does not show the transfer confirmed")
	require.Contains(t, text(t, tabA, "history"), "in block #2, 1 confirmation")
	require.Contains(t, text(t, tabB, "history"), "received 5 coins from Ana")

	pickContact(t, tabA, "Bob")
	require.NoError(t, chromedp.Do(tabA,
		chromedp.SetValue(chromedp.ID("send-amount"), "1000"),
		chromedp.Click(chromedp.ID("send")),
	))
	poll(t, tabA, `document.getElementById("wallet-message").textContent.startsWith("Not sent")`, "an overspend was not refused")
	require.Contains(t, text(t, tabA, "wallet-message"), "but the sender can spend only 95")

	// To an address typed in.
	require.NoError(t, chromedp.Do(tabB, chromedp.Evaluate[chromedp.Void](`(() => {
  const sel = document.getElementById("send-contact");
  sel.value = "";
  sel.dispatchEvent(new Event("change"));
})()`)))
	require.NoError(t, chromedp.Do(tabB,
		chromedp.SetValue(chromedp.ID("send-to"), strings.ToUpper(addrA)),
		chromedp.SetValue(chromedp.ID("send-amount"), "2"),
		chromedp.SetValue(chromedp.ID("send-fee"), "0"),
		chromedp.Click(chromedp.ID("send")),
	))
	poll(t, tabB, `document.getElementById("wallet-message").textContent.startsWith("Sent 2 coins to")`, "a transfer to a typed address was refused")

	require.NoError(t, chromedp.Do(tabB,
		chromedp.SetValue(chromedp.ID("post-content"), "hello class"),
		chromedp.Click(chromedp.ID("post")),
	))
	poll(t, tabA, `document.getElementById("mempool").textContent.includes("hello class")`, "the post never reached tab A")
	require.Contains(t, text(t, tabA, "mempool"), "Bob")
	poll(t, tabA, `document.querySelector("#posts li.post.pending") !== null`, "the pending post is not in A's feed")
	mineOne(t, tabA)
	for _, tab := range []context.Context{tabA, tabB} {
		poll(t, tab, `[...document.querySelectorAll("#posts li.post")].some((li) => li.textContent.includes("hello class") && li.textContent.includes("in block #3"))`,
			"the mined post is not in every tab's feed")
	}
}
