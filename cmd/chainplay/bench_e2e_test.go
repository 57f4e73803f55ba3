//go:build !js

package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/mine"
)

// benchResult is what /bench leaves in globalThis.benchResult.
type benchResult struct {
	Cores         int       `json:"cores"`
	One           *benchRun `json:"one"`
	All           *benchRun `json:"all"`
	Scaling       float64   `json:"scaling"`
	LongestTaskMs float64   `json:"longestTaskMs"`
	UserAgent     string    `json:"userAgent"`
	Error         string    `json:"error"`
}

type benchRun struct {
	Workers int       `json:"workers"`
	Total   float64   `json:"total"` // MH/s
	Per     []float64 `json:"per"`
}

// TestBench is `make bench`'s summary: the mining kernel natively, as wasm
// under node, and in headless Chromium's Web Workers (the /bench page) with
// one worker and with one per core, each against native sha256.Sum256 per
// nonce, plus the worker scaling and the room page's longest main-thread
// task while it mines with every core. It runs only with CHAINPLAY_BENCH=1
// (it takes about a minute and wants an idle machine), and fails only when
// a long task shows up or a run breaks; the speed targets are reported.
func TestBench(t *testing.T) {
	if os.Getenv("CHAINPLAY_BENCH") == "" {
		t.Skip("set CHAINPLAY_BENCH=1 (make bench) to run the mining benchmark")
	}
	requireWasm(t)
	cores := runtime.NumCPU()
	seconds := 4 // per run; CHAINPLAY_BENCH_SECONDS overrides
	if s, err := strconv.Atoi(os.Getenv("CHAINPLAY_BENCH_SECONDS")); err == nil && s > 0 {
		seconds = s
	}

	kernel := nativeMHs(2*time.Second, kernelLoop)
	sum := nativeMHs(time.Second, sum256Loop)
	nodeKernel, nodeSum := nodeMHs(t)

	browser := newBrowser(t)
	ts := newTestServer(t, 1<<40)
	url := fmt.Sprintf("%s/bench?auto=1&seconds=%d&workers=%d&native=%.3f&sum256=%.3f", ts.URL, seconds, cores, kernel, sum)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(url)))
	_, err := chromedp.Run(browser, chromedp.Poll[chromedp.Void](`globalThis.benchResult !== undefined`,
		chromedp.WithPollingTimeout(time.Duration(2*seconds+30)*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(t, err, "the /bench page never finished")
	res, err := chromedp.Run(browser, chromedp.Evaluate[benchResult](`globalThis.benchResult`))
	require.NoError(t, err)
	require.Empty(t, res.Error, "the /bench page failed")
	require.NotNil(t, res.One)

	// The room page, mining with every core, must keep its main thread free.
	tab := openTab(t, browser, ts.URL+"/r/bench", 1)
	evalJS[chromedp.Void](t, tab, `(() => {
  const s = document.getElementById("miner-workers");
  s.value = String(navigator.hardwareConcurrency); s.dispatchEvent(new Event("change"));
  __cp.mode = "impossible"; __cp.t0 = performance.now(); document.getElementById("mine").click();
})()`)
	waitJS(t, tab, allMiningJS, 20*time.Second, "the room's workers never started")
	since := evalJS[float64](t, tab, `performance.now()`)
	time.Sleep(time.Duration(seconds) * time.Second)
	longest, count := longestLongTask(t, tab, since)
	roomRate := evalJS[float64](t, tab, `JSON.parse(chainplay.miner()).hash_rate`) / 1e6
	evalJS[chromedp.Void](t, tab, `document.getElementById("stop").click()`)

	var b strings.Builder
	row := func(name string, mhs float64, note string) {
		fmt.Fprintf(&b, "  %-36s %7.2f MH/s  %5.2f× sha256.Sum256  %s\n", name, mhs, mhs/sum, note)
	}
	mark := func(ok bool) string {
		if ok {
			return "✓"
		}
		return "✗"
	}
	fmt.Fprintf(&b, "\nmining benchmark: %d cores, %s, %s\n", cores, runtime.Version(), res.UserAgent)
	row("native sha256.Sum256 per nonce", sum, "(baseline)")
	row("native midstate kernel", kernel, "")
	if nodeKernel > 0 {
		row("wasm kernel under node", nodeKernel, fmt.Sprintf("%.2f× native kernel (node sha256.Sum256: %.2f MH/s)", nodeKernel/kernel, nodeSum))
	}
	one := res.One.Total
	row("Chromium, 1 worker", one, fmt.Sprintf("%.2f× native kernel  target ≥ 0.90 %s", one/kernel, mark(one >= 0.9*kernel)))
	if res.All != nil {
		n := res.All.Workers
		row(fmt.Sprintf("Chromium, %d workers", n), res.All.Total,
			fmt.Sprintf("per worker %s", fmtList(res.All.Per)))
		fmt.Fprintf(&b, "  %-36s %7.2f×       target ≥ %.2f× (0.9·N) %s\n", "worker scaling (N workers / 1)", res.Scaling, 0.9*float64(n), mark(res.Scaling >= 0.9*float64(n)))
	}
	fmt.Fprintf(&b, "  %-36s %7.2f MH/s  main-thread tasks > 50 ms: %d (longest %.0f ms) %s\n",
		fmt.Sprintf("room page mining, %d workers", cores), roomRate, count, longest, mark(count == 0))
	fmt.Print(b.String())
	require.Zero(t, count, "the room page's main thread had a task over 50 ms while mining with every worker")
}

func fmtList(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}

// nativeMHs runs loop for about d and returns millions of nonces per second.
func nativeMHs(d time.Duration, loop func(n int)) float64 {
	loop(1 << 16) // warm up
	n, start := 1<<16, time.Now()
	var done int
	for time.Since(start) < d {
		loop(n)
		done += n
	}
	return float64(done) / time.Since(start).Seconds() / 1e6
}

var benchHeader = func() (h [mine.HeaderSize]byte) {
	for i := range h {
		h[i] = byte(i * 7)
	}
	return h
}()

var kernelNonce uint64

// kernelLoop is the miner Worker's work natively: Job.Scan against a target
// no hash meets.
func kernelLoop(n int) {
	j := mine.NewJob(benchHeader, [32]byte{})
	j.Scan(kernelNonce, uint64(n))
	kernelNonce += uint64(n)
}

var sumSink byte

// sum256Loop is the baseline: crypto/sha256 over the whole header per nonce.
func sum256Loop(n int) {
	h := benchHeader
	for i := range n {
		binary.BigEndian.PutUint64(h[mine.NonceOffset:], uint64(i))
		s := sha256.Sum256(h[:])
		sumSink ^= s[0]
	}
}

// nodeMHs runs chain/mine's benchmarks as wasm under node and returns the
// kernel's and sha256.Sum256's MH/s (0, 0 when node is missing).
func nodeMHs(t *testing.T) (kernel, sum float64) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Log("node not found: skipping the wasm-under-node figures")
		return 0, 0
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^(BenchmarkScan|BenchmarkSum256PerNonce)$", "-benchtime", "1s", "./chain/mine/")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm",
		"PATH="+os.Getenv("PATH")+string(os.PathListSeparator)+filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	re := regexp.MustCompile(`(?m)^(BenchmarkScan|BenchmarkSum256PerNonce)\S*\s.*\s([0-9.]+) MH/s`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] == "BenchmarkScan" {
			kernel = v
		} else {
			sum = v
		}
	}
	require.Positive(t, kernel, "no BenchmarkScan figure in:\n%s", out)
	return kernel, sum
}
