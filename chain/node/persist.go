package node

import (
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// persister writes the blocks a node's chain stores to the node's
// BlockStore on a goroutine of its own, so that validating blocks never
// waits for the disk (or for IndexedDB, whose every transaction costs a
// tab several milliseconds). Blocks are written in the order the chain
// stored them, a parent before its children, and as few writes as
// possible: whatever accumulated while one write was under way goes into
// the next. The blocks the chain prunes are deleted in the same order,
// when the store is a BlockPruner. After a crash the store holds a prefix
// of what was queued.
type persister struct {
	store BlockStore
	// delay is how long after a write the next one waits for more blocks
	// to gather: while blocks keep coming (a sync), fewer, larger writes;
	// a block after a quiet spell is written at once (Config.StoreDelay).
	delay time.Duration
	clock Clock
	last  time.Time // when the last write ended; only the writer touches it
	// failed is told of a write that failed, with the blocks lost; it runs
	// on the writer goroutine.
	failed func(err error, lost int)

	mu      sync.Mutex
	queue   []storeOp // guarded by mu
	running bool      // a writer goroutine exists; guarded by mu
	idle    sync.Cond // signalled when the writer exits
}

func newPersister(store BlockStore, clock Clock, delay time.Duration, failed func(error, int)) *persister {
	p := &persister{store: store, clock: clock, delay: delay, failed: failed}
	p.idle.L = &p.mu
	return p
}

// storeOp is one change to write: blocks to put, or hashes to delete.
type storeOp struct {
	put    []*chain.Block
	delete []chain.Hash
}

// add queues bs for writing and pruned for deleting (after bs), and
// returns at once. It starts the writer goroutine when none runs; flush
// waits for it. Deletions are dropped when the store is no BlockPruner.
func (p *persister) add(bs []*chain.Block, pruned []chain.Hash) {
	if _, ok := p.store.(BlockPruner); !ok {
		pruned = nil
	}
	if len(bs) == 0 && len(pruned) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(bs) > 0 {
		p.queue = append(p.queue, storeOp{put: bs})
	}
	if len(pruned) > 0 {
		p.queue = append(p.queue, storeOp{delete: pruned})
	}
	if !p.running {
		p.running = true
		go p.write()
	}
}

// write is the writer goroutine: it writes what is queued, in batches,
// until the queue is empty.
func (p *persister) write() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.running = false
			p.idle.Broadcast()
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		if wait := p.delay - p.clock.Now().Sub(p.last); p.delay > 0 && wait > 0 {
			<-p.clock.After(wait) // let more gather
		}
		p.mu.Lock()
		ops := p.queue
		p.queue = nil
		p.mu.Unlock()
		for _, op := range coalesce(ops) {
			if len(op.put) > 0 {
				if err := p.store.PutBlocks(op.put); err != nil && p.failed != nil {
					p.failed(err, len(op.put))
				}
				continue
			}
			_ = p.store.(BlockPruner).DeleteBlocks(op.delete) // a block not deleted is pruned again at the next replay
		}
		p.last = p.clock.Now()
	}
}

// flush waits until every block queued before the call is written (or its
// write failed).
func (p *persister) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.running {
		p.idle.Wait()
	}
}

// coalesce merges neighbouring operations of the same kind, so that what
// piled up is one write per run of puts and one per run of deletes.
func coalesce(ops []storeOp) []storeOp {
	var out []storeOp
	for _, op := range ops {
		if k := len(out) - 1; k >= 0 && (len(op.put) > 0) == (len(out[k].put) > 0) {
			out[k].put = append(out[k].put, op.put...)
			out[k].delete = append(out[k].delete, op.delete...)
			continue
		}
		out = append(out, storeOp{put: append([]*chain.Block(nil), op.put...), delete: append([]chain.Hash(nil), op.delete...)})
	}
	return out
}
