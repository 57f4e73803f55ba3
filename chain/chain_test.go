package chain_test

import (
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// builder wraps chaintest.Builder with the test.
type builder struct{ *chaintest.Builder }

func newBuilder(t *testing.T, p chain.Params) *builder {
	return &builder{chaintest.NewBuilder(p)}
}

func (b *builder) genesis() *chain.Block { return b.Genesis() }

func (b *builder) block(parent *chain.Block, miner int, txs ...*chain.Tx) *chain.Block {
	return b.Block(parent, miner, txs...)
}

func (b *builder) blockAt(parent *chain.Block, t int64, miner int, txs ...*chain.Tx) *chain.Block {
	return b.BlockAt(parent, t, miner, txs...)
}

func TestForkChoice(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	a1 := bld.block(g, 0)
	a2 := bld.block(a1, 0)
	b2 := bld.block(a1, 1)
	b3 := bld.block(b2, 1)
	a3 := bld.block(a2, 0)
	a4 := bld.block(a3, 0)
	c2 := bld.block(a1, 2) // same work as a2 and b2, seen last

	c := chaintest.New(t, p)
	chaintest.Run(t, c, chaintest.Now(p), []chaintest.Step{
		chaintest.Accepted{Name: "a1 extends genesis", Block: a1, Status: chain.StatusMainChain},
		chaintest.Accepted{Name: "a2 extends a1", Block: a2, Status: chain.StatusMainChain},
		chaintest.Accepted{Name: "b2 ties a2", Block: b2, Status: chain.StatusSideChain},
		chaintest.ExpectedTip{Name: "first seen wins a tie", Block: a2},
		chaintest.Accepted{Name: "b3 gives b the most work", Block: b3, Status: chain.StatusMainChain},
		chaintest.ExpectedTip{Name: "reorg to b3", Block: b3},
		chaintest.Accepted{Name: "a3 ties b3", Block: a3, Status: chain.StatusSideChain},
		chaintest.ExpectedTip{Name: "b3 stays", Block: b3},
		chaintest.Accepted{Name: "c2 on a third branch", Block: c2, Status: chain.StatusSideChain},
		chaintest.Rejected{Name: "b3 again", Block: b3, Rule: chain.ErrDuplicateBlock},
		chaintest.Rejected{Name: "a3 again", Block: a3, Rule: chain.ErrDuplicateBlock},
		chaintest.Accepted{Name: "a4 gives a the most work", Block: a4, Status: chain.StatusMainChain},
		chaintest.ExpectedTip{Name: "reorg back to a", Block: a4},
	})
	require.Equal(t, []*chain.Block{g, a1, a2, a3, a4}, c.MainChain())
	require.Equal(t, uint64(4*50), c.Balance(chaintest.Addr(0)).Balance)
	require.Zero(t, c.Balance(chaintest.Addr(1)).Balance, "b's rewards left with b")
	require.True(t, c.IsMainChain(a2.Hash()))
	require.False(t, c.IsMainChain(b3.Hash()))
	tip := c.Tip()
	require.Equal(t, big.NewInt(5*2), tip.Work, "5 blocks of difficulty 2")
	require.Len(t, c.Tree(), 8)
	recent := c.TreeFrom(3) // a3, b3, a4
	require.Len(t, recent, 3)
	require.Equal(t, []uint64{3, 3, 4}, []uint64{recent[0].Height, recent[1].Height, recent[2].Height})
	require.Equal(t, b3.Hash(), recent[0].Hash, "ordered by height, then arrival")
	require.False(t, recent[0].MainChain)
	require.True(t, recent[1].MainChain)
	require.Equal(t, a2.Hash(), recent[1].Parent)
}

// TestForkChoiceByWorkNotLength: a shorter branch of harder blocks beats a
// longer one of easy blocks.
func TestForkChoiceByWorkNotLength(t *testing.T) {
	p := chaintest.Params()
	p.Difficulty = 4
	p.RetargetInterval = 2
	bld := newBuilder(t, p)
	g := bld.genesis()
	// Difficulty changes at heights 2, 4, 6, … over the blocks since
	// height 1 (see CalcNextDifficulty).
	a1 := bld.blockAt(g, p.GenesisTime+1000, 0)
	a2 := bld.blockAt(a1, a1.Header.Time+1000, 0) // height 2: no interval yet, stays 4
	// Branch a: slow blocks lower the difficulty.
	a3 := bld.blockAt(a2, a2.Header.Time+100_000, 0)
	a4 := bld.blockAt(a3, a3.Header.Time+100_000, 0) // 101 s for 2 s expected: ÷4 → 1
	a5 := bld.blockAt(a4, a4.Header.Time+1000, 0)
	a6 := bld.blockAt(a5, a5.Header.Time+1000, 0) // 101 s again: stays at 1
	// Branch b: fast blocks raise it.
	b3 := bld.blockAt(a2, a2.Header.Time+1, 1)
	b4 := bld.blockAt(b3, b3.Header.Time+1, 1) // 1001 ms for 2000 expected: 4·2000/1001 → 7
	require.Equal(t, []uint64{4, 1, 1, 1}, []uint64{a3.Header.Difficulty, a4.Header.Difficulty, a5.Header.Difficulty, a6.Header.Difficulty})
	require.Equal(t, []uint64{4, 7}, []uint64{b3.Header.Difficulty, b4.Header.Difficulty})

	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	for _, b := range []*chain.Block{a1, a2, a3, a4, a5, a6, b3} {
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	require.Equal(t, uint64(6), c.Tip().Height)
	st, err := c.ProcessBlock(b4, now)
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st, "2 blocks weighing 11 beat 4 weighing 7")
	require.Equal(t, b4.Hash(), c.Tip().Hash)
	require.Equal(t, big.NewInt(4+4+4+4+7), c.Tip().Work)
}

func TestReorgToInvalidBranchKeepsValidTip(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	a1 := bld.block(g, 0) // Key(0) gets 50 on branch a
	b1 := bld.block(g, 1) // on branch b, Key(0) has nothing
	spend := chaintest.Transfer(bld.ID(), chaintest.Key(0), chaintest.Addr(3), 40, 0, 0)
	b2 := bld.block(b1, 1, spend) // an overspend on b, found only when b connects
	b3 := bld.block(b2, 1)
	b2ok := bld.block(b1, 1)

	c := chaintest.New(t, p)
	var events []chain.Event
	c.Subscribe(func(ev chain.Event) {
		if ev.Type != chain.EventStored { // side branches growing are not tip changes
			events = append(events, ev)
		}
	})
	chaintest.Run(t, c, chaintest.Now(p), []chaintest.Step{
		chaintest.Accepted{Name: "a1", Block: a1, Status: chain.StatusMainChain},
		chaintest.Accepted{Name: "b1 ties", Block: b1, Status: chain.StatusSideChain},
		chaintest.Rejected{Name: "b2 overspends when connected", Block: b2, Rule: chain.ErrOverspend},
		chaintest.ExpectedTip{Name: "still a1", Block: a1},
		chaintest.Rejected{Name: "b2 again gives the same rule", Block: b2, Rule: chain.ErrOverspend},
		chaintest.Rejected{Name: "child of b2", Block: b3, Rule: chain.ErrInvalidAncestor},
		chaintest.Accepted{Name: "a valid b2", Block: b2ok, Status: chain.StatusMainChain},
		chaintest.ExpectedTip{Name: "b wins with a valid block", Block: b2ok},
	})
	require.Zero(t, c.Balance(chaintest.Addr(0)).Balance)
	require.Equal(t, uint64(100), c.Balance(chaintest.Addr(1)).Balance)
	_, ok := c.BlockByHash(b2.Hash())
	require.False(t, ok, "an invalid block is not served")
	require.Len(t, events, 2, "a1, then the reorg to b2ok; the failed reorg is no event")
	require.Equal(t, chain.EventReorg, events[1].Type)
	require.Equal(t, []*chain.Block{a1}, events[1].Disconnected)
	require.Equal(t, []*chain.Block{b1, b2ok}, events[1].Connected)
}

// TestFailedReorgFallsBackToBestValid: when the branch fails halfway,
// its valid part may still be the best chain.
func TestFailedReorgFallsBackToBestValid(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	a1 := bld.block(g, 0)
	b1 := bld.block(g, 1)
	b2 := bld.block(b1, 1)
	b3 := bld.block(b2, 1, chaintest.Transfer(bld.ID(), chaintest.Key(0), chaintest.Addr(3), 1, 0, 0))

	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	for _, b := range []*chain.Block{a1, b1} {
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	// b3 arrives before b2: an orphan.
	st, err := c.ProcessBlock(b3, now)
	require.NoError(t, err)
	require.Equal(t, chain.StatusOrphan, st)
	require.Equal(t, []chain.Hash{b2.Hash()}, c.MissingParents())
	// b2 connects, then b3 fails; b2 has more work than a1, so b2 is the tip.
	st, err = c.ProcessBlock(b2, now)
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st)
	require.Equal(t, b2.Hash(), c.Tip().Hash)
	_, err = c.ProcessBlock(b3, now)
	require.ErrorIs(t, err, chain.ErrOverspend)
	require.Empty(t, c.MissingParents())
}

func TestOrphans(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	b1 := bld.block(g, 0)
	b2 := bld.block(b1, 0)
	b3 := bld.block(b2, 0)
	x2 := bld.block(b1, 1)

	c := chaintest.New(t, p)
	var events []chain.Event
	c.Subscribe(func(ev chain.Event) {
		if ev.Type != chain.EventStored { // side branches growing are not tip changes
			events = append(events, ev)
		}
	})
	chaintest.Run(t, c, chaintest.Now(p), []chaintest.Step{
		chaintest.Accepted{Name: "b3 is an orphan", Block: b3, Status: chain.StatusOrphan},
		chaintest.Accepted{Name: "x2 is an orphan", Block: x2, Status: chain.StatusOrphan},
		chaintest.Accepted{Name: "b2 is an orphan", Block: b2, Status: chain.StatusOrphan},
		chaintest.Rejected{Name: "b2 again", Block: b2, Rule: chain.ErrDuplicateBlock},
	})
	require.Equal(t, []chain.Hash{b1.Hash()}, c.MissingParents(), "ask only for the root")
	orphans, _ := c.Orphans()
	require.Equal(t, 3, orphans)
	require.Empty(t, events)

	st, err := c.ProcessBlock(b1, chaintest.Now(p))
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st)
	require.Equal(t, b3.Hash(), c.Tip().Hash)
	require.True(t, c.IsMainChain(b2.Hash()))
	_, ok := c.BlockByHash(x2.Hash())
	require.True(t, ok, "x2 is a side block now")
	orphans, _ = c.Orphans()
	require.Zero(t, orphans)
	require.Empty(t, c.MissingParents())
	require.Len(t, events, 1, "one call, one event")
	require.Equal(t, []*chain.Block{b1, b2, b3}, events[0].Connected)
}

func TestOrphanPoolIsBounded(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	var orphans []*chain.Block
	for i := range 4 {
		b1 := bld.block(g, i)
		orphans = append(orphans, bld.block(b1, i))
	}
	c, err := chain.New(chain.Config{Params: p, MaxOrphans: 3})
	require.NoError(t, err)
	for _, o := range orphans {
		st, err := c.ProcessBlock(o, chaintest.Now(p))
		require.NoError(t, err)
		require.Equal(t, chain.StatusOrphan, st)
	}
	n, _ := c.Orphans()
	require.Equal(t, 3, n)
	missing := c.MissingParents()
	require.Len(t, missing, 3)
	require.NotContains(t, missing, orphans[0].Header.PrevHash, "the oldest orphan was dropped")
}

func TestFutureBlockIsHeldAndRetried(t *testing.T) {
	p := chaintest.Params()
	c := chaintest.New(t, p)
	g := c.Genesis()
	now := time.UnixMilli(g.Header.Time + 10_000)
	far := now.UnixMilli() + p.MaxFutureDriftMs + 1
	b1 := chaintest.NextBlockAt(c, g, far, chaintest.Addr(0))

	st, err := c.ProcessBlock(b1, now)
	require.NoError(t, err)
	require.Equal(t, chain.StatusFuture, st)
	require.Equal(t, uint64(0), c.Tip().Height)
	_, err = c.ProcessBlock(b1, now)
	require.ErrorIs(t, err, chain.ErrDuplicateBlock)
	at, ok := c.NextFutureTime()
	require.True(t, ok)
	require.Equal(t, far-p.MaxFutureDriftMs, at.UnixMilli())

	require.Zero(t, c.RetryFuture(now), "still too early")
	require.Equal(t, 1, c.RetryFuture(at))
	require.Equal(t, b1.Hash(), c.Tip().Hash)
	_, ok = c.NextFutureTime()
	require.False(t, ok)

	// A held block also connects on the next ProcessBlock after its time.
	b2 := chaintest.NextBlockAt(c, b1, far+p.MaxFutureDriftMs+1000, chaintest.Addr(0))
	st, err = c.ProcessBlock(b2, at)
	require.NoError(t, err)
	require.Equal(t, chain.StatusFuture, st)
	other := chaintest.NextBlockAt(c, g, g.Header.Time+1, chaintest.Addr(1))
	_, err = c.ProcessBlock(other, time.UnixMilli(b2.Header.Time))
	require.NoError(t, err)
	require.Equal(t, b2.Hash(), c.Tip().Hash)
}

func TestFuturePoolIsBounded(t *testing.T) {
	p := chaintest.Params()
	c, err := chain.New(chain.Config{Params: p, MaxFutureBlocks: 2})
	require.NoError(t, err)
	g := c.Genesis()
	now := time.UnixMilli(g.Header.Time)
	var held []*chain.Block
	for i := range 3 {
		b := chaintest.NextBlockAt(c, g, now.UnixMilli()+p.MaxFutureDriftMs+int64(1000*(3-i)), chaintest.Addr(i))
		st, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
		require.Equal(t, chain.StatusFuture, st)
		held = append(held, b)
	}
	_, n := c.Orphans()
	require.Equal(t, 2, n)
	// The furthest in the future (the first) was dropped.
	at, _ := c.NextFutureTime()
	require.Equal(t, 2, c.RetryFuture(at.Add(time.Hour)))
	tip := c.Tip().Hash
	require.Contains(t, []chain.Hash{held[1].Hash(), held[2].Hash()}, tip)
}

func TestMedianTimePast(t *testing.T) {
	p := chaintest.Params()
	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	g := c.Genesis()
	times := []int64{g.Header.Time} // the accepted chain's times
	// median computes the rule independently: the sorted last 11 times,
	// element len/2.
	median := func() int64 {
		last := append([]int64(nil), times[max(0, len(times)-11):]...)
		slices.Sort(last)
		return last[len(last)/2]
	}
	parent := g
	accepted, refused, earlier := 0, 0, 0
	// Times go up and down; some are at or below the median.
	for _, off := range []int64{5, 3, 9, 4, 8, 2, 7, 6, 10, 1, 11, 12, 5, 13, 14, 15, 8, 16, 17, 9, 18} {
		tm := g.Header.Time + off*1000
		b := chaintest.NextBlockAt(c, parent, tm, chaintest.Addr(0))
		mtp, ok := c.MedianTimePast(parent.Hash())
		require.True(t, ok)
		require.Equal(t, median(), mtp)
		_, err := c.ProcessBlock(b, now)
		if tm <= median() {
			require.ErrorIs(t, err, chain.ErrTimeTooOld, "offset %d", off)
			refused++
			continue
		}
		require.NoError(t, err, "offset %d", off)
		accepted++
		if tm < parent.Header.Time {
			earlier++
		}
		times = append(times, tm)
		parent = b
	}
	require.Greater(t, accepted, 10, "the window slides past genesis")
	require.Greater(t, refused, 3)
	require.Positive(t, earlier, "a block may be earlier than its parent")
}

func TestHalvingBoundary(t *testing.T) {
	p := chaintest.Params()
	p.HalvingInterval = 3
	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	want := map[uint64]uint64{1: 50, 2: 50, 3: 25, 4: 25, 5: 25, 6: 12, 7: 12}
	for h := uint64(1); h <= 7; h++ {
		tip := c.Tip().Block
		if h == 3 || h == 6 {
			// The old reward one block too late is refused.
			b := chaintest.NextBlock(c, tip, chaintest.Addr(0))
			b.Txs[0].Amount = want[h-1]
			_, err := c.ProcessBlock(chaintest.Seal(b), now)
			require.ErrorIs(t, err, chain.ErrBadReward, "height %d", h)
		}
		b := chaintest.NextBlock(c, tip, chaintest.Addr(0))
		require.Equal(t, want[h], b.Txs[0].Amount, "height %d", h)
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	require.Equal(t, uint64(50+50+25+25+25+12+12), c.Balance(chaintest.Addr(0)).Balance)
}

func TestSubsidyAt(t *testing.T) {
	p := chain.PlaygroundParams
	for _, tc := range []struct{ height, want uint64 }{
		{0, 50}, {209, 50}, {210, 25}, {419, 25}, {420, 12}, {630, 6}, {840, 3}, {1050, 1}, {1260, 0}, {210 * 64, 0}, {1<<64 - 1, 0},
	} {
		require.Equal(t, tc.want, p.SubsidyAt(tc.height), "height %d", tc.height)
	}
	p.HalvingInterval = 0
	require.Equal(t, uint64(50), p.SubsidyAt(1_000_000))
}

func TestRetargetBoundary(t *testing.T) {
	p := chaintest.Params()
	p.Difficulty = 16
	p.RetargetInterval = 4
	p.BlockTimeMs = 1000
	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	g := c.Genesis()
	t0 := g.Header.Time + 60_000
	// Blocks 1-3 come every 500 ms: twice as fast as the target.
	b1 := chaintest.NextBlockAt(c, g, t0, chaintest.Addr(0))
	_, err := c.ProcessBlock(b1, now)
	require.NoError(t, err)
	b2 := chaintest.NextBlockAt(c, b1, t0+500, chaintest.Addr(0))
	_, err = c.ProcessBlock(b2, now)
	require.NoError(t, err)
	b3 := chaintest.NextBlockAt(c, b2, t0+1000, chaintest.Addr(0))
	_, err = c.ProcessBlock(b3, now)
	require.NoError(t, err)
	for _, b := range []*chain.Block{b1, b2, b3} {
		require.Equal(t, uint64(16), b.Header.Difficulty, "no retarget before height 4")
	}
	// Height 4 retargets over blocks 1…3 (genesis excluded): 2 intervals,
	// expected 2000 ms, actual 1000 ms → 16 × 2000 / 1000 = 32.
	wrong := chaintest.NextBlockAt(c, b3, t0+1500, chaintest.Addr(0))
	wrong.Header.Difficulty = 16
	_, err = c.ProcessBlock(chaintest.Solve(wrong), now)
	require.ErrorIs(t, err, chain.ErrBadDifficulty)
	b4 := chaintest.NextBlockAt(c, b3, t0+1500, chaintest.Addr(0))
	require.Equal(t, uint64(32), b4.Header.Difficulty)
	_, err = c.ProcessBlock(b4, now)
	require.NoError(t, err)
	// Height 5 keeps its parent's difficulty.
	wrong = chaintest.NextBlockAt(c, b4, t0+2000, chaintest.Addr(0))
	wrong.Header.Difficulty = 16
	_, err = c.ProcessBlock(chaintest.Solve(wrong), now)
	require.ErrorIs(t, err, chain.ErrBadDifficulty)
	b5 := chaintest.NextBlockAt(c, b4, t0+2000, chaintest.Addr(0))
	require.Equal(t, uint64(32), b5.Header.Difficulty)
}

func TestCalcNextDifficulty(t *testing.T) {
	p := chain.TestParams
	p.RetargetInterval = 10
	p.BlockTimeMs = 1000
	// headers[h] is at height h with time 1000·h·speed.
	chainOf := func(n int, step int64, diff uint64) []*chain.Header {
		hs := make([]*chain.Header, n)
		for i := range hs {
			hs[i] = &chain.Header{Height: uint64(i), Time: 1_000_000 + int64(i)*step, Difficulty: diff}
		}
		hs[0].Time = 0 // genesis time is never used
		return hs
	}
	for _, tc := range []struct {
		name   string
		height uint64 // of the child
		step   int64
		diff   uint64
		want   uint64
	}{
		{"not a boundary", 15, 10, 1000, 1000},
		{"first window, on target", 10, 1000, 1000, 1000}, // blocks 1…9: 8 intervals
		{"on target", 20, 1000, 1000, 1000},
		{"twice as fast", 20, 500, 1000, 2000},
		{"twice as slow", 20, 2000, 1000, 500},
		{"much faster: clamped ×4", 20, 1, 1000, 4000},
		{"much slower: clamped ÷4", 20, 100_000, 1000, 250},
		{"never below 1", 20, 100_000, 2, 1},
		{"never above 2^53-1", 20, 1, chain.MaxSafeInteger - 5, chain.MaxSafeInteger},
		{"a third faster rounds down", 30, 750, 1000, 1333},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := chainOf(int(tc.height), tc.step, tc.diff)
			parent := hs[tc.height-1]
			got := chain.CalcNextDifficulty(p, parent, func(h uint64) *chain.Header { return hs[h] })
			require.Equal(t, tc.want, got)
		})
	}
	p.RetargetInterval = 0
	require.Equal(t, uint64(7), chain.CalcNextDifficulty(p, &chain.Header{Height: 9, Difficulty: 7}, nil))
	p.RetargetInterval = 1
	hs := chainOf(4, 250, 100)
	for h, want := range map[uint64]uint64{1: 100, 2: 100, 3: 400} {
		require.Equal(t, want, chain.CalcNextDifficulty(p, hs[h-1], func(h uint64) *chain.Header { return hs[h] }), "height %d", h)
	}
}

func TestReorgUndoMatchesReplay(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	id := bld.ID()
	g := bld.genesis()
	a1 := bld.block(g, 0)
	a2 := bld.block(a1, 1, chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(2), 20, 2, 0))
	a3 := bld.block(a2, 2, chaintest.Transfer(id, chaintest.Key(2), chaintest.Addr(0), 5, 1, 0),
		chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(1), 3, 0, 1))
	b2 := bld.block(a1, 3, chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(3), 7, 0, 0))
	b3 := bld.block(b2, 3)
	b4 := bld.block(b3, 1)

	c := chaintest.New(t, p)
	now := chaintest.Now(p)
	for _, b := range []*chain.Block{a1, a2, a3, b2, b3, b4} {
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	replay := chaintest.New(t, p)
	for _, b := range []*chain.Block{a1, b2, b3, b4} {
		_, err := replay.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	require.Equal(t, replay.Accounts(), c.Accounts())
	require.Equal(t, chain.Account{Balance: 50 - 7, NextSeq: 1}, c.Balance(chaintest.Addr(0)))

	// And back again.
	a4 := bld.block(a3, 0)
	a5 := bld.block(a4, 0)
	for _, b := range []*chain.Block{a4, a5} {
		_, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	replay = chaintest.New(t, p)
	for _, b := range []*chain.Block{a1, a2, a3, a4, a5} {
		_, err := replay.ProcessBlock(b, now)
		require.NoError(t, err)
	}
	require.Equal(t, replay.Accounts(), c.Accounts())
}

func TestLocatorAndBlocksAfter(t *testing.T) {
	p := chaintest.Params()
	c := chaintest.New(t, p)
	blocks := chaintest.Extend(t, c, 30, chaintest.Addr(0))
	loc := c.Locator()
	require.Equal(t, blocks[29].Hash(), loc[0])
	require.Equal(t, c.ID(), loc[len(loc)-1])
	require.Less(t, len(loc), 20)

	other := chaintest.New(t, p)
	for _, b := range blocks[:12] {
		_, err := other.ProcessBlock(b, chaintest.Now(p))
		require.NoError(t, err)
	}
	after := c.BlocksAfter(other.Locator(), 5)
	require.Equal(t, blocks[12:17], after)
	require.Equal(t, blocks[:3], c.BlocksAfter([]chain.Hash{{0xde, 0xad}}, 3))
}

func TestTemplateIsValid(t *testing.T) {
	p := chaintest.Params()
	p.RetargetInterval = 3
	c := chaintest.New(t, p)
	now := time.UnixMilli(p.GenesisTime - 5000) // a clock behind genesis: the template moves past the median
	for range 7 {
		b := chaintest.Solve(c.NewTemplate(chaintest.Addr(0), nil, now))
		st, err := c.ProcessBlock(b, now)
		require.NoError(t, err)
		require.Equal(t, chain.StatusMainChain, st)
	}
	require.Equal(t, uint64(7), c.Tip().Height)
}

func TestEventsDeliveredOutsideTheLock(t *testing.T) {
	p := chaintest.Params()
	c := chaintest.New(t, p)
	var heights []uint64
	c.Subscribe(func(ev chain.Event) {
		heights = append(heights, c.Tip().Height) // calling back in must not deadlock
		require.Equal(t, chain.EventTipChanged, ev.Type)
	})
	unsub := c.Subscribe(func(chain.Event) { t.Error("unsubscribed") })
	unsub()
	chaintest.Extend(t, c, 3, chaintest.Addr(0))
	require.Equal(t, []uint64{1, 2, 3}, heights)
}

func TestConcurrentUse(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	var branches [][]*chain.Block
	for m := range 4 {
		parent := bld.genesis()
		var br []*chain.Block
		for range 8 {
			parent = bld.block(parent, m)
			br = append(br, parent)
		}
		branches = append(branches, br)
	}
	c := chaintest.New(t, p)
	mp := chain.NewMempool(c, chain.MempoolConfig{})
	defer mp.Close()
	var seen sync.Map
	c.Subscribe(func(ev chain.Event) { seen.Store(ev.Hash, true) })
	now := chaintest.Now(p)
	var wg sync.WaitGroup
	for _, br := range branches {
		wg.Go(func() {
			for i := len(br) - 1; i >= 0; i-- { // children first: orphans
				c.ProcessBlock(br[i], now) //nolint:errcheck
				c.Tip()
				c.Locator()
				mp.Template(chaintest.Addr(0), now)
				mp.Add(chaintest.Post(c.ID(), chaintest.Key(i), "", "hi", 0, 0), now) //nolint:errcheck
			}
		})
	}
	wg.Wait()
	tip := c.Tip()
	require.Equal(t, uint64(8), tip.Height)
	_, ok := seen.Load(tip.Hash)
	require.True(t, ok)
	require.Len(t, c.Tree(), 1+4*8)
}
