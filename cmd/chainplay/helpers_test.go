//go:build !js

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/internal/testlog"
	"github.com/chainplay/chainplay/relay"
)

// wait bounds every poll in these tests.
const wait = 20 * time.Second

// testServer is a chainplay server on httptest, over a data directory.
type testServer struct {
	*server
	http *httptest.Server
	ws   string // ws://host
	once sync.Once
}

// startServer starts a server on dir with easy default parameters
// (chain.TestParams) and no relay rate limit; mod may change the config.
func startServer(t *testing.T, dir string, mod func(*serverConfig)) *testServer {
	t.Helper()
	rcfg := relay.DefaultConfig()
	rcfg.RatePerSec = math.Inf(1)
	rcfg.PingInterval = 0
	cfg := serverConfig{Params: chain.TestParams, Relay: rcfg, Data: dir, ArchiveIdle: time.Minute}
	if mod != nil {
		mod(&cfg)
	}
	if cfg.Logger == nil {
		cfg.Logger = testlog.New(t, "the server's log") // printed if the test fails
	}
	srv, err := newServer(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	ts := &testServer{server: srv, http: hs, ws: "ws" + strings.TrimPrefix(hs.URL, "http")}
	t.Cleanup(ts.stop)
	return ts
}

// stop shuts the server down the way main does; it is idempotent.
func (ts *testServer) stop() {
	ts.once.Do(func() {
		ts.http.Config.Shutdown(context.Background())
		ts.server.Close()
		ts.http.Close()
	})
}

// call sends a JSON request (body nil: none; a string: sent as is) with
// an optional teacher token and decodes the JSON answer into out (if not
// nil). It returns the status, after checking the API's convention: the
// answer is JSON, and an error answer has an error sentence and a code,
// and a rule only if it is that code.
func (ts *testServer) call(t *testing.T, method, path, token string, body any, out any) int {
	t.Helper()
	status, _ := ts.callError(t, method, path, token, body, out)
	return status
}

// callError is call that also returns the error answer (zero for a 2xx).
func (ts *testServer) callError(t *testing.T, method, path, token string, body any, out any) (int, httpjson.ErrorBody) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, ts.http.URL+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := ts.http.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"), "%s %s: %s", method, path, raw)
	var e httpjson.ErrorBody
	if resp.StatusCode >= 400 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&e), "%s", raw)
		require.NotEmpty(t, e.Error, "an error answer names the problem: %s", raw)
		require.NotEmpty(t, e.Code, "an error answer has a code: %s", raw)
		if e.Rule != "" {
			require.Equal(t, e.Code, e.Rule, "%s", raw)
		}
	}
	if out != nil {
		require.NoError(t, json.Unmarshal(raw, out), "%s", raw)
	}
	return resp.StatusCode, e
}

// createRoom creates room with params (a map of the API's fields) and
// returns the answer.
func (ts *testServer) createRoom(t *testing.T, room string, params map[string]any) createdRoom {
	t.Helper()
	body := map[string]any{"name": room}
	for k, v := range params {
		body[k] = v
	}
	var out createdRoom
	require.Equal(t, http.StatusCreated, ts.call(t, "POST", "/api/rooms", "", body, &out))
	require.NotEmpty(t, out.TeacherToken)
	return out
}

func (ts *testServer) room(t *testing.T, room string) roomInfo {
	t.Helper()
	var out roomInfo
	require.Equal(t, http.StatusOK, ts.call(t, "GET", "/api/rooms/"+room, "", nil, &out))
	return out
}

// nativePeer is a native node in a room through the relay's websocket,
// as cmd/node runs one.
type nativePeer struct {
	*node.Node
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
}

// joinNative starts a node with room's parameters (from the API) and
// joins it to the room. It leaves when the test ends or on leave().
func (ts *testServer) joinNative(t *testing.T, room, name string) *nativePeer {
	t.Helper()
	return ts.joinNativeKey(t, room, name, chain.GenerateKey())
}

// joinNativeKey is joinNative with the wallet key given (a stake room's
// validator, say).
func (ts *testServer) joinNativeKey(t *testing.T, room, name string, key ed25519.PrivateKey) *nativePeer {
	t.Helper()
	info := ts.room(t, room)
	c, err := chain.New(chain.Config{Params: info.Params})
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: c, Key: key, Name: name, Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	tr, err := node.DialRelay(ctx, ts.ws+"/ws/"+room, name)
	require.NoError(t, err)
	p := &nativePeer{Node: n, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		n.Run(ctx, tr)
	}()
	t.Cleanup(p.leave)
	return p
}

// leave disconnects the node and waits for Run to return.
func (p *nativePeer) leave() {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(wait):
	}
}

// mine mines n blocks on p's tip.
func (p *nativePeer) mine(t *testing.T, n int) {
	t.Helper()
	for range n {
		_, err := p.MineBlock(context.Background())
		require.NoError(t, err)
	}
}

// waitArchive waits until room's archive peer runs at height with tip.
func (ts *testServer) waitArchive(t *testing.T, room string, height uint64, tip chain.Hash) {
	t.Helper()
	require.Eventually(t, func() bool {
		st := ts.archives.Status(room)
		return st.Running && st.Height == height && st.Tip == tip
	}, wait, 10*time.Millisecond, "archive of %s never reached #%d %s (have %+v)", room, height, tip.Short(), ts.archives.Status(room))
}

// waitTip waits until n's tip is tip.
func waitTip(t *testing.T, n *node.Node, tip chain.Hash) {
	t.Helper()
	require.Eventually(t, func() bool { return n.Chain().Tip().Hash == tip }, wait, 10*time.Millisecond,
		"node never reached %s (at #%d)", tip.Short(), n.Chain().Tip().Height)
}

// bearerOf is an Authorization header value.
func bearerOf(token string) string { return "Bearer " + token }
