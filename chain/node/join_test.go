package node_test

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
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// joinClock is the fake clock of these tests, with their two moves.
type joinClock struct{ *nodetest.FakeClock }

func newFakeClock() joinClock { return joinClock{nodetest.NewFakeClock(time.Unix(1_700_000_000, 0))} }

// AdvanceWhenWaited waits until somebody waits for d from now, then
// advances the clock by d.
func (c joinClock) AdvanceWhenWaited(t *testing.T, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.FakeClock.AdvanceWhenWaited(ctx, d), "nobody waits for %v", d)
}

// AdvanceToTimer waits until somebody waits, then advances the clock to
// the earliest deadline.
func (c joinClock) AdvanceToTimer(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.AdvanceToNext(ctx), "nobody waits")
}

// scriptTransport is a connection that stays up until the test drops it.
type scriptTransport struct {
	once sync.Once
	gone chan struct{}
	err  error // what Recv returns once gone
}

func newScriptTransport() *scriptTransport { return &scriptTransport{gone: make(chan struct{})} }

func (s *scriptTransport) Send(ctx context.Context, m node.Message) error {
	select {
	case <-s.gone:
		return s.err
	default:
		return nil
	}
}

func (s *scriptTransport) Recv(ctx context.Context) (node.Message, error) {
	select {
	case <-ctx.Done():
		return node.Message{}, ctx.Err()
	case <-s.gone:
		return node.Message{}, s.err
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

func (d *dialScript) dial(ctx context.Context) (node.Transport, error) {
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
	n      *node.Node
	clock  joinClock
	events chan node.Event
	cancel context.CancelFunc
	done   chan struct{} // closed when node.StayJoined has returned err
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
	n, err := node.New(node.Config{Chain: c, Key: key, Name: "joiner", Clock: clock, Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	r := &joinRig{n: n, clock: clock, events: make(chan node.Event, 256)}
	n.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventConnection {
			r.events <- ev
		}
	})
	return r
}

// start runs node.StayJoined with cfg until the test ends.
func (r *joinRig) start(t *testing.T, cfg node.JoinConfig) {
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
func (r *joinRig) next(t *testing.T, code string) node.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		require.Equal(t, code, ev.Code, "event %+v", ev)
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s event", code)
		return node.Event{}
	}
}

// retrying reads a retrying event, checks its wait and reason, and lets
// the wait pass.
func (r *joinRig) retrying(t *testing.T, wait time.Duration, reason string) {
	t.Helper()
	ev := r.next(t, node.CodeConnRetrying)
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
	r.start(t, node.JoinConfig{Dial: script.dial, Check: func(context.Context) error { checks.Add(1); return nil }, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, node.ReasonDialFailed)
	r.retrying(t, time.Second, node.ReasonDialFailed)
	r.retrying(t, 2*time.Second, node.ReasonDialFailed)
	r.next(t, node.CodeConnConnected)
	require.Equal(t, 4, script.count())
	require.Equal(t, int32(3), checks.Load(), "Check runs before every dial but the first")
}

func TestStayJoinedBackoffStopsAtMax(t *testing.T) {
	r := newJoinRig(t)
	script := &dialScript{} // every dial fails
	r.start(t, node.JoinConfig{Dial: script.dial, MinBackoff: time.Second, MaxBackoff: 3 * time.Second, NoJitter: true})
	for _, d := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		r.retrying(t, d, node.ReasonDialFailed)
	}
}

func TestStayJoinedRedialsADroppedConnection(t *testing.T) {
	r := newJoinRig(t)
	first, second := newScriptTransport(), newScriptTransport()
	script := &dialScript{steps: []any{first, second}}
	r.start(t, node.JoinConfig{Dial: script.dial, NoJitter: true})
	r.next(t, node.CodeConnConnected)
	first.drop(errors.New("read: connection reset"))
	require.Equal(t, "lost", r.next(t, node.CodeConnDisconnected).Reason)
	r.retrying(t, 500*time.Millisecond, "lost")
	r.next(t, node.CodeConnConnected)
	require.Equal(t, 2, script.count())
}

// TestStayJoinedBackoffResetsAfterAStableConnection: a connection that
// drops at once keeps the backoff the failed dials built up; one that
// lasted Stable starts it again from MinBackoff.
func TestStayJoinedBackoffResetsAfterAStableConnection(t *testing.T) {
	r := newJoinRig(t)
	brief, stable := newScriptTransport(), newScriptTransport()
	script := &dialScript{steps: []any{errRefused, errRefused, brief, stable}}
	r.start(t, node.JoinConfig{Dial: script.dial, Stable: 5 * time.Second, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, node.ReasonDialFailed)
	r.retrying(t, time.Second, node.ReasonDialFailed)
	r.next(t, node.CodeConnConnected)
	brief.drop(errors.New("kicked"))
	r.next(t, node.CodeConnDisconnected)
	r.retrying(t, 2*time.Second, "lost")
	r.next(t, node.CodeConnConnected)
	r.clock.Advance(5 * time.Second)
	stable.drop(errors.New("kicked"))
	r.next(t, node.CodeConnDisconnected)
	r.retrying(t, 500*time.Millisecond, "lost")
}

func TestStayJoinedStopsWhenCheckSaysRoomReset(t *testing.T) {
	r := newJoinRig(t)
	conn := newScriptTransport()
	script := &dialScript{steps: []any{conn, newScriptTransport()}}
	var mu sync.Mutex
	answers := []error{errors.New("GET /api/rooms/lab: 502 Bad Gateway"), fmt.Errorf("%w: epoch 4, want 3", node.ErrRoomReset)}
	check := func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		err := answers[0]
		answers = answers[1:]
		return err
	}
	r.start(t, node.JoinConfig{Dial: script.dial, Check: check, NoJitter: true})
	r.next(t, node.CodeConnConnected)
	conn.drop(errors.New("kicked"))
	r.next(t, node.CodeConnDisconnected)
	r.retrying(t, 500*time.Millisecond, "lost")
	r.retrying(t, time.Second, node.ReasonCheckFailed) // a check that fails is retried
	ev := r.next(t, node.CodeConnRoomReset)
	require.Equal(t, node.CodeRoomReset, ev.Reason)
	err := r.result(t)
	require.ErrorIs(t, err, node.ErrRoomReset)
	require.Equal(t, node.CodeRoomReset, node.Code(err))
	require.Equal(t, 1, script.count(), "no dial after the room was reset")
}

func TestStayJoinedStopsWhenDialSaysRoomReset(t *testing.T) {
	r := newJoinRig(t)
	script := &dialScript{steps: []any{errRefused, fmt.Errorf("dial: %w", node.ErrRoomReset)}}
	r.start(t, node.JoinConfig{Dial: script.dial, NoJitter: true})
	r.retrying(t, 500*time.Millisecond, node.ReasonDialFailed)
	r.next(t, node.CodeConnRoomReset)
	require.ErrorIs(t, r.result(t), node.ErrRoomReset)
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
			r.start(t, node.JoinConfig{Dial: script.dial, Check: check, NoJitter: true})
			switch while {
			case "waiting":
				r.next(t, node.CodeConnRetrying)
			case "connected":
				r.next(t, node.CodeConnConnected)
			case "checking":
				r.next(t, node.CodeConnConnected)
				conn.drop(errors.New("kicked"))
				r.next(t, node.CodeConnDisconnected)
				r.retrying(t, 500*time.Millisecond, "lost")
				<-checking
			}
			r.cancel()
			require.NoError(t, r.result(t))
			if while == "connected" {
				require.Equal(t, "stopped", r.next(t, node.CodeConnDisconnected).Reason)
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
		r.start(t, node.JoinConfig{Dial: (&dialScript{}).dial, Seed: seed})
		var out []uint64
		backoff := 500 * time.Millisecond
		for range 8 {
			ev := r.next(t, node.CodeConnRetrying)
			d := time.Duration(ev.Count) * time.Millisecond
			require.True(t, d >= backoff/2 && d <= backoff, "wait %v outside [%v, %v]", d, backoff/2, backoff)
			out = append(out, ev.Count)
			r.clock.AdvanceToTimer(t)
			backoff = min(2*backoff, node.DefaultMaxBackoff)
		}
		return out
	}
	a, b, c := waits(7), waits(7), waits(8)
	require.Equal(t, a, b, "the same seed gives the same waits")
	require.NotEqual(t, a, c, "another seed gives other waits")
}

func TestStayJoinedNeedsDial(t *testing.T) {
	r := newJoinRig(t)
	require.ErrorContains(t, r.n.StayJoined(context.Background(), node.JoinConfig{}), "Dial is required")
}
