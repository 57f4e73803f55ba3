package chain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// poolFixture is a chain where Key(0) and Key(1) hold 50 coins each, and a
// mempool on it.
type poolFixture struct {
	c   *chain.Chain
	mp  *chain.Mempool
	now time.Time
}

func newPool(t *testing.T, cfg chain.MempoolConfig) *poolFixture {
	t.Helper()
	p := chaintest.Params()
	c := chaintest.New(t, p)
	chaintest.Extend(t, c, 1, chaintest.Addr(0))
	chaintest.Extend(t, c, 1, chaintest.Addr(1))
	mp := chain.NewMempool(c, cfg)
	t.Cleanup(mp.Close)
	return &poolFixture{c: c, mp: mp, now: time.UnixMilli(p.GenesisTime + 3_600_000)}
}

func (f *poolFixture) pay(from, to int, amount, fee, seq uint64) *chain.Tx {
	return chaintest.Transfer(f.c.ID(), chaintest.Key(from), chaintest.Addr(to), amount, fee, seq)
}

// mine builds, solves and processes the mempool's template.
func (f *poolFixture) mine(t *testing.T, miner int) *chain.Block {
	t.Helper()
	b := chaintest.Solve(f.mp.Template(chaintest.Addr(miner), time.UnixMilli(f.c.Tip().Block.Header.Time+1000)))
	st, err := f.c.ProcessBlock(b, chaintest.Now(f.c.Params()))
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st)
	return b
}

func TestMempoolAdd(t *testing.T) {
	other := chain.TestParams
	other.Name = "other"
	otherID := chain.GenesisBlock(other).Hash()
	tests := []struct {
		name    string
		pending func(f *poolFixture) []*chain.Tx // added first, must succeed
		tx      func(f *poolFixture) *chain.Tx
		rule    error // nil: accepted
	}{
		{"transfer", nil, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 0) }, nil},
		{"post without coins or fee", nil, func(f *poolFixture) *chain.Tx {
			return chaintest.Post(f.c.ID(), chaintest.Key(7), "newbie", "hello", 0, 0)
		}, nil},
		{"seq chain", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0), f.pay(0, 2, 10, 1, 1)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 2) }, nil},
		{"replacement with a higher fee", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 3, 10, 2, 0) }, nil},
		{"seq gap", nil, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 1) }, chain.ErrSeqGap},
		{"replacement without a higher fee", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 3, 10, 1, 0) }, chain.ErrMempoolConflict},
		{"pending chain overspends", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 30, 0, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 15, 6, 1) }, chain.ErrOverspend},
		{"replacement breaks the rest of the chain", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 0, 0), f.pay(0, 2, 30, 0, 1)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 20, 1, 0) }, chain.ErrOverspend},
		{"unconfirmed coins can't be spent", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(2, 3, 5, 0, 0) }, chain.ErrOverspend},
		{"same transaction twice", func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 0) }, chain.ErrDuplicateTx},
		{"signed for another room", nil, func(f *poolFixture) *chain.Tx {
			return chaintest.Transfer(otherID, chaintest.Key(0), chaintest.Addr(2), 10, 1, 0)
		}, chain.ErrBadSignature},
		{"coinbase", nil, func(f *poolFixture) *chain.Tx {
			return &chain.Tx{To: chaintest.Addr(0), Amount: 50, Seq: 3}
		}, chain.ErrCoinbaseNotAlone},
		{"insane", nil, func(f *poolFixture) *chain.Tx {
			return f.pay(0, 0, 10, 1, 0)
		}, chain.ErrSelfSend},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPool(t, chain.MempoolConfig{})
			var pending []*chain.Tx
			if tc.pending != nil {
				pending = tc.pending(f)
			}
			for _, tx := range pending {
				require.NoError(t, f.mp.Add(tx, f.now))
			}
			tx := tc.tx(f)
			err := f.mp.Add(tx, f.now)
			if tc.rule == nil {
				require.NoError(t, err)
				require.True(t, f.mp.Has(tx.ID()))
				return
			}
			require.ErrorIs(t, err, tc.rule)
			require.True(t, chain.IsRuleError(err))
			if tc.rule != chain.ErrDuplicateTx {
				require.False(t, f.mp.Has(tx.ID()))
			}
			require.Equal(t, len(pending), f.mp.Len())
		})
	}
}

func TestMempoolRefusesConfirmedDoubleSpend(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	tx := f.pay(0, 2, 10, 1, 0)
	require.NoError(t, f.mp.Add(tx, f.now))
	b := f.mine(t, 3)
	require.Equal(t, tx, b.Txs[1])
	require.Zero(t, f.mp.Len(), "mined transactions leave the mempool")
	for _, again := range []*chain.Tx{tx, f.pay(0, 4, 10, 5, 0)} {
		err := f.mp.Add(again, f.now)
		require.ErrorIs(t, err, chain.ErrBadSeq)
	}
	require.Equal(t, uint64(1), f.mp.NextSeq(chaintest.Addr(0)))
}

func TestMempoolTemplateOrder(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	a0 := f.pay(0, 2, 1, 1, 0)
	a1 := f.pay(0, 2, 1, 9, 1) // high fee, but after a0
	b0 := f.pay(1, 2, 1, 5, 0)
	c0 := chaintest.Post(f.c.ID(), chaintest.Key(3), "", "free", 0, 0)
	d0 := f.pay(1, 2, 1, 1, 1) // the same fee as a0, later
	for _, tx := range []*chain.Tx{c0, a0, a1, b0, d0} {
		require.NoError(t, f.mp.Add(tx, f.now))
	}
	require.Equal(t, []*chain.Tx{b0, a0, a1, d0, c0}, f.mp.Txs())
	require.Equal(t, []*chain.Tx{b0, a0}, f.mp.Select(2))
	require.Equal(t, uint64(2), f.mp.NextSeq(chaintest.Addr(0)))

	b := f.mine(t, 5)
	require.Equal(t, uint64(f.c.Params().SubsidyAt(3)+16), b.Txs[0].Amount, "subsidy + fees")
	require.Len(t, b.Txs, 6)
	require.Zero(t, f.mp.Len())
	require.Equal(t, uint64(66), f.c.Balance(chaintest.Addr(5)).Balance)
}

func TestMempoolTemplateRespectsMaxBlockTxs(t *testing.T) {
	p := chaintest.Params()
	p.MaxBlockTxs = 3
	c := chaintest.New(t, p)
	chaintest.Extend(t, c, 1, chaintest.Addr(0))
	mp := chain.NewMempool(c, chain.MempoolConfig{})
	defer mp.Close()
	now := time.UnixMilli(p.GenesisTime)
	for seq := range uint64(5) {
		require.NoError(t, mp.Add(chaintest.Transfer(c.ID(), chaintest.Key(0), chaintest.Addr(1), 1, 1, seq), now))
	}
	b := chaintest.Solve(mp.Template(chaintest.Addr(0), now))
	require.Len(t, b.Txs, 3)
	_, err := c.ProcessBlock(b, chaintest.Now(p))
	require.NoError(t, err)
	require.Equal(t, 3, mp.Len())
}

func TestMempoolBounds(t *testing.T) {
	t.Run("per sender", func(t *testing.T) {
		f := newPool(t, chain.MempoolConfig{MaxPerSender: 2})
		require.NoError(t, f.mp.Add(f.pay(0, 2, 1, 1, 0), f.now))
		require.NoError(t, f.mp.Add(f.pay(0, 2, 1, 1, 1), f.now))
		require.ErrorIs(t, f.mp.Add(f.pay(0, 2, 1, 1, 2), f.now), chain.ErrMempoolFull)
	})
	t.Run("total: a higher fee evicts the cheapest tail", func(t *testing.T) {
		f := newPool(t, chain.MempoolConfig{MaxTxs: 3})
		cheap := f.pay(1, 2, 1, 1, 0)
		require.NoError(t, f.mp.Add(f.pay(0, 2, 1, 3, 0), f.now))
		require.NoError(t, f.mp.Add(f.pay(0, 2, 1, 2, 1), f.now))
		require.NoError(t, f.mp.Add(cheap, f.now))
		free := chaintest.Post(f.c.ID(), chaintest.Key(6), "", "free", 0, 0)
		require.NoError(t, f.mp.Add(free, f.now), "a sender without coins has a share of its own")
		require.ErrorIs(t, f.mp.Add(f.pay(1, 2, 1, 1, 1), f.now), chain.ErrMempoolFull)
		rich := f.pay(0, 3, 1, 5, 2)
		require.NoError(t, f.mp.Add(rich, f.now))
		require.False(t, f.mp.Has(cheap.ID()), "evicted")
		require.True(t, f.mp.Has(free.ID()), "a paying transaction never takes the unfunded share")
		require.Equal(t, 4, f.mp.Len())
		// Now the cheapest tail of another sender is rich's chain (fee 5)…
		require.ErrorIs(t, f.mp.Add(cheap, f.now), chain.ErrMempoolFull)
		// …but replacing needs no room.
		require.NoError(t, f.mp.Add(f.pay(0, 3, 1, 6, 2), f.now))
		require.False(t, f.mp.Has(rich.ID()))
		require.Equal(t, 4, f.mp.Len())
	})
	t.Run("throwaway keys can't lock out a student without coins", func(t *testing.T) {
		const share = 50
		f := newPool(t, chain.MempoolConfig{MaxTxs: 10, MaxUnfundedTxs: share})
		var spam []*chain.Tx
		for i := range share { // fill the unfunded share, one throwaway key per post
			tx := chaintest.Post(f.c.ID(), chain.GenerateKey(), "", "spam", 0, 0)
			require.NoError(t, f.mp.Add(tx, f.now))
			spam = append(spam, tx)
			if i < 10 {
				require.NoError(t, f.mp.Add(f.pay(i%2, 2+i, 1, 1, uint64(i/2)), f.now), "paying transactions have their own share")
			}
		}
		student := chaintest.Post(f.c.ID(), chaintest.Key(9), "ann", "hello class", 0, 0)
		require.NoError(t, f.mp.Add(student, f.now), "a new post always gets in")
		require.True(t, f.mp.Has(student.ID()))
		require.False(t, f.mp.Has(spam[0].ID()), "the oldest post made room")
		require.True(t, f.mp.Has(spam[1].ID()))
		require.Equal(t, share+10, f.mp.Len())
		for range share - 1 { // more spam: the student's post is the last to go
			require.NoError(t, f.mp.Add(chaintest.Post(f.c.ID(), chain.GenerateKey(), "", "spam", 0, 0), f.now))
		}
		require.True(t, f.mp.Has(student.ID()))
		// Mined or evicted, the unfunded share stays bounded through a reorg too.
		f.mine(t, 0)
		require.LessOrEqual(t, f.mp.Len(), share+10)
	})
	t.Run("a duplicate is refused before its signature is verified", func(t *testing.T) {
		f := newPool(t, chain.MempoolConfig{})
		tx := chaintest.Post(f.c.ID(), chaintest.Key(5), "", "once", 0, 0)
		require.NoError(t, f.mp.Add(tx, f.now))
		const copies = 2000
		verify := time.Now()
		for range copies / 10 {
			tx.VerifySignature(f.c.ID())
		}
		perVerify := time.Since(verify) / (copies / 10)
		start := time.Now()
		for range copies {
			require.ErrorIs(t, f.mp.Add(tx, f.now), chain.ErrDuplicateTx)
		}
		perCopy := time.Since(start) / copies
		t.Logf("a duplicate costs %v, a signature check %v", perCopy, perVerify)
		require.Less(t, perCopy, perVerify/2, "duplicates must not be verified")
	})
	t.Run("free transactions are rate limited", func(t *testing.T) {
		f := newPool(t, chain.MempoolConfig{FreeBurst: 2, FreeInterval: time.Minute})
		post := func(seq uint64) *chain.Tx { return chaintest.Post(f.c.ID(), chaintest.Key(8), "", "spam", 0, seq) }
		require.NoError(t, f.mp.Add(post(0), f.now))
		require.NoError(t, f.mp.Add(post(1), f.now))
		require.ErrorIs(t, f.mp.Add(post(2), f.now.Add(59*time.Second)), chain.ErrRateLimited)
		require.NoError(t, f.mp.Add(post(2), f.now.Add(61*time.Second)))
		require.NoError(t, f.mp.Add(f.pay(0, 2, 1, 1, 0), f.now), "paying transactions are not limited")
		require.NoError(t, f.mp.Add(chaintest.Post(f.c.ID(), chaintest.Key(9), "", "other sender", 0, 0), f.now))
	})
}

// TestMempoolThreeDeepReorg: transfers of three disconnected blocks come
// back to the mempool, in a state where they are still valid.
func TestMempoolThreeDeepReorg(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	fork := f.c.Tip().Block
	var sent []*chain.Tx
	for seq := range uint64(3) {
		tx := f.pay(0, 2, 5, 1, seq)
		sent = append(sent, tx)
		require.NoError(t, f.mp.Add(tx, f.now))
		f.mine(t, 3)
	}
	require.Zero(t, f.mp.Len())
	require.Equal(t, uint64(15), f.c.Balance(chaintest.Addr(2)).Balance)
	pending := f.pay(0, 4, 1, 0, 3) // waits on top of the three
	require.NoError(t, f.mp.Add(pending, f.now))

	var events []chain.Event
	f.c.Subscribe(func(ev chain.Event) {
		if ev.Type != chain.EventStored { // side branches growing are not tip changes
			events = append(events, ev)
		}
	})
	parent := fork
	for range 4 {
		b := chaintest.NextBlock(f.c, parent, chaintest.Addr(5))
		_, err := f.c.ProcessBlock(b, chaintest.Now(f.c.Params()))
		require.NoError(t, err)
		parent = b
	}
	require.Equal(t, parent.Hash(), f.c.Tip().Hash)
	require.Len(t, events, 1)
	require.Equal(t, chain.EventReorg, events[0].Type)
	require.Len(t, events[0].Disconnected, 3)
	require.Zero(t, f.c.Balance(chaintest.Addr(2)).Balance)
	require.Equal(t, append(sent, pending), f.mp.Txs(), "the three transfers are back, in seq order, before the pending one")

	// Mining them again confirms them on the new branch.
	b := f.mine(t, 5)
	require.Len(t, b.Txs, 5)
	require.Equal(t, uint64(15), f.c.Balance(chaintest.Addr(2)).Balance)
	require.Zero(t, f.mp.Len())
}

// TestMempoolDoubleSpendOnLosingBranch: a transfer that only the losing
// branch contained, and that conflicts with the winning branch, does not
// come back.
func TestMempoolDoubleSpendOnLosingBranch(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	fork := f.c.Tip().Block
	x := f.pay(0, 2, 10, 1, 0) // to Addr(2): on the losing branch
	y := f.pay(0, 3, 20, 1, 0) // the same seq to Addr(3): on the winning branch
	keep := f.pay(1, 2, 4, 0, 0)
	require.NoError(t, f.mp.Add(x, f.now))
	require.NoError(t, f.mp.Add(keep, f.now))
	lost := f.mine(t, 4)
	require.Len(t, lost.Txs, 3)

	w1 := chaintest.NextBlock(f.c, fork, chaintest.Addr(5), y)
	_, err := f.c.ProcessBlock(w1, chaintest.Now(f.c.Params()))
	require.NoError(t, err)
	require.Equal(t, lost.Hash(), f.c.Tip().Hash, "a tie keeps the first seen")
	w2 := chaintest.NextBlock(f.c, w1, chaintest.Addr(5))
	st, err := f.c.ProcessBlock(w2, chaintest.Now(f.c.Params()))
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st)

	require.Equal(t, []*chain.Tx{keep}, f.mp.Txs(), "x conflicts with y; keep is still valid")
	require.ErrorIs(t, f.mp.Add(x, f.now), chain.ErrBadSeq)
	require.Equal(t, uint64(20), f.c.Balance(chaintest.Addr(3)).Balance)
	require.Zero(t, f.c.Balance(chaintest.Addr(2)).Balance)
}

// TestMempoolDropsWhatABlockInvalidates: a block from elsewhere spends the
// coins a pending chain relied on.
func TestMempoolDropsWhatABlockInvalidates(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	require.NoError(t, f.mp.Add(f.pay(0, 2, 10, 0, 0), f.now))
	require.NoError(t, f.mp.Add(f.pay(0, 2, 10, 0, 1), f.now))
	require.NoError(t, f.mp.Add(f.pay(0, 2, 10, 0, 2), f.now))
	// Another node mined a different seq-0 transfer that spends 45.
	other := f.pay(0, 3, 45, 0, 0)
	b := chaintest.NextBlock(f.c, f.c.Tip().Block, chaintest.Addr(6), other)
	_, err := f.c.ProcessBlock(b, chaintest.Now(f.c.Params()))
	require.NoError(t, err)
	require.Zero(t, f.mp.Len(), "seq 0 is taken, so 1 and 2 can't follow")
	require.Equal(t, uint64(1), f.mp.NextSeq(chaintest.Addr(0)))
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestMempoolChanged(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	ch := f.mp.Changed()
	require.Equal(t, ch, f.mp.Changed(), "one channel per change")
	require.False(t, closed(ch))

	tx := f.pay(0, 2, 10, 1, 0)
	require.NoError(t, f.mp.Add(tx, f.now))
	require.True(t, closed(ch), "an added transaction")

	ch = f.mp.Changed()
	require.False(t, closed(ch), "a new channel for the next change")
	require.ErrorIs(t, f.mp.Add(tx, f.now), chain.ErrDuplicateTx)
	require.ErrorIs(t, f.mp.Add(f.pay(0, 2, 10, 1, 5), f.now), chain.ErrSeqGap)
	require.False(t, closed(ch), "a refused transaction changes nothing")

	require.NoError(t, f.mp.Add(f.pay(0, 2, 10, 2, 0), f.now))
	require.True(t, closed(ch), "a replacement")

	ch = f.mp.Changed()
	f.mine(t, 3)
	require.True(t, closed(ch), "a block that confirms the pending transactions")
	ch = f.mp.Changed()
	f.mine(t, 3)
	require.True(t, closed(ch), "a block on an empty pool: the tip moved")
}

// TestMempoolChangedConcurrent: waiters that take the channel before they
// read the pool never miss a change (run with -race).
func TestMempoolChangedConcurrent(t *testing.T) {
	f := newPool(t, chain.MempoolConfig{})
	const posts = 20
	done := make(chan int)
	for range 4 {
		go func() {
			seen := 0
			for seen < posts {
				ch := f.mp.Changed()
				if seen = f.mp.Len(); seen < posts {
					<-ch
				}
			}
			done <- seen
		}()
	}
	for i := range posts {
		tx := chaintest.Post(f.c.ID(), chaintest.Key(10+i), "", "hi", 0, 0)
		require.NoError(t, f.mp.Add(tx, f.now))
	}
	for range 4 {
		select {
		case n := <-done:
			require.Equal(t, posts, n)
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter missed a change")
		}
	}
}
