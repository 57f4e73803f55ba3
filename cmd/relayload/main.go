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
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
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
	peers, rooms, hot int
	frame             int
	rounds, perRound  int
	interval, timeout time.Duration
	cpuProfile        string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("relayload", flag.ContinueOnError)
	fs.IntVar(&o.peers, "peers", 2000, "websocket peers in all")
	fs.IntVar(&o.rooms, "rooms", 100, "rooms they are spread over")
	fs.IntVar(&o.hot, "hot", 50, "peers of the room where blocks are announced")
	fs.IntVar(&o.frame, "frame", 48<<10, "size of an announced frame in bytes (a full block of 100 transactions as JSON is about this)")
	fs.IntVar(&o.rounds, "rounds", defaultRounds, "rounds of announcements measured, after one warm-up round")
	fs.IntVar(&o.perRound, "announces", defaultPerRound, "frames announced in the hot room per round")
	fs.DurationVar(&o.interval, "interval", 50*time.Millisecond, "time between announcements")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "give up after this long")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the server's CPU profile during the measured rounds to this file, and the load generator's to this file + \".client\"")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.peers < 2 || o.peers > 20000:
		return o, fmt.Errorf("-peers %d: want 2 to 20000", o.peers)
	case o.rooms < 1 || o.rooms > o.peers:
		return o, fmt.Errorf("-rooms %d: want 1 to -peers", o.rooms)
	case o.hot < 2 || o.hot > o.peers-(o.rooms-1):
		return o, fmt.Errorf("-hot %d: want 2 to peers-rooms+1 (every other room needs a peer)", o.hot)
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
	if os.Getenv(serveEnv) != "" {
		parts := strings.Split(os.Getenv(serveEnv), ",")
		ppr, _ := strconv.Atoi(parts[0])
		rooms, _ := strconv.Atoi(parts[1])
		if err := serve(ppr, rooms); err != nil {
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
		err = benchrun.Publish(os.Stdout, "loadtest", figs, time.Now())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
}

// run performs the benchmark and returns its figures; out gets the
// progress and the Go benchmark lines.
func run(ctx context.Context, o options, out io.Writer) ([]benchrun.Figure, error) {
	raiseFileLimit(o.peers + 64)
	addr, stop, err := startServer(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()
	base := "http://" + addr
	fmt.Fprintf(out, "relayload: %d peers in %d rooms (%d in the hot room); %d+%d rounds of %d frames of %d bytes every %v; the relay runs in a child process\n",
		o.peers, o.rooms, o.hot, warmupRounds, o.rounds, o.perRound, o.frame, o.interval)

	before, err := readMem(ctx, base)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	sw, err := connectAll(ctx, "ws://"+addr, o)
	if err != nil {
		return nil, err
	}
	defer sw.close()
	fmt.Fprintf(out, "connected %d peers in %v\n", o.peers, time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // let the join frames drain
	var perPeer, goroutines []float64
	var after memStats
	for range memoryReadings {
		if after, err = readMem(ctx, base); err != nil {
			return nil, err
		}
		perPeer = append(perPeer, float64(after.total()-min(before.total(), after.total()))/float64(o.peers)/1024)
		goroutines = append(goroutines, float64(after.Goroutines-before.Goroutines)/float64(o.peers))
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(out, "server memory: Go heap+stacks+metadata %.1f MB → %.1f MB (stacks %.1f MB), RSS %.1f MB → %.1f MB, %d goroutines\n",
		mb(before.total()), mb(after.total()), mb(after.StackInuse), mb(before.RSS), mb(after.RSS), after.Goroutines)

	var p50, p99, worst []float64
	for r := range warmupRounds + o.rounds {
		if r == warmupRounds && o.cpuProfile != "" {
			if err := profile(ctx, base, "start"); err != nil {
				return nil, err
			}
			f, err := os.Create(o.cpuProfile + ".client")
			if err != nil {
				return nil, err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return nil, err
			}
		}
		lat, lost, err := sw.announceRound(ctx, r, o)
		if err != nil {
			return nil, err
		}
		if lost > 0 {
			return nil, fmt.Errorf("round %d: %d of %d deliveries never came", r+1, lost, (o.hot-1)*o.perRound)
		}
		s := summarize(lat)
		kind := "round"
		if r < warmupRounds {
			kind = "warm-up"
		} else {
			p50, p99, worst = append(p50, msf(s.p50)), append(p99, msf(s.p99)), append(worst, msf(s.max))
		}
		fmt.Fprintf(out, "  %s %d: %d deliveries, p50 %v  p90 %v  p99 %v  max %v\n", kind, r+1, len(lat), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max))
	}
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
		if err := profile(ctx, base, "stop"); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "CPU profiles: %s (server), %s.client (load generator)\n", o.cpuProfile, o.cpuProfile)
	}
	figs := []benchrun.Figure{
		benchrun.Absolute(fmt.Sprintf("relay: server memory per idle peer (%d peers)", o.peers), "KB", perPeer, benchrun.Below(targetIdleKB)),
		benchrun.Absolute("relay: server goroutines per idle peer", "", goroutines, nil),
		benchrun.Absolute(fmt.Sprintf("relay: %d-byte frame to %d peers, p50 of a round", o.frame, o.hot-1), "ms", p50, nil),
		benchrun.Absolute(fmt.Sprintf("relay: %d-byte frame to %d peers, p99 of a round", o.frame, o.hot-1), "ms", p99, benchrun.Below(targetP99Ms)),
		benchrun.Absolute(fmt.Sprintf("relay: %d-byte frame to %d peers, slowest of a round", o.frame, o.hot-1), "ms", worst, nil),
	}
	fmt.Fprintf(out, "BenchmarkRelayIdle 1 %.2f KB/peer %.2f goroutines/peer\n", benchrun.Summarize(perPeer).Median, benchrun.Summarize(goroutines).Median)
	fmt.Fprintf(out, "BenchmarkRelayFanout 1 %.3f p50-ms %.3f p99-ms %.3f max-ms\n",
		benchrun.Summarize(p50).Median, benchrun.Summarize(p99).Median, benchrun.Summarize(worst).Median)
	return figs, nil
}

// startServer starts the server child and returns its address and a
// function that stops it.
func startServer(ctx context.Context, o options) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%d", serveEnv, o.hot, o.rooms))
	if o.cpuProfile != "" {
		cmd.Env = append(cmd.Env, profileEnv+"="+o.cpuProfile)
	}
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
