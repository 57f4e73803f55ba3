//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// pageParams are the rooms of the page tests: blocks of 2^12 hashes, so a
// hash shows three leading zeros and a tab mines one in a moment.
func pageParams(c *serverConfig) { c.Params.Difficulty = 1 << 12 }

// openRoom opens url in tab and waits until the page has rendered its
// node's first snapshot (the console's Send button turns on then).
func openRoom(t *testing.T, tab context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(url)))
	waitJS(t, tab, `!!document.getElementById("api-send") && !document.getElementById("api-send").disabled`, 30*time.Second, "the room page never started its node")
}

// rename sets the tab's nickname with the identity panel (the tab
// reloads) and waits for the node to run under it.
func rename(t *testing.T, tab context.Context, name string) {
	t.Helper()
	require.NoError(t, chromedp.Do(tab,
		chromedp.WaitEnabled(chromedp.ID("name-set")),
		chromedp.SetValue(chromedp.ID("name-input"), name),
		chromedp.Evaluate[chromedp.Void](`window.__beforeRename = true; document.getElementById("name-set").click()`),
	))
	waitAcross(t, tab, `window.__beforeRename === undefined && !!window.chainplay && !!chainplay.view() && chainplay.view().wallet.name === `+jsString(name),
		30*time.Second, "the tab never came back under its new nickname")
}

// waitAcross polls expr in tab like waitJS, across the reloads that
// interrupt a poll (a destroyed context, a page half loaded).
func waitAcross(t *testing.T, tab context.Context, expr string, timeout time.Duration, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Until(deadline)),
			chromedp.WithPollingInterval(10*time.Millisecond)))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			require.NoError(t, err, "%s (waiting for %s)", msg, expr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// apiCall sends a request to tab's in-tab REST API and returns the
// status and body.
func apiCall(t *testing.T, tab context.Context, method, path string, body any) (int, string) {
	t.Helper()
	raw := ""
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		raw = string(b)
	}
	var out struct {
		Status int    `json:"status"`
		Text   string `json:"text"`
	}
	js := fmt.Sprintf(`chainplay.request(%s, %s, %s).then((r) => ({status: r.status, text: r.text}))`, jsString(method), jsString(path), jsString(raw))
	if raw == "" {
		js = fmt.Sprintf(`chainplay.request(%s, %s).then((r) => ({status: r.status, text: r.text}))`, jsString(method), jsString(path))
	}
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`window.__api = null; `+js+`.then((r) => (window.__api = r))`)))
	waitJS(t, tab, `window.__api !== null`, 30*time.Second, method+" "+path+" never answered")
	v := evalJS[json.RawMessage](t, tab, `window.__api`)
	require.NoError(t, json.Unmarshal(v, &out))
	return out.Status, out.Text
}

// mineIn mines one block in tab (GET /mine) and returns its height.
func mineIn(t *testing.T, tab context.Context) uint64 {
	t.Helper()
	status, text := apiCall(t, tab, "GET", "/mine", nil)
	require.Equal(t, 200, status, text)
	var res struct {
		Index uint64 `json:"index"`
	}
	require.NoError(t, json.Unmarshal([]byte(text), &res))
	return res.Index
}

// sideBlock builds a block on the best chain's block at height h of c
// that the chain does not have: a fork.
func sideBlock(t *testing.T, c *chain.Chain, h uint64, miner chain.Address) *chain.Block {
	t.Helper()
	parent, ok := c.BlockAtHeight(h)
	require.True(t, ok)
	return chaintest.NextBlockAt(c, parent, parent.Header.Time+7, miner)
}

// screenshots writes full-page PNGs of tab at each width to dir, named
// name-WIDTH.png, and logs where.
func screenshots(t *testing.T, tab context.Context, dir, name string, widths ...int64) {
	t.Helper()
	for _, w := range widths {
		require.NoError(t, chromedp.Do(tab,
			chromedp.EmulateViewport(w, 900),
			chromedp.Sleep(150*time.Millisecond), // a frame or two to lay out
		))
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w))
		require.NoError(t, os.WriteFile(file, png, 0o644))
		t.Logf("screenshot %s", file)
	}
	require.NoError(t, chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)))
}

// screenshotDir is where screenshots go: $CHAINPLAY_SCREENSHOTS, or a
// directory of the test's that outlives it (printed).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CHAINPLAY_SCREENSHOTS")
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "chainplay-screenshots-")
		require.NoError(t, err)
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// horizontalOverflow returns the elements wider than the viewport, or ""
// when the page does not scroll sideways.
func horizontalOverflow(t *testing.T, tab context.Context) string {
	t.Helper()
	return evalJS[string](t, tab, `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return "";
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.right > w + 1 && getComputedStyle(e).position !== "absolute" && !e.closest(".strip, .tree-box, pre, .visually-hidden, .skip");
  }).slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + [...e.classList].join(".") + " " + Math.round(e.getBoundingClientRect().right));
  return "scrollWidth " + document.documentElement.scrollWidth + " > " + w + ": " + wide.join(", ");
})()`)
}

// clickJS clicks the element sel by script, once it exists (the page
// renders at most once per animation frame, so a node's view can be ahead
// of the DOM): a page that re-renders while it mines can replace a node
// between chromedp finding and clicking it.
func clickJS(t *testing.T, tab context.Context, sel string) {
	t.Helper()
	waitJS(t, tab, `document.querySelector(`+jsString(sel)+`) !== null`, 10*time.Second, "nothing to click")
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel)+`).click()`)))
}

// lowContrastJS lists the visible text whose contrast with its background
// is below WCAG AA: 4.5:1, or 3:1 for large text (24 px, or 18.7 px bold).
// Disabled controls are exempt (WCAG 1.4.3). The background is the first
// opaque one among the element and its ancestors.
const lowContrastJS = `(() => {
  const rgb = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bgOf = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a >= 0.99) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const out = [];
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest("[hidden], .visually-hidden, svg, :disabled, .skip")) continue;
    const text = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const cs = getComputedStyle(e);
    if (cs.visibility === "hidden" || Number(cs.opacity) < 1) continue;
    const fg = rgb(cs.color), bg = bgOf(e);
    if (!fg) continue;
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + [...e.classList].join(".") + " “" + text.slice(0, 30) + "” " + ratio.toFixed(2) + " < " + need);
  }
  return out.slice(0, 20);
})()`

// lowContrast returns the texts of tab below WCAG AA contrast.
func lowContrast(t *testing.T, tab context.Context) []string {
	t.Helper()
	return evalJS[[]string](t, tab, lowContrastJS)
}
