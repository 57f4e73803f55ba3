//go:build !js

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestDoubleSpendInTheMerchantsTab: the teacher starts the 51 % double
// spend from the board; Mallory (a server-run peer) pays the student's
// tab, the student mines the payment in and sees it confirmed twice, the
// board draws the race (screenshot at 1920×1080), Mallory releases its
// longer secret branch, and the merchant's tab shows the payment
// double-spent.
func TestDoubleSpendInTheMerchantsTab(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	created := ts.createRoom(t, "heist", map[string]any{"difficulty": 1 << 12, "retarget_interval": 0, "block_time_ms": 3000})

	merchant := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, merchant, ts.http.URL+"/r/heist")
	teacher := tabFor(t, sharedTab(t), 3*time.Minute)
	require.NoError(t, chromedp.Do(teacher,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("chainplay-teacher-heist", `+jsString(created.TeacherToken)+`)`),
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(ts.http.URL+"/r/heist/board"),
	))
	waitJS(t, teacher, `!document.getElementById("scenario-form").hidden && document.querySelectorAll("#board-peer-rows tr[data-peer]").length === 1`,
		30*time.Second, "the board never listed the student")

	body, _ := json.Marshal(map[string]any{"name": "doublespend", "params": map[string]any{"pct": 60, "z": 2, "amount": 10, "seed": 3}})
	req, _ := http.NewRequest("POST", ts.http.URL+"/api/rooms/heist/scenario", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+created.TeacherToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusAccepted, res.StatusCode)

	// Mallory earns its coins and pays: the payment reaches the tab.
	waitJS(t, merchant, `chainplay.view().wallet.history.some((h) => h.dir === "in" && h.amount === 10)`, 60*time.Second,
		"the merchant's tab never saw Mallory's payment")
	waitJS(t, merchant, `document.getElementById("log").textContent.includes("Mallory paid the merchant 10 coins")`, 10*time.Second,
		"the tab's log tells the scenario's step in words")
	for range 2 {
		mineIn(t, merchant)
	}
	waitJS(t, merchant, `chainplay.view().wallet.history.some((h) => h.dir === "in" && h.amount === 10 && h.confirmations >= 2)`, 20*time.Second,
		"the payment confirmed twice")

	waitJS(t, teacher, `document.querySelector("[data-testid=scenario-bars]") !== null`, 20*time.Second, "the board draws the race")
	require.NoError(t, chromedp.Do(teacher,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("scenario").scrollIntoView({block: "center"})`),
		chromedp.Sleep(800*time.Millisecond)))
	png, err := chromedp.Run(teacher, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	file := filepath.Join(screenshotDir(t), "board-doublespend-race-1920x1080.png")
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot %s", file)
	require.Empty(t, horizontalOverflow(t, teacher), "the board at 1920 px")

	// Mallory's secret branch overtakes: the tab reorganises and says so.
	waitJS(t, merchant, `chainplay.view().wallet.history.some((h) => h.dir === "in" && h.amount === 10 && h.status === "double-spent")`, 60*time.Second,
		"the merchant's tab never showed the payment double-spent")
	waitJS(t, merchant, `document.getElementById("wallet").textContent.includes("double-spent")`, 10*time.Second, "the wallet says double-spent")
	waitJS(t, teacher, `document.getElementById("scenario-steps").textContent.includes("Double-spent")`, 10*time.Second, "the board tells the end")
	png, err = chromedp.Run(teacher, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(screenshotDir(t), "board-doublespend-done-1920x1080.png"), png, 0o644))
}
