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

// BlockPruner is a BlockStore that can forget blocks. A node whose store
// is one deletes the stale side branches its chain prunes
// (chain.Event.Pruned, chain.Config.PruneDepth), so a long-lived store
// does not grow with every block that lost a race. A store without it
// keeps them; its replay stores and prunes them again, which is harmless.
type BlockPruner interface {
	// DeleteBlocks forgets the blocks with these hashes; unknown hashes
	// are skipped. After a crash the store holds the blocks put, minus
	// some prefix of the deletions asked for.
	DeleteBlocks(hashes []chain.Hash) error
}
