//go:build !js

// Command relayload is the relay's load benchmark: it starts a relay in a
// child process on loopback, connects native websocket peers to it, and
// reports, as medians with their min–max (internal/benchrun), with their
// targets:
//
//   - the server's memory per connected idle peer (Go heap + stacks + runtime
//     metadata after a GC, before and after the peers connect; target under
//     24 KB) and its goroutines per peer;
//   - the delivery latency of a block-sized frame announced in the busiest
//     room to every other peer of it, p50 and p99 of each round of
//     announcements after a warm-up round (target: p99 under 5 ms).
//
// The server runs in its own process so that its memory is measured alone;
// both processes share the machine, as a classroom server would with the
// tabs of a demo. Every figure is this machine's, under the load it has:
// compare two relays by running them in alternation (make loadtest-ab).
// It is bounded and stops by itself (-timeout). A missed target is
// reported, not an error; it exits 1 when the run itself fails (a peer
// could not connect, a frame was lost).
//
// It also prints its figures as Go benchmark lines
// (BenchmarkRelayFanout, BenchmarkRelayIdle), which cmd/bench ab reads,
// and writes them as the "loadtest" fragment of a make bench run when
// CHAINPLAY_BENCH_DIR is set.
//
//	go run ./cmd/relayload                       # 2,000 peers, 100 rooms, 50 in the hot room
//	go run ./cmd/relayload -peers 500 -rooms 20
//	go run ./cmd/relayload -cpuprofile relay.cpu # the server's CPU profile while it fans out
//	go run ./cmd/relayload -cluster 3 -peers 6000 -hot 100   # make loadtest-cluster
//
// With -cluster N the peers are spread over N relay processes, each with
// an embedded NATS server routed to the others and the relay's rooms on
// it (relay/natsbus, as chainplay -nats-embedded runs them): peer i
// connects to process i mod N, so every room spans every process. Once
// a frame from the hot room has reached every other peer of it (the
// relays have subscribed on NATS and heard of each other), the run goes
// on as above: memory and goroutines per idle peer of each process, and
// the rounds, with the delivery to the hot room's peers on the
// announcer's process and on the others apart. Then the same peers
// connect to one process and the same figures are taken, for comparison
// within the run. No target is judged then; the figures are the
// "loadtest-cluster" fragment (BenchmarkRelayFanout/nats and /one, …).
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
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/internal/benchrun"
)

// Targets (issue 20).
const (
	targetP99Ms     = 5  // p99 delivery of a frame to the hot room, ms
	targetIdleKB    = 24 // server memory per idle peer, KB
	memoryReadings  = 5  // readings of the idle server's memory
	warmupRounds    = 1
	defaultRounds   = 5
	defaultPerRound = 40
)

// options are the command line.
type options struct {
	cluster           int
	peers, rooms, hot int
	frame             int
	rounds, perRound  int
	interval, timeout time.Duration
	cpuProfile        string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("relayload", flag.ContinueOnError)
	fs.IntVar(&o.cluster, "cluster", 0, "spread the peers over this many relay processes sharing rooms over NATS (2 to 5), then run again on one process, and print both (no targets judged)")
	fs.IntVar(&o.peers, "peers", 2000, "websocket peers in all")
	fs.IntVar(&o.rooms, "rooms", 100, "rooms they are spread over")
	fs.IntVar(&o.hot, "hot", 50, "peers of the room where blocks are announced")
	fs.IntVar(&o.frame, "frame", 48<<10, "size of an announced frame in bytes (a full block of 100 transactions as JSON is about this)")
	fs.IntVar(&o.rounds, "rounds", defaultRounds, "rounds of announcements measured, after one warm-up round")
	fs.IntVar(&o.perRound, "announces", defaultPerRound, "frames announced in the hot room per round")
	fs.DurationVar(&o.interval, "interval", 50*time.Millisecond, "time between announcements")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "give up after this long")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the server's CPU profile during the measured rounds to this file (with -cluster N, process k of the cluster writes FILE.k, the one process FILE), and the load generator's to FILE.client")
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
	case o.cluster != 0 && o.hot <= o.cluster:
		return o, fmt.Errorf("-hot %d: want more than -cluster %d (a peer of the hot room besides the announcer on every process)", o.hot, o.cluster)
	case o.frame < 64 || o.frame > 1<<20-1024:
		return o, fmt.Errorf("-frame %d: want 64 bytes to just under the relay's 1 MiB read limit", o.frame)
	case o.rounds < 1 || o.rounds > 1000:
		return o, fmt.Errorf("-rounds %d: want 1 to 1000", o.rounds)
	case o.perRound < 1 || o.perRound*(o.rounds+warmupRounds) > 100000:
		return o, fmt.Errorf("-announces %d: want 1 to 100000 in all rounds", o.perRound)
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
	figs, err := run(ctx, o, os.Stdout)
	if err == nil {
		err = benchrun.Publish(os.Stdout, fragmentName(o), figs, time.Now())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
}

// fragmentName is the name of o's figures in a make bench run.
func fragmentName(o options) string {
	if o.cluster >= 2 {
		return "loadtest-cluster"
	}
	return "loadtest"
}

// run performs the benchmark and returns its figures; out gets the
// progress and the Go benchmark lines. With -cluster N it runs twice,
// the peers spread over N relay processes sharing rooms over NATS, then
// all on one process, and returns both runs' figures, without targets
// (timings on a shared machine are figures, not verdicts).
func run(ctx context.Context, o options, out io.Writer) ([]benchrun.Figure, error) {
	raiseFileLimit(o.peers + 64)
	if o.cluster < 2 {
		fmt.Fprintf(out, "relayload: %d peers in %d rooms (%d in the hot room); %d+%d rounds of %d frames of %d bytes every %v; the relay runs in a child process\n",
			o.peers, o.rooms, o.hot, warmupRounds, o.rounds, o.perRound, o.frame, o.interval)
		p, err := runPhase(ctx, o, 1, out)
		if err != nil {
			return nil, err
		}
		p.benchLines(out, "")
		return p.figures(o, "relay", true), nil
	}
	fmt.Fprintf(out, "relayload: %d peers in %d rooms (%d in the hot room); %d+%d rounds of %d frames of %d bytes every %v; the relays run in child processes\n",
		o.peers, o.rooms, o.hot, warmupRounds, o.rounds, o.perRound, o.frame, o.interval)
	fmt.Fprintf(out, "\n== %d relay processes sharing their rooms over NATS (one embedded NATS server each, routed): peer i on process i mod %d, so every room, the hot one too, spans all of them\n",
		o.cluster, o.cluster)
	pc, err := runPhase(ctx, o, o.cluster, out)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\n== the same peers on one relay process\n")
	p1, err := runPhase(ctx, o, 1, out)
	if err != nil {
		return nil, err
	}
	var mems []string
	for _, m := range pc.mem {
		mems = append(mems, fmt.Sprintf("%.1f", benchrun.Summarize(m.perPeer).Median))
	}
	fmt.Fprintf(out, "\nsummary (medians): delivery p50/p99 %.2f/%.2f ms over %d processes, %.2f/%.2f ms on one; memory per idle peer %s KB over %d processes, %.1f KB on one (figures of one run on a shared machine: compare them within a run)\n",
		benchrun.Summarize(pc.p50).Median, benchrun.Summarize(pc.p99).Median, o.cluster,
		benchrun.Summarize(p1.p50).Median, benchrun.Summarize(p1.p99).Median,
		strings.Join(mems, " / "), o.cluster, benchrun.Summarize(p1.mem[0].perPeer).Median)
	pc.benchLines(out, "/nats")
	p1.benchLines(out, "/one")
	figs := pc.figures(o, fmt.Sprintf("relay over NATS, %d processes", o.cluster), false)
	return append(figs, p1.figures(o, "relay, one process", false)...), nil
}

// phaseResult is the figures of one run on procs relay processes.
type phaseResult struct {
	procs int
	mem   []procMem // per process
	// Per measured round, in ms: of every delivery; and, with more than
	// one process, of those to the peers on the announcer's process
	// (same) and on the others (cross).
	p50, p99, worst    []float64
	sameP50, sameP99   []float64
	crossP50, crossP99 []float64
	// The receivers of the hot room on the announcer's process and on
	// the others.
	sameReceivers, crossReceivers int
}

// procMem is one server process's memory with the peers idle.
type procMem struct {
	peers         int
	before, after memStats  // after: the last reading
	perPeer       []float64 // per reading: KB of Go heap+stacks+metadata per idle peer
	goroutines    []float64 // per reading: goroutines per idle peer
}

// runPhase runs the benchmark once on n server processes: it connects
// the peers (peer i to process i mod n), waits until a frame from the
// hot room reaches every other peer of it, reads each process's memory,
// then announces a warm-up round and o.rounds measured rounds. A lost
// delivery is an error.
func runPhase(ctx context.Context, o options, n int, out io.Writer) (phaseResult, error) {
	p := phaseResult{procs: n}
	addrs, stop, err := startServers(ctx, o, n)
	if err != nil {
		return p, err
	}
	defer stop()
	var bases, wsBases []string
	for _, a := range addrs {
		bases = append(bases, "http://"+a)
		wsBases = append(wsBases, "ws://"+a)
	}
	for k, b := range bases {
		m, err := readMem(ctx, b)
		if err != nil {
			return p, err
		}
		p.mem = append(p.mem, procMem{peers: o.peers / n, before: m})
		if k < o.peers%n {
			p.mem[k].peers++
		}
	}
	start := time.Now()
	sw, err := connectAll(ctx, wsBases, o)
	if err != nil {
		return p, err
	}
	defer sw.close()
	fmt.Fprintf(out, "connected %d peers in %v\n", o.peers, time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // let the join frames drain
	if err := sw.warmUp(ctx, o); err != nil {
		return p, err
	}
	for range memoryReadings {
		for k, b := range bases {
			m := &p.mem[k]
			if m.after, err = readMem(ctx, b); err != nil {
				return p, err
			}
			m.perPeer = append(m.perPeer, float64(m.after.total()-min(m.before.total(), m.after.total()))/float64(m.peers)/1024)
			m.goroutines = append(m.goroutines, float64(m.after.Goroutines-m.before.Goroutines)/float64(m.peers))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for k, m := range p.mem {
		label := "server memory"
		if n > 1 {
			label = fmt.Sprintf("process %d (%d peers)", k+1, m.peers)
		}
		fmt.Fprintf(out, "%s: Go heap+stacks+metadata %.1f MB → %.1f MB (stacks %.1f MB), RSS %.1f MB → %.1f MB, %d goroutines\n",
			label, mb(m.before.total()), mb(m.after.total()), mb(m.after.StackInuse), mb(m.before.RSS), mb(m.after.RSS), m.after.Goroutines)
	}

	p.sameReceivers = (o.hot - 1) / n
	p.crossReceivers = o.hot - 1 - p.sameReceivers
	for r := range warmupRounds + o.rounds {
		if r == warmupRounds && o.cpuProfile != "" {
			for _, b := range bases {
				if err := profile(ctx, b, "start"); err != nil {
					return p, err
				}
			}
			f, err := os.Create(o.cpuProfile + ".client")
			if err != nil {
				return p, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return p, err
			}
		}
		d, err := sw.announceRound(ctx, r, o)
		if err != nil {
			return p, err
		}
		if d.lost > 0 {
			return p, fmt.Errorf("round %d: %d of %d deliveries never came", r+1, d.lost, (o.hot-1)*o.perRound)
		}
		s, same, cross := summarize(d.all), summarize(d.same), summarize(d.cross)
		kind := "round"
		if r < warmupRounds {
			kind = "warm-up"
		} else {
			p.p50, p.p99, p.worst = append(p.p50, msf(s.p50)), append(p.p99, msf(s.p99)), append(p.worst, msf(s.max))
			if n > 1 {
				p.sameP50, p.sameP99 = append(p.sameP50, msf(same.p50)), append(p.sameP99, msf(same.p99))
				p.crossP50, p.crossP99 = append(p.crossP50, msf(cross.p50)), append(p.crossP99, msf(cross.p99))
			}
		}
		fmt.Fprintf(out, "  %s %d: %d deliveries, p50 %v  p90 %v  p99 %v  max %v", kind, r+1, len(d.all), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max))
		if n > 1 {
			fmt.Fprintf(out, "; on the announcer's process p50 %v  p99 %v, on the others p50 %v  p99 %v", ms(same.p50), ms(same.p99), ms(cross.p50), ms(cross.p99))
		}
		fmt.Fprintln(out)
	}
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
		var files []string
		for k, b := range bases {
			if err := profile(ctx, b, "stop"); err != nil {
				return p, err
			}
			files = append(files, profilePath(o.cpuProfile, n, k))
		}
		fmt.Fprintf(out, "server CPU profile: %s; the load generator's: %s.client\n", strings.Join(files, ", "), o.cpuProfile)
	}
	return p, nil
}

// figures returns p's figures, named after name ("relay": the names
// make loadtest has always had); the targets only if targets.
func (p phaseResult) figures(o options, name string, targets bool) []benchrun.Figure {
	below := func(v float64) *benchrun.Target {
		if !targets {
			return nil
		}
		return benchrun.Below(v)
	}
	var figs []benchrun.Figure
	for k, m := range p.mem {
		proc := "server"
		if p.procs > 1 {
			proc = fmt.Sprintf("process %d", k+1)
		}
		figs = append(figs,
			benchrun.Absolute(fmt.Sprintf("%s: %s memory per idle peer (%d peers)", name, proc, m.peers), "KB", m.perPeer, below(targetIdleKB)),
			benchrun.Absolute(fmt.Sprintf("%s: %s goroutines per idle peer", name, proc), "", m.goroutines, nil))
	}
	frame := fmt.Sprintf("%s: %d-byte frame to %d peers", name, o.frame, o.hot-1)
	figs = append(figs,
		benchrun.Absolute(frame+", p50 of a round", "ms", p.p50, nil),
		benchrun.Absolute(frame+", p99 of a round", "ms", p.p99, below(targetP99Ms)),
		benchrun.Absolute(frame+", slowest of a round", "ms", p.worst, nil))
	if p.procs > 1 {
		same := fmt.Sprintf("%s, to the %d on the announcer's process", frame, p.sameReceivers)
		cross := fmt.Sprintf("%s, to the %d on the others", frame, p.crossReceivers)
		figs = append(figs,
			benchrun.Absolute(same+", p50 of a round", "ms", p.sameP50, nil),
			benchrun.Absolute(same+", p99 of a round", "ms", p.sameP99, nil),
			benchrun.Absolute(cross+", p50 of a round", "ms", p.crossP50, nil),
			benchrun.Absolute(cross+", p99 of a round", "ms", p.crossP99, nil))
	}
	return figs
}

// benchLines prints p's medians as Go benchmark lines, the benchmarks'
// names followed by suffix (with a process's number after it in a
// cluster's BenchmarkRelayIdle).
func (p phaseResult) benchLines(out io.Writer, suffix string) {
	for k, m := range p.mem {
		name := "BenchmarkRelayIdle" + suffix
		if p.procs > 1 {
			name += "/process" + strconv.Itoa(k+1)
		}
		fmt.Fprintf(out, "%s 1 %.2f KB/peer %.2f goroutines/peer\n", name, benchrun.Summarize(m.perPeer).Median, benchrun.Summarize(m.goroutines).Median)
	}
	med := func(xs []float64) float64 { return benchrun.Summarize(xs).Median }
	fmt.Fprintf(out, "BenchmarkRelayFanout%s 1 %.3f p50-ms %.3f p99-ms %.3f max-ms", suffix, med(p.p50), med(p.p99), med(p.worst))
	if p.procs > 1 {
		fmt.Fprintf(out, " %.3f same-p99-ms %.3f cross-p99-ms", med(p.sameP99), med(p.crossP99))
	}
	fmt.Fprintln(out)
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
		if o.cpuProfile != "" {
			sc.CPUProfile = profilePath(o.cpuProfile, n, i)
		}
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

// profilePath is where process k of n writes its CPU profile: path
// itself for one process, path.k+1 in a cluster.
func profilePath(path string, n, k int) string {
	if n == 1 {
		return path
	}
	return path + "." + strconv.Itoa(k+1)
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
	resp, err := get(ctx, base+"/mem")
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

// profile starts or stops the server's CPU profile.
func profile(ctx context.Context, base, what string) error {
	resp, err := get(ctx, base+"/profile/"+what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("profile %s: %s %s", what, resp.Status, b)
	}
	return nil
}

func get(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", msf(d)) }

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
