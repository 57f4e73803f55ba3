//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
)

// englishJS lists the English words a page shows (text nodes, and the
// title, placeholder, aria-label and alt attributes) outside what is not
// the page's own words: user content and hashes (the nicknames, peer ids
// and post texts given in allow, hex digits, addresses), the API
// console's JSON and the REST endpoints' names on its buttons, the
// header's bytes in the inspector (hex), the
// language picker's names of languages, the room's code. A word is two
// or more Latin letters; the technical names Chinese text keeps as they
// are (SHA-256, wasm SIMD, JSON, …) are allowed.
const englishJS = `((allow) => {
  const ok = new Set(["Chainplay", "SHA", "SIMD", "wasm", "WebAssembly", "WebCrypto", "Go", "JSON", "API", "REST", "GET", "POST",
    "UTF", "https", "localhost", "kH", "MH", "GH", "TH", "PH", "Web", "Worker", "miner", "sha256", "Sum256", "class", "7b", "PBFT", "mod", ...allow]); // PBFT a name, "v mod n" arithmetic
  const skip = "script, style, #api-output, #api-presets, #lang-picker, .room-name, #api-path, #api-method, .bytes";
  const out = [];
  const check = (text, where) => {
    const cleaned = text
      .replace(/[0-9a-f]{6,}…?/g, " ")        // hashes, addresses, ids
      .replace(/\/[a-z_]+(\/[a-z_{}]+)*/g, " "); // endpoint paths
    for (const w of cleaned.match(/[A-Za-z][A-Za-z0-9]+/g) || []) {
      if (!ok.has(w) && !/^p\d+$/.test(w)) out.push(where + ": “" + w + "” in “" + text.trim().slice(0, 80) + "”");
    }
  };
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement;
    if (!p || p.closest(skip)) continue;
    check(n.textContent, describe(p));
  }
  for (const e of document.querySelectorAll("[title], [placeholder], [aria-label], [alt]")) {
    if (e.closest(skip)) continue;
    for (const a of ["title", "placeholder", "aria-label", "alt"]) if (e.hasAttribute(a)) check(e.getAttribute(a), describe(e) + "[" + a + "]");
  }
  check(document.title, "title");
  return out.slice(0, 30);
})`

// englishOn returns the English words tab shows (englishJS), allow being
// the user content of the test.
func englishOn(t *testing.T, tab context.Context, allow ...string) []string {
	t.Helper()
	raw, err := json.Marshal(append([]string{}, allow...))
	require.NoError(t, err)
	return evalJS[[]string](t, tab, englishJS+"("+string(raw)+")")
}

// TestRoomInChinese: a room page in zh-CN, with the things a class sees
// after a few minutes (blocks mined by a peer and by the tab, a post, a
// transfer, a block open in the inspector, the mempool and the log),
// shows no English word outside user content and hashes; a block with a
// bad nonce posted through the in-tab API console is explained in
// Chinese in the console, and the same block sent by a peer of the room
// is explained in Chinese in the log; screenshots at 360 and 1920 px.
func TestRoomInChinese(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	const room = "zhong"
	ana := ts.joinNative(t, room, "Ana")
	ana.mine(t, 3)
	_, err := ana.Post("", "大家好")
	require.NoError(t, err)
	ana.mine(t, 1)

	tab := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, tab, ts.http.URL+"/r/"+room+"?lang=zh-CN")
	require.Equal(t, "zh-CN", evalJS[string](t, tab, `document.documentElement.lang`))
	rename(t, tab, "Bea")
	mineIn(t, tab)
	waitJS(t, tab, `chainplay.view().wallet.balance === 50`, 30*time.Second, "Bea never got her reward")
	require.NoError(t, chromedp.Do(tab,
		chromedp.SetValue(chromedp.ID("send-amount"), "7"),
		chromedp.Evaluate[chromedp.Void](`(() => {
  const sel = document.getElementById("send-contact");
  sel.value = [...sel.options].find((o) => o.dataset.name === "Ana").value;
  sel.dispatchEvent(new Event("change"));
  document.getElementById("send").click();
})()`)))
	waitJS(t, tab, `document.getElementById("wallet-message").classList.contains("ok")`, 30*time.Second, "the transfer was refused")
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("wallet-message").textContent`), "已向 Ana 转账 7 个币")

	// A block with a bad nonce (its hash above the target), posted
	// through the console as a student would.
	c := ana.Chain()
	bad := chaintest.NextBlock(c, c.Tip().Block, ana.Address())
	for bad.Header.HasProofOfWork() {
		bad.Header.Nonce++
	}
	body, err := json.Marshal(bad)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab,
		chromedp.SetValue(chromedp.ID("api-method"), "POST"),
		chromedp.SetValue(chromedp.ID("api-path"), "/add_block"),
		chromedp.SetValue(chromedp.ID("api-body"), string(body)),
		chromedp.Click(chromedp.ID("api-send")),
	))
	waitJS(t, tab, `document.getElementById("api-explain").textContent !== ""`, 10*time.Second, "the console did not explain the rejection")
	explained := evalJS[string](t, tab, `document.getElementById("api-explain").textContent`)
	require.Contains(t, explained, "它的哈希 "+bad.Hash().String()[:12]+"… 高于目标 ", explained)
	require.Contains(t, explained, "工作量证明不足", explained)
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("api-output").textContent`), `"rule": "high-hash"`, "the API keeps its English error and code")
	// The same block from a peer of the room: the log says why it was
	// rejected.
	mallory := ts.dialRaw(t, room, "Mallory", dialOptions{})
	mallory.send(t, node.TypeBlock, "", bad)
	_, err = chromedp.Run(tab, chromedp.Poll[bool](`[...document.querySelectorAll("#events li")].some((li) => li.textContent.includes("高于目标") && li.textContent.includes("拒绝了来自 Mallory") && li.textContent.includes("区块 #`+
		fmt.Sprint(bad.Height())+`"))`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the log did not explain the rejected block in Chinese: %s",
		evalJS[string](t, tab, `[...document.querySelectorAll("#events li")].map((li) => li.textContent).join("\n")`))

	// The inspector open on block 2.
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.querySelector('#blocks li.block[data-height="2"] button').click()`)))
	waitJS(t, tab, `!document.getElementById("inspector").hidden && document.querySelectorAll("#inspector-bytes .byte").length === 100`, 10*time.Second, "the inspector did not open")

	me := evalJS[string](t, tab, `chainplay.view().wallet.name`)
	// "archive" is the nickname of the server's archive peer.
	allow := []string{"Ana", "Bea", "Mallory", "archive", me, "AN", "BE", room}
	require.Empty(t, englishOn(t, tab, allow...), "English on the zh-CN room page")
	for _, w := range []int64{360, 1920} {
		require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, tab), "the zh-CN room page scrolls sideways at %d px", w)
	}
	require.Empty(t, lowContrast(t, tab), "text below WCAG AA contrast on the zh-CN room page")
	dir := screenshotDir(t)
	screenshots(t, tab, dir, "room-zh-CN", 360, 1920)

	// The lobby and the bench page, in Chinese too.
	lobby := tabFor(t, newTabIn(t, tab), time.Minute)
	for _, page := range []string{"/?lang=zh-CN", "/bench?lang=zh-CN"} {
		require.NoError(t, chromedp.Do(lobby, chromedp.Navigate(ts.http.URL+page)))
		waitJS(t, lobby, `document.documentElement.lang === "zh-CN" && !!document.getElementById("lang-picker").dataset.wired`, 10*time.Second, page+" did not load")
		require.Empty(t, englishOn(t, lobby), "English on %s", page)
	}
	require.NoError(t, chromedp.Do(lobby, chromedp.Navigate(ts.http.URL+"/?lang=zh-CN")))
	waitJS(t, lobby, `document.querySelector(".preset-facts").textContent !== ""`, 10*time.Second, "the lobby did not show its presets")
	screenshots(t, lobby, dir, "lobby-zh-CN", 360, 1920)
}

// TestLanguagePickerKeepsTheNode: switching the language with the picker
// changes the page's words without a reload, and the node in the tab's
// Worker goes on as it was (same identity, same chain, still mining);
// the choice is kept (localStorage and the cookie), so a reload is
// served in it; switching back works.
func TestLanguagePickerKeepsTheNode(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	const room = "picker"
	ana := ts.joinNative(t, room, "Ana")
	ana.mine(t, 2)

	tab := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, tab, ts.http.URL+"/r/"+room)
	require.Equal(t, "en", evalJS[string](t, tab, `document.documentElement.lang`), "the browser's language is English")
	rename(t, tab, "Bea")
	mineIn(t, tab)
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("mine"))))
	waitJS(t, tab, `chainplay.view().extra.miner.mining === true`, 10*time.Second, "the miner did not start")
	type state struct {
		Address string `json:"address"`
		Name    string `json:"name"`
		Height  uint64 `json:"height"`
		Mining  bool   `json:"mining"`
		Log     int    `json:"log"`
	}
	stateJS := `({address: chainplay.address(), name: chainplay.view().wallet.name, height: chainplay.view().tip.height,
	  mining: chainplay.view().extra.miner.mining, log: document.querySelectorAll("#events li").length})`
	before := evalJS[state](t, tab, stateJS)
	require.Greater(t, before.Log, 2)
	require.Equal(t, "Chain", evalJS[string](t, tab, `document.getElementById("chain-title").textContent`))
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.__noReload = true;
	  const p = document.getElementById("lang-picker"); p.value = "zh-CN"; p.dispatchEvent(new Event("change"));`)))
	waitJS(t, tab, `document.documentElement.lang === "zh-CN" && document.getElementById("chain-title").textContent === "区块链"`, 10*time.Second, "the picker did not switch")
	waitJS(t, tab, `/矿工|挖矿|区块/.test(document.getElementById("status").textContent) && /挖/.test(document.getElementById("miner-status").textContent)`,
		10*time.Second, "the status lines did not switch")
	require.True(t, evalJS[bool](t, tab, `window.__noReload === true`), "the page reloaded")
	after := evalJS[state](t, tab, stateJS)
	require.Equal(t, before.Address, after.Address, "the identity changed")
	require.Equal(t, before.Name, after.Name)
	require.GreaterOrEqual(t, after.Height, before.Height, "the chain went back")
	require.True(t, after.Mining, "the miner stopped")
	require.GreaterOrEqual(t, after.Log, before.Log, "the log lost entries")
	logText := evalJS[string](t, tab, `[...document.querySelectorAll("#events li")].slice(-3).map((li) => li.textContent).join("\n")`)
	require.Regexp(t, `\p{Han}`, logText, "the old log entries were not said again in Chinese")
	require.Equal(t, "zh-CN", evalJS[string](t, tab, `localStorage.getItem("chainplay-lang")`))
	require.Contains(t, evalJS[string](t, tab, `document.cookie`), "chainplay-lang=zh-CN")

	// A reload is served in Chinese by the server (the cookie).
	require.NoError(t, chromedp.Do(tab, chromedp.Click(chromedp.ID("stop"))))
	openRoom(t, tab, ts.http.URL+"/r/"+room)
	require.Equal(t, "zh-CN", evalJS[string](t, tab, `document.documentElement.lang`))
	require.Equal(t, before.Address, evalJS[string](t, tab, `chainplay.address()`), "a reload keeps who the tab is")

	// And back to English.
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`const p = document.getElementById("lang-picker"); p.value = "en"; p.dispatchEvent(new Event("change"));`)))
	waitJS(t, tab, `document.documentElement.lang === "en" && document.getElementById("chain-title").textContent === "Chain"`, 10*time.Second, "the picker did not switch back")
	require.Equal(t, "en", evalJS[string](t, tab, `localStorage.getItem("chainplay-lang")`))
}

// overflowJS lists the labels that do not fit: an element whose text is
// clipped (its content wider than its box where it does not scroll or
// wrap), or that sticks out of its panel.
const overflowJS = `(() => {
  const out = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest("[hidden], .visually-hidden, svg, .strip, .tree-box, pre, .skip, option")) continue;
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
    if (!own) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    const cs = getComputedStyle(e);
    const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " “" + e.textContent.trim().slice(0, 40) + "”";
    if (cs.overflowX !== "visible" && e.scrollWidth > e.clientWidth + 1 && !["auto", "scroll"].includes(cs.overflowX)) out.push(name + " clipped");
    const box = e.closest(".panel") || document.querySelector("header.top");
    if (box && box !== e) {
      const b = box.getBoundingClientRect();
      if (r.right > b.right + 1 || r.left < b.left - 1) out.push(name + " sticks out of its panel by " + Math.round(Math.max(r.right - b.right, b.left - r.left)) + " px");
    }
  }
  return out.slice(0, 20);
})()`

// TestPseudoLocaleFits: in the pseudo-locale (every string 40 % longer,
// as a German translation would be), no label overflows at 360 px on the
// room page and the lobby.
func TestPseudoLocaleFits(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	const room = "pseudo"
	ana := ts.joinNative(t, room, "Ana")
	ana.mine(t, 2)
	tab := tabFor(t, sharedTab(t), 2*time.Minute)
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(360, 900)))
	openRoom(t, tab, ts.http.URL+"/r/"+room+"?lang=en-XA")
	require.Equal(t, "en-XA", evalJS[string](t, tab, `document.documentElement.lang`))
	mineIn(t, tab)
	waitJS(t, tab, `document.getElementById("chain-title").textContent.startsWith("Çĥáíñ ")`, 10*time.Second, "the page is not in the pseudo-locale")
	require.NotContains(t, evalJS[string](t, tab, `document.body.innerText`), "Send coins", "an English label escaped the pseudo-locale")
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(360, 900), chromedp.Sleep(150*time.Millisecond)))
	require.Empty(t, horizontalOverflow(t, tab), "the pseudo-locale room page scrolls sideways at 360 px")
	require.Empty(t, evalJS[[]string](t, tab, overflowJS), "labels overflow at 360 px in the pseudo-locale")
	screenshots(t, tab, screenshotDir(t), "room-en-XA", 360)

	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(ts.http.URL+"/?lang=en-XA")))
	waitJS(t, tab, `document.querySelector(".preset-facts").textContent !== ""`, 10*time.Second, "the lobby did not load")
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(360, 900), chromedp.Sleep(150*time.Millisecond)))
	require.Empty(t, horizontalOverflow(t, tab), "the pseudo-locale lobby scrolls sideways at 360 px")
	require.Empty(t, evalJS[[]string](t, tab, overflowJS), "labels overflow in the lobby at 360 px in the pseudo-locale")
	require.False(t, strings.Contains(evalJS[string](t, tab, `document.cookie`), "en-XA"), "the pseudo-locale is never remembered")
}
