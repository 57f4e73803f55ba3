//go:build !js

package node_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// openPruning opens a node on the store at path whose chain prunes at
// depth.
func openPruning(t *testing.T, path string, depth int) (*node.Node, *node.Store) {
	t.Helper()
	store, err := node.OpenStore(path)
	require.NoError(t, err)
	c, err := chain.New(chain.Config{Params: chain.TestParams, PruneDepth: depth})
	require.NoError(t, err)
	n := nodetest.NewNode(t, node.Config{Chain: c, Store: store, Clock: nodetest.NewFakeClock(chaintest.Now(chain.TestParams))})
	return n, store
}

// The stale branches a chain prunes leave the on-disk store too, and the
// store still replays onto the same chain; a store that kept them (its
// node did not prune) loses them at its next replay.
func TestPrunedBlocksLeaveTheStore(t *testing.T) {
	p := chain.TestParams
	bld := chaintest.NewBuilder(p)
	main := bld.Chain(bld.Genesis(), 12, 0)
	side := bld.Chain(main[1], 3, 1) // heights 3–5
	now := chaintest.Now(p)

	path := filepath.Join(t.TempDir(), "prune.db")
	n, store := openPruning(t, path, 4)
	_, err := n.Chain().ProcessBlocks(main[:4], now)
	require.NoError(t, err)
	_, err = n.Chain().ProcessBlocks(side, now)
	require.NoError(t, err)
	n.Flush()
	require.Equal(t, 1+4+3, store.BlockCount())
	_, err = n.Chain().ProcessBlocks(main[4:], now) // tip #12: the side branch's top #5 is 7 below
	require.NoError(t, err)
	n.Flush()
	require.Equal(t, 1+12, store.BlockCount(), "the pruned branch was deleted")
	tip := n.Chain().Tip()
	require.NoError(t, store.Close())

	n, store = openPruning(t, path, 4)
	require.Equal(t, tip.Hash, n.Chain().Tip().Hash, "the store replays")
	require.NoError(t, store.Close())

	// A store written without pruning loses its stale branch at the next replay.
	path = filepath.Join(t.TempDir(), "keep.db")
	n, store = openPruning(t, path, -1)
	_, err = n.Chain().ProcessBlocks(append(append([]*chain.Block{}, main...), side...), now)
	require.NoError(t, err)
	n.Flush()
	require.Equal(t, 1+12+3, store.BlockCount())
	require.NoError(t, store.Close())
	n, store = openPruning(t, path, 4)
	require.Equal(t, tip.Hash, n.Chain().Tip().Hash)
	require.Equal(t, 1+12, store.BlockCount(), "pruned during the replay")
	require.NoError(t, store.Close())
}
