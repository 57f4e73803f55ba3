//go:build !js

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/mine"
)

// kernelVector is one search and what a brute force with crypto/sha256
// says it gives: the first nonce in [Start, Start+Count) whose hash is ≤
// Target (searching stops after nonce 2^64-1), and the lowest hash up to
// there (strictly lower replaces, so a tie keeps the earlier nonce).
type kernelVector struct {
	Name      string `json:"name"`
	Header    string `json:"header"` // hex, 100 bytes
	Target    string `json:"target"` // hex, 32 bytes
	Start     string `json:"start"`  // decimal: nonces may pass 2^53
	Count     uint64 `json:"count"`
	Found     bool   `json:"found"`
	Nonce     string `json:"nonce"`
	Hash      string `json:"hash"`
	Hashes    uint64 `json:"hashes"`
	Best      string `json:"best"`
	BestNonce string `json:"bestNonce"`
	Worker    bool   `json:"worker"` // also run through worker.js (start + count ≤ 2^53)
}

// bruteForce fills v's expected fields.
func bruteForce(v *kernelVector, header [mine.HeaderSize]byte, target [32]byte, start uint64) {
	count := v.Count
	if start != 0 && count > -start {
		count = -start
	}
	best := bytes.Repeat([]byte{0xff}, 32)
	var bestNonce uint64
	v.Found, v.Nonce, v.Hash, v.Hashes = false, "0", "", count
	for i := range count {
		n := start + i
		binary.BigEndian.PutUint64(header[mine.NonceOffset:], n)
		h := sha256.Sum256(header[:])
		if bytes.Compare(h[:], best) < 0 {
			best, bestNonce = h[:], n
		}
		if bytes.Compare(h[:], target[:]) <= 0 {
			v.Found, v.Nonce, v.Hash, v.Hashes = true, strconv.FormatUint(n, 10), hex.EncodeToString(h[:]), i+1
			break
		}
	}
	v.Best, v.BestNonce = hex.EncodeToString(best), strconv.FormatUint(bestNonce, 10)
}

// kernelVectors: easy and impossible targets, ranges across the low word's
// wrap and up to 2^64-1, and targets equal to the range's lowest hash or
// just under it (they tie it in word 0 and differ deeper).
func kernelVectors() []kernelVector {
	rng := rand.New(rand.NewPCG(6, 6))
	zeros := func(bits int) (t [32]byte) { // a target of that many leading zero bits
		for i := range t {
			t[i] = 0xff
		}
		for i := 0; i < bits; i++ {
			t[i/8] &^= 0x80 >> (i % 8)
		}
		return t
	}
	var out []kernelVector
	add := func(name string, target [32]byte, start, count uint64, worker bool) kernelVector {
		var h [mine.HeaderSize]byte
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		v := kernelVector{Name: name, Header: hex.EncodeToString(h[:]), Target: hex.EncodeToString(target[:]),
			Start: strconv.FormatUint(start, 10), Count: count, Worker: worker}
		bruteForce(&v, h, target, start)
		out = append(out, v)
		return v
	}
	for i := range 3 {
		add(fmt.Sprintf("10 zero bits #%d", i), zeros(10), rng.Uint64N(1<<40), 1<<16, true)
	}
	add("16 zero bits across a wrap", zeros(16), 3<<32-20_000, 200_000, true)
	add("impossible across a wrap", [32]byte{}, 1<<32-5_000, 20_000, true)
	add("impossible, first nonces", [32]byte{}, 0, 3_000, true)
	add("up to 2^64-1", [32]byte{}, 1<<64-1_000, 5_000, false)
	add("12 zero bits near 2^64", zeros(12), 1<<64-9_000, 9_000, false)
	// Targets that tie the range's lowest hash in word 0: one equal to it
	// (found there), one just under it (not found).
	base := add("impossible, for its lowest hash", [32]byte{}, rng.Uint64N(1<<50), 30_000, true)
	var h [mine.HeaderSize]byte
	hb, _ := hex.DecodeString(base.Header)
	copy(h[:], hb)
	var best [32]byte
	bb, _ := hex.DecodeString(base.Best)
	copy(best[:], bb)
	start, _ := strconv.ParseUint(base.Start, 10, 64)
	under := best
	for i := 31; i >= 0; i-- { // best − 1
		under[i]--
		if under[i] != 0xff {
			break
		}
	}
	for _, tc := range []struct {
		name   string
		target [32]byte
	}{{"target = the lowest hash", best}, {"target = the lowest hash − 1", under}} {
		v := kernelVector{Name: tc.name, Header: base.Header, Target: hex.EncodeToString(tc.target[:]),
			Start: base.Start, Count: base.Count, Worker: true}
		bruteForce(&v, h, tc.target, start)
		out = append(out, v)
	}
	return out
}

// kernelVectorsJS runs the vectors __vectors through kernel.js with each
// wasm kernel in a Worker, and through worker.js (wasm/miner) with each of
// its kernels; it resolves to {kernel: {kind, results}, worker: {kernel:
// {ready, results}}}.
const kernelVectorsJS = `(async () => {
  const vectors = globalThis.__vectors;
  const bytes = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
  const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
  const direct = (kind) => new Promise((resolve, reject) => {
    const src = "importScripts(" + JSON.stringify(location.origin + "/static/kernel.js") + ");" +
      "onmessage = async (e) => { try {" +
      "  const k = await ChainplayKernel.loadKernel({ prefer: e.data.kind, simd: location.origin + '/static/kernel-simd.wasm', scalar: location.origin + '/static/kernel-scalar.wasm' });" +
      "  const results = e.data.vectors.map((v) => { k.setJob(v.header, v.target); const r = k.scan(BigInt(v.start), v.count);" +
      "    return { found: r.found, nonce: String(r.nonce), hash: r.hash, hashes: r.hashes, best: r.best, bestNonce: String(r.bestNonce) }; });" +
      "  postMessage({ kind: k.kind, results });" +
      "} catch (err) { postMessage({ error: String(err) }); } };";
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
    w.onmessage = (e) => { w.terminate(); e.data.error ? reject(new Error(e.data.error)) : resolve(e.data); };
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ kind, vectors: vectors.map((v) => ({ ...v, header: bytes(v.header), target: bytes(v.target) })) });
  });
  const viaWorker = (kernel) => new Promise((resolve, reject) => {
    const w = new Worker("/static/worker.js?kernel=" + kernel);
    const todo = vectors.filter((v) => v.worker);
    const out = { results: [] };
    let i = 0;
    const next = () => {
      if (i === todo.length) { w.terminate(); resolve(out); return; }
      const v = todo[i];
      w.postMessage({ type: "job", id: i + 1, header: bytes(v.header), target: bytes(v.target), start: Number(v.start), count: v.count, duty: 1 });
    };
    w.onmessage = (e) => {
      const m = e.data;
      if (m.type === "ready") { out.ready = m.kernel; out.kernelError = m.kernel_error || ""; next(); }
      else if (m.type === "found" || m.type === "exhausted") {
        out.results.push({ name: todo[i].name, found: m.type === "found", nonce: String(m.nonce || 0), hash: m.hash ? hex(m.hash) : "", hashes: m.hashes });
        i++;
        next();
      } else if (m.type === "crash") reject(new Error(m.message));
    };
    w.onerror = (e) => reject(new Error(e.message));
  });
  const res = { kernel: {}, worker: {} };
  for (const kind of ["simd", "scalar"]) res.kernel[kind] = await direct(kind);
  for (const kind of ["simd", "scalar", "go"]) res.worker[kind] = await viaWorker(kind);
  return JSON.stringify(res);
})()`

// TestKernelInChromium runs the wasm nonce kernels (chain/mine/wasmkernel)
// in Chromium against searches computed here with crypto/sha256: through
// kernel.js in a Worker (SIMD and scalar), and through the miner Worker
// (worker.js + miner.wasm, which computes the midstate in Go and calls the
// kernel in chunks) with each of its three kernels.
func TestKernelInChromium(t *testing.T) {
	requireWasm(t)
	vectors := kernelVectors()
	browser := newBrowser(t)
	ts := newTestServer(t, 1<<20)
	vj, err := json.Marshal(vectors)
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(ts.URL+"/bench")))
	evalJS[chromedp.Void](t, browser, "globalThis.__vectors = "+string(vj))
	t0 := time.Now()
	raw, err := chromedp.Run(browser, chromedp.Evaluate[string](kernelVectorsJS, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	t.Logf("%d vectors, 2 kernels through kernel.js and 3 through worker.js: %s", len(vectors), time.Since(t0).Round(time.Millisecond))
	var res struct {
		Kernel map[string]struct {
			Kind    string `json:"kind"`
			Results []struct {
				Found     bool   `json:"found"`
				Nonce     string `json:"nonce"`
				Hash      string `json:"hash"`
				Hashes    uint64 `json:"hashes"`
				Best      string `json:"best"`
				BestNonce string `json:"bestNonce"`
			} `json:"results"`
		} `json:"kernel"`
		Worker map[string]struct {
			Ready       string `json:"ready"`
			KernelError string `json:"kernelError"`
			Results     []struct {
				Name   string `json:"name"`
				Found  bool   `json:"found"`
				Nonce  string `json:"nonce"`
				Hash   string `json:"hash"`
				Hashes uint64 `json:"hashes"`
			} `json:"results"`
		} `json:"worker"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &res))

	for _, kind := range []string{"simd", "scalar"} {
		got := res.Kernel[kind]
		require.Equal(t, kind, got.Kind, "kernel.js loaded the wrong kernel")
		require.Len(t, got.Results, len(vectors))
		for i, v := range vectors {
			r := got.Results[i]
			msg := fmt.Sprintf("%s kernel, %s", kind, v.Name)
			require.Equal(t, v.Found, r.Found, msg)
			require.Equal(t, v.Nonce, r.Nonce, msg)
			require.Equal(t, v.Hash, r.Hash, msg)
			require.Equal(t, v.Hashes, r.Hashes, msg)
			require.Equal(t, v.Best, r.Best, msg)
			require.Equal(t, v.BestNonce, r.BestNonce, msg)
		}
	}
	for _, kind := range []string{"simd", "scalar", "go"} {
		got := res.Worker[kind]
		require.Equal(t, kind, got.Ready, "worker.js?kernel=%s runs another kernel (%s)", kind, got.KernelError)
		i := 0
		for _, v := range vectors {
			if !v.Worker {
				continue
			}
			require.Less(t, i, len(got.Results))
			r := got.Results[i]
			i++
			msg := fmt.Sprintf("worker with the %s kernel, %s", kind, v.Name)
			require.Equal(t, v.Name, r.Name, msg)
			require.Equal(t, v.Found, r.Found, msg)
			require.Equal(t, v.Hashes, r.Hashes, msg)
			if v.Found {
				require.Equal(t, v.Nonce, r.Nonce, msg)
				require.Equal(t, v.Hash, r.Hash, msg)
			}
		}
		require.Equal(t, i, len(got.Results))
	}
}

// Worker preludes for TestMinerKernels: they run in each miner Worker
// before worker.js.
const (
	// noSIMDPrelude makes the engine look like one without wasm SIMD.
	noSIMDPrelude = `WebAssembly.validate = () => false;`
	// noWasmKernelPrelude makes both wasm kernels fail to download.
	noWasmKernelPrelude = `{ const f = self.fetch; self.fetch = (u, ...r) => /\/kernel-(simd|scalar)(\.[0-9a-f]+)?\.wasm$/.test(String(u)) ? Promise.resolve(new Response("gone", { status: 404 })) : f(u, ...r); }`
)

// TestMinerKernels checks that a room's miner Workers run the wasm SIMD
// kernel, fall back to the scalar one when the engine has no SIMD, and to
// the Go kernel when neither wasm kernel loads; that the panel names the
// kernel; and that each mines a block the node accepts.
func TestMinerKernels(t *testing.T) {
	requireWasm(t)
	browser := newBrowser(t)
	ts := newTestServer(t, 1<<20)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank")))
	for _, tc := range []struct {
		name, prelude, kind, panel string
	}{
		{"SIMD", "", "simd", "wasm SIMD"},
		{"NoSIMDFallsBackToScalar", noSIMDPrelude, "scalar", "wasm scalar"},
		{"NoWasmKernelFallsBackToGo", noWasmKernelPrelude, "go", "Go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := openTabWith(t, browser, ts.URL+"/r/kernel-"+tc.kind, 1, tc.prelude)
			// The workers start with the first search (the pool is lazy).
			require.True(t, evalJS[bool](t, tab, `JSON.parse(chainplay.miner()).workers.every((w) => w.state === "dormant")`),
				"the workers started before the tab mined")
			evalJS[chromedp.Void](t, tab, `document.getElementById("mine").click()`)
			waitJS(t, tab, `__cp.log.some((e) => e.type === "ready")`, 20*time.Second, "the workers never got ready")
			kinds := evalJS[[]string](t, tab, `__cp.log.filter((e) => e.type === "ready").map((e) => e.kernel)`)
			require.NotEmpty(t, kinds)
			for _, k := range kinds {
				require.Equal(t, tc.kind, k, "a worker runs another kernel")
			}
			if tc.kind == "go" {
				why := evalJS[string](t, tab, `__cp.log.find((e) => e.type === "ready").kernelError`)
				t.Logf("why the Go kernel: %s", why)
				require.Contains(t, why, "404")
			}
			waitJS(t, tab, `document.getElementById("miner-kernel").textContent === "`+tc.panel+`"`, 5*time.Second,
				"the panel does not name the kernel")
			waitJS(t, tab, `Number(document.getElementById("tip-height").textContent) >= 1`, 60*time.Second, "no block mined")
			evalJS[chromedp.Void](t, tab, `document.getElementById("stop").click()`)
			require.Zero(t, evalJS[int](t, tab, `JSON.parse(chainplay.miner()).refused`), "the node refused a nonce")
		})
	}
}
