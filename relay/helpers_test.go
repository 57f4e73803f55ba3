package relay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/internal/testlog"
	"github.com/chainplay/chainplay/relay"
)

// waitFrame bounds every read in the tests; a read that hits it fails the test.
const waitFrame = 5 * time.Second

// testConfig is DefaultConfig without the limits that would get in the way of
// a test about something else: no rate limit, no pings, a long write timeout.
func testConfig() relay.Config {
	cfg := relay.DefaultConfig()
	cfg.RatePerSec = math.Inf(1)
	cfg.PingInterval = 0
	cfg.WriteTimeout = 10 * time.Second
	return cfg
}

// testServer is a relay mounted the way cmd/chainplay mounts it.
type testServer struct {
	*relay.Server
	http *httptest.Server
	ws   string // ws://host
}

func startServer(t *testing.T, cfg relay.Config) *testServer {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testlog.New(t, "the relay's log") // printed if the test fails
	}
	srv, err := relay.New(cfg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return &testServer{Server: srv, http: hs, ws: "ws" + strings.TrimPrefix(hs.URL, "http")}
}

// peer is a test client that has joined a room and read its "peers" frame.
type peer struct {
	c      *websocket.Conn
	id     string
	others []relay.PeerInfo
}

func (ts *testServer) roomURL(room, name string) string {
	return ts.ws + "/ws/" + room + "?name=" + url.QueryEscape(name)
}

// dial connects to room without reading anything.
func (ts *testServer) dial(ctx context.Context, room, name string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	c, resp, err := websocket.Dial(ctx, ts.roomURL(room, name), opts)
	if err != nil {
		return nil, resp, err
	}
	c.SetReadLimit(8 << 20)
	return c, resp, nil
}

// tryJoin connects to room and reads the "peers" frame. It is safe to call
// from any goroutine.
func (ts *testServer) tryJoin(room, name string) (*peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
	defer cancel()
	c, _, err := ts.dial(ctx, room, name, nil)
	if err != nil {
		return nil, err
	}
	p := &peer{c: c}
	f, err := p.tryRead()
	if err != nil {
		c.CloseNow()
		return nil, err
	}
	if f.Type != relay.TypePeers {
		c.CloseNow()
		return nil, fmt.Errorf("first frame is %q, want peers", f.Type)
	}
	var body relay.PeersBody
	if err := json.Unmarshal(f.Body, &body); err != nil {
		c.CloseNow()
		return nil, err
	}
	if body.Room != room || body.You == "" || body.Peers == nil {
		c.CloseNow()
		return nil, fmt.Errorf("bad peers body %s", f.Body)
	}
	p.id, p.others = body.You, body.Peers
	return p, nil
}

func (ts *testServer) join(t *testing.T, room, name string) *peer {
	t.Helper()
	p, err := ts.tryJoin(room, name)
	require.NoError(t, err)
	t.Cleanup(func() { p.c.CloseNow() })
	return p
}

func (p *peer) tryReadRaw() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
	defer cancel()
	typ, data, err := p.c.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, fmt.Errorf("got a %v message, want text", typ)
	}
	return data, nil
}

func (p *peer) tryRead() (relay.Frame, error) {
	var f relay.Frame
	data, err := p.tryReadRaw()
	if err != nil {
		return f, err
	}
	err = json.Unmarshal(data, &f)
	return f, err
}

func (p *peer) readRaw(t *testing.T) string {
	t.Helper()
	data, err := p.tryReadRaw()
	require.NoError(t, err)
	return string(data)
}

// read returns the next frame, skipping those whose type is in skip.
func (p *peer) read(t *testing.T, skip ...string) relay.Frame {
	t.Helper()
	for {
		f, err := p.tryRead()
		require.NoError(t, err)
		if !slices.Contains(skip, f.Type) {
			return f
		}
	}
}

// readBody reads the next frame not in skip, checks its type and decodes its body.
func (p *peer) readBody(t *testing.T, typ string, body any, skip ...string) relay.Frame {
	t.Helper()
	f := p.read(t, skip...)
	require.Equal(t, typ, f.Type, "frame %+v", f)
	if body != nil {
		require.NoError(t, json.Unmarshal(f.Body, body))
	}
	return f
}

// readError reads the next frame not in skip and checks that it is an
// "error" frame with the given code whose message contains want.
func (p *peer) readError(t *testing.T, code, want string, skip ...string) {
	t.Helper()
	var body relay.ErrorBody
	p.readBody(t, relay.TypeError, &body, skip...)
	require.Equal(t, code, body.Code, "code of %+v", body)
	require.Contains(t, body.Message, want)
}

// readClose reads until the connection ends, ignoring frames, and returns
// the close status (-1 if the connection ended without a close frame).
func (p *peer) readClose(t *testing.T) websocket.StatusCode {
	t.Helper()
	return p.readCloseFrame(t).Code
}

// readCloseFrame is readClose returning the status and the reason (Code
// -1 and no reason if the connection ended without a close frame).
func (p *peer) readCloseFrame(t *testing.T) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := p.c.Read(ctx)
		if err != nil {
			require.NoError(t, ctx.Err(), "connection still open")
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce
			}
			return websocket.CloseError{Code: -1}
		}
	}
}

func (p *peer) trySendRaw(s string) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitFrame)
	defer cancel()
	return p.c.Write(ctx, websocket.MessageText, []byte(s))
}

func (p *peer) sendRaw(t *testing.T, s string) {
	t.Helper()
	require.NoError(t, p.trySendRaw(s))
}

// send sends a frame with a JSON-encoded body (none if body is nil).
func (p *peer) send(t *testing.T, typ, to string, body any) {
	t.Helper()
	f := relay.Frame{Type: typ, To: to}
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		f.Body = raw
	}
	raw, err := json.Marshal(f)
	require.NoError(t, err)
	p.sendRaw(t, string(raw))
}

// leaveID decodes the body of a "leave" frame.
func leaveID(t *testing.T, f relay.Frame) string {
	t.Helper()
	require.Equal(t, relay.TypeLeave, f.Type, "frame %+v", f)
	var body relay.LeaveBody
	require.NoError(t, json.Unmarshal(f.Body, &body))
	return body.ID
}
