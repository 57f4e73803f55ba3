package nodetest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Epoch is where the clocks of NewNode and NewNet start: an hour after
// chain.TestParams' genesis.
var Epoch = time.UnixMilli(chain.TestParams.GenesisTime).Add(time.Hour)

// FakeClock is a node.Clock on virtual time: Now changes only when the
// test calls Advance or Set, and a channel from After fires exactly when
// the clock reaches its deadline. All methods are safe for concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter  // pending After calls, in registration order
	changed chan struct{} // closed and replaced whenever waiters grows
}

// fakeWaiter is one pending After.
type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

var _ node.Clock = (*FakeClock)(nil)

// NewFakeClock returns a clock that reads start until it is moved.
func NewFakeClock(start time.Time) *FakeClock {
	return &FakeClock{now: start, changed: make(chan struct{})}
}

// Now implements node.Clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements node.Clock: the channel receives the clock's time once
// Advance or Set moves it to Now()+d or later. A d of zero or less fires
// at once. A waiter stays pending until its time comes, whether or not
// anybody still receives from its channel.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// Advance moves the clock forward by d and fires, in deadline order,
// every waiter whose deadline it reached. Waiters registered after
// Advance returns count from the new time.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.now.Add(d))
}

// Set moves the clock to t, forward or back, and fires every waiter whose
// deadline is at or before t. Moving back fires nothing and does not
// change the deadlines already registered.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(t)
}

// setLocked is Set. MUST be called with c.mu held.
func (c *FakeClock) setLocked(t time.Time) {
	c.now = t
	var due []fakeWaiter
	c.waiters = slices.DeleteFunc(c.waiters, func(w fakeWaiter) bool {
		if w.at.After(t) {
			return false
		}
		due = append(due, w)
		return true
	})
	slices.SortStableFunc(due, func(a, b fakeWaiter) int { return a.at.Compare(b.at) })
	for _, w := range due {
		w.ch <- t // buffered for exactly this one send
	}
}

// Waiters returns how many After calls are pending.
func (c *FakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// AwaitWaiters blocks until at least n After calls are pending, or
// returns ctx's error. A test calls it before Advance so that the timer
// it means to fire is registered: a node's Run registers its next timer
// after it has handled the last one.
func (c *FakeClock) AwaitWaiters(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		k, changed := len(c.waiters), c.changed
		c.mu.Unlock()
		if k >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AdvanceWhenWaited blocks until an After call is pending whose deadline
// is exactly d from now, then advances the clock by d: "once the node
// waits its backoff of d, let d pass". It returns ctx's error if no such
// waiter comes.
func (c *FakeClock) AdvanceWhenWaited(ctx context.Context, d time.Duration) error {
	for {
		c.mu.Lock()
		found, changed := false, c.changed
		for _, w := range c.waiters {
			found = found || w.at.Equal(c.now.Add(d))
		}
		c.mu.Unlock()
		if found {
			c.Advance(d)
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AdvanceToNext blocks until an After call is pending, then advances the
// clock to the earliest pending deadline. It returns ctx's error if no
// waiter comes.
func (c *FakeClock) AdvanceToNext(ctx context.Context) error {
	if err := c.AwaitWaiters(ctx, 1); err != nil {
		return err
	}
	c.mu.Lock()
	next := c.waiters[0].at
	for _, w := range c.waiters[1:] {
		if w.at.Before(next) {
			next = w.at
		}
	}
	d := next.Sub(c.now)
	c.mu.Unlock()
	c.Advance(d)
	return nil
}
