package node

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/chainplay/chainplay/chain"
)

// paceShare is the share of the relay's rate a node sends at, and of its
// burst: a node never sends fast enough to be closed for its rate.
const paceShare = 0.8

// outbox is what a connection's writer sends: a bounded queue of
// messages, and a slot for the newest block this node announces. A miner
// that finds blocks faster than the relay carries frames announces its
// tip, not every block: each new block replaces the one waiting in the
// slot, and peers fetch the blocks between by locator. The writer paces
// every frame below the rate the relay's welcome states (Limits), on the
// node's clock.
type outbox struct {
	queue chan Message
	clock Clock

	mu      sync.Mutex
	tip     *chain.Block  // the newest announcement not yet sent; guarded by mu
	tipWake chan struct{} // one slot: tip was set
	lim     *rate.Limiter // nil: no pacing; guarded by mu
}

func newOutbox(size int, clock Clock) *outbox {
	return &outbox{queue: make(chan Message, size), clock: clock, tipWake: make(chan struct{}, 1)}
}

// push queues m; it reports false when the queue is full and m dropped.
func (o *outbox) push(m Message) bool {
	select {
	case o.queue <- m:
		return true
	default:
		return false
	}
}

// announce puts b in the tip slot, replacing an announcement not yet sent.
func (o *outbox) announce(b *chain.Block) {
	o.mu.Lock()
	o.tip = b
	o.mu.Unlock()
	select {
	case o.tipWake <- struct{}{}:
	default:
	}
}

// takeTip empties the tip slot.
func (o *outbox) takeTip() *chain.Block {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.tip
	o.tip = nil
	return b
}

// pace sets the pacing from the relay's limits; a rate of 0 means none.
func (o *outbox) pace(l Limits) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if l.RatePerSec <= 0 {
		o.lim = nil
		return
	}
	burst := max(int(float64(l.RateBurst)*paceShare), 1)
	o.lim = rate.NewLimiter(rate.Limit(l.RatePerSec*paceShare), burst)
	o.lim.ReserveN(o.clock.Now(), burst) // start empty: the relay's bucket may not be full
}

// wait blocks until the pacing lets one more frame go, or ctx ends.
func (o *outbox) wait(ctx context.Context) bool {
	o.mu.Lock()
	lim := o.lim
	var d time.Duration
	if lim != nil {
		now := o.clock.Now()
		d = lim.ReserveN(now, 1).DelayFrom(now)
	}
	o.mu.Unlock()
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-o.clock.After(d):
		return true
	}
}

// run is the connection's writer, the only caller of t.Send: queued
// messages and tip announcements, as they come, paced. It returns when
// ctx ends or a send fails.
func (o *outbox) run(ctx context.Context, t Transport) {
	for {
		var m Message
		select {
		case <-ctx.Done():
			return
		case m = <-o.queue:
		case <-o.tipWake:
			b := o.takeTip()
			if b == nil {
				continue
			}
			body, err := json.Marshal(b)
			if err != nil {
				continue
			}
			m = Message{Type: TypeBlock, Body: body}
		}
		if !o.wait(ctx) {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := t.Send(sctx, m)
		cancel()
		if err != nil {
			return
		}
	}
}
