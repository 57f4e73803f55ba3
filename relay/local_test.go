package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/relay"
)

// joinLocal joins room in-process and reads its "peers" frame.
func (ts *testServer) joinLocal(t *testing.T, room, name string) (*relay.LocalConn, relay.PeersBody) {
	t.Helper()
	lc, err := ts.JoinLocal(context.Background(), room, name)
	require.NoError(t, err)
	t.Cleanup(func() { lc.Close() })
	var body relay.PeersBody
	f := recvLocal(t, lc)
	require.Equal(t, relay.TypePeers, f.Type)
	require.NoError(t, json.Unmarshal(f.Body, &body))
	require.Equal(t, lc.ID(), body.You)
	return lc, body
}

func recvLocal(t *testing.T, lc *relay.LocalConn, skip ...string) relay.Frame {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
		raw, err := lc.Recv(ctx)
		cancel()
		require.NoError(t, err)
		var f relay.Frame
		require.NoError(t, json.Unmarshal(raw, &f))
		if !slices.Contains(skip, f.Type) {
			return f
		}
	}
}

func sendLocal(t *testing.T, lc *relay.LocalConn, frame string) {
	t.Helper()
	require.NoError(t, lc.Send(context.Background(), []byte(frame)))
}

// A local peer is a peer like any other: presence, fan-out both ways,
// direct messages both ways, refused frames come back as "error" frames.
func TestLocalConnBehavesLikeAWebsocketPeer(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "class", "ann")
	lc, body := ts.joinLocal(t, "class", "archive\x00")
	require.Equal(t, []relay.PeerInfo{{ID: a.id, Name: "ann"}}, body.Peers)
	var join relay.PeerInfo
	a.readBody(t, relay.TypeJoin, &join)
	require.Equal(t, relay.PeerInfo{ID: lc.ID(), Name: "archive"}, join)
	require.Equal(t, []relay.PeerInfo{{ID: a.id, Name: "ann"}, {ID: lc.ID(), Name: "archive"}}, ts.Peers("class"))
	require.Equal(t, []relay.RoomInfo{{Name: "class", Peers: 2, Local: 1}}, ts.Rooms())

	b := ts.join(t, "class", "bob")
	require.Equal(t, relay.TypeJoin, recvLocal(t, lc).Type)
	a.readBody(t, relay.TypeJoin, nil)

	// local → everyone else, never back to itself
	sendLocal(t, lc, `{"type":"block","body":{"h":1}}`)
	for _, p := range []*peer{a, b} {
		f := p.read(t)
		require.Equal(t, relay.Frame{Type: "block", From: lc.ID(), Body: json.RawMessage(`{"h":1}`)}, f)
	}
	// websocket → local
	a.sendRaw(t, `{"type":"tx","body":[1,2]}`)
	require.Equal(t, relay.Frame{Type: "tx", From: a.id, Body: json.RawMessage(`[1,2]`)}, recvLocal(t, lc))
	b.read(t)
	// direct, both ways
	sendLocal(t, lc, `{"type":"hello","to":"`+b.id+`"}`)
	require.Equal(t, relay.Frame{Type: "hello", From: lc.ID(), To: b.id}, b.read(t))
	b.sendRaw(t, `{"type":"getblocks","to":"`+lc.ID()+`","body":{}}`)
	require.Equal(t, relay.Frame{Type: "getblocks", From: b.id, To: lc.ID(), Body: json.RawMessage(`{}`)}, recvLocal(t, lc))
	// refused frames
	sendLocal(t, lc, `{"type":"peers"}`)
	require.Equal(t, relay.TypeError, recvLocal(t, lc).Type)
	sendLocal(t, lc, `{"type":"x","to":"p999"}`)
	var eb relay.ErrorBody
	f := recvLocal(t, lc)
	require.Equal(t, relay.TypeError, f.Type)
	require.NoError(t, json.Unmarshal(f.Body, &eb))
	require.Equal(t, relay.ErrorBody{Code: relay.CodeUnknownPeer, Message: "unknown peer p999"}, eb)

	// leaving tells the others
	require.NoError(t, lc.Close())
	require.Equal(t, lc.ID(), leaveID(t, a.read(t)))
	require.Equal(t, lc.ID(), leaveID(t, b.read(t)))
	_, err := lc.Recv(context.Background())
	require.ErrorIs(t, err, relay.ErrConnClosed)
	require.ErrorIs(t, lc.Send(context.Background(), []byte(`{"type":"x"}`)), relay.ErrConnClosed)
}

func TestLocalConnRefusals(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPeersPerRoom = 1
	cfg.MaxRooms = 1
	ts := startServer(t, cfg)
	_, err := ts.JoinLocal(context.Background(), "Bad Name", "x")
	require.ErrorIs(t, err, relay.ErrInvalidRoom)
	ts.joinLocal(t, "one", "a")
	_, err = ts.JoinLocal(context.Background(), "one", "b")
	require.ErrorIs(t, err, relay.ErrRoomFull)
	ts.joinLocal(t, "two", "b") // local-only rooms take no slot of MaxRooms…
	_, err = ts.JoinLocal(context.Background(), "three", "b")
	require.ErrorIs(t, err, relay.ErrTooManyRooms) // …up to a backstop of twice as many
	ts.Close()
	_, err = ts.JoinLocal(context.Background(), "one", "c")
	require.ErrorIs(t, err, relay.ErrClosed)
}

// The relay closes a local peer for the same reasons as a websocket one,
// and it leaves the room.
func TestLocalConnClosedByRelay(t *testing.T) {
	closeErr := func(t *testing.T, lc *relay.LocalConn) *relay.CloseError {
		t.Helper()
		select {
		case <-lc.Done():
		case <-time.After(waitFrame):
			t.Fatal("local peer still open")
		}
		var ce *relay.CloseError
		for {
			_, err := lc.Recv(context.Background())
			if err != nil {
				require.ErrorAs(t, err, &ce)
				return ce
			}
		}
	}

	t.Run("kick", func(t *testing.T) {
		ts := startServer(t, testConfig())
		a := ts.join(t, "r", "a")
		lc, _ := ts.joinLocal(t, "r", "archive")
		a.readBody(t, relay.TypeJoin, nil)
		require.True(t, ts.Kick("r", lc.ID()))
		require.Equal(t, &relay.CloseError{Code: websocket.StatusPolicyViolation, Reason: relay.CodeKicked}, closeErr(t, lc))
		require.Equal(t, lc.ID(), leaveID(t, a.read(t)))
	})
	t.Run("send queue full", func(t *testing.T) {
		cfg := testConfig()
		cfg.SendQueue = 4
		ts := startServer(t, cfg)
		a := ts.join(t, "r", "a")
		lc, err := ts.JoinLocal(context.Background(), "r", "sleeper") // never calls Recv
		require.NoError(t, err)
		a.readBody(t, relay.TypeJoin, nil)
		for range 8 {
			a.sendRaw(t, `{"type":"x"}`)
		}
		require.Equal(t, relay.CodeSendQueueFull, closeErr(t, lc).Reason)
		require.Equal(t, lc.ID(), leaveID(t, a.read(t)))
	})
	t.Run("oversized frame", func(t *testing.T) {
		cfg := testConfig()
		cfg.ReadLimit = 64
		ts := startServer(t, cfg)
		lc, _ := ts.joinLocal(t, "r", "x")
		err := lc.Send(context.Background(), []byte(`{"type":"x","body":"`+strings.Repeat("a", 64)+`"}`))
		require.ErrorIs(t, err, relay.ErrConnClosed)
		require.Equal(t, &relay.CloseError{Code: websocket.StatusMessageTooBig, Reason: relay.CodeFrameTooBig}, closeErr(t, lc))
	})
	t.Run("rate limit", func(t *testing.T) {
		cfg := testConfig()
		cfg.RatePerSec, cfg.RateBurst = 1, 1
		ts := startServer(t, cfg)
		lc, _ := ts.joinLocal(t, "r", "x")
		for range relay.MaxRateDrops + 1 {
			if err := lc.Send(context.Background(), []byte(`{"type":"x"}`)); err != nil {
				break
			}
		}
		require.Equal(t, &relay.CloseError{Code: websocket.StatusPolicyViolation, Reason: relay.CodeRateLimited}, closeErr(t, lc))
	})
	t.Run("context ends", func(t *testing.T) {
		ts := startServer(t, testConfig())
		ctx, cancel := context.WithCancel(context.Background())
		lc, err := ts.JoinLocal(ctx, "r", "x")
		require.NoError(t, err)
		cancel()
		<-lc.Done()
		require.Eventually(t, func() bool { return len(ts.Rooms()) == 0 }, waitFrame, 5*time.Millisecond)
		_, err = lc.Recv(context.Background())
		require.ErrorIs(t, err, relay.ErrConnClosed)
	})
	t.Run("server close", func(t *testing.T) {
		ts := startServer(t, testConfig())
		lc, _ := ts.joinLocal(t, "r", "x")
		ts.Close()
		require.Equal(t, &relay.CloseError{Code: websocket.StatusGoingAway, Reason: relay.CodeShuttingDown}, closeErr(t, lc))
		require.Empty(t, ts.Rooms())
	})
}

// Local peers neither make a room active nor keep it from being empty.
func TestRoomHooksIgnoreLocalPeers(t *testing.T) {
	var mu sync.Mutex
	var events []string
	record := func(kind string) func(string) {
		return func(room string) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, kind+" "+room)
		}
	}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), events...)
	}
	cfg := testConfig()
	cfg.OnRoomActive = record("active")
	cfg.OnRoomEmpty = record("empty")
	ts := startServer(t, cfg)

	lc, _ := ts.joinLocal(t, "r", "archive") // alone: not active
	a := ts.join(t, "r", "a")
	require.Eventually(t, func() bool { return len(got()) == 1 }, waitFrame, 5*time.Millisecond)
	a.c.CloseNow()
	require.Eventually(t, func() bool { return len(got()) == 2 }, waitFrame, 5*time.Millisecond)
	require.Equal(t, []relay.RoomInfo{{Name: "r", Peers: 1, Local: 1}}, ts.Rooms(), "the local peer keeps the room")
	b := ts.join(t, "r", "b")
	require.Eventually(t, func() bool { return len(got()) == 3 }, waitFrame, 5*time.Millisecond)
	lc.Close()
	require.Equal(t, lc.ID(), leaveID(t, b.read(t)))
	time.Sleep(20 * time.Millisecond)
	require.Equal(t, []string{"active r", "empty r", "active r"}, got(), "a local peer leaving changes nothing")
	b.c.CloseNow()
	require.Eventually(t, func() bool { return len(got()) == 4 }, waitFrame, 5*time.Millisecond)
	require.Equal(t, "empty r", got()[3])
	require.Eventually(t, func() bool { return len(ts.Rooms()) == 0 }, waitFrame, 5*time.Millisecond)
	require.True(t, errors.Is(lc.Send(context.Background(), []byte(`{}`)), relay.ErrConnClosed))
}

// TestWelcomeSaysTheLimits: the peers frame tells every client, websocket
// or local, the limits it is held to, so it can pace itself below them.
func TestWelcomeSaysTheLimits(t *testing.T) {
	cfg := relay.DefaultConfig()
	cfg.RatePerSec, cfg.RateBurst, cfg.SendQueue, cfg.ReadLimit = 40, 80, 300, 2<<20
	ts := startServer(t, cfg)
	_, body := ts.joinLocal(t, "r", "archive")
	want := relay.Limits{RatePerSec: 40, RateBurst: 80, SendQueue: 300, ReadLimit: 2 << 20}
	require.Equal(t, want, body.Limits)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := ts.dial(ctx, "r", "tab", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	_, data, err := c.Read(ctx)
	require.NoError(t, err)
	var f relay.Frame
	require.NoError(t, json.Unmarshal(data, &f))
	var wb relay.PeersBody
	require.NoError(t, json.Unmarshal(f.Body, &wb))
	require.Equal(t, want, wb.Limits)

	cfg.RatePerSec = math.Inf(1)
	_, body = startServer(t, cfg).joinLocal(t, "r", "archive")
	require.Zero(t, body.Limits.RatePerSec, "no limit: rate 0")
}
