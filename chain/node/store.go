package node

import "github.com/chainplay/chainplay/chain"

// BlockStore keeps a node's blocks across restarts. Native nodes use
// package boltstore (a bbolt file); a tab may keep them in IndexedDB.
type BlockStore interface {
	// PutBlocks appends bs, in order. A node puts each block once (a block
	// put twice is harmless: the replay skips duplicates). After a crash
	// the store holds a prefix of the blocks put.
	PutBlocks(bs []*chain.Block) error
	// ForEachBlock calls fn for every stored block in the order they were
	// put, stopping at fn's first error.
	ForEachBlock(fn func(*chain.Block) error) error
}
