package view_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// TestInspectorBytesHashToTheBlock: the inspector's 100 header bytes are
// the block's, field by field at DESIGN.md's offsets, and hash to its
// hash; the merkle tree's root is the header's.
func TestInspectorBytesHashToTheBlock(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	mineOn(t, n)
	for i := range 4 { // block 2 holds a coinbase and 4 posts: levels of 5, 3, 2, 1
		_, err := n.Post("", fmt.Sprintf("post %d", i))
		require.NoError(t, err)
	}
	b := mineOn(t, n)
	require.Len(t, b.Txs, 5)

	require.Nil(t, m.Snapshot().Inspect)
	require.NoError(t, m.Inspect(b.Hash().String()))
	d := m.Snapshot().Inspect
	require.NotNil(t, d)
	require.True(t, d.Found)
	require.True(t, d.Main)
	require.Equal(t, uint64(1), d.Confirmations)
	raw, err := hex.DecodeString(d.HeaderHex)
	require.NoError(t, err)
	require.Len(t, raw, chain.HeaderSize)
	sum := sha256.Sum256(raw)
	require.Equal(t, b.Hash().String(), hex.EncodeToString(sum[:]), "the bytes hash to the block's hash")
	require.Equal(t, d.Hash, b.Hash().String())

	want := []struct {
		name         string
		offset, size int
		value        string
	}{
		{"version", 0, 4, "1"},
		{"height", 4, 8, "2"},
		{"time", 12, 8, fmt.Sprint(b.Header.Time)},
		{"difficulty", 20, 8, fmt.Sprint(b.Header.Difficulty)},
		{"prev_hash", 28, 32, b.Header.PrevHash.String()},
		{"merkle_root", 60, 32, b.Header.MerkleRoot.String()},
		{"nonce", 92, 8, fmt.Sprint(b.Header.Nonce)},
	}
	require.Len(t, d.Fields, len(want))
	var joined strings.Builder
	for i, w := range want {
		f := d.Fields[i]
		require.Equal(t, w.name, f.Name)
		require.Equal(t, w.offset, f.Offset, w.name)
		require.Equal(t, w.size, f.Size, w.name)
		require.Equal(t, w.value, f.Value, w.name)
		require.Equal(t, d.HeaderHex[2*f.Offset:2*(f.Offset+f.Size)], f.Hex, w.name)
		joined.WriteString(f.Hex)
	}
	require.Equal(t, d.HeaderHex, joined.String(), "the fields cover the header, in order")

	require.True(t, d.PowOK)
	require.True(t, d.MerkleOK)
	require.Equal(t, []int{5, 3, 2, 1}, levelSizes(d.Merkle))
	require.Equal(t, []bool{true, true, false, false}, levelDups(d.Merkle), "odd levels pair their last hash with itself")
	for i, id := range b.TxIDs() {
		require.Equal(t, id.String(), d.Merkle[0].Hashes[i], "the leaves are the tx ids")
	}
	require.Equal(t, b.Header.MerkleRoot.String(), d.Merkle[3].Hashes[0])
	// One inner node by hand: the first pair of leaves.
	l0, l1 := b.TxIDs()[0], b.TxIDs()[1]
	pair := sha256.Sum256(append(l0[:], l1[:]...))
	require.Equal(t, hex.EncodeToString(pair[:]), d.Merkle[1].Hashes[0])
	// The odd leaf 4 is paired with itself.
	l4 := b.TxIDs()[4]
	self := sha256.Sum256(append(l4[:], l4[:]...))
	require.Equal(t, hex.EncodeToString(self[:]), d.Merkle[1].Hashes[2])
	require.Len(t, d.Txs, 5)
	require.Equal(t, view.TxCoinbase, d.Txs[0].Kind)
	require.Equal(t, view.TxPost, d.Txs[1].Kind)

	require.NoError(t, m.Inspect(chaintest.Addr(1).String()+"000000000000000000000000"))
	d = m.Snapshot().Inspect
	require.False(t, d.Found, "a block this node does not have")
	require.Error(t, m.Inspect("not a hash"))
	require.NoError(t, m.Inspect(""))
	require.Nil(t, m.Snapshot().Inspect)
}

func levelSizes(ls []view.MerkleLevel) []int {
	var out []int
	for _, l := range ls {
		out = append(out, len(l.Hashes))
	}
	return out
}

func levelDups(ls []view.MerkleLevel) []bool {
	var out []bool
	for _, l := range ls {
		out = append(out, l.Dup)
	}
	return out
}

// TestForkTreeLayout: the best chain runs in lane 0; a stale branch gets
// a lane of its own and keeps it as it grows; a second fork later reuses
// a lane that is free again; each peer's tip is marked.
func TestForkTreeLayout(t *testing.T) {
	p := chain.TestParams
	bld := chaintest.NewBuilder(p)
	g := bld.Genesis()
	main := bld.Chain(g, 8, 0)       // #1 … #8
	side := bld.Chain(main[0], 2, 1) // #2', #3' on #1
	late := bld.Block(main[5], 2)    // #7'' on #6
	n := newNode(t, "ada", main...)
	for _, b := range append(side, late) {
		_, err := n.Chain().ProcessBlock(b, chaintest.Now(p))
		require.NoError(t, err)
	}
	m := view.New(n, view.Config{})
	defer m.Close()
	tr := m.Snapshot().Tree
	require.Equal(t, uint64(0), tr.From)
	require.Equal(t, uint64(8), tr.To)
	lane := map[string]view.TreeNodeView{}
	for _, v := range tr.Nodes {
		lane[v.Hash] = v
	}
	for _, b := range main {
		require.Equal(t, 0, lane[b.Hash().String()].Lane, "#%d", b.Height())
		require.True(t, lane[b.Hash().String()].Main)
	}
	require.True(t, lane[main[7].Hash().String()].Best)
	require.Equal(t, 1, lane[side[0].Hash().String()].Lane)
	require.Equal(t, 1, lane[side[1].Hash().String()].Lane, "the branch goes on in its lane")
	require.Equal(t, main[0].Hash().String(), lane[side[0].Hash().String()].Parent)
	require.Equal(t, 1, lane[late.Hash().String()].Lane, "lane 1 is free again after #3'")
	require.Equal(t, 2, tr.Lanes)
	require.Len(t, tr.Tips, 1, "no peers: our own tip")
	require.True(t, tr.Tips[0].Self)
	require.Equal(t, main[7].Hash().String(), tr.Tips[0].Hash)

	// The window: only the last Blocks heights.
	m2 := view.New(n, view.Config{Blocks: 4})
	defer m2.Close()
	tr = m2.Snapshot().Tree
	require.Equal(t, uint64(5), tr.From)
	for _, v := range tr.Nodes {
		require.GreaterOrEqual(t, v.Height, uint64(5))
		if v.Height == 5 {
			require.Empty(t, v.Parent, "its parent is left of the window")
		}
	}
}

// TestForkTreeShowsPeersTips: each peer's hello puts its tip on the tree.
func TestForkTreeShowsPeersTips(t *testing.T) {
	nodes := newNet(t, "ana", "bob")
	ana, bob := nodes[0], nodes[1]
	b := mineOn(t, bob)
	waitFor(t, func() bool { return ana.Chain().Tip().Hash == b.Hash() })
	m := view.New(ana, view.Config{})
	defer m.Close()
	waitFor(t, func() bool {
		for _, tip := range m.Snapshot().Tree.Tips {
			if tip.Name == "bob" && tip.Hash == b.Hash().String() {
				return tip.Known
			}
		}
		return false
	})
}
