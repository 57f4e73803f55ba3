package relay

import "sync"

// sendQueue is one client's bounded queue of frames waiting to be
// written. Its storage grows with the frames that wait and is let go when
// they have all been written, so an idle client holds none: a channel of
// Config.SendQueue frames would hold SendQueue slice headers (12 KB at the
// default 512) for every connected peer, all the time.
//
// It is safe for concurrent use: any goroutine pushes, one reader pops.
type sendQueue struct {
	mu    sync.Mutex
	items [][]byte // items[head:] wait, oldest first
	head  int
	max   int
	// ready holds a token while frames wait that the reader may not have
	// seen: push leaves one, the reader takes it before it looks again.
	ready chan struct{}

	// With a writer (a websocket client: setWriter), a writer goroutine
	// runs only while frames wait: start is called, with mu held, when a
	// frame arrives and none runs; the writer's popOrIdle ends its run.
	start   func()
	running bool // a writer runs
	stopped bool // no writer may start any more
	kicked  bool // a writer was asked for with no frame (a close): setWriter starts it
}

// keepCap is the storage a drained queue keeps: enough for a burst of a
// few frames without reallocating, little enough to leave idle clients
// nearly nothing.
const keepCap = 8

func newSendQueue(max int) *sendQueue {
	return &sendQueue{max: max, ready: make(chan struct{}, 1)}
}

// push appends msg and reports true, or reports false, and appends
// nothing, when max frames wait already.
func (q *sendQueue) push(msg []byte) bool {
	q.mu.Lock()
	if len(q.items)-q.head >= q.max {
		q.mu.Unlock()
		return false
	}
	if len(q.items) == cap(q.items) && q.head > 0 { // reuse the room popped frames left
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, msg)
	q.startLocked()
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default: // a token waits already
	}
	return true
}

// setWriter makes the queue start a writer with start whenever frames
// wait and none runs, now too if frames wait already. start is called
// with the queue's lock held: it must only start a goroutine.
func (q *sendQueue) setWriter(start func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.start = start
	if q.head < len(q.items) || q.kicked {
		q.startLocked()
	}
}

// kick starts a writer if none runs, frames waiting or not: for a close,
// which a writer sends. Before setWriter (a close that comes while the
// connection is still being set up, a kick from another process say) the
// writer starts as soon as there is one.
func (q *sendQueue) kick() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.kicked = true
	q.startLocked()
}

func (q *sendQueue) startLocked() {
	if q.start != nil && !q.running && !q.stopped {
		q.running = true
		q.start()
	}
}

// stop makes sure no writer starts from now on (one running finishes its
// frame and ends).
func (q *sendQueue) stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.stopped = true
}

// unlessStopped calls fn with the queue's lock held, unless stop was
// called, and reports whether it did: for starting a goroutine that stop's
// caller then waits for.
func (q *sendQueue) unlessStopped(fn func()) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return false
	}
	fn()
	return true
}

// popOrIdle is the writer's pop: when no frame waits, the writer's run
// ends (a later frame starts another) — unless a close was asked for
// (kick): then it returns a nil frame and true, and the writer stays the
// running one to send the close frame. (A kick that came while this
// writer ran started no other.)
func (q *sendQueue) popOrIdle() ([]byte, bool) {
	return q.take(true)
}

// pop removes and returns the oldest frame, or reports false when none
// waits.
func (q *sendQueue) pop() ([]byte, bool) { return q.take(false) }

func (q *sendQueue) take(writer bool) ([]byte, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head == len(q.items) {
		if writer && q.kicked {
			return nil, true // still running: the caller sends the close
		}
		if writer {
			q.running = false
		}
		return nil, false
	}
	msg := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) { // drained
		q.head = 0
		if cap(q.items) > keepCap {
			q.items = nil
		} else {
			q.items = q.items[:0]
		}
	}
	return msg, true
}

// len returns how many frames wait.
func (q *sendQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}
