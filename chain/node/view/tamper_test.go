package view_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
)

// hardParams makes the proof of work matter: an edited block fails it
// (1 in 2^16 would pass by luck), and re-mining takes a moment only.
func hardParams() chain.Params {
	p := chain.TestParams
	p.Difficulty = 1 << 16
	return p
}

// tamperNode is a node of hardParams with blocks #1 … #k mined by others.
func tamperNode(t *testing.T, k int) (*node.Node, *view.Model, []*chain.Block) {
	t.Helper()
	p := hardParams()
	c := chaintest.New(t, p)
	blocks := chaintest.Extend(t, c, k, chaintest.Addr(1))
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: "eve", Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	m := view.New(n, view.Config{})
	t.Cleanup(m.Close)
	return n, m, blocks
}

func problems(v *view.TamperView) []string {
	var out []string
	for _, b := range v.Blocks {
		out = append(out, b.Problem)
	}
	return out
}

// waitMined waits until the forged copy is not being re-mined.
func waitMined(t *testing.T, m *view.Model) *view.TamperView {
	t.Helper()
	var v *view.TamperView
	waitFor(t, func() bool { v = m.Snapshot().Tamper; return v != nil && v.Mining == 0 })
	return v
}

// TestTamperBreaksEveryLaterBlockAndRemineRestoresThem is the classic
// lesson: pay block 2's reward to yourself; block 2 and every block after
// it fail their proof of work (each previous-hash follows its forged
// parent); re-mining them in order makes the copy valid; publishing it
// leaves the best chain as it was, since it carries no more work.
func TestTamperBreaksEveryLaterBlockAndRemineRestoresThem(t *testing.T) {
	n, m, blocks := tamperNode(t, 4)
	require.Nil(t, m.Snapshot().Tamper)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 2}))
	v := m.Snapshot().Tamper
	require.Equal(t, uint64(2), v.From)
	require.Len(t, v.Blocks, 3, "#2 … #4")
	require.Equal(t, []string{"", "", ""}, problems(v), "an untouched copy is valid")
	require.Equal(t, blocks[1].Hash().String(), v.Blocks[0].Hash)
	require.Equal(t, v.Blocks[0].Hash, v.Blocks[0].Original)

	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 2, Tx: 0, Field: view.FieldTo, Value: n.Address().String()}))
	v = m.Snapshot().Tamper
	require.Equal(t, []string{"high-hash", "high-hash", "high-hash"}, problems(v), "every block from the edit on")
	require.True(t, v.Blocks[0].Edited)
	require.False(t, v.Blocks[1].Edited)
	require.NotEqual(t, v.Blocks[0].Original, v.Blocks[0].Hash)
	require.Equal(t, v.Blocks[0].Hash, v.Blocks[1].Prev, "the next block's previous-hash follows")
	require.Equal(t, n.Address().String(), v.Blocks[0].Detail.Txs[0].To)
	require.Equal(t, v.Blocks[0].Detail.Merkle[0].Hashes[0], v.Blocks[0].Detail.Txs[0].ID)
	require.True(t, v.Blocks[0].Detail.MerkleOK, "the merkle root follows the content")
	require.False(t, v.Blocks[0].Detail.PowOK)
	require.Equal(t, blocks[3].Hash(), n.Chain().Tip().Hash, "the node's chain is untouched")

	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperMine, Height: 2}))
	v = waitMined(t, m)
	require.Equal(t, []string{"", "high-hash", "high-hash"}, problems(v), "one block re-mined")
	require.Equal(t, v.Blocks[0].Hash, v.Blocks[1].Prev)

	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperMineAll}))
	v = waitMined(t, m)
	require.Equal(t, []string{"", "", ""}, problems(v), "re-mined in order")
	for i := 1; i < len(v.Blocks); i++ {
		require.Equal(t, v.Blocks[i-1].Hash, v.Blocks[i].Prev)
	}
	var mined int
	m.Snapshot() // the log lines below are new ones
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperPublish}))
	s := m.Snapshot()
	require.Equal(t, blocks[3].Hash().String(), s.Tip.Hash, "equal work: the best chain stays")
	var ignored *node.Event
	for _, e := range s.Log {
		if e.Event.Code == view.CodeTamperIgnored {
			ev := e.Event
			ignored = &ev
		}
		if e.Event.Kind == node.EventMined {
			mined++
		}
	}
	require.NotNil(t, ignored, "the log says the forged chain was ignored")
	require.Equal(t, uint64(3), ignored.Count)
	require.Equal(t, ignored.Have, ignored.Want, "the same work")
	require.True(t, s.Tamper.Published)
	var stale int
	for _, x := range s.Stale {
		if x.Invalid == "" {
			stale++
		}
	}
	require.Equal(t, 3, stale, "the forged blocks are a side branch now")
}

// TestTamperWithMoreWorkWins: a forged copy extended past the tip and
// re-mined carries more work: publishing it makes it the best chain.
func TestTamperWithMoreWorkWins(t *testing.T) {
	n, m, blocks := tamperNode(t, 3)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 3}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 3, Tx: 0, Field: view.FieldTo, Value: n.Address().String()}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperExtend}))
	v := m.Snapshot().Tamper
	require.Len(t, v.Blocks, 2)
	require.Empty(t, v.Blocks[1].Original, "an extension copies nothing")
	require.Equal(t, "eve", v.Blocks[1].MinerName)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperMineAll}))
	waitMined(t, m)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperPublish}))
	s := m.Snapshot()
	require.Equal(t, uint64(4), s.Tip.Height)
	require.NotEqual(t, blocks[2].Hash().String(), s.Blocks[1].Hash, "block 3 was replaced")
	require.Equal(t, 2*chain.TestParams.Subsidy, s.Wallet.Balance, "both rewards are eve's now")
	var won bool
	for _, e := range s.Log {
		won = won || e.Event.Code == view.CodeTamperWon
	}
	require.True(t, won)
}

// TestTamperedTransferBreaksItsSignature: editing a transfer's amount
// breaks its signature, which re-mining does not repair; publishing is
// refused in the log with the rule.
func TestTamperedTransferBreaksItsSignature(t *testing.T) {
	p := hardParams()
	c := chaintest.New(t, p)
	chaintest.Extend(t, c, 1, chaintest.Addr(1))
	pay := chaintest.Transfer(c.ID(), chaintest.Key(1), chaintest.Addr(2), 10, 0, 0)
	b := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(1), pay)
	_, err := c.ProcessBlock(b, chaintest.Now(p))
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	m := view.New(n, view.Config{})
	defer m.Close()

	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 2}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 2, Tx: 1, Field: view.FieldAmount, Value: "1000"}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperMineAll}))
	v := waitMined(t, m)
	require.Equal(t, []string{"bad-signature"}, problems(v), "mining does not repair a signature")
	require.Equal(t, uint64(1000), v.Blocks[0].Detail.Txs[1].Amount)

	// Setting it back repairs it.
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 2, Tx: 1, Field: view.FieldAmount, Value: "10"}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 2, Tx: 1, Field: view.FieldMemo, Value: "changed"}))
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperMineAll}))
	v = waitMined(t, m)
	require.Equal(t, []string{"bad-signature"}, problems(v), "the memo is signed too")

	m.Snapshot()
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperPublish}))
	s := m.Snapshot()
	require.Equal(t, b.Hash().String(), s.Tip.Hash)
	var refused bool
	for _, e := range s.Log {
		refused = refused || (e.Event.Kind == node.EventRefused && e.Event.Code == "bad-signature" && e.Event.Height == 2)
	}
	require.True(t, refused, "the log says why the forged block was not published: %+v", s.Log)
	require.Len(t, s.Stale, 0, "nothing was stored")
}

// TestTamperRefusals: bad commands change nothing and say why.
func TestTamperRefusals(t *testing.T) {
	_, m, _ := tamperNode(t, 2)
	require.ErrorIs(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 1}), view.ErrTamperOff)
	require.ErrorIs(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 0}), view.ErrTamperGenesis)
	require.ErrorIs(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 9}), view.ErrTamperNoBlock)
	require.Nil(t, m.Snapshot().Tamper)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperStart, Height: 1}))
	before := m.Snapshot().Tamper
	for _, cmd := range []view.TamperCommand{
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldAmount, Value: "-1"},
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldAmount, Value: "9007199254740992"},
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldTo, Value: "nothex"},
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldMemo, Value: string(make([]byte, chain.MaxMemoBytes+1))},
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldMemo, Value: "\xff"},
		{Op: view.TamperEdit, Height: 1, Tx: 5, Field: view.FieldMemo, Value: "x"},
		{Op: view.TamperEdit, Height: 1, Tx: 0, Field: "nonce", Value: "1"},
	} {
		require.ErrorIs(t, m.Tamper(cmd), view.ErrTamperBadValue, "%+v", cmd)
		v := m.Snapshot().Tamper
		require.Equal(t, "tamper-bad-value", v.Error)
		require.Equal(t, before.Blocks[0].Hash, v.Blocks[0].Hash, "nothing changed")
	}
	require.ErrorIs(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 7}), view.ErrTamperNoBlock)
	require.ErrorIs(t, m.Tamper(view.TamperCommand{Op: "fly"}), view.ErrTamperBadOp)
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperEdit, Height: 1, Tx: 0, Field: view.FieldMemo, Value: "ok"}))
	require.Empty(t, m.Snapshot().Tamper.Error, "a command that succeeds clears the error")
	require.NoError(t, m.Tamper(view.TamperCommand{Op: view.TamperStop}))
	require.Nil(t, m.Snapshot().Tamper)
}
