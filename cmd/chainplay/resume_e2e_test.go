//go:build !js

package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestReloadResumesFromIndexedDB: a tab mines a block, is reloaded, and
// its node resumes from the chain this browser kept in IndexedDB.
func TestReloadResumesFromIndexedDB(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := newTestServer(t, 1<<16)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(ts.URL+"/r/resume")))
	require.NoError(t, chromedp.Do(browser, chromedp.WaitEnabled(chromedp.ID("api-send"))))
	mineOne(t, browser)
	poll(t, browser, `document.getElementById("tip-height").textContent === "1"`, "the tab never mined")
	tip := text(t, browser, "tip-hash")

	require.NoError(t, chromedp.Do(browser, chromedp.Reload()))
	require.NoError(t, chromedp.Do(browser, chromedp.WaitEnabled(chromedp.ID("api-send"))))
	poll(t, browser, `[...document.querySelectorAll("#events li")].some((li) => li.textContent.startsWith("Resumed this browser's copy of the chain at #1 `+tip[:12]+`"))`,
		"the reloaded tab did not resume from IndexedDB")
	require.Equal(t, tip, text(t, browser, "tip-hash"))
}

// TestReloadFetchesOnlyWhatIsNew: a tab synced with a room of 300 blocks
// leaves, 5 more are mined, and it comes back: it resumes at #300 from
// IndexedDB and downloads the 5 new blocks, not the 305.
func TestReloadFetchesOnlyWhatIsNew(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	miner := ts.joinNative(t, "resume2", "miner")
	miner.mine(t, 300)
	browser := newBrowser(t)
	tab := openTab(t, browser, ts.http.URL+"/r/resume2", 1)
	waitJS(t, tab, `document.getElementById("tip-height").textContent === "300"`, 30*time.Second, "the tab never synced")
	first := evalJS[int](t, tab, `__cp.blockAt.filter((b) => b.type === "blocks").reduce((n, b) => n + b.n, 0)`)
	require.Equal(t, 300, first, "the first sync downloads the chain once")

	// The tab leaves, 5 blocks are mined, the tab comes back.
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate("about:blank")))
	miner.mine(t, 5)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(ts.http.URL+"/r/resume2")))
	waitJS(t, tab, `document.getElementById("tip-height").textContent === "305"`, 30*time.Second, "the reloaded tab never caught up")
	// The store is written behind the sync: the tab may have left before
	// its last write, so it resumes at #300 or a little before.
	resumed := evalJS[int](t, tab, `(() => {
  const li = [...document.querySelectorAll("#events li")].find((li) => li.textContent.startsWith("Resumed this browser's copy of the chain at #"));
  return li ? Number(li.textContent.match(/#([0-9,]+)/)[1].replaceAll(",", "")) : -1;
})()`)
	require.GreaterOrEqual(t, resumed, 250, "the reloaded tab did not resume from IndexedDB")
	again := evalJS[int](t, tab, `__cp.blockAt.reduce((n, b) => n + b.n, 0)`)
	require.Equal(t, 305-resumed, again, "after the reload only the blocks it lacks come over the relay (resumed at #%d)", resumed)
}
