package sim

import (
	"container/heap"
	"time"
)

// eventKind says what an event does when its time comes.
type eventKind uint8

const (
	evMine    eventKind = iota // the next block of the whole network is found
	evDeliver                  // a message reaches a peer
	evInv                      // a block's announcement (inv) reaches a peer
	evTimer                    // a node's Clock.After fires
)

// event is one entry of the simulator's queue. Events at the same time
// run in the order they were scheduled (seq), so a run depends on its
// seed alone.
type event struct {
	at   time.Duration // virtual time since the simulation's start
	seq  uint64
	kind eventKind
	from int // sending peer (evDeliver, evInv)
	to   int // receiving peer
	msg  msgRef
	ch   chan time.Time // evTimer
}

// eventQueue is a min-heap of events by (at, seq).
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// schedule queues e to run at e.at.
func (s *Sim) schedule(e *event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.queue, e)
}

// next removes and returns the earliest event, or nil when none is left.
func (s *Sim) next() *event {
	if len(s.queue) == 0 {
		return nil
	}
	return heap.Pop(&s.queue).(*event)
}
