//go:build !js

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/web"
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
	require.Empty(t, lowContrast(t, tabA), "text below WCAG AA contrast on the room page")
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
	require.Empty(t, lowContrast(t, tabA), "text below WCAG AA contrast with the inspector and tamper mode open")
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
	require.Empty(t, lowContrast(t, lobby), "text below WCAG AA contrast in the lobby")
	screenshots(t, lobby, dir, "lobby", 360, 1280, 1920)
	require.NoError(t, chromedp.Do(lobby, chromedp.Click(`[data-testid="create-submit"]`)))
	waitJS(t, lobby, `!document.getElementById("created").hidden && document.getElementById("created-qr").complete && document.getElementById("created-qr").naturalWidth > 0`,
		10*time.Second, "the lobby did not show the new room")
	screenshots(t, lobby, dir, "lobby-created", 360, 1280, 1920)
}

// roomWithTabs starts a server with pageParams (and mod), one native
// peer "Ana" that mined k blocks, and n tabs of one browser in the room,
// named Tab1 … Tabn, each synced with Ana.
func roomWithTabs(t *testing.T, room string, k, n int, mod func(*serverConfig)) (*testServer, *nativePeer, []context.Context) {
	t.Helper()
	ts := startServer(t, t.TempDir(), func(c *serverConfig) {
		pageParams(c)
		if mod != nil {
			mod(c)
		}
	})
	ana := ts.joinNative(t, room, "Ana")
	ana.mine(t, k)
	tip := ana.Chain().Tip().Hash.String()
	var tabs []context.Context
	first := sharedTab(t)
	for i := range n {
		tab := first
		if i > 0 {
			tab = newTabIn(t, first)
		}
		tab = tabFor(t, tab, 3*time.Minute)
		openRoom(t, tab, ts.http.URL+"/r/"+room)
		rename(t, tab, fmt.Sprintf("Tab%d", i+1))
		waitJS(t, tab, `chainplay.view().tip.hash === "`+tip+`"`, 30*time.Second, "the tab never synced with Ana")
		tabs = append(tabs, tab)
	}
	return ts, ana, tabs
}

// TestBlockInspector: a card opens the inspector; its 100 header bytes,
// read off the page, hash (here, in Go) to the card's hash; the page's
// own Verify says so; the merkle tree's root is the header's merkle root
// field; the API console's GET /chain preset returns the chain.
func TestBlockInspector(t *testing.T) {
	requireWasm(t)
	_, ana, tabs := roomWithTabs(t, "inspect", 3, 1, nil)
	tab := tabs[0]
	_, err := ana.Post("", "in the merkle tree")
	require.NoError(t, err)
	ana.mine(t, 1)
	b4 := ana.Chain().Tip().Block
	waitJS(t, tab, `chainplay.view().tip.height === 4`, 30*time.Second, "the tab never got block 4")

	clickJS(t, tab, `#blocks li.block[data-height="4"] button`)
	waitJS(t, tab, `document.querySelectorAll("#inspector-bytes .byte").length === 100`, 10*time.Second, "the inspector did not show 100 bytes")
	card := evalJS[string](t, tab, `document.querySelector('#blocks li.block[data-height="4"]').dataset.hash`)
	require.Equal(t, b4.Hash().String(), card)
	hexBytes := evalJS[string](t, tab, `[...document.querySelectorAll("#inspector-bytes .byte")].map((b) => b.textContent).join("")`)
	raw, err := hex.DecodeString(hexBytes)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.Equal(t, card, hex.EncodeToString(sum[:]), "the inspector's bytes hash to the card's hash")
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("inspector-verify"))))
	waitJS(t, tab, `document.getElementById("inspector-verify-result").dataset.digest === "`+card+`"`, 10*time.Second, "the page's own SHA-256 differs")
	require.Contains(t, text(t, tab, "inspector-verify-result"), "the block's hash")
	require.Contains(t, text(t, tab, "inspector-merkle"), b4.Header.MerkleRoot.String()[:10], "the tree's root")
	require.Equal(t, 2, evalJS[int](t, tab, `document.querySelectorAll("#inspector-txs li").length`))
	require.Contains(t, text(t, tab, "inspector-txs"), "in the merkle tree")
	// Keyboard: the next card takes the focus with →, Enter opens it.
	require.NoError(t, chromedp.Do(tab,
		chromedp.Focus(`#blocks li.block[data-height="3"] button`),
		chromedp.KeyEvent("\r"),
	))
	waitJS(t, tab, `document.getElementById("inspector-title").textContent === "Block #3"`, 10*time.Second, "Enter on a card did not open it")

	require.NoError(t, chromedp.Do(tab,
		chromedp.Click(`[data-testid="api-preset-chain"]`),
		chromedp.Click(chromedp.ID("api-send")),
	))
	waitJS(t, tab, `document.getElementById("api-output").textContent.startsWith("200")`, 10*time.Second, "the console's GET /chain did not answer")
	out := text(t, tab, "api-output")
	require.Contains(t, out, "\"length\": 5", "indented JSON of the whole chain")
	require.Contains(t, out, b4.Hash().String())
}

// TestForkTreeShowsAStaleBranch: a block on #2 that loses to the best
// chain is drawn in the fork tree as a stale node off the best chain's
// lane, linked to its parent; each tab's tip is marked by nickname.
func TestForkTreeShowsAStaleBranch(t *testing.T) {
	requireWasm(t)
	_, ana, tabs := roomWithTabs(t, "forktree", 4, 2, nil)
	tab := tabs[0]
	side := sideBlock(t, ana.Chain(), 2, ana.Address())
	body, err := json.Marshal(side)
	require.NoError(t, err)
	status, txt := apiCall(t, tab, "POST", "/add_block", json.RawMessage(body))
	require.Less(t, status, 300, txt)
	sel := `#tree g.node.stale[data-hash="` + side.Hash().String() + `"]`
	waitJS(t, tab, `!!document.querySelector('`+sel+`')`, 10*time.Second, "the stale block is not in the tree")
	// Off lane 0: its circle sits below the best chain's.
	below := evalJS[bool](t, tab, `(() => {
  const stale = document.querySelector('`+sel+` circle');
  const main = document.querySelector('#tree g.node.main[data-height="3"] circle');
  return Number(stale.getAttribute("cy")) > Number(main.getAttribute("cy")) && stale.getAttribute("cx") === main.getAttribute("cx");
})()`)
	require.True(t, below, "the stale #3 is drawn under the best chain's #3")
	require.Equal(t, 1, evalJS[int](t, tab, `document.querySelectorAll("#tree g.node.stale").length`))
	waitJS(t, tab, `[...document.querySelectorAll("#tree text.tip")].some((e) => e.textContent === "Tab2")`, 30*time.Second, "the other tab's tip is not named")
	require.True(t, evalJS[bool](t, tab, `[...document.querySelectorAll("#tree text.tip")].some((e) => e.textContent === "you")`))
	// The tab that did not get the side block has no stale node.
	require.Zero(t, evalJS[int](t, tabs[1], `document.querySelectorAll("#tree g.node.stale").length`))
}

// TestTamperMode: Tab1 pays block 2's reward to itself in tamper mode:
// block 2 and every later forged block turn invalid (their hashes miss the
// target); re-mining restores them; publishing leaves the room's chain as
// it was, in this tab and in the other, and the log says why.
func TestTamperMode(t *testing.T) {
	requireWasm(t)
	_, ana, tabs := roomWithTabs(t, "tamper", 4, 2, func(c *serverConfig) { c.Params.Difficulty = 1 << 16 })
	tab, other := tabs[0], tabs[1]
	tip := ana.Chain().Tip().Hash.String()

	clickJS(t, tab, `#blocks li.block[data-height="2"] button`)
	waitJS(t, tab, `!document.getElementById("inspector").hidden && document.getElementById("inspector-title").textContent === "Block #2"`,
		10*time.Second, "the inspector did not open")
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("inspector-tamper"))))
	waitJS(t, tab, `document.querySelectorAll("#tamper-blocks li.block").length === 3`, 10*time.Second, "tamper mode does not show #2 … #4")
	valid := func() []string {
		return evalJS[[]string](t, tab, `[...document.querySelectorAll("#tamper-blocks li.block")].map((li) => li.dataset.valid)`)
	}
	require.Equal(t, []string{"true", "true", "true"}, valid())
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`(() => {
  const to = document.querySelector('[data-testid="tamper-2-0-to"]');
  to.value = chainplay.address();
  to.dispatchEvent(new Event("change", { bubbles: true }));
})()`)))
	waitJS(t, tab, `document.querySelector('[data-testid="forged-4"]').dataset.valid === "false"`, 10*time.Second, "the edit did not break the later blocks")
	require.Equal(t, []string{"false", "false", "false"}, valid(), "block 2 and every block after it")
	require.Contains(t, text(t, tab, "tamper-blocks"), "not enough proof of work")
	require.Equal(t, tip, evalJS[string](t, tab, `chainplay.view().tip.hash`), "the tab's own chain is untouched")

	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("tamper-mine-all"))))
	waitJS(t, tab, `[...document.querySelectorAll("#tamper-blocks li.block")].every((li) => li.dataset.valid === "true")`, 60*time.Second,
		"re-mining did not restore the forged blocks")
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("tamper-publish"))))
	waitJS(t, tab, `[...document.querySelectorAll("#events li")].some((li) => li.dataset.code === "tamper-ignored")`, 10*time.Second,
		"the log does not say the room ignored the forged chain")
	require.Contains(t, evalJS[string](t, tab, `[...document.querySelectorAll("#events li")].find((li) => li.dataset.code === "tamper-ignored").textContent`),
		"carries no more work")
	require.Equal(t, tip, evalJS[string](t, tab, `chainplay.view().tip.hash`), "the best chain stays")
	// The other tab keeps the room's chain (it may see the forged blocks as
	// a side branch, never as its best chain).
	waitJS(t, other, `chainplay.view().tip.hash === "`+tip+`"`, 5*time.Second, "the other tab left the room's chain")
	require.Equal(t, tip, ana.Chain().Tip().Hash.String())
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("tamper-stop"))))
	waitJS(t, tab, `document.getElementById("tamper").hidden && chainplay.view().tamper === null`, 10*time.Second, "tamper mode did not end")
}

// TestUserTextIsText: nicknames, posts and memos with HTML in them show
// as text everywhere (the feed, the mempool, the cards, the log, the
// history, the peers, the fork tree) and no script runs: no dialog opens.
func TestUserTextIsText(t *testing.T) {
	requireWasm(t)
	const evil = `<img src=x onerror=alert(1)>`
	const evilName = `<b onmouseover=alert(2)>x`
	_, ana, tabs := roomWithTabs(t, "xss", 1, 1, nil)
	tab := tabs[0]
	dialogs := make(chan string, 4)
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case dialogs <- d.Message:
			default:
			}
		}
	}))
	rename(t, tab, evilName)
	waitJS(t, tab, `chainplay.view().wallet.contacts.length >= 1`, 30*time.Second, "no contact")
	mineIn(t, tab)
	status, body := apiCall(t, tab, "POST", "/new_transaction", map[string]any{"author": evilName, "content": evil})
	require.Equal(t, 201, status, body)
	_, err := ana.Post(evilName, evil)
	require.NoError(t, err)
	waitJS(t, tab, `document.querySelectorAll("#mempool li.tx").length === 2`, 30*time.Second, "the posts never reached the mempool")
	mineIn(t, tab)
	waitJS(t, tab, `document.querySelectorAll("#posts li.post:not(.pending)").length === 2`, 30*time.Second, "the posts never reached the feed")
	for _, id := range []string{"posts", "blocks", "events", "history", "tree", "mempool", "identity"} {
		require.Zero(t, evalJS[int](t, tab, `document.getElementById("`+id+`").querySelectorAll("img, b").length`), "HTML made it into #%s", id)
	}
	require.Contains(t, text(t, tab, "posts"), evil)
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("blocks").textContent`), evilName) // cards out of view are not laid out: no innerText
	require.Equal(t, evilName, evalJS[string](t, tab, `document.getElementById("name-input").value`))
	select {
	case m := <-dialogs:
		t.Fatalf("a script ran: dialog %q", m)
	case <-time.After(300 * time.Millisecond):
	}
}

// strictCSP is the policy the pages must work under: scripts and styles
// only from the server, save the room page's boot script by its hash
// (web.BootScriptSource), Workers from it or blob: (the tests' wrappers),
// wasm compiled with 'wasm-unsafe-eval', sockets to the same host. (The
// server's own policy is headers.go's; this test shows the page needs
// nothing more: no other inline script, no inline style.)
func strictCSP(t *testing.T) string {
	boot, err := web.BootScriptSource()
	require.NoError(t, err)
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' " + boot + "; worker-src 'self' blob:; style-src 'self'; " +
		"img-src 'self'; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// policyWriter sends its response under policy, in place of the
// server's own Content-Security-Policy.
type policyWriter struct {
	http.ResponseWriter
	policy string
	sent   bool
}

func (w *policyWriter) WriteHeader(code int) {
	if !w.sent {
		w.sent = true
		w.Header().Set("Content-Security-Policy", w.policy)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *policyWriter) Write(b []byte) (int, error) {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// TestPageRunsUnderAStrictCSP: the lobby and a room page, with a block
// mined, the inspector and tamper mode opened, under strictCSP: the node
// runs and nothing is blocked.
func TestPageRunsUnderAStrictCSP(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	policy := strictCSP(t)
	csp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ws/") {
			ts.server.ServeHTTP(w, r) // the relay's upgrade: no page, and it needs the connection
			return
		}
		ts.server.ServeHTTP(&policyWriter{ResponseWriter: w, policy: policy}, r)
	}))
	t.Cleanup(csp.Close)
	tab := tabFor(t, sharedTab(t), 3*time.Minute)
	require.NoError(t, chromedp.Do(tab, addInitScript(`globalThis.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => __csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber));`)))
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(csp.URL+"/")))
	waitJS(t, tab, `document.querySelector(".preset-name").textContent !== ""`, 10*time.Second, "the lobby's script did not run")
	openRoom(t, tab, csp.URL+"/r/csp")
	clickJS(t, tab, `#mine`)
	waitJS(t, tab, `chainplay.view().tip.height >= 1`, 60*time.Second, "the miner did not run under the policy")
	clickJS(t, tab, `#stop`)
	clickJS(t, tab, `#blocks li.block[data-height="1"] button`)
	waitJS(t, tab, `document.querySelectorAll("#inspector-bytes .byte").length === 100`, 10*time.Second, "the inspector did not open")
	clickJS(t, tab, `#inspector-verify`)
	waitJS(t, tab, `document.getElementById("inspector-verify-result").classList.contains("ok")`, 10*time.Second, "verify did not run")
	clickJS(t, tab, `#inspector-tamper`)
	waitJS(t, tab, `document.querySelectorAll("#tamper-blocks li.block").length >= 1`, 10*time.Second, "tamper mode did not start")
	require.Empty(t, evalJS[[]string](t, tab, `__csp`), "the policy blocked something")
}
