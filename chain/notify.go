package chain

import "sync"

// EventType says what changed in a Chain.
type EventType int

const (
	// EventTipChanged: the best chain grew by one or more blocks.
	EventTipChanged EventType = iota
	// EventReorg: the best chain switched branches; Disconnected lists the
	// blocks that left it, newest first.
	EventReorg
	// EventStored: blocks joined the block tree (Stored), or stale ones
	// left it (Pruned), but the best chain did not change: a side branch
	// grew.
	EventStored
)

func (t EventType) String() string {
	switch t {
	case EventTipChanged:
		return "tip changed"
	case EventReorg:
		return "reorg"
	case EventStored:
		return "stored"
	}
	return "unknown event"
}

// Event is delivered to subscribers after the block tree or the best chain
// has changed. One call of ProcessBlock (or ProcessBlocks, RetryFuture,
// Import…) gives at most one event, describing the net change from the
// tip before the call to the tip after, and listing every block it stored.
type Event struct {
	Type   EventType
	Hash   Hash   // the new tip
	Height uint64 // the new tip's height
	Block  *Block // the new tip
	// Connected lists the blocks that joined the best chain, oldest first;
	// the last one is Block.
	Connected []*Block
	// Disconnected lists the blocks that left the best chain, newest
	// first; empty unless Type is EventReorg.
	Disconnected []*Block
	// Stored lists every block that joined the block tree in this call,
	// main chain or side branch, in the order they were added (a parent
	// always before its children): what a node persists.
	Stored []*Block
	// Pruned lists the blocks of stale side branches that this call took
	// out of the block tree (see Config.PruneDepth), each reported in the
	// Stored list of an earlier event: what a node deletes from its
	// store. A block's descendants are pruned with it.
	Pruned []Hash
}

// Subscribe registers fn to be called for every event, in order. Events
// are delivered after the change and after the chain's lock is released,
// by the goroutine that made the change or by one already delivering
// events (so when ProcessBlock returns, its event may still be on its
// way). fn may call any method of the Chain or a Mempool, but should not
// block for long: it delays every later event. The returned function
// unsubscribes.
func (c *Chain) Subscribe(fn func(Event)) (unsubscribe func()) {
	return c.events.subscribe(fn)
}

// eventQueue delivers events in order without holding the chain's lock.
type eventQueue struct {
	mu         sync.Mutex
	queue      []Event
	delivering bool
	subs       map[int]func(Event)
	next       int
}

func (q *eventQueue) subscribe(fn func(Event)) func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.subs == nil {
		q.subs = make(map[int]func(Event))
	}
	id := q.next
	q.next++
	q.subs[id] = fn
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.subs, id)
	}
}

// push queues ev. The Chain calls it with its lock held, so events queue
// in the order of the changes.
func (q *eventQueue) push(ev Event) {
	q.mu.Lock()
	q.queue = append(q.queue, ev)
	q.mu.Unlock()
}

// deliver hands queued events to the subscribers unless another goroutine
// is already doing so (it will deliver them too).
func (q *eventQueue) deliver() {
	for {
		q.mu.Lock()
		if q.delivering || len(q.queue) == 0 {
			q.mu.Unlock()
			return
		}
		q.delivering = true
		evs := q.queue
		q.queue = nil
		fns := make([]func(Event), 0, len(q.subs))
		for _, id := range sortedKeys(q.subs) {
			fns = append(fns, q.subs[id])
		}
		q.mu.Unlock()
		func() {
			defer func() {
				q.mu.Lock()
				q.delivering = false
				q.mu.Unlock()
			}()
			for _, ev := range evs {
				for _, fn := range fns {
					fn(ev)
				}
			}
		}()
	}
}
