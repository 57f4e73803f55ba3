package chain

import "math/big"

// nodeStatus records what is known about a stored block.
type nodeStatus uint8

const (
	// nodeValid: the header and every context-free rule hold and the
	// signatures verify; its transactions may not have been applied yet.
	nodeValid nodeStatus = iota
	// nodeConnected: the block has been applied to account state at least
	// once, so it is fully valid.
	nodeConnected
	// nodeInvalid: applying the block failed (err says why).
	nodeInvalid
	// nodeInvalidAncestor: an ancestor is nodeInvalid.
	nodeInvalidAncestor
)

// blockNode is a block's place in the block tree.
type blockNode struct {
	hash      Hash
	block     *Block
	parent    *blockNode
	children  []*blockNode
	height    uint64
	totalWork *big.Int // cumulative work from genesis up to and including this block
	seq       uint64   // arrival order, the tie-breaker of fork choice
	status    nodeStatus
	err       error   // why the block is invalid
	undo      undoLog // how to disconnect it; set while on the best chain
	pruned    bool    // removed from the tree as part of a stale branch
	// stake is the stake after this block in a PoS or DPoS room (shared
	// with the parent when the block changes none); nil in other rooms.
	stake *stakeState
}

func (n *blockNode) invalid() bool {
	return n.status == nodeInvalid || n.status == nodeInvalidAncestor
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

// headerAncestor adapts ancestor for Engine.CalcDifficulty.
func (n *blockNode) headerAncestor(h uint64) *Header {
	a := n.ancestor(h)
	if a == nil {
		return nil
	}
	return &a.block.Header
}

// betterThan reports whether n should be the tip rather than o: more
// cumulative work, or the same work and seen first.
func (n *blockNode) betterThan(o *blockNode) bool {
	if c := n.totalWork.Cmp(o.totalWork); c != 0 {
		return c > 0
	}
	return n.seq < o.seq
}

// markInvalid marks n invalid with err and all its descendants as having
// an invalid ancestor.
func markInvalid(n *blockNode, err error) {
	n.status = nodeInvalid
	n.err = err
	stack := append([]*blockNode(nil), n.children...)
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if d.status != nodeInvalid {
			d.status = nodeInvalidAncestor
			d.err = ruleErrorHW(ErrInvalidAncestor, n.hash, nil, "ancestor %s at height %d: %v", n.hash.Short(), n.height, err)
		}
		stack = append(stack, d.children...)
	}
}
