//go:build !js

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// crashEnv makes the test binary a chainplay server on the data directory
// it names, for TestCrashSuite to kill.
const crashEnv = "CHAINPLAY_CRASH_DATA"

// TestCrashSuite kills the server with SIGKILL at random moments while a
// room is mined in, reset and given a new genesis (seeded: set
// CHAINPLAY_CRASH_SEED to replay a run), 20 rounds on one data directory.
// After every kill: the registry and every store the rooms use open, the
// room's store replays onto the room's own chain, and once a reset was
// acknowledged the room never goes back: its epoch never falls behind,
// and no block of an earlier epoch is ever in its store again, even when
// a node of the old chain rejoins without ?epoch=.
func TestCrashSuite(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CHAINPLAY_CRASH_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("seed %d (CHAINPLAY_CRASH_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	dir := t.TempDir()
	cs := &crashState{t: t, dir: dir, old: map[chain.Hash]uint64{}}

	srv := cs.start()
	token := cs.create(srv)
	const rounds = 20
	counts := map[string]int{}
	for round := range rounds {
		action := []string{"mine", "reset", "genesis"}[rng.IntN(3)]
		counts[action]++
		killAfter := time.Duration(rng.IntN(700)) * time.Millisecond
		start := time.Now()
		srv = cs.round(srv, token, action, killAfter, rng)
		t.Logf("round %2d: %-7s killed ~%3dms in; epoch then %d, acknowledged %d; the store replayed #%d; %v",
			round+1, action, killAfter.Milliseconds(), cs.epoch, cs.acked, cs.height, time.Since(start).Round(time.Millisecond))
	}
	srv.kill()
	cs.checkStores()
	t.Logf("figure: %d kill -9s (%d while mining, %d during a reset, %d during a new genesis): every store reopened and validated, no reset undone",
		rounds, counts["mine"], counts["reset"], counts["genesis"])
}

// crashChild serves on dir until killed, printing its address.
func crashChild(dir string) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", dir, "-difficulty", "2", "-archive-idle", "1m"}, fakeAssets())
	fmt.Fprintln(os.Stderr, "crash child:", err)
	os.Exit(3)
}

// crashState is what the parent knows across the kills.
type crashState struct {
	t      *testing.T
	dir    string
	epoch  uint64                // the room's epoch at the last check
	acked  uint64                // the last epoch a reset was acknowledged for
	old    map[chain.Hash]uint64 // blocks mined, by epoch: none may be in a later epoch
	height uint64                // the room's store height at the last check
	stale  *node.Node            // a node of an earlier epoch's chain, with its blocks
}

// child is a running server.
type child struct {
	cmd    *exec.Cmd
	url    string // http://host
	stderr *bytes.Buffer
	mu     *sync.Mutex
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func (cs *crashState) start() *child {
	t := cs.t
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSuite$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+cs.dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	c := &child{cmd: cmd, stderr: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd.Stderr = crashLog{c.mu, c.stderr}
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	deadline := time.AfterFunc(wait, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "Chainplay is running: open "); ok {
			c.url = strings.TrimSuffix(strings.Fields(rest)[0], "/")
			break
		}
	}
	if c.url == "" {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("the server did not start: %s", c.stderr)
	}
	go func() { // keep reading, so the child never blocks on its stdout
		for lines.Scan() {
		}
	}()
	return c
}

type crashLog struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w crashLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// create creates the room and returns its teacher token.
func (cs *crashState) create(c *child) string {
	t := cs.t
	var out createdRoom
	status := callURL(t, c.url, "POST", "/api/rooms", "", map[string]any{"name": "crash", "difficulty": 2}, &out)
	require.Equal(t, http.StatusCreated, status)
	return out.TeacherToken
}

// round checks the server as the last kill left it, then runs action
// against it and kills it after killAfter; it returns the restarted
// server.
func (cs *crashState) round(c *child, token, action string, killAfter time.Duration, rng *rand.Rand) *child {
	t := cs.t
	t.Helper()
	info := cs.check(c)

	// A peer of the current epoch mines; one that never reads stays in
	// the room, so a reset has to drop it (the widest window of a reset).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	miner := cs.join(ctx, c, info, "miner", true)
	// Every draw from rng is made here, on the test's goroutine.
	mineRng := rand.New(rand.NewPCG(rng.Uint64(), 12))
	delay := time.Duration(rng.IntN(50)) * time.Millisecond
	difficulty := 1 + rng.IntN(4)
	afterAck := action != "mine" && rng.IntN(2) == 0 // else during the action
	if rng.IntN(2) == 0 {
		// A peer that never reads: a reset has to drop it, a second
		// later (the widest window of a reset).
		if ws, _, err := websocket.Dial(ctx, wsURL(c.url)+"/ws/crash?name=deaf&epoch="+strconv.FormatUint(info.Epoch, 10), nil); err == nil {
			defer ws.CloseNow()
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // mining all along: every action happens while blocks are written
		defer wg.Done()
		for ctx.Err() == nil {
			if _, err := miner.MineBlock(ctx); err != nil {
				return
			}
			time.Sleep(time.Duration(mineRng.IntN(3)) * time.Millisecond)
		}
	}()
	acked := make(chan uint64, 1)
	answered := make(chan struct{})
	if action != "mine" {
		time.Sleep(delay)
		go func() {
			var body any
			if action == "genesis" {
				body = map[string]any{"difficulty": difficulty}
			}
			var got roomInfo
			if callURLQuiet(c.url, "POST", "/api/rooms/crash/"+action, token, body, &got) == http.StatusOK {
				acked <- got.Epoch
			}
			close(answered)
		}()
	}
	if afterAck {
		select { // right after the teacher saw the reset done
		case <-answered:
		case <-time.After(wait):
			t.Fatalf("the %s got no answer", action)
		}
		killAfter /= 4
	}
	time.Sleep(killAfter)
	c.kill()
	cancel()
	wg.Wait()
	select {
	case e := <-acked:
		cs.acked = max(cs.acked, e)
	default:
	}
	// The blocks of info.Epoch: none may be in the room once its epoch
	// has moved on.
	for _, b := range miner.Chain().MainChain()[1:] {
		cs.old[b.Hash()] = info.Epoch
	}
	cs.stale = miner.Node
	cs.checkStores()
	return cs.start()
}

// check checks a freshly started server: the room's epoch never went back
// behind an acknowledged reset, its archive starts on its store without
// an error and a peer of its chain syncs from it; then a node of an
// earlier epoch rejoins without ?epoch= and hands nothing back.
func (cs *crashState) check(c *child) roomInfo {
	t := cs.t
	t.Helper()
	var info roomInfo
	require.Equal(t, http.StatusOK, callURL(t, c.url, "GET", "/api/rooms/crash", "", nil, &info))
	require.GreaterOrEqual(t, info.Epoch, cs.acked, "an acknowledged reset was undone")
	require.GreaterOrEqual(t, info.Epoch, cs.epoch, "the epoch went back")
	require.Equal(t, info.Epoch, info.Params.Epoch)
	require.Equal(t, chain.GenesisBlock(info.Params).Hash(), info.Genesis)
	cs.epoch = info.Epoch

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	probe := cs.join(ctx, c, info, "probe", true)
	if cs.stale != nil && cs.stale.Chain().ID() != info.Genesis {
		cs.join(ctx, c, info, "stale", false) // the old chain, no ?epoch=
	}
	var st roomInfo
	require.Eventually(t, func() bool {
		callURLQuiet(c.url, "GET", "/api/rooms/crash", "", nil, &st)
		return st.Archive.Running && st.Archive.ID != ""
	}, wait, 5*time.Millisecond, "the archive never started: %+v", st.Archive)
	require.Empty(t, st.Archive.Error)
	require.Eventually(t, func() bool {
		callURLQuiet(c.url, "GET", "/api/rooms/crash", "", nil, &st)
		return probe.Chain().Tip().Hash == st.Archive.Tip && probe.Chain().Tip().Height == st.Archive.Height
	}, wait, 5*time.Millisecond, "a peer of the room's chain did not sync from the archive (%+v, peer at #%d)", st.Archive, probe.Chain().Tip().Height)
	for _, b := range probe.Chain().MainChain() {
		if e, ok := cs.old[b.Hash()]; ok && e < info.Epoch {
			t.Fatalf("block #%d of epoch %d is back in epoch %d", b.Height(), e, info.Epoch)
		}
	}
	return info
}

// join runs a node in the room: a fresh one of the room's chain (with the
// epoch), or the stale one of an earlier epoch (without).
func (cs *crashState) join(ctx context.Context, c *child, info roomInfo, name string, fresh bool) *nativePeer {
	t := cs.t
	t.Helper()
	n := cs.stale
	url := wsURL(c.url) + "/ws/crash"
	if fresh {
		ch, err := chain.New(chain.Config{Params: info.Params})
		require.NoError(t, err)
		n, err = node.New(node.Config{Chain: ch, Key: chain.GenerateKey(), Name: name, Miner: node.ThreadMiner{Threads: 1}})
		require.NoError(t, err)
		url = node.RoomInfo{Params: info.Params, Epoch: info.Epoch}.DialURL(url)
	}
	tr, err := node.DialRelay(ctx, url, name)
	require.NoError(t, err)
	p := &nativePeer{Node: n, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		n.Run(ctx, tr)
	}()
	return p
}

// checkStores opens the registry and the room's store with no server
// running: both open, and the store replays onto the room's chain
// without a block of an earlier epoch.
func (cs *crashState) checkStores() {
	t := cs.t
	t.Helper()
	reg, err := openRegistry(filepath.Join(cs.dir, "registry.db"))
	require.NoError(t, err, "the registry opens")
	rec, ok, err := reg.get("crash")
	require.NoError(t, reg.close())
	require.NoError(t, err)
	require.True(t, ok)
	require.GreaterOrEqual(t, rec.Epoch, cs.acked, "an acknowledged reset was undone")
	a := &archives{cfg: archiveConfig{Dir: filepath.Join(cs.dir, "rooms")}}
	path := a.storePath("crash", rec.Epoch)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		cs.height = 0
		return // the reset came before the new archive wrote anything
	}
	store, err := node.OpenStore(path)
	require.NoError(t, err, "the store opens")
	defer store.Close()
	n, err := openArchiveNode(store, rec, node.SystemClock)
	require.NoError(t, err, "the store replays onto the room's chain (epoch %d)", rec.Epoch)
	require.Equal(t, store.BlockCount(), len(n.Chain().Tree()), "every stored block replayed")
	require.NoError(t, store.ForEachBlock(func(b *chain.Block) error {
		if e, ok := cs.old[b.Hash()]; ok && e < rec.Epoch {
			return fmt.Errorf("block #%d of epoch %d is in the store of epoch %d", b.Height(), e, rec.Epoch)
		}
		return nil
	}))
	cs.height = n.Chain().Tip().Height
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// callURL is testServer.call against any server.
func callURL(t *testing.T, base, method, path, token string, body, out any) int {
	t.Helper()
	status := callURLQuiet(base, method, path, token, body, out)
	require.NotZero(t, status, "%s %s: no answer", method, path)
	return status
}

// callURLQuiet sends a JSON request and decodes the answer into out; 0
// when there is no answer.
func callURLQuiet(base, method, path, token string, body, out any) int {
	var rd *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0
		}
		rd = bytes.NewReader(raw)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, base+path, rd)
	} else {
		req, err = http.NewRequest(method, base+path, nil)
	}
	if err != nil {
		return 0
	}
	if token != "" {
		req.Header.Set("Authorization", bearerOf(token))
	}
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0
		}
	}
	return resp.StatusCode
}
