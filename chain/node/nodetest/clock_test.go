package nodetest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// fired reports whether ch has a value now, without waiting.
func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-ch:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestFakeClockAfterFiresExactlyAtItsDeadline(t *testing.T) {
	start := time.UnixMilli(1_000_000)
	c := nodetest.NewFakeClock(start)
	require.Equal(t, start, c.Now())
	ch := c.After(time.Second)
	require.Equal(t, 1, c.Waiters())

	c.Advance(999 * time.Millisecond)
	_, ok := fired(ch)
	require.False(t, ok, "fired before its deadline")
	require.Equal(t, 1, c.Waiters())

	c.Advance(time.Millisecond)
	got, ok := fired(ch)
	require.True(t, ok, "did not fire at its deadline")
	require.Equal(t, start.Add(time.Second), got)
	require.Zero(t, c.Waiters())

	c.Advance(time.Hour)
	_, ok = fired(ch)
	require.False(t, ok, "fired twice")
}

func TestFakeClockOneAdvanceFiresEveryDueWaiter(t *testing.T) {
	start := time.UnixMilli(1_000_000)
	c := nodetest.NewFakeClock(start)
	a, b, later := c.After(time.Second), c.After(3*time.Second), c.After(time.Minute)
	c.Advance(5 * time.Second)
	for _, ch := range []<-chan time.Time{a, b} {
		got, ok := fired(ch)
		require.True(t, ok)
		require.Equal(t, start.Add(5*time.Second), got, "a waiter receives the time the clock moved to")
	}
	_, ok := fired(later)
	require.False(t, ok)
	require.Equal(t, 1, c.Waiters())
	// Waiters registered now count from the new time.
	next := c.After(time.Second)
	c.Advance(999 * time.Millisecond)
	_, ok = fired(next)
	require.False(t, ok)
}

func TestFakeClockSet(t *testing.T) {
	start := time.UnixMilli(1_000_000)
	c := nodetest.NewFakeClock(start)
	ch := c.After(10 * time.Second)
	c.Set(start.Add(-time.Hour)) // back: nothing fires, the deadline stays
	require.Equal(t, start.Add(-time.Hour), c.Now())
	_, ok := fired(ch)
	require.False(t, ok)
	c.Set(start.Add(10*time.Second - time.Nanosecond))
	_, ok = fired(ch)
	require.False(t, ok)
	c.Set(start.Add(10 * time.Second))
	_, ok = fired(ch)
	require.True(t, ok)
}

func TestFakeClockAfterZeroFiresAtOnce(t *testing.T) {
	c := nodetest.NewFakeClock(time.UnixMilli(5))
	for _, d := range []time.Duration{0, -time.Second} {
		got, ok := fired(c.After(d))
		require.True(t, ok)
		require.Equal(t, time.UnixMilli(5), got)
	}
	require.Zero(t, c.Waiters())
}

func TestFakeClockAwaitWaiters(t *testing.T) {
	c := nodetest.NewFakeClock(time.UnixMilli(0))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, c.AwaitWaiters(ctx, 1), context.DeadlineExceeded, "nobody waits")

	got := make(chan time.Time)
	go func() { got <- <-c.After(time.Second) }()
	require.NoError(t, c.AwaitWaiters(context.Background(), 1))
	c.Advance(time.Second)
	require.Equal(t, time.UnixMilli(1000), <-got)
}

// TestFakeClockConcurrentUse is for -race: timers registered from many
// goroutines while the clock moves each fire once.
func TestFakeClockConcurrentUse(t *testing.T) {
	c := nodetest.NewFakeClock(time.UnixMilli(0))
	const k = 50
	var wg sync.WaitGroup
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-c.After(time.Duration(i+1) * time.Millisecond)
			_ = c.Now()
		}()
	}
	require.NoError(t, c.AwaitWaiters(context.Background(), k))
	for range k {
		c.Advance(time.Millisecond)
	}
	wg.Wait()
	require.Zero(t, c.Waiters())
}

func TestAdvanceWhenWaitedAndToNext(t *testing.T) {
	c := nodetest.NewFakeClock(nodetest.Epoch)
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	short, long := c.After(time.Second), c.After(time.Minute)
	done := make(chan error, 1)
	go func() { done <- c.AdvanceWhenWaited(ctx, 3*time.Second) }()
	three := c.After(3 * time.Second)
	require.NoError(t, <-done)
	require.Equal(t, nodetest.Epoch.Add(3*time.Second), <-three, "it waited for the 3 s waiter, then let 3 s pass")
	require.Equal(t, nodetest.Epoch.Add(3*time.Second), <-short, "the earlier one fired on the way")

	require.NoError(t, c.AdvanceToNext(ctx))
	require.Equal(t, nodetest.Epoch.Add(time.Minute), <-long, "to the earliest pending deadline")
	require.Equal(t, nodetest.Epoch.Add(time.Minute), c.Now())

	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	require.ErrorIs(t, c.AdvanceToNext(short2), context.DeadlineExceeded, "nobody waits")
}
