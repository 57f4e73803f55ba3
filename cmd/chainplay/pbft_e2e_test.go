//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/chain/pbft"
)

// TestPBFTRoomInTabs: a PBFT room of four seats — three Chromium tabs
// opened with their seat links (#seat=KEY) and one native node (the code
// cmd/node -seat runs) — and the teacher's board.
//   - A transaction commits block 1 in every replica; each tab's phase
//     picture counts exactly the messages the four cores say they sent.
//   - A student's forged fault control is refused by the tabs.
//   - The board's fault switch makes replica 0 (the primary) equivocate:
//     the others change view and all commit the same block 2.
//   - Replica 1's tab (the new primary) is closed: a view change, and the
//     rest commit block 3.
//
// Screenshots of a seat's page and of the board at 360, 1280 and 1920 px.
func TestPBFTRoomInTabs(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	var created createdRoom
	require.Equal(t, http.StatusCreated, ts.call(t, "POST", "/api/rooms", "", map[string]any{"name": "bft", "engine": "pbft", "seats": 4}, &created))
	require.Len(t, created.SeatKeys, 4)

	// Seat 3: a native node, as cmd/node -seat runs it.
	native := ts.joinNative(t, "bft", "native")
	key3, err := chain.KeyFromSeedHex(created.SeatKeys[3])
	require.NoError(t, err)
	seat3, err := native.TakeSeat(node.SeatConfig{Key: key3})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	seatDone := make(chan struct{})
	go func() { defer close(seatDone); _ = seat3.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-seatDone })

	// Seats 0–2: tabs, each in a browser context of its own.
	tabs := make([]context.Context, 3)
	for i := range tabs {
		tabs[i] = tabFor(t, sharedTab(t), 4*time.Minute)
		openRoom(t, tabs[i], ts.http.URL+"/r/bft#seat="+created.SeatKeys[i])
		waitJS(t, tabs[i], fmt.Sprintf(`chainplay.view().pbft && chainplay.view().pbft.me && chainplay.view().pbft.me.seat === %d`, i), 30*time.Second,
			fmt.Sprintf("tab %d never took its seat", i))
		require.NotContains(t, evalJS[string](t, tabs[i], `location.href`), "seat=", "the key leaves the address bar")
		require.True(t, evalJS[bool](t, tabs[i], `document.getElementById("miner").hidden && !document.getElementById("replica").hidden`))
	}
	board := tabFor(t, sharedTab(t), 4*time.Minute)
	seats, err := json.Marshal(created.SeatKeys)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(board,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("chainplay-teacher-bft", `+jsString(created.TeacherToken)+`);
			localStorage.setItem("chainplay-seats-bft", `+jsString(string(seats))+`)`),
		chromedp.Navigate(ts.http.URL+"/r/bft/board"),
	))
	waitJS(t, board, `!document.getElementById("pbft-seats").hidden && document.querySelectorAll("#pbft-seat-list li").length === 4`, 30*time.Second,
		"the board never listed the four seats")

	// Block 1, committed by all four.
	_, err = native.Post("reader", "hello replicas")
	require.NoError(t, err)
	b1 := waitBlock(t, native.Node, 1)
	for i, tab := range tabs {
		waitJS(t, tab, `chainplay.view().tip.hash === `+jsString(b1.Hash().String()), 30*time.Second, fmt.Sprintf("tab %d never committed block 1", i))
	}
	// The picture counts what the cores sent: each tab's own core, and
	// the native seat's (every message a broadcast to n−1 = 3).
	deadline := time.Now().Add(20 * time.Second)
	for {
		sent := 0
		for _, tab := range tabs {
			sent += evalJS[int](t, tab, `(() => { const s = chainplay.view().pbft.me.sent; return s["pre-prepare"] + s.prepare + s.commit })()`)
		}
		st := seat3.Status().Stats
		sent += st.Sent[pbft.KindPrePrepare] + st.Sent[pbft.KindPrepare] + st.Sent[pbft.KindCommit]
		counts := make([]int, len(tabs))
		same := true
		for i, tab := range tabs {
			counts[i] = evalJS[int](t, tab, `Number(document.querySelector('#pbft-blocks li[data-height="1"]')?.dataset.count || -1)`)
			same = same && counts[i] == 3*sent
		}
		if same {
			require.GreaterOrEqual(t, 3*sent, view.PBFTTheory(4))
			break
		}
		require.True(t, time.Now().Before(deadline), "pictures count %v, the cores sent %d messages (×3)", counts, sent)
		time.Sleep(200 * time.Millisecond)
	}
	dir := screenshotDir(t)
	screenshots(t, tabs[2], dir, "pbft-room", 360, 1280, 1920)
	waitJS(t, board, `document.querySelectorAll("#pbft-blocks li.pbft-block").length >= 1 && document.getElementById("pbft-compare-rows").children.length === 4`,
		20*time.Second, "the board never drew block 1 and the comparison")
	for _, w := range []int64{360, 1280, 1920} {
		require.NoError(t, chromedp.Do(board, chromedp.EmulateViewport(w, 900)))
		require.Empty(t, horizontalOverflow(t, board), "the board scrolls sideways at %d px", w)
		require.Empty(t, horizontalOverflow(t, tabs[2]), "the room page scrolls sideways at %d px", w)
	}
	require.Empty(t, lowContrast(t, tabs[2]))
	screenshots(t, board, dir, "pbft-board", 360, 1280, 1920)

	// A student's forged fault control is refused.
	forger, err := node.DialRelay(context.Background(), ts.ws+"/ws/bft", "mallory")
	require.NoError(t, err)
	defer forger.Close()
	_, err = forger.Recv(context.Background())
	require.NoError(t, err)
	forged, err := node.SignControl(chain.GenerateKey(), node.Control{Room: "bft", Epoch: created.Epoch, Seq: 1 << 40, Op: node.CodeControlFault,
		State: node.ControlState{Faults: map[int]string{2: node.FaultCrash}}})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", forged)
	require.NoError(t, err)
	require.NoError(t, forger.Send(context.Background(), m))
	waitJS(t, tabs[2], `document.getElementById("log").textContent.includes("not signed by the room's teacher key")`, 10*time.Second,
		"tab 2 never said it refused the forged control")
	require.Equal(t, "none", evalJS[string](t, tabs[2], `chainplay.view().pbft.me.fault`))
	forger.Close()

	// The board switches replica 0, the primary, to equivocating.
	require.NoError(t, chromedp.Do(board, chromedp.SetValue(`[data-testid="fault-0"]`, "equivocate")))
	clickJS(t, board, `[data-testid="fault-apply-0"]`)
	waitJS(t, tabs[0], `chainplay.view().pbft.me.fault === "equivocate"`, 10*time.Second, "replica 0 never obeyed the fault switch")
	_, err = native.Post("reader", "which block?")
	require.NoError(t, err)
	b2 := waitBlock(t, native.Node, 2)
	require.GreaterOrEqual(t, b2.Cert.View, uint64(1), "the equivocating primary was voted out")
	for i, tab := range tabs {
		waitJS(t, tab, `chainplay.view().tip.hash === `+jsString(b2.Hash().String()), 30*time.Second, fmt.Sprintf("tab %d never committed the same block 2", i))
	}
	require.NoError(t, chromedp.Do(board, chromedp.SetValue(`[data-testid="fault-0"]`, "")))
	clickJS(t, board, `[data-testid="fault-apply-0"]`)
	waitJS(t, tabs[0], `chainplay.view().pbft.me.fault === "none"`, 10*time.Second, "replica 0 never became honest again")

	// The primary's tab is closed: the others change view and go on.
	primary := int(b2.Cert.View % 4)
	var closed int
	switch primary {
	case 3:
		t.Skip("the native seat is the primary; closing a tab tests nothing more") // not with this schedule: view 1
	default:
		closed = primary
	}
	require.NoError(t, chromedp.Cancel(tabs[closed]))
	_, err = native.Post("reader", "anyone left?")
	require.NoError(t, err)
	b3 := waitBlock(t, native.Node, 3)
	require.Greater(t, b3.Cert.View, b2.Cert.View, "a view change replaced the closed primary")
	for i, tab := range tabs {
		if i == closed {
			continue
		}
		waitJS(t, tab, `chainplay.view().tip.hash === `+jsString(b3.Hash().String()), 30*time.Second, fmt.Sprintf("tab %d never committed block 3", i))
		waitJS(t, tab, fmt.Sprintf(`chainplay.view().pbft.view === %d && document.getElementById("pbft").dataset.view === "%d"`, b3.Cert.View, b3.Cert.View),
			10*time.Second, fmt.Sprintf("tab %d does not show view %d", i, b3.Cert.View))
	}
}

// waitBlock waits until n's chain holds a block at height h and returns it.
func waitBlock(t *testing.T, n *node.Node, h uint64) *chain.Block {
	t.Helper()
	var b *chain.Block
	require.Eventually(t, func() bool {
		var ok bool
		b, ok = n.Chain().BlockAtHeight(h)
		return ok
	}, 60*time.Second, 20*time.Millisecond, "no block #%d (at #%d)", h, n.Chain().Tip().Height)
	return b
}
