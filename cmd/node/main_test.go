//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// syncBuffer is an io.Writer safe for the node's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the command with args until the test ends or stopNow is called.
func start(t *testing.T, args ...string) (out *syncBuffer, stopNow func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out) }()
	var once sync.Once
	stopNow = func() {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
	}
	t.Cleanup(stopNow)
	// With -http, the node is started once it answers there: a test that
	// has one node call another (register_with → GET /tip) must not find
	// it still starting (seen in CI: "connection refused").
	for i, a := range args {
		if a != "-http" || i+1 >= len(args) {
			continue
		}
		if _, port, err := net.SplitHostPort(args[i+1]); err == nil && port != "" && port != "0" {
			addr := args[i+1]
			require.Eventually(t, func() bool {
				c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
				if err == nil {
					c.Close()
				}
				return err == nil
			}, 10*time.Second, 10*time.Millisecond, "the node never listened on %s:\n%s", addr, out)
		}
	}
	return out, stopNow
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	var res *http.Response
	require.Eventually(t, func() bool {
		var err error
		res, err = http.Get(url)
		return err == nil
	}, 5*time.Second, 20*time.Millisecond)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-http", ":5001", "-mine", "-threads", "3", "-name", "bob"})
	require.NoError(t, err)
	require.Equal(t, options{httpAddr: ":5001", mine: true, threads: 3, name: "bob", difficulty: chain.PlaygroundParams.Difficulty}, o)
	_, err = parseFlags([]string{"-threads", "0"})
	require.Error(t, err)
	_, err = parseFlags([]string{"-bogus"})
	require.Error(t, err)

	// The tutorials' modes bring their tutorial's port and proof of work, unless told otherwise.
	o, err = parseFlags([]string{"-tutorial", "ibm"})
	require.NoError(t, err)
	require.Equal(t, options{httpAddr: "127.0.0.1:8000", threads: o.threads, difficulty: 256, tutorial: node.TutorialIBM}, o)
	o, err = parseFlags([]string{"-tutorial", "dvf", "-name", "d4ee26eee15148ee92c6cd394edd974e"})
	require.NoError(t, err)
	require.Equal(t, options{httpAddr: "127.0.0.1:5000", threads: o.threads, difficulty: 65536, tutorial: node.TutorialDvf, name: "d4ee26eee15148ee92c6cd394edd974e"}, o)
	o, err = parseFlags([]string{"-tutorial", "ibm", "-http", ":8001", "-difficulty", "16"})
	require.NoError(t, err)
	require.Equal(t, options{httpAddr: ":8001", threads: o.threads, difficulty: 16, tutorial: node.TutorialIBM}, o)
	for _, bad := range [][]string{
		{"-tutorial", "bitcoin"},
		{"-tutorial", "dvf", "-room", "ws://127.0.0.1:8080/ws/lab"},
		{"-tutorial", "dvf", "-name", " "},
		{"-tutorial", "dvf", "ibm"},
	} {
		_, err = parseFlags(bad)
		require.Error(t, err, "%q", bad)
	}
}

// TestDataDirKeepsChainAndWallet mines through the API, restarts the node
// on the same -data and finds the chain and the wallet intact.
func TestDataDirKeepsChainAndWallet(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	args := []string{"-http", addr, "-data", dir, "-difficulty", "16", "-threads", "1"}
	_, stop := start(t, args...)
	var mined node.MineResponse
	getJSON(t, "http://"+addr+"/mine", &mined)
	getJSON(t, "http://"+addr+"/mine", &mined)
	var w1 map[string]any
	getJSON(t, "http://"+addr+"/wallet", &w1)
	stop()

	start(t, args...)
	var tip node.TipResponse
	getJSON(t, "http://"+addr+"/tip", &tip)
	require.Equal(t, uint64(2), tip.Height)
	require.Equal(t, mined.Hash, tip.Hash)
	var w2 map[string]any
	getJSON(t, "http://"+addr+"/wallet", &w2)
	require.Equal(t, w1["address"], w2["address"])
	require.EqualValues(t, 100, w2["balance"])
}

// TestRoomNodesSync joins two native nodes to a relay room: one mines,
// the other follows.
func TestRoomNodesSync(t *testing.T) {
	rs, err := relay.New(relay.DefaultConfig())
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer rs.Close()
	room := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/lab"

	minerAddr, watcherAddr := freeAddr(t), freeAddr(t)
	start(t, "-http", watcherAddr, "-room", room, "-name", "watcher")
	out, _ := start(t, "-http", minerAddr, "-room", room, "-name", "miner", "-mine", "-threads", "1")
	require.Eventually(t, func() bool {
		var a, b node.TipResponse
		getJSON(t, "http://"+minerAddr+"/tip", &a)
		getJSON(t, "http://"+watcherAddr+"/tip", &b)
		return a.Height >= 1 && a.Hash == b.Hash
	}, 60*time.Second, 100*time.Millisecond, "the watcher never followed the miner:\n%s", out)
	var tip node.TipResponse
	getJSON(t, "http://"+watcherAddr+"/tip", &tip)
	p := chain.PlaygroundParams
	p.Name = "lab"
	require.Equal(t, chain.GenesisBlock(p).Hash(), tip.Genesis, "room nodes use the room's default parameters")
}

// TestRoomResetStopsTheNode serves a room whose epoch moves on (a teacher
// reset): the node stops with an error instead of reconnecting with its
// old chain.
func TestRoomResetStopsTheNode(t *testing.T) {
	rs, err := relay.New(relay.DefaultConfig())
	require.NoError(t, err)
	defer rs.Close()
	var mu sync.Mutex
	epoch := uint64(3)
	p := chain.PlaygroundParams
	p.Name = "lab"
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	mux.HandleFunc("GET /api/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"params": p, "epoch": epoch})
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	room := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/lab"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"-http", "", "-room", room}, &syncBuffer{}) }()
	require.Eventually(t, func() bool { return len(rs.Rooms()) == 1 }, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	epoch++
	mu.Unlock()
	require.True(t, rs.Kick("lab", rs.Peers("lab")[0].ID))
	select {
	case err := <-errc:
		require.ErrorContains(t, err, "reset room lab")
	case <-time.After(15 * time.Second):
		t.Fatal("the node kept going after the reset")
	}
}

// TestGetMineWhileMining: GET /mine on a node that mines (-mine) takes the
// miner from the mining loop and answers with its block, every time; the
// loop goes on afterwards.
func TestGetMineWhileMining(t *testing.T) {
	addr := freeAddr(t)
	out, _ := start(t, "-http", addr, "-mine", "-threads", "1", "-difficulty", "4096")
	var last node.MineResponse
	for range 5 {
		var mined node.MineResponse
		getJSON(t, "http://"+addr+"/mine", &mined)
		require.Greater(t, mined.Index, last.Index, "GET /mine builds on the tip")
		last = mined
	}
	require.Eventually(t, func() bool {
		var tip node.TipResponse
		getJSON(t, "http://"+addr+"/tip", &tip)
		return tip.Height > last.Index
	}, 10*time.Second, 10*time.Millisecond, "the loop stopped mining:\n%s", out)
	require.NotContains(t, out.String(), "Mining failed")
}

// TestStaleDataAfterReset: a node started with the -data directory of a
// room from before its teacher reset it refuses to start, says why and
// what to do, and leaves the directory as it was.
func TestStaleDataAfterReset(t *testing.T) {
	rs, err := relay.New(relay.DefaultConfig())
	require.NoError(t, err)
	defer rs.Close()
	var mu sync.Mutex
	p := chain.PlaygroundParams
	p.Name = "lab"
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	mux.HandleFunc("GET /api/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"params": p, "epoch": p.Epoch})
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	room := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/lab"
	dir := t.TempDir()

	// The node joins once and stops.
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"-http", "", "-room", room, "-data", dir}, &syncBuffer{}) }()
	require.Eventually(t, func() bool { return len(rs.Rooms()) == 1 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-errc)
	storedNow := func() []byte {
		st, err := node.OpenStore(filepath.Join(dir, "node.db"))
		require.NoError(t, err)
		defer st.Close()
		b, err := st.Setting("params")
		require.NoError(t, err)
		return b
	}
	before := storedNow()

	// The teacher resets the room: a new epoch, a new genesis.
	mu.Lock()
	p.Epoch++
	mu.Unlock()
	refused, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	err = run(refused, []string{"-http", "", "-room", room, "-data", dir}, &syncBuffer{})
	require.ErrorContains(t, err, "holds room lab's chain from before the teacher reset it")
	require.ErrorContains(t, err, "start with a new -data directory")
	require.Equal(t, string(before), string(storedNow()), "the refused start changed the data directory")

	// A new directory joins the room as it is now.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { errc <- run(ctx, []string{"-http", "", "-room", room, "-data", t.TempDir()}, &syncBuffer{}) }()
	require.Eventually(t, func() bool { return len(rs.Peers("lab")) == 1 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-errc)
}
