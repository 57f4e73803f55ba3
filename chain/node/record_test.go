package node_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
)

func TestRecordRoundTrip(t *testing.T) {
	c := chaintest.New(t, chain.TestParams)
	post := chaintest.Post(c.ID(), chaintest.Key(1), "ada", "hello", 0, 0)
	blocks := chaintest.Extend(t, c, 3, chaintest.Addr(1))
	blocks = append(blocks, chaintest.NextBlock(c, blocks[2], chaintest.Addr(2), post))
	rec := node.EncodeRecord(blocks)
	got, err := node.DecodeRecord(rec)
	require.NoError(t, err)
	require.Len(t, got, len(blocks))
	for i := range blocks {
		require.Equal(t, blocks[i].Encode(), got[i].Encode())
	}

	// A record of one block from before records: its encoding alone.
	one, err := node.DecodeRecord(blocks[0].Encode())
	require.NoError(t, err)
	require.Equal(t, blocks[0].Hash(), one[0].Hash())

	empty, err := node.DecodeRecord(node.EncodeRecord(nil))
	require.NoError(t, err)
	require.Empty(t, empty)

	// Every truncation inside a block is an error, never a panic; one at a
	// block boundary is a record of fewer blocks (a record is written
	// whole, so only corruption can cut it).
	bound := map[int]bool{len("CPB1"): true}
	at := len("CPB1")
	for _, b := range blocks {
		at += 4 + len(b.Encode())
		bound[at] = true
	}
	for n := len("CPB1") + 1; n < len(rec); n++ {
		got, err := node.DecodeRecord(rec[:n])
		if bound[n] {
			require.NoError(t, err)
			require.Less(t, len(got), len(blocks))
			continue
		}
		require.Error(t, err, "truncated at %d of %d", n, len(rec))
	}
}
