//go:build !js

package natsbus_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/relay/natsbus"
)

func startNATS(t *testing.T) *natsbus.Embedded {
	t.Helper()
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return e
}

// startRelay starts a relay process proc on its own connection to e.
func startRelay(t *testing.T, e *natsbus.Embedded, proc string) string {
	t.Helper()
	nc, err := nats.Connect(e.ClientURL())
	require.NoError(t, err)
	bus, err := natsbus.New(nc, "")
	require.NoError(t, err)
	cfg := relay.DefaultConfig()
	cfg.RatePerSec, cfg.PingInterval = math.Inf(1), 0
	cfg.Bus, cfg.ProcessID = bus, proc
	cfg.BusBeat, cfg.BusTimeout = 50*time.Millisecond, 500*time.Millisecond
	srv, err := relay.New(cfg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
		nc.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dial(t *testing.T, ws, room string) (*websocket.Conn, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, ws+"/ws/"+room, nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	f := read(t, c)
	require.Equal(t, relay.TypePeers, f.Type)
	var body relay.PeersBody
	require.NoError(t, json.Unmarshal(f.Body, &body))
	return c, body.You
}

func read(t *testing.T, c *websocket.Conn) relay.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	require.NoError(t, err)
	var f relay.Frame
	require.NoError(t, json.Unmarshal(data, &f))
	return f
}

func TestRelaysShareARoomOverNATS(t *testing.T) {
	e := startNATS(t)
	wsA, wsB := startRelay(t, e, "a"), startRelay(t, e, "b")
	a, aid := dial(t, wsA, "r")
	b, bid := dial(t, wsB, "r")
	for f := read(t, a); ; f = read(t, a) { // a hears b join across NATS
		if f.Type == relay.TypeJoin {
			var info relay.PeerInfo
			require.NoError(t, json.Unmarshal(f.Body, &info))
			require.Equal(t, bid, info.ID)
			break
		}
	}
	ctx := context.Background()
	require.NoError(t, a.Write(ctx, websocket.MessageText, []byte(`{"type":"block","body":"x"}`)))
	for {
		f := read(t, b)
		if f.Type == "block" {
			require.Equal(t, aid, f.From)
			require.Equal(t, json.RawMessage(`"x"`), f.Body)
			break
		}
	}
}

func TestNewRefusesABadPrefix(t *testing.T) {
	_, err := natsbus.New(nil, "a.b")
	require.ErrorIs(t, err, natsbus.ErrBadPrefix)
}

// TestAStuckRoomDoesNotStallOthers: every room has a subscription (and a
// delivery goroutine) of its own, so a room whose delivery is stuck —
// a hot room fanning a block out to thousands of peers — holds up no
// other room's frames on the same connection.
func TestAStuckRoomDoesNotStallOthers(t *testing.T) {
	e := startNATS(t)
	nc, err := nats.Connect(e.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	bus, err := natsbus.New(nc, "")
	require.NoError(t, err)
	release := make(chan struct{})
	stuck := make(chan struct{}, 1)
	unsubHot, err := bus.Subscribe("hot", func([]byte) {
		select {
		case stuck <- struct{}{}:
		default:
		}
		<-release // the hot room's delivery does not return
	})
	require.NoError(t, err)
	t.Cleanup(unsubHot)
	got := make(chan string, 4)
	unsubCold, err := bus.Subscribe("cold", func(m []byte) { got <- string(m) })
	require.NoError(t, err)
	t.Cleanup(unsubCold)
	t.Cleanup(func() { close(release) })
	require.NoError(t, nc.Flush())

	for range 10 {
		require.NoError(t, bus.Publish("hot", []byte("block")))
	}
	select {
	case <-stuck:
	case <-time.After(5 * time.Second):
		t.Fatal("the hot room's frame never arrived")
	}
	require.NoError(t, bus.Publish("cold", []byte("hello")))
	select {
	case m := <-got:
		require.Equal(t, "hello", m)
	case <-time.After(5 * time.Second):
		t.Fatal("the cold room's frame waited behind the stuck hot room")
	}
}
