package node

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// fakeClock is a Clock that moves only when told to. (A stand-in until
// package nodetest's FakeClock lands.)
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), c: ch})
	return ch
}

// Advance moves the clock on by d and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
		} else {
			t.c <- c.now
		}
	}
	c.timers = kept
}

// AdvanceWhenWaited waits until somebody waits for d from now, then
// advances the clock by d.
func (c *fakeClock) AdvanceWhenWaited(t *testing.T, d time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, tm := range c.timers {
			if tm.at.Equal(c.now.Add(d)) {
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond, "nobody waits for %v", d)
	c.Advance(d)
}

// AdvanceToTimer waits until somebody waits, then advances the clock to
// the earliest deadline.
func (c *fakeClock) AdvanceToTimer(t *testing.T) {
	t.Helper()
	var d time.Duration
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if len(c.timers) == 0 {
			return false
		}
		d = c.timers[0].at.Sub(c.now)
		for _, tm := range c.timers[1:] {
			d = min(d, tm.at.Sub(c.now))
		}
		return true
	}, 5*time.Second, time.Millisecond, "nobody waits")
	c.Advance(d)
}

// scriptTransport is a connection that stays up until the test drops it.
type scriptTransport struct {
	once sync.Once
	gone chan struct{}
	err  error // what Recv returns once gone
}

func newScriptTransport() *scriptTransport { return &scriptTransport{gone: make(chan struct{})} }

func (s *scriptTransport) Send(ctx context.Context, m Message) error {
	select {
	case <-s.gone:
		return s.err
	default:
		return nil
	}
}

func (s *scriptTransport) Recv(ctx context.Context) (Message, error) {
	select {
	case <-ctx.Done():
		return Message{}, ctx.Err()
	case <-s.gone:
		return Message{}, s.err
	}
}

// drop ends the connection as the relay would, with err.
func (s *scriptTransport) drop(err error) { s.once.Do(func() { s.err = err; close(s.gone) }) }

func (s *scriptTransport) Close() error { s.drop(errors.New("closed")); return nil }

// dialScript answers the dials in order: an error, or a transport. Past
// its end every dial fails.
type dialScript struct {
	mu    sync.Mutex
	steps []any // error or *scriptTransport
	dials int
}

func (d *dialScript) dial(ctx context.Context) (Transport, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dials++
	if len(d.steps) == 0 {
		return nil, errors.New("script: no more dials")
	}
	s := d.steps[0]
	d.steps = d.steps[1:]
	if t, ok := s.(*scriptTransport); ok {
		return t, nil
	}
	return nil, s.(error)
}

func (d *dialScript) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

// joinRig is a node on a fake clock whose connection events a test reads
// in order.
type joinRig struct {
	n      *Node
	clock  *fakeClock
	events chan Event
	cancel context.CancelFunc
	done   chan struct{} // closed when StayJoined has returned err
	err    error
}

func newJoinRig(t *testing.T) *joinRig {
	t.Helper()
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	clock := newFakeClock()
	seed := make([]byte, 32)
	key, err := chain.KeyFromSeedHex(fmt.Sprintf("%x", seed))
	require.NoError(t, err)
	n, err := New(Config{Chain: c, Key: key, Name: "joiner", Clock: clock, Miner: ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	r := &joinRig{n: n, clock: clock, events: make(chan Event, 256)}
	n.Subscribe(func(ev Event) {
		if ev.Kind == EventConnection {
			r.events <- ev
		}
	})
	return r
}

// start runs StayJoined with cfg until the test ends.
func (r *joinRig) start(t *testing.T, cfg JoinConfig) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	go func() { r.err = r.n.StayJoined(ctx, cfg); close(r.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("StayJoined did not return after its context ended")
		}
	})
}

// next returns the next connection event and checks its code.
func (r *joinRig) next(t *testing.T, code string) Event {
	t.Helper()
	select {
	case ev := <-r.events:
		require.Equal(t, code, ev.Code, "event %+v", ev)
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s event", code)
		return Event{}
	}
}

// retrying reads a retrying event, checks its wait and reason, and lets
// the wait pass.
func (r *joinRig) retrying(t *testing.T, wait time.Duration, reason string) {
	t.Helper()
	ev := r.next(t, CodeConnRetrying)
	require.Equal(t, uint64(wait.Milliseconds()), ev.Count, "wait before the next dial")
	require.Equal(t, reason, ev.Reason)
	r.clock.AdvanceWhenWaited(t, wait)
}

func (r *joinRig) result(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(5 * time.Second):
		t.Fatal("StayJoined did not return")
		return nil
	}
}

var errRefused = errors.New("connection refused")

func TestStayJoinedBacksOffUntilTheDialWorks(t *testing.T) {
	r := newJoinRig(t)
	script := &dialScript{steps: []any{errRefused, errRefused, errRefused, newScriptTransport()}}
	var checks atomic.Int32
	r.start(t, JoinConfig{Dial: script.dial, Check: func(context.Context) error { checks.Add(1); return nil }, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, ReasonDialFailed)
	r.retrying(t, time.Second, ReasonDialFailed)
	r.retrying(t, 2*time.Second, ReasonDialFailed)
	r.next(t, CodeConnConnected)
	require.Equal(t, 4, script.count())
	require.Equal(t, int32(3), checks.Load(), "Check runs before every dial but the first")
}

func TestStayJoinedBackoffStopsAtMax(t *testing.T) {
	r := newJoinRig(t)
	script := &dialScript{} // every dial fails
	r.start(t, JoinConfig{Dial: script.dial, MinBackoff: time.Second, MaxBackoff: 3 * time.Second, NoJitter: true})
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		r.retrying(t, d, ReasonDialFailed)
	}
}

func TestStayJoinedRedialsADroppedConnection(t *testing.T) {
	r := newJoinRig(t)
	first, second := newScriptTransport(), newScriptTransport()
	script := &dialScript{steps: []any{first, second}}
	r.start(t, JoinConfig{Dial: script.dial, NoJitter: true})
	r.next(t, CodeConnConnected)
	first.drop(errors.New("read: connection reset"))
	require.Equal(t, "lost", r.next(t, CodeConnDisconnected).Reason)
	r.retrying(t, 500*time.Millisecond, "lost")
	r.next(t, CodeConnConnected)
	require.Equal(t, 2, script.count())
}

// TestStayJoinedBackoffResetsAfterAStableConnection: a connection that
// drops at once keeps the backoff the failed dials built up; one that
// lasted Stable starts it again from MinBackoff.
func TestStayJoinedBackoffResetsAfterAStableConnection(t *testing.T) {
	r := newJoinRig(t)
	brief, stable := newScriptTransport(), newScriptTransport()
	script := &dialScript{steps: []any{errRefused, errRefused, brief, stable}}
	r.start(t, JoinConfig{Dial: script.dial, Stable: 5 * time.Second, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, ReasonDialFailed)
	r.retrying(t, time.Second, ReasonDialFailed)
	r.next(t, CodeConnConnected)
	brief.drop(errors.New("kicked"))
	r.next(t, CodeConnDisconnected)
	r.retrying(t, 2*time.Second, "lost")
	r.next(t, CodeConnConnected)
	r.clock.Advance(5 * time.Second)
	stable.drop(errors.New("kicked"))
	r.next(t, CodeConnDisconnected)
	r.retrying(t, 500*time.Millisecond, "lost")
}

func TestStayJoinedStopsWhenCheckSaysRoomReset(t *testing.T) {
	r := newJoinRig(t)
	conn := newScriptTransport()
	script := &dialScript{steps: []any{conn, newScriptTransport()}}
	var mu sync.Mutex
	answers := []error{errors.New("GET /api/rooms/lab: 502 Bad Gateway"), fmt.Errorf("%w: epoch 4, want 3", ErrRoomReset)}
	check := func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		err := answers[0]
		answers = answers[1:]
		return err
	}
	r.start(t, JoinConfig{Dial: script.dial, Check: check, NoJitter: true})
	r.next(t, CodeConnConnected)
	conn.drop(errors.New("kicked"))
	r.next(t, CodeConnDisconnected)
	r.retrying(t, 500*time.Millisecond, "lost")
	r.retrying(t, time.Second, ReasonCheckFailed) // a check that fails is retried
	ev := r.next(t, CodeConnRoomReset)
	require.Equal(t, CodeRoomReset, ev.Reason)
	err := r.result(t)
	require.ErrorIs(t, err, ErrRoomReset)
	require.Equal(t, CodeRoomReset, Code(err))
	require.Equal(t, 1, script.count(), "no dial after the room was reset")
}

func TestStayJoinedStopsWhenDialSaysRoomReset(t *testing.T) {
	r := newJoinRig(t)
	script := &dialScript{steps: []any{errRefused, fmt.Errorf("dial: %w", ErrRoomReset)}}
	r.start(t, JoinConfig{Dial: script.dial, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, ReasonDialFailed)
	r.next(t, CodeConnRoomReset)
	require.ErrorIs(t, r.result(t), ErrRoomReset)
}

func TestStayJoinedReturnsWhenContextEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, while := range []string{"waiting", "connected", "checking"} {
		t.Run(while, func(t *testing.T) {
			r := newJoinRig(t)
			conn := newScriptTransport()
			checking := make(chan struct{})
			check := func(ctx context.Context) error { close(checking); <-ctx.Done(); return ctx.Err() }
			script := &dialScript{steps: []any{errRefused}}
			if while != "waiting" {
				script.steps = []any{conn}
			}
			r.start(t, JoinConfig{Dial: script.dial, Check: check, NoJitter: true})
			switch while {
			case "waiting":
				r.next(t, CodeConnRetrying)
			case "connected":
				r.next(t, CodeConnConnected)
			case "checking":
				r.next(t, CodeConnConnected)
				conn.drop(errors.New("kicked"))
				r.next(t, CodeConnDisconnected)
				r.retrying(t, 500*time.Millisecond, "lost")
				<-checking
			}
			r.cancel()
			require.NoError(t, r.result(t))
			if while == "connected" {
				require.Equal(t, "stopped", r.next(t, CodeConnDisconnected).Reason)
			}
			require.Len(t, r.events, 0, "no retrying after the context ended")
		})
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines left behind (were %d):\n%s", before, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestStayJoinedJitter: the waits are spread over [backoff/2, backoff]
// and a seed repeats them.
func TestStayJoinedJitter(t *testing.T) {
	waits := func(seed uint64) []uint64 {
		r := newJoinRig(t)
		r.start(t, JoinConfig{Dial: (&dialScript{}).dial, Seed: seed})
		var out []uint64
		backoff := 500 * time.Millisecond
		for range 8 {
			ev := r.next(t, CodeConnRetrying)
			d := time.Duration(ev.Count) * time.Millisecond
			require.True(t, d >= backoff/2 && d <= backoff, "wait %v outside [%v, %v]", d, backoff/2, backoff)
			out = append(out, ev.Count)
			r.clock.AdvanceToTimer(t)
			backoff = min(2*backoff, DefaultMaxBackoff)
		}
		return out
	}
	a, b, c := waits(7), waits(7), waits(8)
	require.Equal(t, a, b, "the same seed gives the same waits")
	require.NotEqual(t, a, c, "another seed gives other waits")
}

func TestStayJoinedNeedsDial(t *testing.T) {
	r := newJoinRig(t)
	require.ErrorContains(t, r.n.StayJoined(context.Background(), JoinConfig{}), "Dial is required")
}
