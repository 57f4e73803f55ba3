//go:build !js

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// The cluster as it runs: real chainplay processes, each with its own
// embedded NATS server routed to the others (JetStream replicated on all
// three), killed with SIGKILL. go test builds the binary once.

// built is the chainplay binary go test builds for these tests.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
	took time.Duration
}

// chainplayBinary builds ./cmd/chainplay (with the page's wasm, which
// `make wasm` puts in web/static: the binary refuses to start without
// it) into a temporary directory, once per test binary.
func chainplayBinary(t *testing.T) string {
	t.Helper()
	requireWasm(t)
	built.once.Do(func() {
		goBin, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
		if err != nil {
			built.err = err
			return
		}
		if built.dir, built.err = os.MkdirTemp("", "chainplay-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "chainplay")
		start := time.Now()
		out, err := exec.Command(goBin, "build", "-o", built.path, ".").CombinedOutput()
		built.took = time.Since(start)
		if err != nil {
			built.err = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(t, built.err)
	t.Logf("chainplay binary built in %v", built.took.Round(time.Millisecond))
	return built.path
}

// removeBinary deletes the built binary (TestMain).
func removeBinary() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// freePorts returns n ports free on 127.0.0.1 now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var lns []net.Listener
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// proc is one chainplay process of a procCluster.
type proc struct {
	name string
	url  string // http://127.0.0.1:PORT, its -public-url
	args []string
	log  *lockedBuffer // stdout and stderr

	mu      sync.Mutex
	cmd     *exec.Cmd
	natsURL string        // its NATS server's client URL
	exited  chan struct{} // closed when the process has exited
}

// procCluster is a cluster of chainplay processes.
type procCluster struct {
	t     *testing.T
	bin   string
	procs []*proc
}

// startProcCluster starts n processes (a, b, c…) on loopback, with one
// NATS server each, routed together, JetStream replicas n; extra[i]
// are more flags of the i-th process. It returns once every one serves.
func startProcCluster(t *testing.T, n int, extra map[int][]string) *procCluster {
	t.Helper()
	pc := &procCluster{t: t, bin: chainplayBinary(t)}
	ports := freePorts(t, 2*n)
	var routes []string
	for i := range n {
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(ports[n+i]))
	}
	for i := range n {
		name := string(rune('a' + i))
		url := "http://127.0.0.1:" + strconv.Itoa(ports[i])
		var others []string
		for j, r := range routes {
			if j != i {
				others = append(others, r)
			}
		}
		args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(ports[i]), "-data", t.TempDir(), "-archive-idle", "1m",
			"-nats-embedded", "-nats-listen", "127.0.0.1:0", "-nats-name", name, "-nats-cluster", routes[i],
			"-nats-routes", strings.Join(others, ","), "-nats-replicas", strconv.Itoa(n), "-public-url", url}
		args = append(args, extra[i]...)
		pc.procs = append(pc.procs, &proc{name: name, url: url, args: args, log: &lockedBuffer{}})
	}
	t.Cleanup(func() {
		for _, p := range pc.procs {
			p.kill()
		}
		if t.Failed() {
			for _, p := range pc.procs {
				t.Logf("--- process %s:\n%s", p.name, p.log.String())
			}
		}
	})
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, p := range pc.procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.start(pc.bin)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	t.Logf("%d chainplay processes serving in %v", n, time.Since(start).Round(time.Millisecond))
	return pc
}

// start runs the process and waits until it serves.
func (p *proc) start(bin string) error {
	cmd := exec.Command(bin, p.args...)
	cmd.Stderr = p.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	ready := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(out)
		signalled := false
		for lines.Scan() {
			line := lines.Text()
			fmt.Fprintln(p.log, line)
			if rest, ok := strings.CutPrefix(line, "NATS is running: "); ok {
				p.mu.Lock()
				p.natsURL = strings.Fields(rest)[0]
				p.mu.Unlock()
			}
			if strings.HasPrefix(line, "Chainplay is running") && !signalled {
				signalled = true
				close(ready)
			}
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-ready:
		return nil
	case <-exited:
		return fmt.Errorf("process %s exited before serving:\n%s", p.name, p.log.String())
	case <-time.After(2 * wait):
		p.kill()
		return fmt.Errorf("process %s did not serve within %v:\n%s", p.name, 2*wait, p.log.String())
	}
}

// kill ends the process with SIGKILL, as kill -9 does, and waits for it.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// nats returns the client URL of p's NATS server.
func (p *proc) nats() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.natsURL
}

// ws returns p's websocket URL of room.
func (p *proc) ws(room string) string { return wsURL(p.url) + "/ws/" + room }

// room reads room's info from p.
func (p *proc) room(t *testing.T, room string) roomInfo {
	t.Helper()
	var info roomInfo
	require.Equal(t, 200, callURL(t, p.url, "GET", "/api/rooms/"+room, "", nil, &info))
	return info
}

// archiveOf returns the process whose archive runs room at tip, waiting
// for one among ps.
func archiveOf(t *testing.T, room string, tip chain.Hash, ps ...*proc) *proc {
	t.Helper()
	var h *proc
	require.Eventually(t, func() bool {
		for _, p := range ps {
			var info roomInfo
			if callURLQuiet(p.url, "GET", "/api/rooms/"+room, "", nil, &info) == 200 &&
				info.Archive.Running && info.Archive.ID != "" && info.Archive.Tip == tip {
				h = p
				return true
			}
		}
		return false
	}, 2*wait, 20*time.Millisecond, "no archive of %s at %s", room, tip.Short())
	return h
}

// procPeer is a native peer of a room that stays joined through the
// cluster's relays, as a tab of a cluster's page does.
type procPeer struct {
	*node.Node
	cancel context.CancelFunc
	done   chan struct{}
}

// joinProcs joins room as name through ps[0], redialing ps[1], ps[2]…
// in turn when its link drops (node.RelaysJoinConfig).
func joinProcs(t *testing.T, room, name string, ps ...*proc) *procPeer {
	t.Helper()
	var urls []string
	for _, p := range ps {
		urls = append(urls, p.ws(room))
	}
	joined, err := node.FetchRoom(context.Background(), urls[0])
	require.NoError(t, err)
	c, err := chain.New(chain.Config{Params: joined.Params})
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: name, Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	cfg := node.RelaysJoinConfig(urls, name, joined, node.DefaultHTTPClient())
	cfg.MinBackoff, cfg.MaxBackoff = 100*time.Millisecond, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	pp := &procPeer{Node: n, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(pp.done)
		n.StayJoined(ctx, cfg)
	}()
	t.Cleanup(pp.leave)
	return pp
}

func (pp *procPeer) leave() {
	pp.cancel()
	select {
	case <-pp.done:
	case <-time.After(wait):
	}
}

// mine mines n blocks on pp's tip.
func (pp *procPeer) mine(t *testing.T, n int) {
	t.Helper()
	for range n {
		_, err := pp.MineBlock(context.Background())
		require.NoError(t, err)
	}
}

// converge waits until every peer's tip is tip.
func converge(t *testing.T, tip chain.Hash, peers ...*procPeer) {
	t.Helper()
	for _, p := range peers {
		waitTip(t, p.Node, tip)
	}
}

// storedBlocks reads room's blocks of epoch from JetStream as the cluster
// keeps them (jsstore.go), through the NATS server at natsURL.
func storedBlocks(t *testing.T, natsURL, room string, epoch uint64) map[chain.Hash]bool {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	out := map[chain.Hash]bool{}
	require.Eventually(t, func() bool { // the stream's leader may be moving after a kill
		ctx, cancel := opCtx()
		defer cancel()
		st, err := js.Stream(ctx, blockStream)
		if err != nil {
			return false
		}
		for seq := uint64(1); ; {
			m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(blockSubject(room, epoch)))
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				return true
			}
			if err != nil {
				return false
			}
			b, err := chain.DecodeBlock(m.Data)
			require.NoError(t, err)
			out[b.Hash()] = true
			seq = m.Sequence + 1
		}
	}, wait, 100*time.Millisecond, "reading the blocks of %s from JetStream", room)
	return out
}

// chainOf returns the hashes of n's best chain, genesis first.
func chainOf(t *testing.T, n *node.Node) []chain.Hash {
	t.Helper()
	var out []chain.Hash
	tip := n.Chain().Tip()
	for h := uint64(0); h <= tip.Height; h++ {
		b, ok := n.Chain().BlockAtHeight(h)
		require.True(t, ok)
		out = append(out, b.Hash())
	}
	return out
}

// TestClusterProcessesSurviveKill9: three chainplay processes, each with
// its own NATS server in a NATS cluster (JetStream on three replicas), and
// a native peer on each, redialing the others when its link drops.
//
//   - The archive runs on a, whose store writes wait an hour after the
//     first (-archive-store-delay 1h): blocks the archive accepted are not
//     in JetStream yet. kill -9 a: another process takes the lease within
//     seconds, ann (a's peer) is back in the room through b, and the new
//     archive's chain is complete, every block in JetStream: what the dead
//     archive had not written came back from the room's peers (their
//     hellos to the new archive, which syncs from the one with the most
//     work).
//   - A flooding client is closed by its own relay (rate-limited); the
//     room goes on.
//   - a comes back (the same data directory: its NATS server rejoins and
//     catches up). kill -9 a process that does not run the archive: its
//     peer is back through the next process and the room converges, blocks
//     mined on both sides of the kill included.
func TestClusterProcessesSurviveKill9(t *testing.T) {
	pc := startProcCluster(t, 3, map[int][]string{0: {"-archive-store-delay", "1h"}})
	a, b, c := pc.procs[0], pc.procs[1], pc.procs[2]
	const room = "multi"
	var made createdRoom
	require.Equal(t, 201, callURL(t, a.url, "POST", "/api/rooms", "", map[string]any{"name": room, "difficulty": 1, "retarget_interval": 0}, &made))
	for _, p := range pc.procs {
		require.Equal(t, made.Epoch, p.room(t, room).Epoch, "one registry")
	}

	ann := joinProcs(t, room, "ann", a, b, c)
	genesis := ann.Chain().Tip().Hash
	require.Equal(t, a, archiveOf(t, room, genesis, a, b, c), "the first process with a peer in the room runs its archive")
	bob := joinProcs(t, room, "bob", b, c, a)
	cid := joinProcs(t, room, "cid", c, a, b)
	ann.mine(t, 1)
	converge(t, ann.Chain().Tip().Hash, bob, cid)
	bob.mine(t, 5)
	tip := bob.Chain().Tip()
	converge(t, tip.Hash, ann, cid)
	archiveOf(t, room, tip.Hash, a)
	all := chainOf(t, bob.Node)
	before := storedBlocks(t, b.nats(), room, made.Epoch)
	missing := 0
	for _, h := range all {
		if !before[h] {
			missing++
		}
	}
	require.Positive(t, missing, "the archive accepted blocks it has not written yet")
	t.Logf("before the kill: the archive on a is at #%d; JetStream holds %d of the chain's %d blocks", tip.Height, len(before), len(all))

	killed := time.Now()
	a.kill()
	next := archiveOf(t, room, tip.Hash, b, c)
	failover := time.Since(killed)
	after := storedBlocks(t, next.nats(), room, made.Epoch)
	for i, h := range all {
		require.True(t, after[h], "block #%d %s is in JetStream after the failover", i, h.Short())
	}
	bob.mine(t, 1)
	tip = bob.Chain().Tip()
	converge(t, tip.Hash, ann, cid)
	rejoined := time.Since(killed)
	t.Logf("kill -9 of the archive's process: %s runs the archive at the room's tip after %v, with every block in JetStream (%d the dead archive had not written); ann (on a) in the room again through b and converged after %v",
		next.name, failover.Round(time.Millisecond), missing, rejoined.Round(time.Millisecond))

	// A flooding client is closed by its own relay; the room goes on.
	flooder := dialProcRaw(t, c, room, "flood")
	frame := []byte(`{"type":"noise","body":{}}`)
	for i := 0; i < 5000; i++ {
		if flooder.sendRaw(frame) != nil {
			break
		}
	}
	require.Equal(t, relay.CodeRateLimited, flooder.closeReason(wait), "c closes its flooding client")
	cid.mine(t, 1)
	converge(t, cid.Chain().Tip().Hash, ann, bob)

	// a comes back; then a process that does not run the archive dies.
	require.NoError(t, a.start(pc.bin))
	var victim, keeper *proc
	if next == b {
		victim, keeper = c, b
	} else {
		victim, keeper = b, c
	}
	victimPeer := map[*proc]*procPeer{b: bob, c: cid}[victim]
	victimPeer.mine(t, 1)
	converge(t, victimPeer.Chain().Tip().Hash, ann, bob, cid)
	killed = time.Now()
	victim.kill()
	victimPeer.mine(t, 1) // while its link is down
	converge(t, victimPeer.Chain().Tip().Hash, ann, bob, cid)
	ann.mine(t, 1)
	tip = ann.Chain().Tip()
	converge(t, tip.Hash, bob, cid)
	archiveOf(t, room, tip.Hash, keeper)
	t.Logf("kill -9 of %s (a relay, not the archive): its peer %s back in the room and converged after %v",
		victim.name, victimPeer.Name(), time.Since(killed).Round(time.Millisecond))
}

// dialProcRaw joins room on p as name with a raw websocket (no protocol)
// and reads the relay's welcome.
func dialProcRaw(t *testing.T, p *proc, room, name string) *rawClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, _, err := websocket.Dial(ctx, p.ws(room)+"?name="+name, nil)
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	rc := &rawClient{c: c}
	m, err := rc.next(wait)
	require.NoError(t, err)
	require.Equal(t, node.TypePeers, m.Type)
	return rc
}
