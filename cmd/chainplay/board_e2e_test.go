//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// TestBoardDrivesAClassroom: a teacher's board tab and two student tabs
// in Chromium. The board's Pause shows a banner in both students' tabs
// and stops their nodes' mining; a forged control from a student is
// refused by both tabs, which say so in their logs; Split makes the two
// tabs' tips diverge while the board draws both branches (screenshots at
// 1920×1080, 1280 and 360 px); Heal, and the board shows the reorg.
func TestBoardDrivesAClassroom(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	created := ts.createRoom(t, "board", map[string]any{"difficulty": 1 << 12, "retarget_interval": 0})

	teacher := tabFor(t, sharedTab(t), 3*time.Minute)
	require.NoError(t, chromedp.Do(teacher,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("chainplay-teacher-board", `+jsString(created.TeacherToken)+`)`),
		chromedp.EmulateViewport(1920, 1080),
	))
	var students []context.Context
	for range 2 {
		s := tabFor(t, sharedTab(t), 3*time.Minute) // a browser context each: two students
		openRoom(t, s, ts.http.URL+"/r/board")
		students = append(students, s)
	}
	require.NoError(t, chromedp.Do(teacher, chromedp.Navigate(ts.http.URL+"/r/board/board")))
	waitJS(t, teacher, `!document.getElementById("controls").hidden && document.querySelectorAll("#board-peer-rows tr[data-peer]").length === 2`,
		30*time.Second, "the board never listed the two students")

	// Pause from the board: both students see the banner and obey.
	clickJS(t, teacher, "#ctl-pause")
	for i, s := range students {
		waitJS(t, s, `!document.getElementById("control-banner").hidden && document.getElementById("control-banner").textContent.includes("paused mining")`,
			10*time.Second, fmt.Sprintf("student %d never showed the pause banner", i))
		require.True(t, evalJS[bool](t, s, `chainplay.view().control.state.paused === true && chainplay.view().control.duty === 0`))
	}
	waitJS(t, teacher, `document.getElementById("board-banner").textContent.includes("paused")`, 10*time.Second, "the board shows the pause")
	clickJS(t, teacher, "#ctl-resume")
	for _, s := range students {
		waitJS(t, s, `document.getElementById("control-banner").hidden`, 10*time.Second, "the banner goes once nothing holds")
	}

	// A student's forged control: refused by every tab, said in its log.
	forger, err := node.DialRelay(context.Background(), ts.ws+"/ws/board", "mallory")
	require.NoError(t, err)
	defer forger.Close()
	_, err = forger.Recv(context.Background())
	require.NoError(t, err)
	forged, err := node.SignControl(chain.GenerateKey(), node.Control{Room: "board", Epoch: created.Epoch, Seq: 1 << 40, Op: "pause", State: node.ControlState{Paused: true}})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", forged)
	require.NoError(t, err)
	require.NoError(t, forger.Send(context.Background(), m))
	for i, s := range students {
		waitJS(t, s, `document.getElementById("log").textContent.includes("not signed by the room's teacher key")`, 10*time.Second,
			fmt.Sprintf("student %d's log never said it refused the forged control", i))
		require.False(t, evalJS[bool](t, s, `chainplay.view().control.state.paused === true`), "student %d obeyed a forgery", i)
	}
	forger.Close()

	// Split: each student mines in their own group; the tips diverge and
	// the board draws both branches.
	clickJS(t, teacher, "#ctl-split")
	for _, s := range students {
		waitJS(t, s, `document.getElementById("control-banner").textContent.includes("split")`, 10*time.Second, "the split banner")
	}
	mineIn(t, students[0])
	mineIn(t, students[1])
	mineIn(t, students[1])
	tip := func(s context.Context) string { return evalJS[string](t, s, `chainplay.view().tip.hash`) }
	waitJS(t, students[1], `chainplay.view().tip.height === 2`, 10*time.Second, "student 1 at #2")
	require.NotEqual(t, tip(students[0]), tip(students[1]), "the groups' tips diverge")
	waitJS(t, teacher, `(() => { const b = chainplayBoard.board(); return b && b.split && b.counts.stale >= 1 && b.tree.lanes >= 2; })()`,
		15*time.Second, "the board never drew both branches")
	dir := screenshotDir(t)
	require.NoError(t, chromedp.Do(teacher, chromedp.EmulateViewport(1920, 1080), chromedp.Sleep(1200*time.Millisecond)))
	png, err := chromedp.Run(teacher, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	file := filepath.Join(dir, "board-split-1920x1080.png")
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot %s", file)
	require.Empty(t, horizontalOverflow(t, teacher), "the board at 1920 px")
	require.Empty(t, lowContrast(t, teacher), "the board's text contrast at 1920 px")
	for _, w := range []int64{1280, 360} {
		require.NoError(t, chromedp.Do(teacher, chromedp.EmulateViewport(w, 900), chromedp.Sleep(300*time.Millisecond)))
		require.Empty(t, horizontalOverflow(t, teacher), "the board at %d px", w)
	}
	screenshots(t, teacher, dir, "board-split", 1280, 360)

	// Heal: the next block joins the room up on the most work.
	clickJS(t, teacher, "#ctl-heal")
	for _, s := range students {
		waitJS(t, s, `!document.getElementById("control-banner").textContent.includes("split")`, 10*time.Second, "the split banner goes")
	}
	mineIn(t, students[1])
	waitJS(t, students[0], `chainplay.view().tip.height === 3`, 15*time.Second, "student 0 reorged onto the longer branch")
	require.Equal(t, tip(students[1]), tip(students[0]), "the room converged")
	waitJS(t, teacher, `(() => { const b = chainplayBoard.board(); return b && !b.split && b.counts.reorgs >= 1; })()`,
		15*time.Second, "the board never showed the reorg")
	waitJS(t, teacher, `document.getElementById("count-reorgs").textContent !== "0" && document.getElementById("board-recent").textContent.includes("Reorg")`,
		10*time.Second, "the board's counters and timeline show the reorg")
	require.NoError(t, chromedp.Do(teacher, chromedp.EmulateViewport(1920, 1080), chromedp.Sleep(1200*time.Millisecond)))
	png, err = chromedp.Run(teacher, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "board-healed-1920x1080.png"), png, 0o644))
}
