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
	Cores         int           `json:"cores"`
	Kernels       []benchKernel `json:"kernels"`
	LongestTaskMs float64       `json:"longestTaskMs"`
	UserAgent     string        `json:"userAgent"`
	Error         string        `json:"error"`
}

// benchKernel is one kernel's runs on /bench.
type benchKernel struct {
	Kernel      string    `json:"kernel"` // simd, scalar, go
	One         *benchRun `json:"one"`
	All         *benchRun `json:"all"`
	Scaling     float64   `json:"scaling"`
	Unavailable string    `json:"unavailable"`
}

type benchRun struct {
	Workers int       `json:"workers"`
	Total   float64   `json:"total"` // MH/s
	Per     []float64 `json:"per"`
}

// kernelNames are the panel's names of the kernels.
var kernelNames = map[string]string{"simd": "wasm SIMD", "scalar": "wasm scalar", "go": "Go"}

// TestBench is `make bench`'s summary: native sha256.Sum256 per nonce (the
// baseline) and the Go midstate kernel natively, the Go kernel as wasm
// under node, the wasm SIMD and scalar kernels under node
// (chain/mine/wasmkernel's BenchmarkKernels), and every kernel in headless
// Chromium's Web Workers (the /bench page) with one worker and with one per
// core, each against the baseline, plus the worker scaling and the room
// page's longest main-thread task while it mines with every core. It runs
// only with CHAINPLAY_BENCH=1 (it takes about two minutes and wants an idle
// machine), and fails only when a long task shows up or a run breaks; the
// speed targets are reported (✓/✗).
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
	nodeWasm := nodeKernelsMHs(t)

	browser := newBrowser(t)
	ts := newTestServer(t, 1<<40)
	url := fmt.Sprintf("%s/bench?auto=1&seconds=%d&workers=%d&native=%.3f&sum256=%.3f", ts.URL, seconds, cores, kernel, sum)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(url)))
	_, err := chromedp.Run(browser, chromedp.Poll[chromedp.Void](`globalThis.benchResult !== undefined`,
		chromedp.WithPollingTimeout(time.Duration(6*(seconds+2)+30)*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	require.NoError(t, err, "the /bench page never finished")
	res, err := chromedp.Run(browser, chromedp.Evaluate[benchResult](`globalThis.benchResult`))
	require.NoError(t, err)
	require.Empty(t, res.Error, "the /bench page failed")
	require.NotEmpty(t, res.Kernels)

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
	roomKernel := evalJS[string](t, tab, `document.getElementById("miner-kernel").textContent`)
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
	row("native Go midstate kernel", kernel, "")
	if nodeKernel > 0 {
		row("Go kernel as wasm, node", nodeKernel, fmt.Sprintf("%.2f× native Go kernel (node sha256.Sum256: %.2f MH/s)", nodeKernel/kernel, nodeSum))
	}
	if nodeWasm.native > 0 {
		fmt.Fprintf(&b, "  node, BenchmarkKernels (its own native sha256.Sum256: %.2f MH/s):\n", nodeWasm.native)
		row("wasm SIMD kernel, node", nodeWasm.simd, fmt.Sprintf("(%.2f× its native)", nodeWasm.simd/nodeWasm.native))
		row("wasm scalar kernel, node", nodeWasm.scalar, fmt.Sprintf("(%.2f× its native)", nodeWasm.scalar/nodeWasm.native))
	}
	for _, k := range res.Kernels {
		name := kernelNames[k.Kernel]
		if k.Unavailable != "" {
			fmt.Fprintf(&b, "  %-36s not available: %s\n", "Chromium, "+name, k.Unavailable)
			continue
		}
		one := k.One.Total
		note := fmt.Sprintf("%.2f× native Go kernel", one/kernel)
		if k.Kernel == "simd" {
			note += fmt.Sprintf("  target ≥ 2× sha256.Sum256 %s", mark(one >= 2*sum))
		}
		row(fmt.Sprintf("Chromium, %s, 1 worker", name), one, note)
		if k.All != nil {
			n := k.All.Workers
			row(fmt.Sprintf("Chromium, %s, %d workers", name, n), k.All.Total, fmt.Sprintf("per worker %s", fmtList(k.All.Per)))
			fmt.Fprintf(&b, "  %-36s %7.2f×       target ≥ %.2f× (0.9·N) %s\n", "  scaling (N workers / 1)", k.Scaling,
				0.9*float64(n), mark(k.Scaling >= 0.9*float64(n)))
		}
	}
	fmt.Fprintf(&b, "  %-36s %7.2f MH/s  kernel %s; main-thread tasks > 50 ms: %d (longest %.0f ms) %s\n",
		fmt.Sprintf("room page mining, %d workers", cores), roomRate, roomKernel, count, longest, mark(count == 0))
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

// wasmKernelsMHs are chain/mine/wasmkernel's BenchmarkKernels figures.
type wasmKernelsMHs struct{ simd, scalar, native float64 }

// nodeKernelsMHs runs chain/mine/wasmkernel's BenchmarkKernels (the wasm
// SIMD and scalar kernels under node, and native sha256.Sum256 in the same
// run); zero without node.
func nodeKernelsMHs(t *testing.T) wasmKernelsMHs {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Log("node not found: skipping the wasm kernels' node figures")
		return wasmKernelsMHs{}
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkKernels$", "./chain/mine/wasmkernel/")
	cmd.Dir = "../.."
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var r wasmKernelsMHs
	for name, dst := range map[string]*float64{"simd-MH/s": &r.simd, "scalar-MH/s": &r.scalar, "native-MH/s": &r.native} {
		m := regexp.MustCompile(`([0-9.]+) ` + regexp.QuoteMeta(name)).FindSubmatch(out)
		require.NotNil(t, m, "no %s figure in:\n%s", name, out)
		*dst, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	return r
}
