package chaintest

import (
	"github.com/chainplay/chainplay/chain"
)

// Builder builds blocks on any parent it built, without a Chain: it
// computes difficulties itself with chain.CalcNextDifficulty, so it can
// build children of blocks a chain would refuse (to test that the chain
// refuses them).
type Builder struct {
	p      chain.Params
	id     chain.Hash
	blocks map[chain.Hash]*chain.Block
}

// NewBuilder returns a Builder for the room with parameters p.
func NewBuilder(p chain.Params) *Builder {
	g := chain.GenesisBlock(p)
	return &Builder{p: p, id: g.Hash(), blocks: map[chain.Hash]*chain.Block{g.Hash(): g}}
}

// Genesis returns the genesis block.
func (b *Builder) Genesis() *chain.Block { return b.blocks[b.id] }

// ID returns the chain id.
func (b *Builder) ID() chain.Hash { return b.id }

// Block builds a child of parent, BlockTimeMs later, mined by Addr(miner).
func (b *Builder) Block(parent *chain.Block, miner int, txs ...*chain.Tx) *chain.Block {
	return b.BlockAt(parent, parent.Header.Time+b.p.BlockTimeMs, miner, txs...)
}

// BlockAt builds a child of parent at time t, mined by Addr(miner).
func (b *Builder) BlockAt(parent *chain.Block, t int64, miner int, txs ...*chain.Tx) *chain.Block {
	ancestor := func(h uint64) *chain.Header {
		x := parent
		for x != nil && x.Header.Height > h {
			x = b.blocks[x.Header.PrevHash]
		}
		if x == nil || x.Header.Height != h {
			return nil
		}
		return &x.Header
	}
	height := parent.Header.Height + 1
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	cb := &chain.Tx{To: Addr(miner), Amount: b.p.SubsidyAt(height) + fees, Seq: height, Time: t}
	blk := &chain.Block{
		Header: chain.Header{
			Version: 1, Height: height, Time: t, PrevHash: parent.Hash(),
			Difficulty: chain.CalcNextDifficulty(b.p, &parent.Header, ancestor),
		},
		Txs: append([]*chain.Tx{cb}, txs...),
	}
	Seal(blk)
	b.blocks[blk.Hash()] = blk
	return blk
}

// Chain builds n blocks on parent mined by Addr(miner) and returns them.
func (b *Builder) Chain(parent *chain.Block, n, miner int) []*chain.Block {
	out := make([]*chain.Block, n)
	for i := range out {
		parent = b.Block(parent, miner)
		out[i] = parent
	}
	return out
}
