//go:build !js

package main

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// One headless Chromium for the page's browser tests: starting one costs
// about a second, so tests that can share it do (sharedTab). Each test
// gets a browser context of its own (its own storage: localStorage,
// sessionStorage, IndexedDB), closed when it ends. TestMain stops the
// browser after the last test.
var shared struct {
	once    sync.Once
	browser context.Context // the browser's first tab; nil until started
	cancel  func()
	dir     string
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	removeBinary() // cluster_proc_test.go
	if shared.cancel != nil {
		shared.cancel()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedTab returns the first tab of a new browser context of the shared
// browser, closed when the test ends. More tabs of the same context (the
// same "browser" for the page: one localStorage, separate sessionStorage)
// come from chromedp.NewContext(tab). The tab's actions are bounded by
// the test's wait (see tabFor).
func sharedTab(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "chainplay-chromium-")
		if shared.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(shared.dir),
		)
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		shared.err = chromedp.Do(bctx) // start it
		shared.browser = bctx
		shared.cancel = func() { bcancel(); acancel() }
	})
	require.NoError(t, shared.err, "starting chromium")
	tab, cancel := chromedp.NewContext(shared.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(tab)) // open it
	return tab
}

// newTabIn opens another tab in the browser context of tab.
func newTabIn(t *testing.T, tab context.Context) context.Context {
	t.Helper()
	other, cancel := chromedp.NewContext(tab)
	t.Cleanup(cancel)
	require.NoError(t, chromedp.Do(other))
	return other
}

// tabFor bounds the actions run on tab to d: a derived context that
// still drives the same tab.
func tabFor(t *testing.T, tab context.Context, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, d)
	t.Cleanup(cancel)
	return ctx
}
