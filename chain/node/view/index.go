package view

import (
	"github.com/chainplay/chainplay/chain"
)

// chainIndex follows the best chain block by block and keeps what the
// feed and the wallet need from all of it: the posts, this wallet's
// transactions, and the nicknames transactions carry. It updates
// incrementally: a snapshot costs what changed since the previous one
// (new blocks, a reorg's depth), not the length of the chain. It is not
// safe for concurrent use; the Model guards it.
type chainIndex struct {
	me chain.Address
	// blocks[h] is the best chain's block at height h, as last indexed.
	// Blocks are compared by pointer: the chain hands out the block it
	// stored, so the same pointer is the same block.
	blocks []*chain.Block
	posts  []txRef // oldest first
	mine   []txRef // this wallet's transfers, posts and rewards, oldest first
	// left holds this wallet's transactions that a reorg took off the
	// best chain and that are not back on it: by id.
	left map[chain.Hash]leftTx
	// names maps addresses to the last nickname a transaction of theirs
	// carried (a sender's Name; a coinbase's Name names its recipient).
	names map[chain.Address]string
}

// txRef is a transaction on the indexed chain.
type txRef struct {
	height uint64
	block  string // its block's hash, hex
	tx     *chain.Tx
}

// leftTx is a transaction of this wallet that a reorg disconnected.
type leftTx struct {
	tx  *chain.Tx
	seq uint64 // order of leaving, for the bound
}

// maxLeft bounds chainIndex.left.
const maxLeft = 64

func newChainIndex(me chain.Address) *chainIndex {
	return &chainIndex{me: me, left: map[chain.Hash]leftTx{}, names: map[chain.Address]string{}}
}

// update brings the index to c's best chain.
func (ix *chainIndex) update(c *chain.Chain) {
	tip := c.Tip()
	// The fork point: the highest indexed block still on the best chain.
	keep := min(uint64(len(ix.blocks)), tip.Height+1)
	for keep > 0 {
		b, ok := c.BlockAtHeight(keep - 1)
		if ok && b == ix.blocks[keep-1] {
			break
		}
		keep--
	}
	ix.truncate(keep)
	for h := keep; h <= tip.Height; h++ {
		b, ok := c.BlockAtHeight(h)
		if !ok { // the tip moved on under us: the next snapshot goes on
			break
		}
		ix.add(h, b)
	}
}

// truncate forgets the blocks at height n and above; this wallet's
// transactions among them go to left.
func (ix *chainIndex) truncate(n uint64) {
	if n >= uint64(len(ix.blocks)) {
		return
	}
	ix.blocks = ix.blocks[:n]
	for len(ix.posts) > 0 && ix.posts[len(ix.posts)-1].height >= n {
		ix.posts = ix.posts[:len(ix.posts)-1]
	}
	var seq uint64
	for _, l := range ix.left {
		seq = max(seq, l.seq)
	}
	for len(ix.mine) > 0 && ix.mine[len(ix.mine)-1].height >= n {
		r := ix.mine[len(ix.mine)-1]
		ix.mine = ix.mine[:len(ix.mine)-1]
		if !r.tx.IsCoinbase() {
			seq++
			ix.left[r.tx.ID()] = leftTx{tx: r.tx, seq: seq}
		}
	}
	for len(ix.left) > maxLeft {
		var oldest chain.Hash
		first := true
		var least uint64
		for id, l := range ix.left {
			if first || l.seq < least {
				oldest, least, first = id, l.seq, false
			}
		}
		delete(ix.left, oldest)
	}
}

// add indexes b, the best chain's block at height h.
func (ix *chainIndex) add(h uint64, b *chain.Block) {
	ix.blocks = append(ix.blocks, b)
	if h == 0 {
		return // the genesis holds the room's parameters, no one's posts
	}
	var hash string // b's, computed for the first ref
	ref := func(tx *chain.Tx) txRef {
		if hash == "" {
			hash = b.Hash().String()
		}
		return txRef{height: h, block: hash, tx: tx}
	}
	for i, tx := range b.Txs {
		if i == 0 {
			if tx.Name != "" && !tx.To.IsZero() {
				ix.names[tx.To] = tx.Name
			}
			if tx.To == ix.me {
				ix.mine = append(ix.mine, ref(tx))
			}
			continue
		}
		from := tx.Sender()
		if tx.Name != "" {
			ix.names[from] = tx.Name
		}
		if tx.IsPost() && tx.Memo != "" {
			ix.posts = append(ix.posts, ref(tx))
		}
		if from == ix.me || tx.To == ix.me {
			ix.mine = append(ix.mine, ref(tx))
			delete(ix.left, tx.ID())
		}
	}
}
