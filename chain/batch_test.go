package chain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// recordEvents subscribes to c and returns the events it delivers.
func recordEvents(c *chain.Chain) *[]chain.Event {
	var evs []chain.Event
	c.Subscribe(func(ev chain.Event) { evs = append(evs, ev) })
	return &evs
}

func TestProcessBlocksIsOneEvent(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	var run []*chain.Block
	parent := bld.genesis()
	for range 20 {
		parent = bld.block(parent, 1)
		run = append(run, parent)
	}
	c := chaintest.New(t, p)
	evs := recordEvents(c)
	res, err := c.ProcessBlocks(run, chaintest.Now(p))
	require.NoError(t, err)
	require.Len(t, res.Statuses, 20)
	for _, s := range res.Statuses {
		require.Equal(t, chain.StatusMainChain, s)
	}
	require.Equal(t, 20, res.Stored)
	require.Len(t, *evs, 1, "a batch is reported as one change")
	ev := (*evs)[0]
	require.Equal(t, chain.EventTipChanged, ev.Type)
	require.Equal(t, run, ev.Connected)
	require.Equal(t, run, ev.Stored)
	require.Equal(t, uint64(20), c.Tip().Height)

	// The same batch again: all duplicates, no error, no event.
	res, err = c.ProcessBlocks(run, chaintest.Now(p))
	require.NoError(t, err)
	require.Len(t, res.Statuses, 20)
	require.Zero(t, res.Stored, "duplicates are not stored again")
	require.Len(t, *evs, 1)

	// Orphans and blocks from the future are counted.
	more := bld.block(parent, 1)
	orphan := bld.block(more, 1)
	future := bld.blockAt(parent, chaintest.Now(p).UnixMilli()+p.MaxFutureDriftMs+60_000, 1)
	res, err = c.ProcessBlocks([]*chain.Block{orphan, future}, chaintest.Now(p))
	require.NoError(t, err)
	require.Equal(t, chain.BatchResult{Statuses: []chain.Status{chain.StatusOrphan, chain.StatusFuture}, Orphans: 1, Held: 1}, res)
}

func TestProcessBlocksStopsAtTheFirstBadBlock(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	b1 := bld.block(g, 0)
	b2 := bld.block(b1, 0)
	forged := chaintest.Transfer(bld.ID(), chaintest.Key(0), chaintest.Addr(2), 10, 0, 0)
	forged.Sig[3] ^= 1
	b3 := bld.block(b2, 0, forged) // a bad signature: found by the batch's own check
	b4 := bld.block(b3, 0)

	c := chaintest.New(t, p)
	evs := recordEvents(c)
	res, err := c.ProcessBlocks([]*chain.Block{b1, b2, b3, b4}, chaintest.Now(p))
	require.ErrorIs(t, err, chain.ErrBadSignature)
	require.Equal(t, []chain.Status{chain.StatusMainChain, chain.StatusMainChain, chain.StatusRejected}, res.Statuses)
	require.Equal(t, 2, res.Stored)
	require.Equal(t, b2.Hash(), c.Tip().Hash, "the blocks before the bad one are kept")
	require.Len(t, *evs, 1)
	require.Equal(t, []*chain.Block{b1, b2}, (*evs)[0].Stored)
	_, ok := c.BlockByHash(b4.Hash())
	require.False(t, ok, "nothing after the bad block is processed")

	// A nil block stops the batch too.
	res, err = c.ProcessBlocks([]*chain.Block{nil}, chaintest.Now(p))
	require.ErrorIs(t, err, chain.ErrMalformed)
	require.Equal(t, []chain.Status{chain.StatusRejected}, res.Statuses)
}

// TestStoredListsEveryBlockOfTheTree: side branches and orphans that
// connect later are reported in Stored, parents first; a block found
// invalid while connecting is not.
func TestStoredListsEveryBlockOfTheTree(t *testing.T) {
	p := chaintest.Params()
	bld := newBuilder(t, p)
	g := bld.genesis()
	a1 := bld.block(g, 0)
	a2 := bld.block(a1, 0)
	b1 := bld.block(g, 1)
	b2 := bld.block(b1, 1)
	spend := chaintest.Transfer(bld.ID(), chaintest.Key(3), chaintest.Addr(4), 40, 0, 0)
	b3bad := bld.block(b2, 1, spend) // Key(3) owns nothing: fails when the branch connects

	c := chaintest.New(t, p)
	evs := recordEvents(c)
	now := chaintest.Now(p)
	_, err := c.ProcessBlocks([]*chain.Block{a1, a2}, now)
	require.NoError(t, err)
	_, err = c.ProcessBlock(b2, now) // an orphan: nothing stored yet
	require.NoError(t, err)
	_, err = c.ProcessBlock(b1, now) // b1 arrives, b2 connects: a side branch of equal work
	require.NoError(t, err)
	_, err = c.ProcessBlock(b3bad, now)
	require.ErrorIs(t, err, chain.ErrOverspend)

	require.Len(t, *evs, 2, "a1+a2, then b1+b2; the failed reorg to b3 changes nothing")
	require.Equal(t, []*chain.Block{a1, a2}, (*evs)[0].Stored)
	require.Equal(t, chain.EventStored, (*evs)[1].Type)
	require.Equal(t, []*chain.Block{b1, b2}, (*evs)[1].Stored)
	require.Equal(t, a2.Hash(), c.Tip().Hash)
}
