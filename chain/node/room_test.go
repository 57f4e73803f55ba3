package node

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/chain"
)

// fakeServer is the part of a chainplay server a joining node talks to:
// GET /api/rooms/NAME, and /ws/NAME guarded by the epoch (409 for an old
// one) where the relay sends a welcome and holds the socket until kick.
type fakeServer struct {
	*httptest.Server
	mu     sync.Mutex
	epoch  uint64
	params chain.Params
	status int                      // answer of the room API, when not 0
	conns  map[*websocket.Conn]bool // joined sockets
}

func newFakeServer(t *testing.T, room string) *fakeServer {
	t.Helper()
	fs := &fakeServer{params: chain.TestParams, conns: make(map[*websocket.Conn]bool)}
	fs.params.Name = room
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if r.PathValue("room") != room {
			http.NotFound(w, r)
			return
		}
		if fs.status != 0 {
			w.WriteHeader(fs.status)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"room": room, "params": fs.params, "epoch": fs.epoch, "peers": []any{}})
	})
	mux.HandleFunc("GET /ws/{room}", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		stale := r.URL.Query().Get("epoch") != strconv.FormatUint(fs.epoch, 10)
		fs.mu.Unlock()
		if stale {
			http.Error(w, `{"error":"the room was reset since this page was loaded: reload it"}`, http.StatusConflict)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		fs.mu.Lock()
		fs.conns[c] = true
		fs.mu.Unlock()
		c.Write(r.Context(), websocket.MessageText, []byte(`{"type":"welcome","body":{"id":"p1","peers":[]}}`))
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				break
			}
		}
		fs.mu.Lock()
		delete(fs.conns, c)
		fs.mu.Unlock()
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

// wsURL is the relay URL of room.
func (fs *fakeServer) wsURL(room string) string {
	return "ws" + strings.TrimPrefix(fs.URL, "http") + "/ws/" + room
}

// kick closes every socket as the relay's kick does.
func (fs *fakeServer) kick() {
	fs.mu.Lock()
	var cs []*websocket.Conn
	for c := range fs.conns {
		cs = append(cs, c)
	}
	fs.mu.Unlock()
	for _, c := range cs {
		c.Close(websocket.StatusPolicyViolation, "kicked")
	}
}

// reset bumps the epoch and kicks every socket, as the teacher's reset.
func (fs *fakeServer) reset() {
	fs.set(func(fs *fakeServer) { fs.epoch++ })
	fs.kick()
}

// set changes the server's state under its lock.
func (fs *fakeServer) set(f func(fs *fakeServer)) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f(fs)
}

func (fs *fakeServer) joined() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.conns)
}

func TestFetchRoom(t *testing.T) {
	fs := newFakeServer(t, "lab")
	fs.set(func(fs *fakeServer) { fs.epoch = 3 })
	info, err := FetchRoom(context.Background(), fs.wsURL("lab")+"?epoch=1")
	require.NoError(t, err)
	require.Equal(t, RoomInfo{Params: fs.params, Epoch: 3}, info)

	// A bare relay has no room API: the defaults, named after the room.
	info, err = FetchRoom(context.Background(), fs.wsURL("other"))
	require.NoError(t, err)
	want := chain.PlaygroundParams
	want.Name = "other"
	require.Equal(t, RoomInfo{Params: want}, info)

	fs.set(func(fs *fakeServer) { fs.status = http.StatusInternalServerError })
	_, err = FetchRoom(context.Background(), fs.wsURL("lab"))
	require.ErrorContains(t, err, "500")
	require.NotErrorIs(t, err, ErrRoomReset)

	for _, bad := range []string{"http://host/ws/lab", "ws://host/rooms/lab", "::"} {
		_, err = FetchRoom(context.Background(), bad)
		require.ErrorContains(t, err, "want ws://HOST/ws/NAME", bad)
	}
}

func TestDialURLCarriesTheEpoch(t *testing.T) {
	info := RoomInfo{Epoch: 7}
	require.Equal(t, "ws://h/ws/lab?epoch=7", info.DialURL("ws://h/ws/lab"))
	require.Equal(t, "wss://h/ws/lab?epoch=7&x=1", info.DialURL("wss://h/ws/lab?epoch=2&x=1"))
}

func TestDialRelayRefusedEpochIsRoomReset(t *testing.T) {
	fs := newFakeServer(t, "lab")
	fs.set(func(fs *fakeServer) { fs.epoch = 2 })
	_, err := DialRelay(context.Background(), RoomInfo{Epoch: 1}.DialURL(fs.wsURL("lab")), "bob")
	require.ErrorIs(t, err, ErrRoomReset)
	tr, err := DialRelay(context.Background(), RoomInfo{Epoch: 2}.DialURL(fs.wsURL("lab")), "bob")
	require.NoError(t, err)
	tr.Close()
	_, err = DialRelay(context.Background(), fs.URL+"/nowhere", "bob")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrRoomReset, "only 409 means a reset")
}

func TestRoomJoinConfigCheck(t *testing.T) {
	fs := newFakeServer(t, "lab")
	joined, err := FetchRoom(context.Background(), fs.wsURL("lab"))
	require.NoError(t, err)
	check := RoomJoinConfig(fs.wsURL("lab"), "bob", joined).Check
	require.NoError(t, check(context.Background()))

	fs.set(func(fs *fakeServer) { fs.params.Subsidy++ }) // a new genesis, even at the same epoch, is another chain
	require.ErrorIs(t, check(context.Background()), ErrRoomReset)

	fs.set(func(fs *fakeServer) { fs.params, fs.epoch = joined.Params, fs.epoch+1 })
	err = check(context.Background())
	require.ErrorIs(t, err, ErrRoomReset)
	require.ErrorContains(t, err, "epoch 1")

	fs.set(func(fs *fakeServer) { fs.status = http.StatusBadGateway })
	err = check(context.Background())
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrRoomReset, "a server that cannot answer has not reset the room")
}

// TestStayJoinedInARoomThatIsReset joins a room over a real websocket,
// survives a kick, and stops with ErrRoomReset when the teacher resets the
// room: what the tab and cmd/node do.
func TestStayJoinedInARoomThatIsReset(t *testing.T) {
	fs := newFakeServer(t, "lab")
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	n, err := New(Config{Chain: c, Key: chain.GenerateKey(), Name: "bob", Miner: ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	events := make(chan Event, 256)
	n.Subscribe(func(ev Event) {
		if ev.Kind == EventConnection {
			events <- ev
		}
	})
	joined, err := FetchRoom(context.Background(), fs.wsURL("lab"))
	require.NoError(t, err)
	cfg := RoomJoinConfig(fs.wsURL("lab"), n.Name(), joined)
	cfg.MinBackoff = 10 * time.Millisecond
	done := make(chan error, 1)
	go func() { done <- n.StayJoined(context.Background(), cfg) }()
	require.Eventually(t, func() bool { return fs.joined() == 1 }, 5*time.Second, 5*time.Millisecond)

	fs.kick() // a kick, not a reset
	require.Eventually(t, func() bool { return fs.joined() == 1 }, 5*time.Second, 5*time.Millisecond, "not rejoined after a kick")

	fs.reset()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrRoomReset)
	case <-time.After(10 * time.Second):
		t.Fatal("StayJoined kept going after the reset")
	}
	var codes []string
	for len(events) > 0 {
		codes = append(codes, (<-events).Code)
	}
	require.Contains(t, codes, CodeConnRoomReset)
	require.Equal(t, CodeConnRoomReset, codes[len(codes)-1])
}

// TestRelaysJoinConfigFailsOver joins a room served by three servers (a
// cluster's processes): the node joins the first, and when that one dies
// it is in the room again on the next after one backoff, saying where it
// goes; a reset seen on any of them stops it. What a tab does when its
// process is killed.
func TestRelaysJoinConfigFailsOver(t *testing.T) {
	a, b, c := newFakeServer(t, "lab"), newFakeServer(t, "lab"), newFakeServer(t, "lab")
	ch, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	n, err := New(Config{Chain: ch, Key: chain.GenerateKey(), Name: "bob", Miner: ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	var mu sync.Mutex
	var targets []string
	n.Subscribe(func(ev Event) {
		if ev.Kind == EventConnection && ev.Code == CodeConnRetrying {
			mu.Lock()
			targets = append(targets, ev.Name)
			mu.Unlock()
		}
	})
	joined, err := FetchRoom(context.Background(), a.wsURL("lab"))
	require.NoError(t, err)
	cfg := RelaysJoinConfig([]string{a.wsURL("lab"), b.wsURL("lab"), c.wsURL("lab")}, n.Name(), joined, DefaultHTTPClient())
	cfg.MinBackoff, cfg.MaxBackoff = 10*time.Millisecond, 20*time.Millisecond
	done := make(chan error, 1)
	go func() { done <- n.StayJoined(context.Background(), cfg) }()
	require.Eventually(t, func() bool { return a.joined() == 1 }, 5*time.Second, 5*time.Millisecond, "the first dial goes to the first relay")
	require.Zero(t, b.joined()+c.joined())

	a.Close() // a's process dies: it answers nothing more, and its sockets drop
	a.kick()
	require.Eventually(t, func() bool { return b.joined() == 1 }, 5*time.Second, 5*time.Millisecond, "rejoined on the next relay")
	mu.Lock()
	require.Equal(t, []string{strings.TrimPrefix(b.URL, "http://")}, targets, "the retry names the relay it goes to")
	mu.Unlock()

	b.kick() // dropped again: on to c, then round to a (dead: its check fails) and b again
	require.Eventually(t, func() bool { return c.joined() == 1 }, 5*time.Second, 5*time.Millisecond)
	c.kick()
	require.Eventually(t, func() bool { return b.joined() == 1 }, 5*time.Second, 5*time.Millisecond, "a dead relay is passed over")

	c.set(func(fs *fakeServer) { fs.epoch++ }) // the room reset, as c's registry says
	b.set(func(fs *fakeServer) { fs.epoch++ })
	b.kick()
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrRoomReset)
	case <-time.After(10 * time.Second):
		t.Fatal("StayJoined kept going after the reset")
	}
}

// One URL: no target, as RoomJoinConfig always was.
func TestRelaysJoinConfigOneURLHasNoTarget(t *testing.T) {
	cfg := RelaysJoinConfig([]string{"ws://h/ws/lab"}, "bob", RoomInfo{}, DefaultHTTPClient())
	require.Nil(t, cfg.Target)
	cfg = RelaysJoinConfig([]string{"ws://h/ws/lab", "wss://k:8443/ws/lab"}, "bob", RoomInfo{}, DefaultHTTPClient())
	require.Equal(t, "k:8443", cfg.Target())
}
