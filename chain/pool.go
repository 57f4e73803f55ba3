package chain

import (
	"cmp"
	"slices"
)

// pooled is a block waiting outside the tree: an orphan or a block from
// the future.
type pooled struct {
	block *Block
	hash  Hash
	seq   uint64 // arrival order
}

// blockPool is a bounded set of waiting blocks. When full, adding a block
// first drops the one that sorts first under evictFirst. Not safe for
// concurrent use; Chain guards it.
type blockPool struct {
	max        int
	seq        uint64
	m          map[Hash]*pooled
	byPrev     map[Hash][]Hash
	evictFirst func(a, b *pooled) int
}

// olderFirst evicts the oldest arrival (orphans).
func olderFirst(a, b *pooled) int { return cmp.Compare(a.seq, b.seq) }

// laterFirst evicts the block furthest in the future, the least likely to
// become valid (future blocks).
func laterFirst(a, b *pooled) int {
	if c := cmp.Compare(b.block.Header.Time, a.block.Header.Time); c != 0 {
		return c
	}
	return cmp.Compare(b.seq, a.seq)
}

func newBlockPool(max int, evictFirst func(a, b *pooled) int) *blockPool {
	return &blockPool{max: max, m: make(map[Hash]*pooled), byPrev: make(map[Hash][]Hash), evictFirst: evictFirst}
}

func (p *blockPool) len() int        { return len(p.m) }
func (p *blockPool) has(h Hash) bool { _, ok := p.m[h]; return ok }

// add stores b, evicting one block first if the pool is full.
func (p *blockPool) add(b *Block, h Hash) {
	if p.has(h) {
		return
	}
	for len(p.m) >= p.max {
		victim := slices.MinFunc(p.all(), p.evictFirst)
		p.remove(victim.hash)
	}
	p.seq++
	p.m[h] = &pooled{block: b, hash: h, seq: p.seq}
	prev := b.Header.PrevHash
	p.byPrev[prev] = append(p.byPrev[prev], h)
}

func (p *blockPool) remove(h Hash) {
	e, ok := p.m[h]
	if !ok {
		return
	}
	delete(p.m, h)
	prev := e.block.Header.PrevHash
	sibs := slices.DeleteFunc(p.byPrev[prev], func(x Hash) bool { return x == h })
	if len(sibs) == 0 {
		delete(p.byPrev, prev)
	} else {
		p.byPrev[prev] = sibs
	}
}

func (p *blockPool) all() []*pooled {
	out := make([]*pooled, 0, len(p.m))
	for _, e := range p.m {
		out = append(out, e)
	}
	return out
}

// sorted returns the waiting blocks in arrival order.
func (p *blockPool) sorted() []*pooled {
	out := p.all()
	slices.SortFunc(out, olderFirst)
	return out
}

// takeChildren removes and returns, in arrival order, the blocks whose
// parent is prev.
func (p *blockPool) takeChildren(prev Hash) []*pooled {
	hs := p.byPrev[prev]
	if len(hs) == 0 {
		return nil
	}
	out := make([]*pooled, 0, len(hs))
	for _, h := range hs {
		out = append(out, p.m[h])
	}
	for _, e := range out {
		p.remove(e.hash)
	}
	slices.SortFunc(out, olderFirst)
	return out
}

// due returns the blocks whose time is at most limit, earliest time
// first (then arrival).
func (p *blockPool) due(limit int64) []*pooled {
	var out []*pooled
	for _, e := range p.m {
		if e.block.Header.Time <= limit {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b *pooled) int { return -laterFirst(a, b) })
	return out
}

// minTime returns the earliest block time in the pool.
func (p *blockPool) minTime() (int64, bool) {
	if len(p.m) == 0 {
		return 0, false
	}
	first := int64(MaxSafeInteger)
	for _, e := range p.m {
		first = min(first, e.block.Header.Time)
	}
	return first, true
}

// sortedKeys returns the keys of m in increasing order.
func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
