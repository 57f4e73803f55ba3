//go:build !js

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/relay"
)

// fontCombosJS defines __fontCombos(): every font (family, size, weight,
// style) the page's laid-out text uses, pseudo-elements' included, each
// with a path to one element that uses it; and keeps in __fontsAtLoad
// those of the page's first layout (the frame after DOMContentLoaded,
// before the node's first snapshot).
const fontCombosJS = `globalThis.__fontCombos = () => {
  const out = new Map();
  const add = (cs, where) => { const k = [cs.fontFamily, cs.fontSize, cs.fontWeight, cs.fontStyle].join("|"); if (!out.has(k)) out.set(k, where); };
  for (const el of document.querySelectorAll("body *")) {
    if (el.getClientRects().length === 0) continue;
    const path = [];
    for (let e = el; e && e !== document.body && path.length < 4; e = e.parentElement) path.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".") : ""));
    const where = path.join(" < ");
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
    if (text || el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") add(getComputedStyle(el), where);
    for (const p of ["::before", "::after"]) {
      const cs = getComputedStyle(el, p);
      if (cs.content && cs.content !== "none" && cs.content !== "normal" && cs.content !== '""') add(cs, where + p);
    }
  }
  return [...out].map(([k, where]) => k + " — " + where);
};
document.addEventListener("DOMContentLoaded", () => requestAnimationFrame(() => setTimeout(() => { globalThis.__fontsAtLoad = __fontCombos(); }, 0)));`

// TestFirstRenderNeedsNoNewFont: a fresh tab that syncs a room's blocks
// draws them in fonts its first layout already had (room.templ's
// fontWarm holds a sample of what only the node's snapshots bring): each
// font size the page met first in the render after a snapshot cost that
// frame a round trip to the browser, and the frames after the first
// snapshot were the tab's long tasks (50–115 ms, 13 in 18 fresh tabs,
// against 2 with the sample). A new kind of text in a panel that this
// test names is to be added to fontWarm.
func TestFirstRenderNeedsNoNewFont(t *testing.T) {
	requireWasm(t)
	const k = 60
	room := "fonts"
	p := syncBenchParams(room)
	p.Difficulty = 1 // quick to mine under -race
	c := chaintest.New(t, p)
	blocks := make([]*chain.Block, 0, k)
	for range k {
		b := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(1))
		_, err := c.ProcessBlock(b, time.Now())
		require.NoError(t, err)
		blocks = append(blocks, b)
	}
	dir := t.TempDir()
	seedArchive(t, dir, room, chain.GenesisBlock(p), blocks)
	ts := startServer(t, dir, func(c *serverConfig) { c.Params = p; c.Relay = relay.DefaultConfig() })
	browser := newBrowserFor(t, 3*time.Minute)
	for _, width := range []int64{1280, 360} {
		tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		require.NoError(t, chromedp.Do(tctx, chromedp.EmulateViewport(width, 900), addInitScript(fontCombosJS), addInitScript(tabSyncJS),
			chromedp.Navigate(ts.http.URL+"/r/"+room)))
		waitJS(t, tctx, fmt.Sprintf(`"%d" in __sync.at`, k), time.Minute, "the tab never synced")
		waitJS(t, tctx, `document.querySelectorAll("#blocks li.block").length > 0 && document.querySelectorAll("#tree text").length > 0`, 10*time.Second, "no cards or fork tree")
		time.Sleep(500 * time.Millisecond) // the heavy panels' last render
		load := evalJS[[]string](t, tctx, `globalThis.__fontsAtLoad || []`)
		require.NotEmpty(t, load, "the first layout's fonts were not taken")
		had := map[string]bool{}
		for _, s := range load {
			had[s[:strings.Index(s, " — ")]] = true
		}
		var fresh []string
		for _, s := range evalJS[[]string](t, tctx, `__fontCombos()`) {
			if !had[s[:strings.Index(s, " — ")]] {
				fresh = append(fresh, s)
			}
		}
		require.Empty(t, fresh, "at %d px the synced page uses fonts its first layout did not have", width)
		cancel()
	}
}
