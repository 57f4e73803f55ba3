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
// the next. After a crash the store holds a prefix of what was queued.
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
	queue   []*chain.Block // guarded by mu
	running bool           // a writer goroutine exists; guarded by mu
	idle    sync.Cond      // signalled when the writer exits
}

func newPersister(store BlockStore, clock Clock, delay time.Duration, failed func(error, int)) *persister {
	p := &persister{store: store, clock: clock, delay: delay, failed: failed}
	p.idle.L = &p.mu
	return p
}

// add queues bs for writing and returns at once. It starts the writer
// goroutine when none runs; flush waits for it.
func (p *persister) add(bs []*chain.Block) {
	if len(bs) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, bs...)
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
		batch := p.queue
		p.queue = nil
		p.mu.Unlock()
		if err := p.store.PutBlocks(batch); err != nil && p.failed != nil {
			p.failed(err, len(batch))
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
