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
	"strconv"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	peers, rooms, hot int
	frame, announces  int
	interval, timeout time.Duration
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("relayload", flag.ContinueOnError)
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
	if os.Getenv(serveEnv) != "" {
		parts := strings.Split(os.Getenv(serveEnv), ",")
		ppr, _ := strconv.Atoi(parts[0])
		rooms, _ := strconv.Atoi(parts[len(parts)-1])
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
func run(ctx context.Context, o options) (bool, error) {
	raiseFileLimit(o.peers + 64)
	addr, stop, err := startServer(ctx, o)
	if err != nil {
		return false, err
	}
	defer stop()
	base := "http://" + addr
	fmt.Printf("relayload: %d peers in %d rooms (%d in the hot room), %d frames of %d bytes every %v; the relay runs in a child process\n",
		o.peers, o.rooms, o.hot, o.announces, o.frame, o.interval)

	before, err := readMem(ctx, base)
	if err != nil {
		return false, err
	}
	start := time.Now()
	sw, err := connectAll(ctx, "ws://"+addr, o)
	if err != nil {
		return false, err
	}
	defer sw.close()
	fmt.Printf("connected %d peers in %v\n", o.peers, time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second) // let the join frames drain
	after, err := readMem(ctx, base)
	if err != nil {
		return false, err
	}
	perPeer := float64(after.total()-min(before.total(), after.total())) / float64(o.peers)
	perPeerRSS := float64(after.RSS-min(before.RSS, after.RSS)) / float64(o.peers)
	memOK := perPeer < 64<<10
	fmt.Printf("server memory: Go heap+stacks+metadata %.1f MB → %.1f MB, RSS %.1f MB → %.1f MB, %d goroutines\n",
		mb(before.total()), mb(after.total()), mb(before.RSS), mb(after.RSS), after.Goroutines)
	fmt.Printf("memory per idle peer: %.1f KB (RSS %.1f KB)   target < 64 KB: %s\n", perPeer/1024, perPeerRSS/1024, verdict(memOK))

	lat, lost, err := sw.announce(ctx, o)
	if err != nil {
		return false, err
	}
	s := summarize(lat)
	latOK := s.p99 < 50*time.Millisecond && lost == 0
	fmt.Printf("delivery of a %d-byte frame to the %d other peers of the hot room, %d samples (%d lost):\n", o.frame, o.hot-1, len(lat), lost)
	fmt.Printf("  p50 %v  p90 %v  p99 %v  max %v   target p99 < 50 ms: %s\n", ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), verdict(latOK))
	return memOK && latOK, nil
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
