package relay_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/relay"
)

// A split room: a frame reaches only its sender's group (broadcast or
// direct, lost silently for the others), a peer SetGroups did not name is
// in DefaultGroup, an observer hears every group and reaches nobody, and
// healing joins everyone up again.
func TestSplitRoomFiltersByGroup(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "class", "ann")
	b := ts.join(t, "class", "bob")
	a.read(t) // bob joined
	c := ts.join(t, "class", "cid")
	a.read(t)
	b.read(t)
	obs, err := ts.JoinObserver(context.Background(), "class", "archive")
	require.NoError(t, err)
	t.Cleanup(func() { obs.Close() })
	for _, p := range []*peer{a, b, c} {
		p.readBody(t, relay.TypeJoin, nil)
	}
	recvLocal(t, obs) // peers

	require.NoError(t, ts.SetGroups("class", map[string]int{a.id: 1, b.id: 2}))
	require.Equal(t, map[string]int{a.id: 1, b.id: 2}, ts.Groups("class"))

	a.send(t, "block", "", "from-a")
	require.Equal(t, a.id, c.read(t).From, "cid is in the default group, with ann")
	require.Equal(t, a.id, recvLocal(t, obs).From, "the observer hears group 1")
	b.send(t, "block", "", "from-b")
	require.Equal(t, b.id, recvLocal(t, obs).From, "the observer hears group 2")
	a.send(t, "hello", b.id, "direct-a-to-b") // lost: no error frame either
	a.send(t, "block", "", "barrier")         // once cid has it, the relay has handled the direct frame
	require.Equal(t, json.RawMessage(`"barrier"`), c.read(t).Body)
	sendLocal(t, obs, `{"type":"hello","body":"from-observer"}`)

	require.NoError(t, ts.SetGroups("class", nil))
	require.Nil(t, ts.Groups("class"))
	a.send(t, "block", "", "healed")
	f := b.read(t)
	require.Equal(t, json.RawMessage(`"healed"`), f.Body, "bob got nothing from ann or the observer while split")
	c.read(t) // healed
	c.send(t, "block", "", "c-after")
	f = a.read(t)
	require.Equal(t, c.id, f.From, "ann got nothing from bob or the observer while split")
	require.Equal(t, json.RawMessage(`"c-after"`), f.Body)

	require.ErrorIs(t, ts.SetGroups("class", map[string]int{a.id: 0}), relay.ErrBadPolicy)
}

// Announce reaches every group at once without a "from", and every
// newcomer gets it right after its peers frame; reserved types and bodies
// that are not JSON are refused.
func TestAnnounceReachesEveryoneAndNewcomers(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "class", "ann")
	b := ts.join(t, "class", "bob")
	a.read(t)
	require.NoError(t, ts.SetGroups("class", map[string]int{a.id: 1, b.id: 2}))
	require.NoError(t, ts.Announce("class", "control", json.RawMessage(`{"seq":1}`)))
	for _, p := range []*peer{a, b} {
		require.Equal(t, relay.Frame{Type: "control", Body: json.RawMessage(`{"seq":1}`)}, p.read(t))
	}
	c := ts.join(t, "class", "cid")
	require.Equal(t, relay.Frame{Type: "control", Body: json.RawMessage(`{"seq":1}`)}, c.read(t), "the notice, right after peers")

	require.ErrorIs(t, ts.Announce("class", relay.TypePeers, json.RawMessage(`{}`)), relay.ErrBadPolicy)
	require.ErrorIs(t, ts.Announce("class", "control", json.RawMessage(`{`)), relay.ErrBadPolicy)
	require.ErrorIs(t, ts.Announce("class", "", json.RawMessage(`{}`)), relay.ErrBadPolicy)

	// A room nobody is in keeps its notice for the first to come.
	require.NoError(t, ts.Announce("empty", "control", json.RawMessage(`2`)))
	d := ts.join(t, "empty", "dan")
	require.Equal(t, json.RawMessage(`2`), d.read(t).Body)
	ts.ClearPolicy("empty")
	e := ts.join(t, "empty", "eve")
	d.read(t) // eve joined
	d.send(t, "x", "", "first")
	require.Equal(t, json.RawMessage(`"first"`), e.read(t).Body, "no notice after ClearPolicy")
}

// Latency delays forwarded frames by the room's plus each end's, keeps
// the order of one sender's frames, and leaves the others on time.
func TestLatencyDelaysFrames(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "class", "ann")
	b := ts.join(t, "class", "bob")
	a.read(t)
	c := ts.join(t, "class", "cid")
	a.read(t)
	b.read(t)

	require.NoError(t, ts.SetLatency("class", "", 150*time.Millisecond))
	require.NoError(t, ts.SetLatency("class", b.id, 250*time.Millisecond))
	all, peers := ts.Latency("class")
	require.Equal(t, 150*time.Millisecond, all)
	require.Equal(t, map[string]time.Duration{b.id: 250 * time.Millisecond}, peers)

	start := time.Now()
	for i := range 5 {
		a.send(t, "block", "", i)
	}
	for i := range 5 {
		require.Equal(t, json.RawMessage([]byte{byte('0' + i)}), c.read(t).Body, "in order")
	}
	toC := time.Since(start)
	for i := range 5 {
		require.Equal(t, json.RawMessage([]byte{byte('0' + i)}), b.read(t).Body, "in order")
	}
	toB := time.Since(start)
	require.GreaterOrEqual(t, toC, 150*time.Millisecond)
	require.Less(t, toC, 400*time.Millisecond, "cid waits the room's latency only")
	require.GreaterOrEqual(t, toB, 400*time.Millisecond, "bob waits the room's and his own")

	require.NoError(t, ts.SetLatency("class", "", 0))
	require.NoError(t, ts.SetLatency("class", b.id, 0))
	start = time.Now()
	a.send(t, "block", b.id, "now")
	b.read(t)
	require.Less(t, time.Since(start), 100*time.Millisecond)

	require.ErrorIs(t, ts.SetLatency("class", "", -time.Second), relay.ErrBadPolicy)
	require.ErrorIs(t, ts.SetLatency("class", "", relay.MaxLatency+1), relay.ErrBadPolicy)
}
