package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/relay"
)

func TestFanOut(t *testing.T) {
	ts := startServer(t, testConfig())
	sender := ts.join(t, "fan", "sender")
	others := []*peer{ts.join(t, "fan", "a"), ts.join(t, "fan", "b"), ts.join(t, "fan", "c")}
	for i, p := range others { // drain the join frames of later peers
		for range len(others) - 1 - i {
			p.readBody(t, relay.TypeJoin, nil)
		}
	}

	tests := []struct {
		name string
		send string
		want string // %s is the sender's id
	}{
		{"object body kept byte for byte", `{"type":"tx","body":{"a": "<b>&",  "n": [1, 2.50]}}`, `{"type":"tx","from":"%s","body":{"a": "<b>&",  "n": [1, 2.50]}}`},
		{"no body", `{"type":"hello"}`, `{"type":"hello","from":"%s"}`},
		{"null body", `{"type":"x","body":null}`, `{"type":"x","from":"%s","body":null}`},
		{"string body with escapes", `{"type":"x","body":"line\nbreak \u00e9 \""}`, `{"type":"x","from":"%s","body":"line\nbreak \u00e9 \""}`},
		{"forged from replaced", `{"from":"p999","type":"x","body":1}`, `{"type":"x","from":"%s","body":1}`},
		{"unknown fields dropped", `{"type":"x","extra":{"y":2},"body":[]}`, `{"type":"x","from":"%s","body":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sender.sendRaw(t, tc.send)
			for _, p := range others {
				require.Equal(t, fmt.Sprintf(tc.want, sender.id), p.readRaw(t))
			}
		})
	}

	// No echo: had the sender got its own frames back, they would be queued
	// before this direct frame, which was sent after the others got them.
	others[0].send(t, "ack", sender.id, nil)
	f := sender.read(t, relay.TypeJoin)
	require.Equal(t, relay.Frame{Type: "ack", From: others[0].id, To: sender.id}, f)
}

func TestPresence(t *testing.T) {
	ts := startServer(t, testConfig())
	ann := ts.join(t, "lobby", "ann")
	require.Empty(t, ann.others)

	bob := ts.join(t, "lobby", "  bob\t")
	require.Equal(t, []relay.PeerInfo{{ID: ann.id, Name: "ann"}}, bob.others)
	var joined relay.PeerInfo
	ann.readBody(t, relay.TypeJoin, &joined)
	require.Equal(t, relay.PeerInfo{ID: bob.id, Name: "bob"}, joined)

	anon := ts.join(t, "lobby", "")
	require.Equal(t, []relay.PeerInfo{{ID: ann.id, Name: "ann"}, {ID: bob.id, Name: "bob"}}, anon.others)
	for _, p := range []*peer{ann, bob} {
		p.readBody(t, relay.TypeJoin, &joined)
		require.Equal(t, relay.PeerInfo{ID: anon.id, Name: "anon"}, joined)
	}
	require.NotEqual(t, ann.id, bob.id)
	require.NotEqual(t, bob.id, anon.id)
	require.Equal(t, []relay.RoomInfo{{Name: "lobby", Peers: 3}}, ts.Rooms())

	require.NoError(t, bob.c.Close(websocket.StatusNormalClosure, "bye"))
	require.Equal(t, bob.id, leaveID(t, ann.read(t)))
	require.Equal(t, bob.id, leaveID(t, anon.read(t)))
	require.Equal(t, []relay.RoomInfo{{Name: "lobby", Peers: 2}}, ts.Rooms())

	// The newcomer's list is empty, not null, in an empty room.
	ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
	defer cancel()
	c, _, err := ts.dial(ctx, "empty", "x", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	_, raw, err := c.Read(ctx)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"peers":[]`)
}

func TestRoomIsolation(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "one", "a")
	b := ts.join(t, "one", "b")
	c := ts.join(t, "two", "c")

	a.send(t, "tx", "", 1)
	require.Equal(t, "tx", b.read(t).Type)
	a.send(t, "dm", c.id, 2) // c is in another room
	a.readError(t, relay.CodeUnknownPeer, "unknown peer "+c.id, relay.TypeJoin)

	// Had c got a's frames, they would be queued before this join.
	d := ts.join(t, "two", "d")
	var joined relay.PeerInfo
	c.readBody(t, relay.TypeJoin, &joined)
	require.Equal(t, d.id, joined.ID)
	require.Equal(t, []relay.PeerInfo{{ID: c.id, Name: "c"}}, d.others)
	require.Equal(t, []relay.RoomInfo{{Name: "one", Peers: 2}, {Name: "two", Peers: 2}}, ts.Rooms())
}

func TestDirect(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "dm", "a")
	b := ts.join(t, "dm", "b")
	c := ts.join(t, "dm", "c")
	b.readBody(t, relay.TypeJoin, nil)

	t.Run("reaches only its target", func(t *testing.T) {
		a.sendRaw(t, fmt.Sprintf(`{"type":"getblocks","to":%q,"body":{"n":1}}`, b.id))
		a.send(t, "after", "", nil)
		require.Equal(t, fmt.Sprintf(`{"type":"getblocks","from":"%s","to":"%s","body":{"n":1}}`, a.id, b.id), b.readRaw(t))
		require.Equal(t, "after", b.read(t).Type)
		require.Equal(t, relay.Frame{Type: "after", From: a.id}, c.read(t)) // not the direct one
	})
	t.Run("unknown target", func(t *testing.T) {
		a.send(t, "getblocks", "p999999", nil)
		a.readError(t, relay.CodeUnknownPeer, "unknown peer p999999", relay.TypeJoin)
		a.send(t, "after", "", nil) // still usable, and the direct frame went nowhere
		require.Equal(t, "after", b.read(t).Type)
		require.Equal(t, "after", c.read(t).Type)
	})
	t.Run("target gone", func(t *testing.T) {
		c.c.CloseNow()
		require.Equal(t, c.id, leaveID(t, b.read(t)))
		a.send(t, "getblocks", c.id, nil)
		a.readError(t, relay.CodeUnknownPeer, "unknown peer "+c.id, relay.TypeJoin, relay.TypeLeave)
	})
}

func TestRefusedFrames(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "refuse", "a")
	b := ts.join(t, "refuse", "b")
	a.readBody(t, relay.TypeJoin, nil)

	tests := []struct {
		name string
		send string
		code string
		want string
	}{
		{"not JSON", `{"type":`, relay.CodeMalformedFrame, "malformed frame"},
		{"plain text", `hello`, relay.CodeMalformedFrame, "malformed frame"},
		{"array", `[{"type":"x"}]`, relay.CodeMalformedFrame, "malformed frame"},
		{"string", `"x"`, relay.CodeMalformedFrame, "malformed frame"},
		{"null", `null`, relay.CodeMalformedFrame, "malformed frame"},
		{"type not a string", `{"type":7}`, relay.CodeMalformedFrame, "malformed frame"},
		{"to not a string", `{"type":"x","to":1}`, relay.CodeMalformedFrame, "malformed frame"},
		{"no type", `{"body":1}`, relay.CodeMalformedFrame, "empty type"},
		{"empty type", `{"type":""}`, relay.CodeMalformedFrame, "empty type"},
		{"type too long", `{"type":"` + strings.Repeat("t", relay.MaxTypeLen+1) + `"}`, relay.CodeMalformedFrame, "type longer than"},
		{"reserved peers", `{"type":"peers","body":{}}`, relay.CodeReservedType, `frame type "peers" is reserved for the relay`},
		{"reserved join", `{"type":"join","body":{"id":"p1"}}`, relay.CodeReservedType, `frame type "join" is reserved for the relay`},
		{"reserved leave", `{"type":"leave","body":{"id":"p1"}}`, relay.CodeReservedType, `frame type "leave" is reserved for the relay`},
		{"reserved error", `{"type":"error"}`, relay.CodeReservedType, `frame type "error" is reserved for the relay`},
		{"reserved, direct", fmt.Sprintf(`{"type":"peers","to":%q}`, b.id), relay.CodeReservedType, `frame type "peers" is reserved for the relay`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a.sendRaw(t, tc.send)
			a.readError(t, tc.code, tc.want)
			// The connection still works and the refused frame was not forwarded.
			a.send(t, "ok", "", i)
			var n int
			b.readBody(t, "ok", &n)
			require.Equal(t, i, n)
		})
	}
	t.Run("binary message", func(t *testing.T) {
		require.NoError(t, a.c.Write(context.Background(), websocket.MessageBinary, []byte(`{"type":"x"}`)))
		a.readError(t, relay.CodeBinaryFrame, "binary frames are not supported")
		a.send(t, "ok", "", -1)
		var n int
		b.readBody(t, "ok", &n)
		require.Equal(t, -1, n)
	})
}

func TestBadRequests(t *testing.T) {
	ts := startServer(t, testConfig())

	t.Run("through the mux", func(t *testing.T) {
		tests := []struct {
			name string
			path string
			want int
		}{
			{"upper case", "/ws/Lobby", http.StatusBadRequest},
			{"dot", "/ws/a.b", http.StatusBadRequest},
			{"space", "/ws/a%20b", http.StatusBadRequest},
			{"escaped slash", "/ws/a%2Fb", http.StatusBadRequest},
			{"non-ASCII", "/ws/caf%C3%A9", http.StatusBadRequest},
			{"33 characters", "/ws/" + strings.Repeat("a", 33), http.StatusBadRequest},
			{"valid name, not an upgrade", "/ws/" + strings.Repeat("a", 32), http.StatusUpgradeRequired},
			{"valid name with - and _, not an upgrade", "/ws/room-1_b", http.StatusUpgradeRequired},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, err := http.Get(ts.http.URL + tc.path)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.Equal(t, tc.want, resp.StatusCode, "body %q", body)
				if tc.want == http.StatusBadRequest {
					require.Equal(t, relay.CodeInvalidRoom+"\n", string(body))
				}
			})
		}
		require.Empty(t, ts.Rooms(), "a refused request left a room behind")
	})

	t.Run("without a path pattern", func(t *testing.T) {
		tests := []struct {
			name   string
			method string
			path   string
			want   int
		}{
			{"last element invalid", http.MethodGet, "/anything/Bad!", http.StatusBadRequest},
			{"trailing slash", http.MethodGet, "/ws/", http.StatusBadRequest},
			{"last element valid, not an upgrade", http.MethodGet, "/x/y/room", http.StatusUpgradeRequired},
			{"POST", http.MethodPost, "/ws/room", http.StatusMethodNotAllowed},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := httptest.NewRecorder()
				ts.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
				require.Equal(t, tc.want, w.Code, "body %q", w.Body)
			})
		}
	})

	t.Run("origin", func(t *testing.T) {
		cfg := testConfig()
		cfg.OriginPatterns = []string{"good.example"}
		allowing := startServer(t, cfg)
		// A handler in front that checked the origin itself (a cluster's
		// other processes, cmd/chainplay's wsGuard).
		checked := startServer(t, testConfig())
		mux := http.NewServeMux()
		mux.Handle("GET /ws/{room}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Origin") == "https://peer.example" {
				r = r.WithContext(relay.WithOriginChecked(r.Context()))
			}
			checked.Server.ServeHTTP(w, r)
		}))
		front := httptest.NewServer(mux)
		t.Cleanup(front.Close)
		checked.http = front
		tests := []struct {
			name   string
			ts     *testServer
			origin string
			want   int
		}{
			{"no Origin header (not a browser)", ts, "", http.StatusSwitchingProtocols},
			{"same host", ts, ts.http.URL, http.StatusSwitchingProtocols},
			{"cross-origin refused by default", ts, "https://evil.example", http.StatusForbidden},
			{"cross-origin allowed by OriginPatterns", allowing, "https://good.example", http.StatusSwitchingProtocols},
			{"cross-origin not in OriginPatterns", allowing, "https://evil.example", http.StatusForbidden},
			{"cross-origin checked in front (WithOriginChecked)", checked, "https://peer.example", http.StatusSwitchingProtocols},
			{"cross-origin the front did not vouch for", checked, "https://evil.example", http.StatusForbidden},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodGet, tc.ts.http.URL+"/ws/origin", nil)
				require.NoError(t, err)
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
				req.Header.Set("Sec-WebSocket-Version", "13")
				req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
				if tc.origin != "" {
					req.Header.Set("Origin", tc.origin)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, tc.want, resp.StatusCode)
			})
		}
	})
}

func TestRoomLimits(t *testing.T) {
	dialStatus := func(t *testing.T, ts *testServer, room string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
		defer cancel()
		c, resp, err := ts.dial(ctx, room, "x", nil)
		if err == nil {
			c.CloseNow()
			return http.StatusSwitchingProtocols, ""
		}
		require.NotNil(t, resp, "dial: %v", err)
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}

	t.Run("full room", func(t *testing.T) {
		cfg := testConfig()
		cfg.MaxPeersPerRoom = 2
		ts := startServer(t, cfg)
		ts.join(t, "small", "a")
		b := ts.join(t, "small", "b")
		code, body := dialStatus(t, ts, "small")
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, relay.CodeRoomFull, body)
		ts.join(t, "other", "c") // other rooms are not affected

		b.c.CloseNow()
		require.Eventually(t, func() bool {
			return slices.Equal(ts.Rooms(), []relay.RoomInfo{{Name: "other", Peers: 1}, {Name: "small", Peers: 1}})
		}, waitFrame, 10*time.Millisecond)
		ts.join(t, "small", "d") // a place is free again
	})

	t.Run("too many rooms", func(t *testing.T) {
		cfg := testConfig()
		cfg.MaxRooms = 1
		ts := startServer(t, cfg)
		a := ts.join(t, "first", "a")
		code, body := dialStatus(t, ts, "second")
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Equal(t, relay.CodeTooManyRooms, body)

		a.c.CloseNow() // the empty room is removed
		require.Eventually(t, func() bool { return len(ts.Rooms()) == 0 }, waitFrame, 10*time.Millisecond)
		ts.join(t, "second", "b")
		require.Equal(t, []relay.RoomInfo{{Name: "second", Peers: 1}}, ts.Rooms())
	})
}

// A client that never reads, with a tiny queue, is closed; the others keep
// receiving every frame, at their own pace.
func TestSlowClient(t *testing.T) {
	cfg := testConfig()
	cfg.SendQueue = 4
	cfg.WriteTimeout = time.Minute // only the full queue may close the slow client in time
	ts := startServer(t, cfg)
	sender := ts.join(t, "slow", "sender")
	fast := ts.join(t, "slow", "fast")
	slow := ts.join(t, "slow", "slow") // never reads from here on
	fast.readBody(t, relay.TypeJoin, nil)

	pad := strings.Repeat("x", 128<<10)
	type blob struct{ I int }
	send := func(i int) { sender.sendRaw(t, fmt.Sprintf(`{"type":"blob","body":{"i":%d,"pad":%q}}`, i, pad)) }
	kicked := -1
	const max = 400 // 50 MiB: far more than the socket buffers hold
	for i := 0; i < max && kicked < 0; i++ {
		send(i) // lockstep with fast, so only slow falls behind
		for {
			f := fast.read(t)
			if f.Type == relay.TypeLeave {
				require.Equal(t, slow.id, leaveID(t, f))
				kicked = i
				continue
			}
			var b blob
			require.Equal(t, "blob", f.Type)
			require.NoError(t, json.Unmarshal(f.Body, &b))
			require.Equal(t, i, b.I)
			break
		}
	}
	require.GreaterOrEqual(t, kicked, 0, "the slow client was not closed after %d frames", max)
	t.Logf("slow client closed after %d frames of %d KiB", kicked+1, len(pad)>>10)

	for i := kicked + 1; i < kicked+6; i++ { // the others go on
		send(i)
		var b blob
		fast.readBody(t, "blob", &b)
		require.Equal(t, i, b.I)
	}
	require.Equal(t, []relay.RoomInfo{{Name: "slow", Peers: 2}}, ts.Rooms())
	code := slow.readClose(t) // it was cut off, with 1008 if its socket had room for it
	require.Contains(t, []websocket.StatusCode{-1, websocket.StatusPolicyViolation}, code)
}

func TestRateLimit(t *testing.T) {
	t.Run("frames over the burst are dropped", func(t *testing.T) {
		cfg := testConfig()
		cfg.RatePerSec = 0.001 // no refill during the test
		cfg.RateBurst = 5
		ts := startServer(t, cfg)
		a := ts.join(t, "rate", "a")
		b := ts.join(t, "rate", "b")
		c := ts.join(t, "rate", "c")
		for i := range 8 {
			a.send(t, "n", "", i)
		}
		for range 3 {
			a.readError(t, relay.CodeRateLimited, "rate limit exceeded", relay.TypeJoin)
		}
		c.send(t, "sentinel", "", nil) // other connections have their own budget
		for i := range 5 {
			var n int
			b.readBody(t, "n", &n, relay.TypeJoin)
			require.Equal(t, i, n)
		}
		require.Equal(t, "sentinel", b.read(t).Type)
	})

	t.Run("sustained abuse closes the connection", func(t *testing.T) {
		cfg := testConfig()
		cfg.RatePerSec = 0.001
		cfg.RateBurst = 1
		ts := startServer(t, cfg)
		a := ts.join(t, "rate", "a")
		b := ts.join(t, "rate", "b")
		a.readBody(t, relay.TypeJoin, nil)
		for i := range 1 + relay.MaxRateDrops {
			a.send(t, "n", "", i)
		}
		errs := 0
		var code websocket.CloseError
		for {
			f, err := a.tryRead()
			if err != nil {
				require.ErrorAs(t, err, &code)
				break
			}
			require.Equal(t, relay.TypeError, f.Type)
			errs++
		}
		require.Equal(t, websocket.StatusPolicyViolation, code.Code)
		require.Equal(t, relay.CodeRateLimited, code.Reason)
		require.Less(t, errs, relay.MaxRateDrops)

		var n int
		b.readBody(t, "n", &n)
		require.Equal(t, 0, n)
		require.Equal(t, a.id, leaveID(t, b.read(t)))
	})
}

func TestReadLimit(t *testing.T) {
	cfg := testConfig()
	cfg.ReadLimit = 1024
	ts := startServer(t, cfg)
	a := ts.join(t, "big", "a")
	b := ts.join(t, "big", "b")
	a.readBody(t, relay.TypeJoin, nil)

	exactly := func(size int) string { // a frame of exactly size bytes
		const head, tail = `{"type":"x","body":"`, `"}`
		return head + strings.Repeat("y", size-len(head)-len(tail)) + tail
	}
	a.sendRaw(t, exactly(1024)) // at the limit: forwarded
	require.Len(t, b.readRaw(t), 1024+len(`,"from":"`+a.id+`"`))

	a.sendRaw(t, exactly(1025)) // over it: the sender is closed
	require.Equal(t, websocket.CloseError{Code: websocket.StatusMessageTooBig, Reason: relay.CodeFrameTooBig}, a.readCloseFrame(t))
	require.Equal(t, a.id, leaveID(t, b.read(t)))
	b.send(t, "still", b.id, nil) // the room goes on
	require.Equal(t, "still", b.read(t).Type)

	// Far over it: the relay reads no more than the limit, and the close
	// handshake discards the rest.
	c := ts.join(t, "big", "c")
	b.read(t) // c joined
	c.sendRaw(t, exactly(256<<10))
	require.Equal(t, websocket.CloseError{Code: websocket.StatusMessageTooBig, Reason: relay.CodeFrameTooBig}, c.readCloseFrame(t))
	require.Equal(t, c.id, leaveID(t, b.read(t)))
}

func TestManyClients(t *testing.T) {
	const clients, msgs = 16, 64
	cfg := testConfig()
	cfg.SendQueue = clients * msgs // this test is about delivery, not back-pressure
	ts := startServer(t, cfg)
	peers := make([]*peer, clients)
	for i := range peers {
		peers[i] = ts.join(t, "many", fmt.Sprint("peer", i))
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2*clients)
	for i, p := range peers {
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			for n := range msgs {
				if err := p.trySendRaw(fmt.Sprintf(`{"type":"m","body":%d}`, n)); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // reader: every frame of every other peer, in each sender's order
			defer wg.Done()
			next := map[string]int{}
			for got := 0; got < (clients-1)*msgs; {
				f, err := p.tryRead()
				if err != nil {
					errs <- fmt.Errorf("peer %d after %d frames: %w", i, got, err)
					return
				}
				if f.Type == relay.TypeJoin {
					continue
				}
				var n int
				if err := json.Unmarshal(f.Body, &n); err != nil || f.Type != "m" || f.From == p.id || n != next[f.From] {
					errs <- fmt.Errorf("peer %d: unexpected frame %+v (err %v, want n=%d)", i, f, err, next[f.From])
					return
				}
				next[f.From]++
				got++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestKick(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "kick", "a")
	b := ts.join(t, "kick", "b")
	a.readBody(t, relay.TypeJoin, nil)

	require.False(t, ts.Kick("kick", "p999999"))
	require.False(t, ts.Kick("other", b.id))
	require.True(t, ts.Kick("kick", b.id))
	require.Equal(t, websocket.CloseError{Code: websocket.StatusPolicyViolation, Reason: relay.CodeKicked}, b.readCloseFrame(t))
	require.Equal(t, b.id, leaveID(t, a.read(t)))
}

func TestPing(t *testing.T) {
	const interval = 200 * time.Millisecond
	cfg := testConfig()
	cfg.PingInterval = interval
	ts := startServer(t, cfg)
	reader := ts.join(t, "ping", "reader")
	silent := ts.join(t, "ping", "silent") // never reads, so never answers a ping

	late := make(chan error, 1)
	go func() { // joins while reader sits in Read for many intervals
		time.Sleep(8 * interval)
		p, err := ts.tryJoin("ping", "late")
		if err == nil {
			err = p.trySendRaw(`{"type":"hi"}`)
			defer p.c.CloseNow()
			_, _ = p.tryRead() // answer pings until the test ends
		}
		late <- err
	}()

	reader.readBody(t, relay.TypeJoin, nil)
	require.Equal(t, silent.id, leaveID(t, reader.read(t)))
	reader.readBody(t, relay.TypeJoin, nil) // late: reader, which reads, is still there
	require.Equal(t, "hi", reader.read(t).Type)
	reader.c.CloseNow()
	require.NoError(t, <-late)
}

func TestRoomHooks(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var self atomic.Pointer[relay.Server]
	record := func(kind string) func(string) {
		return func(room string) {
			self.Load().Rooms() // hooks run with no relay lock held
			mu.Lock()
			defer mu.Unlock()
			events = append(events, kind+" "+room)
		}
	}
	cfg := testConfig()
	cfg.OnRoomActive = record("active")
	cfg.OnRoomEmpty = record("empty")
	srv, err := relay.New(cfg)
	require.NoError(t, err)
	self.Store(srv)
	hs := httptest.NewServer(srv) // no mux: the room is the last path element
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	ts := &testServer{Server: srv, http: hs, ws: "ws" + strings.TrimPrefix(hs.URL, "http")}
	got := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), events...)
	}

	a := ts.join(t, "r1", "a")
	b := ts.join(t, "r1", "b")
	c := ts.join(t, "r2", "c")
	require.Eventually(t, func() bool { return len(got()) == 2 }, waitFrame, 10*time.Millisecond)
	a.c.CloseNow()
	b.c.CloseNow()
	require.Eventually(t, func() bool { return len(got()) == 3 }, waitFrame, 10*time.Millisecond)
	d := ts.join(t, "r1", "d")
	var wg sync.WaitGroup
	for _, p := range []*peer{c, d} {
		wg.Add(1)
		go func() { // answer the close handshake
			defer wg.Done()
			for {
				if _, _, err := p.c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	srv.Close() // fires the last OnRoomEmpty calls before it returns
	wg.Wait()
	ev := got()
	require.Equal(t, []string{"active r1", "active r2", "empty r1", "active r1"}, ev[:4])
	require.ElementsMatch(t, []string{"empty r1", "empty r2"}, ev[4:])
}

func TestClose(t *testing.T) {
	ts := startServer(t, testConfig())
	var peers []*peer
	for _, room := range []string{"a", "b", "c"} {
		peers = append(peers, ts.join(t, room, "x"), ts.join(t, room, "y"))
	}
	codes := make(chan websocket.CloseError, len(peers))
	for _, p := range peers {
		go func() {
			for {
				if _, _, err := p.c.Read(context.Background()); err != nil {
					var ce websocket.CloseError
					errors.As(err, &ce)
					codes <- ce
					return
				}
			}
		}()
	}

	closed := make(chan struct{})
	go func() {
		ts.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitFrame):
		t.Fatal("Close did not return")
	}
	require.Empty(t, ts.Rooms())
	// Close has waited for every handler, so no goroutine of the package is
	// left (give the handlers a moment to return into net/http).
	relayGoroutines := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "chainplay/relay.(*")
	}
	require.Eventually(t, func() bool { return relayGoroutines() == 0 }, time.Second, 5*time.Millisecond,
		"relay goroutines left after Close")
	for range peers {
		require.Equal(t, websocket.CloseError{Code: websocket.StatusGoingAway, Reason: relay.CodeShuttingDown}, <-codes)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
	defer cancel()
	_, resp, err := ts.dial(ctx, "a", "late", nil)
	require.Error(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, relay.CodeShuttingDown+"\n", string(body))
	ts.Close() // idempotent
}
