package chain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// TestDPoSRoundMissedSlotAndVoteOut: three genesis delegates produce in
// a fixed order; one misses its slot and RecentSlots shows it; the other
// two add stake and the class stands a candidate with more votes than the
// lazy delegate; from the next round the lazy one produces no more, and a
// block it signs is refused as wrong-leader. A vote for an address that
// is not a candidate is refused by name.
func TestDPoSRoundMissedSlotAndVoteOut(t *testing.T) {
	r := newStakeRoom(t, chain.EngineDPoS, 3)
	c, id, now := r.c, r.c.ID(), chaintest.Now(r.c.Params())
	n := uint64(3)

	// Round 1 (slots 3, 4, 5): the order is fixed, by votes then address.
	ranking := c.Delegates()
	require.Len(t, ranking, 3)
	for i, d := range ranking {
		require.Equal(t, uint64(100), d.Votes)
		leader, ok := c.SlotLeader(n + uint64(i))
		require.True(t, ok)
		require.Equal(t, d.Address, leader, "slot %d", n+uint64(i))
	}
	lazy := ranking[2].Address // the last of the tie by address
	lazyKey := chaintest.KeyFor(r.keys, lazy)
	produceAt := func(slot uint64, txs ...*chain.Tx) {
		t.Helper()
		leader, ok := c.SlotLeader(slot)
		require.True(t, ok)
		b, err := c.NewSlotBlock(chaintest.KeyFor(r.keys, leader), txs, slot, nil)
		require.NoError(t, err)
		_, err = c.ProcessBlock(b, now)
		require.NoError(t, err)
		require.Equal(t, b.Hash(), c.Tip().Hash)
	}
	for s := uint64(1); s < 3*n; s++ { // rounds 0 to 2 but the lazy one's slots
		if l, _ := c.SlotLeader(s); l != lazy {
			produceAt(s)
		}
	}
	recent := c.RecentSlots(c.Params().SlotTime(3*n), int(3*n))
	missed := 0
	for _, rec := range recent {
		if rec.Missed() {
			missed++
			require.Equal(t, lazy, rec.Leader, "slot %d", rec.Slot)
		}
	}
	require.Equal(t, 3, missed, "the lazy delegate missed slots 2, 5 and 8")

	// A vote for a non-candidate is refused, in the mempool and in a block.
	diligent := chaintest.KeyFor(r.keys, ranking[0].Address)
	other := chaintest.KeyFor(r.keys, ranking[1].Address)
	student := chaintest.Key(9)
	bad := &chain.Tx{To: chain.VoteAddress, Seq: 0, Time: 1, Memo: chain.KeyAddress(student).String()}
	bad.Sign(id, diligent)
	require.ErrorIs(t, c.CheckStakeTx(bad), chain.ErrVoteNonCandidate)
	slot := c.TipSlot() + 1
	leader, _ := c.SlotLeader(slot)
	blk := chaintest.SlotBlock(c, c.Tip().Block, slot, chaintest.KeyFor(r.keys, leader), nil, bad)
	st, err := c.ProcessBlock(blk, now)
	require.Equal(t, chain.StatusRejected, st)
	require.ErrorIs(t, err, chain.ErrVoteNonCandidate)
	coins := &chain.Tx{To: chain.VoteAddress, Amount: 1, Seq: 0, Time: 1, Memo: lazy.String()}
	coins.Sign(id, diligent)
	require.ErrorIs(t, c.CheckStakeTx(coins), chain.ErrBadVote)

	// The vote-out: the diligent delegates add stake, a student stands.
	seqD, seqO := c.Balance(chain.KeyAddress(diligent)).NextSeq, c.Balance(chain.KeyAddress(other)).NextSeq
	txs := []*chain.Tx{
		chaintest.Transfer(id, diligent, chain.StakeAddress, 20, 0, seqD),
		chaintest.Transfer(id, diligent, chain.KeyAddress(student), 110, 0, seqD+1),
		chaintest.Transfer(id, other, chain.StakeAddress, 20, 0, seqO),
	}
	for s := c.TipSlot() + 1; len(txs) > 0; s++ {
		if l, _ := c.SlotLeader(s); l != lazy {
			produceAt(s, txs...)
			txs = nil
		}
	}
	stand := &chain.Tx{To: chain.CandidateAddress, Seq: 1, Time: 1, Name: "student"}
	stand.Sign(id, student)
	votes := &chain.Tx{To: chain.VoteAddress, Seq: 2, Time: 1, Memo: chain.KeyAddress(student).String()}
	votes.Sign(id, student)
	txs = []*chain.Tx{chaintest.Transfer(id, student, chain.StakeAddress, 110, 0, 0), stand, votes}
	for s := c.TipSlot() + 1; len(txs) > 0; s++ {
		if l, _ := c.SlotLeader(s); l != lazy {
			produceAt(s, txs...)
			txs = nil
		}
	}
	ranking = c.Delegates()
	require.Len(t, ranking, 4)
	require.Equal(t, lazy, ranking[3].Address, "last: 100 votes against 120, 120 and 110")
	require.Equal(t, chain.Delegate{Address: chain.KeyAddress(student), Votes: 110}, ranking[2])

	// From the next round on, the lazy delegate leads no slot.
	next := (c.TipSlot()/n + 1) * n
	for s := next; s < next+2*n; s++ {
		l, ok := c.SlotLeader(s)
		require.True(t, ok)
		require.NotEqual(t, lazy, l, "slot %d", s)
	}
	st, err = c.ProcessBlock(chaintest.SlotBlock(c, c.Tip().Block, next, lazyKey, nil), now)
	require.Equal(t, chain.StatusRejected, st)
	require.ErrorIs(t, err, chain.ErrWrongLeader)
}

// TestMempoolRefusesAVoteForANonCandidate: the mempool asks the stake
// rules before it takes a transaction.
func TestMempoolRefusesAVoteForANonCandidate(t *testing.T) {
	r := newStakeRoom(t, chain.EngineDPoS, 3)
	m := chain.NewMempool(r.c, chain.DefaultMempoolConfig())
	bad := &chain.Tx{To: chain.VoteAddress, Time: 1, Memo: chaintest.Addr(5).String()}
	bad.Sign(r.c.ID(), r.keys[0])
	require.ErrorIs(t, m.Add(bad, chaintest.Now(r.c.Params())), chain.ErrVoteNonCandidate)
	require.Zero(t, m.Len())
	good := &chain.Tx{To: chain.VoteAddress, Time: 1, Memo: chain.KeyAddress(r.keys[1]).String()}
	good.Sign(r.c.ID(), r.keys[0])
	require.NoError(t, m.Add(good, chaintest.Now(r.c.Params())))
}
