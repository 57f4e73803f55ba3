package chain_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// prunedRecorder collects what a chain's events report stored and pruned.
type prunedRecorder struct {
	mu     sync.Mutex
	stored map[chain.Hash]bool // reported stored and not pruned since
	pruned []chain.Hash
}

func recordPrunes(c *chain.Chain) *prunedRecorder {
	r := &prunedRecorder{stored: map[chain.Hash]bool{}}
	c.Subscribe(func(ev chain.Event) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, b := range ev.Stored {
			r.stored[b.Hash()] = true
		}
		for _, h := range ev.Pruned {
			if !r.stored[h] {
				panic("pruned a block never reported stored: " + h.String())
			}
			delete(r.stored, h)
			r.pruned = append(r.pruned, h)
		}
	})
	return r
}

func (r *prunedRecorder) take() []chain.Hash {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.pruned
	r.pruned = nil
	return out
}

func hashes(bs []*chain.Block) []chain.Hash {
	out := make([]chain.Hash, len(bs))
	for i, b := range bs {
		out[i] = b.Hash()
	}
	return out
}

// A side branch is forgotten once its highest block is more than
// PruneDepth below the tip, and reported pruned; one still growing near
// the tip is kept whole; the best chain is never pruned; and the stored
// blocks minus the pruned ones replay into the same tree.
func TestStaleSideBranchesArePruned(t *testing.T) {
	const depth = 5
	p := chaintest.Params()
	c, err := chain.New(chain.Config{Params: p, PruneDepth: depth})
	require.NoError(t, err)
	rec := recordPrunes(c)
	bld := chaintest.NewBuilder(p)
	now := chaintest.Now(p)
	process := func(bs ...*chain.Block) {
		t.Helper()
		_, err := c.ProcessBlocks(bs, now)
		require.NoError(t, err)
	}

	main := bld.Chain(bld.Genesis(), 4, 0)
	process(main...)
	stale := bld.Chain(main[0], 2, 1) // heights 2–3: loses
	process(stale...)
	live := bld.Chain(main[0], 3, 2) // heights 2–4: will keep growing
	process(live...)
	require.Equal(t, main[3].Hash(), c.Tip().Hash)
	require.Empty(t, rec.take())

	main = append(main, bld.Chain(main[3], 4, 0)...) // tip #8: limit 3, the stale branch's top
	process(main[4:]...)
	require.ElementsMatch(t, hashes(stale), rec.take())
	for _, b := range stale {
		_, ok := c.BlockByHash(b.Hash())
		require.False(t, ok, "pruned")
	}
	for _, b := range live {
		_, ok := c.BlockByHash(b.Hash())
		require.True(t, ok, "its top is within the depth")
	}
	live = append(live, bld.Chain(live[2], 4, 2)...) // the live branch grows to #8, a tie: main stays
	process(live[3:]...)
	require.Equal(t, main[7].Hash(), c.Tip().Hash)
	main = append(main, bld.Chain(main[7], 8, 0)...) // tip #16: limit 11, the live branch is stale now
	process(main[8:]...)
	require.ElementsMatch(t, hashes(live), rec.take())
	require.Len(t, c.MainChain(), 17, "the best chain is never pruned")

	// A stale block sent again is stored and pruned at once: nobody hears of it.
	process(stale[0])
	require.Empty(t, rec.take())
	_, ok := c.BlockByHash(stale[0].Hash())
	require.False(t, ok)

	// What a store keeps (stored minus pruned) replays into the same tree.
	re, err := chain.New(chain.Config{Params: p, PruneDepth: depth})
	require.NoError(t, err)
	var kept []*chain.Block
	for _, b := range c.MainChain()[1:] {
		kept = append(kept, b)
	}
	_, err = re.ProcessBlocks(kept, now)
	require.NoError(t, err)
	require.Equal(t, c.Tree(), re.Tree())
}

// A reorg deeper than PruneDepth leaves the old best chain a stale side
// branch, and it is pruned like any other.
func TestDeepReorgPrunesTheOldBranch(t *testing.T) {
	const depth = 3
	p := chaintest.Params()
	c, err := chain.New(chain.Config{Params: p, PruneDepth: depth})
	require.NoError(t, err)
	rec := recordPrunes(c)
	bld := chaintest.NewBuilder(p)
	now := chaintest.Now(p)
	old := bld.Chain(bld.Genesis(), 5, 0)
	_, err = c.ProcessBlocks(old, now)
	require.NoError(t, err)
	heavier := bld.Chain(bld.Genesis(), 10, 1)
	_, err = c.ProcessBlocks(heavier, now)
	require.NoError(t, err)
	require.Equal(t, heavier[9].Hash(), c.Tip().Hash)
	require.ElementsMatch(t, hashes(old), rec.take(), "the old chain's top #5 is more than 3 below #10")
}

// Negative PruneDepth keeps every block.
func TestPruneDepthNegativeKeepsEverything(t *testing.T) {
	p := chaintest.Params()
	c, err := chain.New(chain.Config{Params: p, PruneDepth: -1})
	require.NoError(t, err)
	bld := chaintest.NewBuilder(p)
	now := chaintest.Now(p)
	side := bld.Chain(bld.Genesis(), 1, 1)
	_, err = c.ProcessBlocks(side, now)
	require.NoError(t, err)
	_, err = c.ProcessBlocks(bld.Chain(bld.Genesis(), 300, 0), now)
	require.NoError(t, err)
	_, ok := c.BlockByHash(side[0].Hash())
	require.True(t, ok)
}
