//go:build !js

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestIdentityPerTab: each tab is its own wallet, kept across a reload
// with its chain; a duplicated tab (it copies sessionStorage) notices the
// live tab with the same key and takes a wallet of its own; a wallet file
// moves a wallet to another browser; "use my saved wallet" moves it to
// another tab, and the tab that had it takes a new one.
func TestIdentityPerTab(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	url := ts.http.URL + "/r/ids"
	a := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, a, url)
	rename(t, a, "Ana")
	addrA := evalJS[string](t, a, `chainplay.address()`)
	mineIn(t, a)
	waitJS(t, a, `chainplay.view().tip.height === 1`, 30*time.Second, "Ana never mined")
	tip := evalJS[string](t, a, `chainplay.view().tip.hash`)

	// A reload keeps who Ana is, and her chain.
	require.NoError(t, chromedp.Do(a, chromedp.Reload()))
	waitAcross(t, a, `!!window.chainplay && !!chainplay.view() && chainplay.view().tip.hash === "`+tip+`"`, 30*time.Second, "the reloaded tab lost its chain")
	require.Equal(t, addrA, evalJS[string](t, a, `chainplay.address()`), "a reload keeps the wallet")
	require.Equal(t, "Ana", evalJS[string](t, a, `chainplay.view().wallet.name`))
	require.Equal(t, "50 coins", text(t, a, "wallet-balance"))

	// A duplicate of Ana's tab: its sessionStorage is a copy of hers.
	key := "chainplay-tab-ids"
	stored := evalJS[string](t, a, `sessionStorage.getItem("`+key+`")`)
	dup := tabFor(t, newTabIn(t, a), 3*time.Minute)
	require.NoError(t, chromedp.Do(dup, addInitScript(`if (!sessionStorage.getItem("__copied")) {
  sessionStorage.setItem("__copied", "1");
  sessionStorage.setItem("`+key+`", `+jsString(stored)+`);
}`)))
	require.NoError(t, chromedp.Do(dup, chromedp.Navigate(url)))
	waitAcross(t, dup, `!!window.chainplay && !!chainplay.view() && chainplay.address() !== "`+addrA+`" &&
		document.getElementById("identity-message").textContent.startsWith("This tab was a copy")`, 30*time.Second,
		"the duplicated tab kept Ana's wallet")
	require.Equal(t, addrA, evalJS[string](t, a, `chainplay.address()`), "the original tab keeps its wallet")

	// A wallet file takes Ana's wallet to another browser.
	seed := evalJS[string](t, a, `chainplay.seed()`)
	file := filepath.Join(t.TempDir(), "ana.json")
	raw, err := json.Marshal(map[string]any{"format": "chainplay-wallet", "version": 1, "address": addrA, "name": "Ana", "room": "ids", "seed": seed})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	other := tabFor(t, sharedTab(t), 3*time.Minute) // another browser context: another browser, for the page
	openRoom(t, other, url)
	require.NotEqual(t, addrA, evalJS[string](t, other, `chainplay.address()`))
	require.NoError(t, chromedp.Do(other, chromedp.SetUploadFiles(chromedp.ID("wallet-import"), []string{file})))
	waitAcross(t, other, `!!window.chainplay && !!chainplay.view() && chainplay.address() === "`+addrA+`"`, 30*time.Second, "the import did not take the wallet")
	waitJS(t, other, `document.getElementById("wallet-balance").textContent === "50 coins"`, 30*time.Second, "the imported wallet lost its coins")
	require.Equal(t, "Ana", evalJS[string](t, other, `chainplay.view().wallet.name`))
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":"chainplay-wallet","seed":"zz"}`), 0o600))
	require.NoError(t, chromedp.Do(other, chromedp.SetUploadFiles(chromedp.ID("wallet-import"), []string{bad})))
	waitJS(t, other, `document.getElementById("identity-message").textContent === "That file is not a Chainplay wallet."`, 10*time.Second,
		"a bad wallet file was not refused")
	require.Equal(t, addrA, evalJS[string](t, other, `chainplay.address()`), "a refused file changes nothing")

	// Ana saves her wallet in this browser; a new tab takes it; Ana's tab
	// takes a new one.
	require.NoError(t, chromedp.Do(a, chromedp.Click(chromedp.ID("wallet-save"))))
	waitJS(t, a, `document.getElementById("identity-message").textContent.startsWith("Saved")`, 10*time.Second, "the wallet was not saved")
	d := tabFor(t, newTabIn(t, a), 3*time.Minute)
	openRoom(t, d, url)
	waitJS(t, d, `[...document.getElementById("wallet-saved").options].some((o) => o.value === "`+addrA+`")`, 10*time.Second, "the saved wallet is not offered")
	require.NoError(t, chromedp.Do(d,
		chromedp.SetValue(chromedp.ID("wallet-saved"), addrA),
		chromedp.Click(chromedp.ID("wallet-use")),
	))
	waitAcross(t, d, `!!window.chainplay && !!chainplay.view() && chainplay.address() === "`+addrA+`"`, 30*time.Second, "the new tab did not take the saved wallet")
	waitAcross(t, a, `!!window.chainplay && !!chainplay.view() && chainplay.address() !== "`+addrA+`" &&
		document.getElementById("identity-message").textContent.startsWith("Another tab took")`, 30*time.Second,
		"Ana's old tab kept the wallet another tab took")
}
