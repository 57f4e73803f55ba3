//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// TestStakeRoomPage: the room page of a proof-of-stake or delegated room
// has no Mine button to press in vain (the tab's node builds no signed
// slot blocks): the miner panel gives way to words on who signs the
// room's blocks, in the reader's language.
func TestStakeRoomPage(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	ts.createRoom(t, "pos-page", map[string]any{"engine": "pos", "validators": 2})
	ts.createRoom(t, "dpos-page", map[string]any{"engine": "dpos", "delegates": 3})
	tab := tabFor(t, sharedTab(t), 2*time.Minute)
	for room, want := range map[string]string{"pos-page": "proof-of-stake", "dpos-page": "delegated proof-of-stake"} {
		openRoom(t, tab, ts.http.URL+"/r/"+room)
		waitJS(t, tab, `!document.getElementById("stake").hidden`, 20*time.Second, "no stake panel in "+room)
		require.True(t, evalJS[bool](t, tab, `document.getElementById("miner").hidden`), "%s shows the miner panel", room)
		require.Contains(t, evalJS[string](t, tab, `document.getElementById("stake").textContent`), want)
		waitJS(t, tab, `document.getElementById("tip-difficulty").textContent.startsWith("no mining")`, 20*time.Second, "the chain panel still speaks of mining in "+room)
		require.Contains(t, evalJS[string](t, tab, `document.querySelector('[data-msg^="chain.about"]').dataset.msg`), "chain.about.", "the chain panel says what makes a block valid here")
		require.NotContains(t, evalJS[string](t, tab, `document.querySelector('[data-msg^="mempool.about"]').textContent`), "miner")
	}
	// A tab holding a genesis validator's key signs its slots: the room
	// grows with nobody mining.
	v := ts.createRoom(t, "pos-tab", map[string]any{"engine": "pos", "validators": 1, "block_time_ms": 1000})
	require.Len(t, v.ValidatorKeys, 1)
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem("chainplay-tab-pos-tab", JSON.stringify({seed: `+jsString(v.ValidatorKeys[0])+`, name: "Vera", since: Date.now()}))`)))
	openRoom(t, tab, ts.http.URL+"/r/pos-tab")
	waitJS(t, tab, `chainplay.view().tip.height >= 3`, 30*time.Second, "the validator tab signed no blocks")
	require.False(t, evalJS[bool](t, tab, `chainplay.view().extra.miner.mining`), "nobody mines")
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("blocks").textContent`), "signed by you")

	openRoom(t, tab, ts.http.URL+"/r/pow-page")
	require.False(t, evalJS[bool](t, tab, `!document.getElementById("stake").hidden || document.getElementById("miner").hidden`), "a PoW room keeps its miner")
}

// TestPoSRoomInTabs: a proof-of-stake room of three genesis validators —
// two Chromium tabs opened with their validator links (#seat=KEY) and one
// cmd/node -validator process —
// produces blocks with nobody mining: each of the three signs the slots
// it leads and the others accept them. A tab locks coins of its rewards
// as stake and its panel shows the stake grown; the teacher's board lists
// the validators with their shares and, switched to "double-sign", tab
// 0's validator is proved and slashed. Screenshots of a validator's page
// and of the board at 360, 1280 and 1920 px.
func TestPoSRoomInTabs(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	created := ts.createRoom(t, "stake", map[string]any{"engine": "pos", "validators": 3, "block_time_ms": 1000, "epoch_slots": 4})
	require.Len(t, created.ValidatorKeys, 3)
	key2, err := chain.KeyFromSeedHex(created.ValidatorKeys[2])
	require.NoError(t, err)
	startCmdNode(t, "-room", ts.ws+"/ws/stake", "-validator", writeKeyFile(t, created.ValidatorKeys[2]), "-name", "Nadia", "-http", "")
	archive := ts.archiveNode(t, "stake") // follows the room: every block of the three

	tabs := make([]context.Context, 2)
	addrs := []string{"", "", chain.KeyAddress(key2).String()}
	for i := range tabs {
		tabs[i] = tabFor(t, sharedTab(t), 4*time.Minute)
		openRoom(t, tabs[i], ts.http.URL+"/r/stake#seat="+created.ValidatorKeys[i])
		waitJS(t, tabs[i], fmt.Sprintf(`!!chainplay.view() && !!chainplay.view().stake && chainplay.view().stake.me && chainplay.view().stake.me.genesis === %d`, i),
			30*time.Second, fmt.Sprintf("tab %d is not validator %d", i, i))
		require.NotContains(t, evalJS[string](t, tabs[i], `location.href`), "seat=", "the key leaves the address bar")
		require.True(t, evalJS[bool](t, tabs[i], `document.getElementById("miner").hidden && !document.getElementById("stake").hidden`))
		addrs[i] = evalJS[string](t, tabs[i], `chainplay.address()`)
	}

	// Every validator signs some of the blocks, and everyone agrees.
	signedBy := func() map[string]int {
		out := map[string]int{}
		for _, b := range archive.Chain().MainChain()[1:] {
			out[chain.AddressOf(b.Seal.Producer).String()]++
		}
		return out
	}
	require.Eventually(t, func() bool {
		s := signedBy()
		return s[addrs[0]] > 0 && s[addrs[1]] > 0 && s[addrs[2]] > 0
	}, 90*time.Second, 100*time.Millisecond, "not every validator signed a block: %v", signedBy())
	tip := archive.Chain().Tip()
	for i, tab := range tabs {
		waitJS(t, tab, fmt.Sprintf(`chainplay.view().tip.height >= %d`, tip.Height), 20*time.Second, fmt.Sprintf("tab %d fell behind", i))
		require.False(t, evalJS[bool](t, tab, `chainplay.view().extra.miner.mining`), "tab %d mines", i)
		require.Contains(t, evalJS[string](t, tab, `document.getElementById("stake-slot").textContent`), "Slot")
		require.Equal(t, 3, evalJS[int](t, tab, `document.querySelectorAll("#stake .stake-rows tr").length`))
	}
	for _, ps := range archive.PeerStates() {
		require.False(t, ps.Stats.Mining, "%s mines", ps.Name)
		require.Zero(t, ps.Stats.Rate, "%s reports a hash rate", ps.Name)
	}

	// Tab 0 locks 10 coins of its rewards as stake.
	waitJS(t, tabs[0], `chainplay.view().stake.me.balance >= 10`, 30*time.Second, "tab 0 earned no reward")
	require.NoError(t, chromedp.Do(tabs[0], chromedp.SetValue(chromedp.ID("stake-amount"), "10")))
	clickJS(t, tabs[0], `#stake-lock`)
	waitJS(t, tabs[0], `document.getElementById("stake-message").classList.contains("ok")`, 10*time.Second, "the stake transaction was not sent")
	waitJS(t, tabs[0], `chainplay.view().stake.me.stake === 110`, 30*time.Second, "the stake never grew")
	require.Contains(t, evalJS[string](t, tabs[0], `document.getElementById("history").textContent`), "locked 10 coins as stake")

	// The board: the validators and their links; validator 0 double-signs.
	board := tabFor(t, sharedTab(t), 4*time.Minute)
	keys, err := json.Marshal(created.ValidatorKeys)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(board,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`localStorage.setItem("chainplay-teacher-stake", `+jsString(created.TeacherToken)+`);
			localStorage.setItem("chainplay-seats-stake", `+jsString(string(keys))+`)`),
		chromedp.Navigate(ts.http.URL+"/r/stake/board"),
	))
	waitJS(t, board, `!document.getElementById("stake-board").hidden && document.querySelectorAll("#stake-board .stake-rows tr").length === 3 && document.querySelectorAll("#stake-link-list li").length === 3`,
		30*time.Second, "the board never listed the three validators")
	// The comparison of the engines has this room in the PoS column, and
	// no room yet under the others.
	waitJS(t, board, `(() => { const r = document.querySelectorAll("#engines-rows tr"); return r.length === 5 && r[0].children[3].textContent.startsWith("stake") && r[0].children[1].textContent === "–"; })()`,
		20*time.Second, "the board does not compare the engines")
	require.Contains(t, evalJS[string](t, board, `document.querySelectorAll("#engines-rows tr")[4].children[3].textContent`), "from stake")
	dir := screenshotDir(t)
	screenshots(t, tabs[1], dir, "pos-room", 360, 1280, 1920)
	require.NoError(t, chromedp.Do(board, chromedp.SetValue(`[data-testid="stake-fault-0"]`, "double-sign")))
	clickJS(t, board, `[data-testid="stake-fault-apply-0"]`)
	waitJS(t, board, `document.getElementById("stake-fault-status").classList.contains("ok")`, 10*time.Second, "the fault control failed")
	addr0 := chain.Address{}
	require.NoError(t, addr0.UnmarshalText([]byte(addrs[0])))
	require.Eventually(t, func() bool { return archive.Chain().StakeOf(addr0).Slashed }, 90*time.Second, 100*time.Millisecond,
		"validator 0 signed two blocks of a slot and was never slashed")
	waitJS(t, board, `document.getElementById("stake-lesson-live").textContent.includes("slashed")`, 20*time.Second, "the board does not say who was slashed")
	waitJS(t, tabs[0], `chainplay.view().stake.me.slashed === true`, 20*time.Second, "tab 0 does not know it was slashed")
	screenshots(t, board, dir, "pos-board", 360, 1280, 1920)
}

// TestDPoSVoteInTab: in a delegated room a tab holding a genesis
// delegate's key lists the candidates, moves its stake's vote to another
// one with the vote form, and its panel and history show the vote once a
// block (its own slot's) holds it.
func TestDPoSVoteInTab(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	created := ts.createRoom(t, "dpos-vote", map[string]any{"engine": "dpos", "delegates": 3, "validators": 3, "block_time_ms": 1000})
	require.Len(t, created.ValidatorKeys, 3)
	tab := tabFor(t, sharedTab(t), 3*time.Minute)
	openRoom(t, tab, ts.http.URL+"/r/dpos-vote#seat="+created.ValidatorKeys[0])
	waitJS(t, tab, `!!chainplay.view() && !!chainplay.view().stake && chainplay.view().stake.me.genesis === 0 && document.querySelectorAll("#vote-candidate option").length === 4`,
		30*time.Second, "the tab lists no candidates")
	require.False(t, evalJS[bool](t, tab, `document.getElementById("dpos-forms").hidden`))
	me := evalJS[string](t, tab, `chainplay.address()`)
	other := evalJS[string](t, tab, `[...document.querySelectorAll("#vote-candidate option")].map((o) => o.value).find((v) => v && v !== chainplay.address())`)
	require.NotEmpty(t, other)
	require.NotEqual(t, me, other)
	require.NoError(t, chromedp.Do(tab, chromedp.SetValue(chromedp.ID("vote-candidate"), other)))
	clickJS(t, tab, `#stake-vote`)
	waitJS(t, tab, `document.getElementById("stake-message").classList.contains("ok")`, 10*time.Second, "the vote was not sent")
	waitJS(t, tab, `chainplay.view().stake.me.vote === `+jsString(other), 60*time.Second, "the vote never took effect")
	require.Contains(t, evalJS[string](t, tab, `document.getElementById("history").textContent`), "voted for")
	require.NotContains(t, evalJS[string](t, tab, `document.getElementById("posts").textContent`), other, "a vote is not a post")
}

// startCmdNode builds cmd/node (once per test binary) and runs it with
// args until the test ends.
func startCmdNode(t *testing.T, args ...string) {
	t.Helper()
	cmdNodeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chainplay-cmd-node-")
		if err != nil {
			cmdNodeErr = err
			return
		}
		cmdNodeBin = filepath.Join(dir, "node")
		out, err := exec.Command("go", "build", "-o", cmdNodeBin, "../node").CombinedOutput()
		if err != nil {
			cmdNodeErr = fmt.Errorf("go build ./cmd/node: %v\n%s", err, out)
		}
	})
	require.NoError(t, cmdNodeErr)
	cmd := exec.Command(cmdNodeBin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("cmd/node %v:\n%s", args, out.String())
		}
	})
}

var (
	cmdNodeOnce sync.Once
	cmdNodeBin  string
	cmdNodeErr  error
)

// writeKeyFile writes a key seed (hex) to a file for -validator or -seat.
func writeKeyFile(t *testing.T, seed string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "validator.key")
	require.NoError(t, os.WriteFile(f, []byte(seed+"\n"), 0o600))
	return f
}

// TestLobbyCreatesStakeRooms: the lobby's engine choice makes PoS and
// DPoS rooms (DPoS with its delegates; the validators' count left to the
// server: 3, or 2N+1), keeps the validator keys for the board's links,
// and says where to hand them out.
func TestLobbyCreatesStakeRooms(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), nil)
	tab := tabFor(t, sharedTab(t), 2*time.Minute)
	for _, c := range []struct {
		engine     string
		validators int
	}{{"pos", defaultPoSValidators}, {"dpos", 7}} {
		name := "lobby-" + c.engine
		require.NoError(t, chromedp.Do(tab,
			chromedp.Navigate(ts.http.URL+"/"),
			chromedp.WaitEnabled(`[data-testid="create-submit"]`),
			chromedp.SetValue(chromedp.ID("create-name"), name),
			chromedp.Click(`[data-testid="engine-`+c.engine+`"]`),
		))
		require.False(t, evalJS[bool](t, tab, `document.getElementById("engine-stake").hidden`), "no stake fields for %s", c.engine)
		require.Equal(t, c.engine == "dpos", !evalJS[bool](t, tab, `document.getElementById("engine-delegates").hidden`))
		if c.engine == "dpos" {
			screenshots(t, tab, screenshotDir(t), "lobby-dpos", 360, 1280, 1920)
		}
		require.NoError(t, chromedp.Do(tab, chromedp.Click(`[data-testid="create-submit"]`)))
		waitJS(t, tab, `!document.getElementById("created").hidden && !!document.getElementById("created-seats")`, 10*time.Second, "the lobby never showed the new "+c.engine+" room")
		require.Contains(t, evalJS[string](t, tab, `document.getElementById("created-seats").textContent`), "validator links")
		require.Equal(t, c.validators, evalJS[int](t, tab, `JSON.parse(localStorage.getItem("chainplay-seats-`+name+`")).length`))
		p := ts.room(t, name).Params
		require.Equal(t, c.engine, p.Engine)
		if c.engine == "dpos" {
			require.Equal(t, 3, p.Delegates)
		}
	}
}
