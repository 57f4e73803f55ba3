package relay

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendQueueIsAFIFOBoundedByMax(t *testing.T) {
	q := newSendQueue(3)
	_, ok := q.pop()
	require.False(t, ok)
	for i := range 3 {
		require.True(t, q.push([]byte{byte(i)}))
	}
	require.False(t, q.push([]byte{9}), "the fourth frame is refused")
	require.Equal(t, 3, q.len())
	for i := range 2 {
		m, ok := q.pop()
		require.True(t, ok)
		require.Equal(t, []byte{byte(i)}, m)
	}
	require.True(t, q.push([]byte{3}))
	require.True(t, q.push([]byte{4}))
	require.False(t, q.push([]byte{5}))
	for i := 2; i <= 4; i++ {
		m, ok := q.pop()
		require.True(t, ok)
		require.Equal(t, []byte{byte(i)}, m)
	}
	_, ok = q.pop()
	require.False(t, ok)
}

func TestSendQueueLetsItsStorageGoWhenDrained(t *testing.T) {
	q := newSendQueue(512)
	require.Zero(t, cap(q.items), "a new queue holds no storage")
	for i := range 100 {
		q.push([]byte{byte(i)})
	}
	for range 100 {
		q.pop()
	}
	require.Zero(t, cap(q.items), "a drained queue that grew lets its storage go")
	q.push([]byte{1})
	q.pop()
	require.LessOrEqual(t, cap(q.items), keepCap)
}

func TestSendQueueReusesPoppedRoom(t *testing.T) {
	q := newSendQueue(4)
	for i := range 4 {
		q.push([]byte{byte(i)})
	}
	c := cap(q.items)
	for i := range 1000 { // a steady stream, never drained: the storage does not grow
		_, ok := q.pop()
		require.True(t, ok)
		require.True(t, q.push([]byte{byte(i)}))
	}
	require.Equal(t, c, cap(q.items))
	require.Equal(t, 4, q.len())
}

func TestSendQueueReadyToken(t *testing.T) {
	q := newSendQueue(8)
	select {
	case <-q.ready:
		t.Fatal("a token before any push")
	default:
	}
	q.push([]byte{1})
	q.push([]byte{2})
	<-q.ready // one token for both
	select {
	case <-q.ready:
		t.Fatal("a second token")
	default:
	}
}

// Concurrent pushers and one reader: every accepted frame comes out once,
// each pusher's in its order.
func TestSendQueueConcurrent(t *testing.T) {
	q := newSendQueue(64)
	const pushers, each = 4, 500
	var wg sync.WaitGroup
	accepted := make([]int, pushers)
	for p := range pushers {
		wg.Go(func() {
			for i := range each {
				if q.push(fmt.Appendf(nil, "%d %d", p, i)) {
					accepted[p]++
				}
			}
		})
	}
	done := make(chan struct{})
	last := make([]int, pushers)
	for i := range last {
		last[i] = -1
	}
	got := 0
	go func() { wg.Wait(); close(done) }()
	for {
		m, ok := q.pop()
		if !ok {
			select {
			case <-q.ready:
				continue
			case <-done:
				if q.len() > 0 {
					continue
				}
			}
			break
		}
		var p, i int
		fmt.Sscanf(string(m), "%d %d", &p, &i)
		require.Greater(t, i, last[p], "pusher %d out of order", p)
		last[p] = i
		got++
	}
	require.Equal(t, accepted[0]+accepted[1]+accepted[2]+accepted[3], got)
}

// A close asked for before the connection has its writer (kick before
// setWriter) still gets a writer, which sends the close frame: without
// it a peer kicked while its connection was set up stayed open.
func TestSendQueueKickBeforeWriter(t *testing.T) {
	q := newSendQueue(8)
	q.kick()
	started := 0
	q.setWriter(func() { started++ })
	require.Equal(t, 1, started, "the kick's writer starts with setWriter")
	q2 := newSendQueue(8)
	q2.setWriter(func() { started++ })
	require.Equal(t, 1, started, "no frame, no kick: no writer")
}

// A kick while the writer runs keeps it from going idle: its popOrIdle
// answers a nil frame (send the close), not "no frame, stop".
func TestSendQueueKickKeepsTheWriter(t *testing.T) {
	q := newSendQueue(8)
	q.setWriter(func() {})
	require.True(t, q.push([]byte("a")))
	m, ok := q.popOrIdle()
	require.True(t, ok)
	require.Equal(t, []byte("a"), m)
	q.kick() // a close while the writer runs: no second writer
	m, ok = q.popOrIdle()
	require.True(t, ok, "the writer stays to send the close")
	require.Nil(t, m)
}
