package chain

import "math/big"

// blockNode is a block's place in the block tree.
type blockNode struct {
	hash      Hash
	block     *Block
	parent    *blockNode
	height    uint64
	totalWork *big.Int // cumulative work from genesis up to and including this block
	seq       uint64   // arrival order, the tie-breaker of fork choice
}

// ancestor returns the node's ancestor at height h, or nil.
func (n *blockNode) ancestor(h uint64) *blockNode {
	if h > n.height {
		return nil
	}
	for n != nil && n.height > h {
		n = n.parent
	}
	return n
}
