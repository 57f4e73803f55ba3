//go:build !js

package node_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/boltstore"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

func TestStoreKeepsBlocksInOrderAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "room.db")
	s, err := node.OpenStore(path)
	require.NoError(t, err)

	n := nodetest.NewNode(t, node.Config{Name: "a"})
	var mined []*chain.Block
	for range 3 {
		b, err := n.MineBlock(context.Background())
		require.NoError(t, err)
		mined = append(mined, b)
		require.NoError(t, s.PutBlock(b))
	}
	require.NoError(t, s.PutBlock(mined[1]), "putting a stored block again is a no-op")
	require.NoError(t, s.SetSetting("seed", []byte("abc")))
	require.NoError(t, s.Close())

	s, err = node.OpenStore(path)
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, 3, s.BlockCount())
	var got []chain.Hash
	require.NoError(t, s.ForEachBlock(func(b *chain.Block) error { got = append(got, b.Hash()); return nil }))
	require.Equal(t, []chain.Hash{mined[0].Hash(), mined[1].Hash(), mined[2].Hash()}, got)
	v, err := s.Setting("seed")
	require.NoError(t, err)
	require.Equal(t, []byte("abc"), v)
	_, err = s.Setting("missing")
	require.ErrorIs(t, err, node.ErrNoSetting)
}

func TestNodeWithStoreResumesAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "room.db")
	key := chain.GenerateKey()
	start := func() (*node.Node, *boltstore.Store) {
		s, err := node.OpenStore(path)
		require.NoError(t, err)
		c, err := chain.New(chain.Config{Params: chain.TestParams})
		require.NoError(t, err)
		n, err := node.New(node.Config{Chain: c, Key: key, Store: s, Miner: node.ThreadMiner{Threads: 1}})
		require.NoError(t, err)
		return n, s
	}
	n, s := start()
	var last *chain.Block
	for range 4 {
		var err error
		last, err = n.MineBlock(context.Background())
		require.NoError(t, err)
	}
	n.Flush() // waits for the writes
	require.NoError(t, s.Close())

	n, s = start()
	defer s.Close()
	require.Equal(t, last.Hash(), n.Chain().Tip().Hash)
	require.Equal(t, uint64(4), n.Chain().Tip().Height)
}

func TestStoreOfAnotherChainIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "room.db")
	s, err := node.OpenStore(path)
	require.NoError(t, err)
	defer s.Close()
	open := func(p chain.Params) error {
		c, err := chain.New(chain.Config{Params: p})
		require.NoError(t, err)
		_, err = node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Store: s})
		return err
	}
	require.NoError(t, open(chain.TestParams), "an empty store takes the chain's genesis")
	other := chain.TestParams
	other.Name = "another room"
	require.ErrorIs(t, open(other), node.ErrOtherChain)
	require.NoError(t, open(chain.TestParams))
}
