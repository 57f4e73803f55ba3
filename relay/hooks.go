package relay

import "sync"

// roomEvent is a room becoming active (first peer) or empty (last peer gone).
type roomEvent struct {
	room   string
	active bool
}

// hooks calls Config.OnRoomActive and Config.OnRoomEmpty on one goroutine,
// in the order the events were emitted, with no relay lock held. Events are
// emitted under Server.mu, so their order is the order of the room changes.
type hooks struct {
	onActive, onEmpty func(room string)

	mu       sync.Mutex
	queue    []roomEvent // guarded by mu
	stopping bool        // guarded by mu

	wake chan struct{} // capacity 1: "the queue may be non-empty"
	done chan struct{} // closed when run returns
}

// newHooks starts the dispatcher, or returns nil if there is nothing to call.
// The Server owns the goroutine; Close stops and waits for it.
func newHooks(onActive, onEmpty func(string)) *hooks {
	if onActive == nil && onEmpty == nil {
		return nil
	}
	h := &hooks{
		onActive: onActive,
		onEmpty:  onEmpty,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	go h.run()
	return h
}

// emit queues an event. It never blocks; h may be nil.
func (h *hooks) emit(room string, active bool) {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.queue = append(h.queue, roomEvent{room: room, active: active})
	h.mu.Unlock()
	h.poke()
}

func (h *hooks) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *hooks) run() {
	defer close(h.done)
	for range h.wake {
		for {
			h.mu.Lock()
			evs, stopping := h.queue, h.stopping
			h.queue = nil
			h.mu.Unlock()
			if len(evs) == 0 {
				if stopping {
					return
				}
				break
			}
			for _, ev := range evs {
				if fn := h.pick(ev.active); fn != nil {
					fn(ev.room)
				}
			}
		}
	}
}

func (h *hooks) pick(active bool) func(string) {
	if active {
		return h.onActive
	}
	return h.onEmpty
}

// stop delivers the events already queued, then ends the dispatcher and
// waits for it. It is idempotent; h may be nil.
func (h *hooks) stop() {
	if h == nil {
		return
	}
	h.mu.Lock()
	h.stopping = true
	h.mu.Unlock()
	h.poke()
	<-h.done
}
