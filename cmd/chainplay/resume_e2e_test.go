//go:build !js

package main

import (
	"testing"

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
