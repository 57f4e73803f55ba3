//go:build !js

package main

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestTeacherCreatesAndResetsARoom drives the lobby's create-room form and
// the room's admin panel in Chromium: the creating tab keeps the teacher
// token and shows the panel, a student's tab does not; a reset from the
// panel makes the student's tab reload into the new epoch.
func TestTeacherCreatesAndResetsARoom(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := startServer(t, t.TempDir(), func(c *serverConfig) { c.Params.Difficulty = 1 << 22 })
	// poll waits for expr, across the page reloads and navigations that
	// interrupt a poll.
	poll := func(tab context.Context, expr, what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := chromedp.Run(tab, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
			if err == nil {
				return
			}
			// The tabs reload: a predicate may meet a page half loaded (a
			// null element, a destroyed context). Try again until the deadline.
			if time.Now().After(deadline) {
				require.NoError(t, err, what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	teacher := browser
	require.NoError(t, chromedp.Do(teacher,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.WaitEnabled(`[data-testid="create-submit"]`),
		chromedp.SetValue(chromedp.ID("create-name"), "teach"),
		chromedp.SetValue(`input[name="create-subsidy"]`, "30"),
		chromedp.Click(`[data-testid="create-submit"]`),
	))
	poll(teacher, `!document.getElementById("created").hidden && document.getElementById("created-code").textContent === "teach"`,
		"the lobby never showed the new room")
	require.Contains(t, evalJS[string](t, teacher, `document.getElementById("created-url").textContent`), "/r/teach")
	require.NoError(t, chromedp.Do(teacher, chromedp.Click(chromedp.ID("created-open"))))
	poll(teacher, `location.pathname === "/r/teach" && document.getElementById("admin").hidden === false`,
		"the creating tab never showed the admin panel")
	require.Equal(t, uint64(30), ts.room(t, "teach").Params.Subsidy)
	poll(teacher, `!document.getElementById("mine").disabled`, "the teacher's node never started")

	student, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext()) // its own localStorage
	defer cancel()
	require.NoError(t, chromedp.Do(student, chromedp.Navigate(ts.http.URL+"/r/teach")))
	poll(student, `!document.getElementById("mine").disabled`, "the student's node never started")
	hidden, err := chromedp.Run(student, chromedp.Evaluate[bool](`document.getElementById("admin").hidden`))
	require.NoError(t, err)
	require.True(t, hidden, "a student's tab shows the admin panel")

	// The teacher sees both tabs (each can be kicked) and the archive.
	poll(teacher, `document.querySelectorAll("#admin-peers li").length === 3 &&
		document.querySelectorAll("#admin-peers button[data-peer]").length === 2`, "the admin panel never listed the peers")

	require.NoError(t, chromedp.Do(student, chromedp.Evaluate[chromedp.Void](`window.beforeReset = true`)))
	require.NoError(t, chromedp.Do(teacher,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.ID("admin-reset")),
	))
	poll(student, `window.beforeReset === undefined && document.getElementById("room") !== null && JSON.parse(document.getElementById("room").dataset.config).epoch === 1`,
		"the student's tab did not reload after the reset")
	poll(student, `document.getElementById("mine")?.disabled === false && document.querySelectorAll("#peers li").length >= 1`,
		"the student's tab did not rejoin the room")
	poll(teacher, `document.getElementById("admin") !== null && JSON.parse(document.getElementById("room").dataset.config).epoch === 1 && document.getElementById("admin").hidden === false`,
		"the teacher's tab did not reload with its panel")
	require.Equal(t, uint64(1), ts.room(t, "teach").Epoch)
}
