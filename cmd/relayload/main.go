//go:build !js

// Command relayload is the relay's load benchmark: it starts a relay in a
// child process on loopback, connects native websocket peers to it, and
// prints two figures with their targets:
//
//   - the server's memory per connected idle peer (Go heap + stacks + runtime
//     metadata after a GC, and resident set size, before and after the
//     peers connect; target under 64 KB);
//   - the delivery latency of a block-sized frame announced in the busiest
//     room to every other peer of it, p50 and p99 (target p99 under 50 ms).
//
// The server runs in its own process so that its memory is measured alone;
// both processes share the machine, as a classroom server would with the
// tabs of a demo. It is bounded and stops by itself (-timeout); it exits 1
// when a target is missed.
//
//	go run ./cmd/relayload                       # 2,000 peers, 100 rooms, 50 in the hot room
//	go run ./cmd/relayload -peers 500 -rooms 20
//	go run ./cmd/relayload -cluster 3 -peers 6000 -hot 100   # make loadtest-cluster
//
// With -cluster N the peers are spread over N relay processes, each with
// an embedded NATS server routed to the others and the relay's rooms on
// it (relay/natsbus, as chainplay -nats-embedded runs them): peer i
// connects to process i mod N, so every room spans every process; then
// the same peers connect to one process; both runs' figures are printed,
// memory per process, and delivery to the hot room's peers on the
// announcer's process and on the others. No target is judged then.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// options are the command line.
type options struct {
	cluster           int
	peers, rooms, hot int
	frame, announces  int
	interval, timeout time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("relayload", flag.ContinueOnError)
	fs.IntVar(&o.cluster, "cluster", 0, "spread the peers over this many relay processes sharing rooms over NATS (2 to 5), then run again on one process, and print both (no targets judged)")
	fs.IntVar(&o.peers, "peers", 2000, "websocket peers in all")
	fs.IntVar(&o.rooms, "rooms", 100, "rooms they are spread over")
	fs.IntVar(&o.hot, "hot", 50, "peers of the room where blocks are announced")
	fs.IntVar(&o.frame, "frame", 48<<10, "size of an announced frame in bytes (a full block of 100 transactions as JSON is about this)")
	fs.IntVar(&o.announces, "announces", 200, "frames announced in the hot room")
	fs.DurationVar(&o.interval, "interval", 50*time.Millisecond, "time between announcements")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.cluster != 0 && (o.cluster < 2 || o.cluster > 5):
		return o, fmt.Errorf("-cluster %d: want 2 to 5 (0: one process)", o.cluster)
	case o.peers < 2 || o.peers > 20000:
		return o, fmt.Errorf("-peers %d: want 2 to 20000", o.peers)
	case o.rooms < 1 || o.rooms > o.peers:
		return o, fmt.Errorf("-rooms %d: want 1 to -peers", o.rooms)
	case o.hot < 2 || o.hot > o.peers-(o.rooms-1):
		return o, fmt.Errorf("-hot %d: want 2 to peers-rooms+1 (every other room needs a peer)", o.hot)
	case o.frame < 64 || o.frame > 1<<20-1024:
		return o, fmt.Errorf("-frame %d: want 64 bytes to just under the relay's 1 MiB read limit", o.frame)
	case o.announces < 1 || o.announces > 100000:
		return o, fmt.Errorf("-announces %d: want 1 to 100000", o.announces)
	case o.interval < 20*time.Millisecond:
		return o, fmt.Errorf("-interval %v: at least 20ms, the relay allows 50 frames per second", o.interval)
	}
	return o, nil
}

func main() {
	if env := os.Getenv(serveEnv); env != "" {
		var sc serveConfig
		err := json.Unmarshal([]byte(env), &sc)
		if err == nil {
			err = serve(sc)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "relayload server:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	ok, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// run performs the benchmark and reports whether every target was met.
// With -cluster N it runs twice, the peers spread over N relay processes
// sharing rooms over NATS, then all on one process, and prints both; it
// judges no target then (timings on a shared machine are figures, not
// verdicts).
func run(ctx context.Context, o options) (bool, error) {
	raiseFileLimit(o.peers + 64)
	if o.cluster < 2 {
		fmt.Printf("relayload: %d peers in %d rooms (%d in the hot room), %d frames of %d bytes every %v; the relay runs in a child process\n",
			o.peers, o.rooms, o.hot, o.announces, o.frame, o.interval)
		r, err := phase(ctx, o, 1)
		if err != nil {
			return false, err
		}
		r.print(o)
		memOK := r.mem[0].perPeer < 64<<10
		latOK := r.all.p99 < 50*time.Millisecond && r.lost == 0
		fmt.Printf("targets: memory per idle peer < 64 KB: %s; delivery p99 < 50 ms, none lost: %s\n", verdict(memOK), verdict(latOK))
		return memOK && latOK, nil
	}
	fmt.Printf("relayload: %d peers in %d rooms (%d in the hot room), %d frames of %d bytes every %v\n",
		o.peers, o.rooms, o.hot, o.announces, o.frame, o.interval)
	fmt.Printf("\n== %d relay processes sharing their rooms over NATS (one embedded NATS server each, routed): peer i on process i mod %d, so every room, the hot one too, spans all of them\n",
		o.cluster, o.cluster)
	rc, err := phase(ctx, o, o.cluster)
	if err != nil {
		return false, err
	}
	rc.print(o)
	fmt.Printf("\n== the same peers on one relay process\n")
	r1, err := phase(ctx, o, 1)
	if err != nil {
		return false, err
	}
	r1.print(o)
	fmt.Printf("\nsummary: delivery p50/p99 %s/%s over %d processes, %s/%s on one; memory per idle peer %s over %d processes, %.1f KB on one (figures of one run on a shared machine: compare them within a run)\n",
		ms(rc.all.p50), ms(rc.all.p99), o.cluster, ms(r1.all.p50), ms(r1.all.p99), rc.memList(), o.cluster, r1.mem[0].perPeer/1024)
	return true, nil
}

// procMem is one server process's memory before and after the peers.
type procMem struct {
	before, after memStats
	peers         int
	perPeer       float64 // bytes of Go heap+stacks+metadata per idle peer
	perPeerRSS    float64
}

// result is one phase's figures.
type result struct {
	procs      int
	connectDur time.Duration
	mem        []procMem
	all        latency // every delivery
	same       latency // to peers on the announcer's process
	cross      latency // to peers on another process
	samples    int
	lost       int
}

func (r result) memList() string {
	var parts []string
	for _, m := range r.mem {
		parts = append(parts, fmt.Sprintf("%.1f", m.perPeer/1024))
	}
	return strings.Join(parts, " / ") + " KB"
}

func (r result) print(o options) {
	fmt.Printf("connected %d peers in %v\n", o.peers, r.connectDur.Round(time.Millisecond))
	for i, m := range r.mem {
		fmt.Printf("process %d: %d peers; Go heap+stacks+metadata %.1f MB → %.1f MB, RSS %.1f MB → %.1f MB, %d goroutines; per idle peer %.1f KB (RSS %.1f KB)\n",
			i+1, m.peers, mb(m.before.total()), mb(m.after.total()), mb(m.before.RSS), mb(m.after.RSS), m.after.Goroutines, m.perPeer/1024, m.perPeerRSS/1024)
	}
	fmt.Printf("delivery of a %d-byte frame to the %d other peers of the hot room, %d samples (%d lost):\n", o.frame, o.hot-1, r.samples, r.lost)
	fmt.Printf("  p50 %v  p90 %v  p99 %v  max %v\n", ms(r.all.p50), ms(r.all.p90), ms(r.all.p99), ms(r.all.max))
	if r.procs > 1 {
		fmt.Printf("  to peers on the announcer's process: p50 %v  p99 %v; on the others: p50 %v  p99 %v\n",
			ms(r.same.p50), ms(r.same.p99), ms(r.cross.p50), ms(r.cross.p99))
	}
}

// phase runs the benchmark once on n server processes.
func phase(ctx context.Context, o options, n int) (result, error) {
	r := result{procs: n}
	addrs, stop, err := startServers(ctx, o, n)
	if err != nil {
		return r, err
	}
	defer stop()
	var bases, wsBases []string
	for _, a := range addrs {
		bases = append(bases, "http://"+a)
		wsBases = append(wsBases, "ws://"+a)
	}
	var before []memStats
	for _, b := range bases {
		m, err := readMem(ctx, b)
		if err != nil {
			return r, err
		}
		before = append(before, m)
	}
	start := time.Now()
	sw, err := connectAll(ctx, wsBases, o)
	if err != nil {
		return r, err
	}
	defer sw.close()
	r.connectDur = time.Since(start)
	time.Sleep(time.Second) // let the join frames drain
	if err := sw.warmUp(ctx, o); err != nil {
		return r, err
	}
	for i, b := range bases {
		after, err := readMem(ctx, b)
		if err != nil {
			return r, err
		}
		peers := o.peers / n
		if i < o.peers%n {
			peers++
		}
		r.mem = append(r.mem, procMem{before: before[i], after: after, peers: peers,
			perPeer:    float64(after.total()-min(before[i].total(), after.total())) / float64(peers),
			perPeerRSS: float64(after.RSS-min(before[i].RSS, after.RSS)) / float64(peers)})
	}
	if err := sw.announce(ctx, o); err != nil {
		return r, err
	}
	var all, same, cross []time.Duration
	for i := 1; i < len(sw.hot); i++ {
		all = append(all, sw.recv[i]...)
		if i%n == 0 {
			same = append(same, sw.recv[i]...)
		} else {
			cross = append(cross, sw.recv[i]...)
		}
	}
	r.all, r.same, r.cross = summarize(all), summarize(same), summarize(cross)
	r.samples, r.lost = len(all), (len(sw.hot)-1)*o.announces-len(all)
	return r, nil
}

// startServers starts n server children (a cluster over NATS when n > 1)
// and returns their addresses and a function that stops them all.
func startServers(ctx context.Context, o options, n int) ([]string, func(), error) {
	var routes []string
	if n > 1 {
		ports, err := freePorts(n)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ports {
			routes = append(routes, "127.0.0.1:"+strconv.Itoa(p))
		}
	}
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	addrs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range n {
		sc := serveConfig{PeersPerRoom: o.hot, Rooms: o.rooms, Peers: o.peers/n + 1}
		if n > 1 {
			var others []string
			for j, r := range routes {
				if j != i {
					others = append(others, r)
				}
			}
			sc.NATS = &natsConfig{Name: "n" + strconv.Itoa(i+1), Cluster: routes[i], Routes: others}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr, stop, err := startServer(ctx, sc)
			mu.Lock()
			defer mu.Unlock()
			if stop != nil {
				stops = append(stops, stop)
			}
			addrs[i], errs[i] = addr, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		stopAll()
		return nil, nil, err
	}
	return addrs, stopAll, nil
}

// freePorts returns n ports free on 127.0.0.1 now.
func freePorts(n int) ([]int, error) {
	var out []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// startServer starts one server child and returns its address and a
// function that stops it.
func startServer(ctx context.Context, sc serveConfig) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cfg, err := json.Marshal(sc)
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), serveEnv+"="+string(cfg))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		stdin.Close() // the child exits when its stdin closes
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		stop()
		return "", nil, fmt.Errorf("server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	return addr, stop, nil
}

// readMem asks the server for its memory figures.
func readMem(ctx context.Context, base string) (memStats, error) {
	var m memStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/mem", nil)
	if err != nil {
		return m, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
