//go:build js && wasm

// Command miner runs in one Web Worker (web/static/worker.js loads it): it
// receives mining jobs from the tab's node, searches its nonce range with a
// nonce kernel (the wasm SIMD kernel of chain/mine/wasmkernel, else its
// scalar one, else chain/mine's Go kernel; see "The kernel") and reports
// progress and solutions. The node's side of the protocol is
// wasm/node/minerpool.
//
// Messages in (the Worker's onmessage):
//
//	{type:"job", id, header: Uint8Array(100), target: Uint8Array(32), start, count, duty}
//	    search nonces start … start+count−1; replaces any job in progress
//	{type:"stop"}             abandon the job in progress
//	{type:"throttle", duty}   run duty (0.1 … 1) of the time, sleep the rest
//
// Messages out (postMessage):
//
//	{type:"ready", kernel, kernel_error}
//	    kernel is the nonce kernel it runs: "simd" or "scalar" (the wasm
//	    kernels of chain/mine/wasmkernel) or "go" (chain/mine's, compiled
//	    into this program); kernel_error says why a wasm kernel is not used
//	{type:"progress", id, hashes, elapsed_ms, best: Uint8Array(32), best_nonce}
//	    at most 4 per second while a job runs
//	{type:"found", id, nonce, hash: Uint8Array(32), hashes, elapsed_ms}
//	{type:"exhausted", id, hashes, elapsed_ms}
//	{type:"stopped", id, hashes, elapsed_ms}   the job ended by a stop or a new job
//
// hashes and elapsed_ms count from the start of the job; elapsed includes
// the time the throttle slept, so hashes/elapsed is the worker's effective
// rate. worker.js adds {type:"crash", message} when the Go program exits or
// the Worker throws.
//
// # Staying responsive
//
// Under GOOS=js a running goroutine keeps the Worker's event loop from
// delivering messages: a message is only seen once every goroutine is
// blocked. So the search runs in chunks and, every yieldEvery, posts itself a
// message on a MessageChannel and blocks until it comes back: the event loop
// runs the tasks queued before it (a stop, a new job) and costs ~0.1 ms,
// where time.Sleep goes through setTimeout, which nested timers clamp to
// 4 ms. With a throttle below 100% the search instead sleeps the rest of each
// throttlePeriod, and messages are handled during the sleep.
//
// # The kernel
//
// worker.js loads a wasm kernel (SIMD where the engine has it, else scalar)
// with chain/mine/wasmkernel's kernel.js before it starts this program, and
// leaves it in self.__kernel. The program computes a job's parameters (the
// midstate) once, in Go, and for each call writes the parameter block into
// the kernel's memory, runs its scan export and reads the outputs back
// (wasmkernel.Params). Calls start at 4K nonces and double up to
// wasmkernel.Chunk: V8 has no on-stack replacement for wasm, so a long first
// call would stay on baseline code. A kernel that disagrees with the Go
// kernel on a short search at start is not used. Without a wasm kernel the
// program runs chain/mine's Job.Scan.
//
// The binary stays small (< 0.7 MB gzip): no fmt, encoding/hex or strconv,
// hashes cross as Uint8Array.
package main

import (
	"syscall/js"
	"time"

	"github.com/chainplay/chainplay/chain/mine"
)

const (
	// goChunk is how many nonces one call of the Go kernel hashes (~8 ms
	// at 4 MH/s); a wasm kernel's calls are wasmkernel.Chunk (~5 ms SIMD).
	goChunk = 1 << 15
	// yieldEvery is how long the search runs at full duty before it lets
	// the event loop deliver messages.
	yieldEvery = 20 * time.Millisecond
	// throttlePeriod is the cycle of a throttled search: it scans about
	// duty×throttlePeriod, then sleeps so that it ran duty of the time.
	throttlePeriod = 100 * time.Millisecond
	// reportEvery is the least time between two progress messages.
	reportEvery = 250 * time.Millisecond
	// minDuty is the lowest throttle.
	minDuty = 0.1
)

// kernel is the nonce search of one job: Scan hashes nonces start …
// start+count−1 and returns the first that meets the target, plus the lowest
// hash seen and its nonce (of the call for mine.Job.Scan, of the job so far
// for a wasm kernel: the worker keeps the lower of its own and this one).
type kernel interface {
	Scan(start, count uint64) (nonce uint64, found bool, best [32]byte, bestNonce uint64)
}

// engine is the Worker's kernel, chosen once at start.
type engine struct {
	kind      string // "simd", "scalar" or "go"
	chunk     uint64 // nonces per Scan call
	newKernel func(header [mine.HeaderSize]byte, target [32]byte) kernel
}

// goEngine is chain/mine's kernel, compiled into this program.
var goEngine = engine{kind: "go", chunk: goChunk, newKernel: func(header [mine.HeaderSize]byte, target [32]byte) kernel {
	return mine.NewJob(header, target)
}}

// task is the job in progress.
type task struct {
	id        float64
	header    [mine.HeaderSize]byte
	k         kernel
	pos, end  uint64 // next nonce; one past the last
	began     time.Time
	hashes    uint64
	best      [32]byte
	bestNonce uint64
}

func (t *task) elapsedMS(now time.Time) float64 {
	return float64(now.Sub(t.began).Microseconds()) / 1000
}

// worker is the Worker's state; only main's goroutine touches it.
type worker struct {
	eng        engine
	cur        *task
	duty       float64
	lastReport time.Time
	u8         js.Value // the Uint8Array constructor
}

func main() {
	self := js.Global()
	w := &worker{duty: 1, u8: self.Get("Uint8Array")}
	ready := map[string]any{"type": "ready"}
	var why string
	w.eng, why = chooseEngine(self.Get("__kernel"), self.Get("__kernelError"))
	ready["kernel"] = w.eng.kind
	if why != "" {
		ready["kernel_error"] = why
	}

	// Callbacks only hand values to the loop. The loop always waits on
	// msgs while it is blocked, so the blocking send cannot deadlock.
	msgs := make(chan js.Value, 64)
	self.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msgs <- args[0].Get("data")
		return nil
	}))
	tick := make(chan struct{}, 1)
	ch := self.Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case tick <- struct{}{}:
		default:
		}
		return nil
	}))
	port := ch.Get("port2")
	wake := ch.Get("port1").Get("onmessage") // the same callback, for setTimeout

	if q := self.Get("__queue"); q.Truthy() { // messages that came before Go started
		for i := range q.Length() {
			w.handle(q.Index(i))
		}
		self.Set("__queue", js.Undefined())
	}
	post(ready)

	for {
		if w.cur == nil {
			w.handle(<-msgs)
			continue
		}
		run := yieldEvery
		if w.duty < 1 {
			run = time.Duration(w.duty * float64(throttlePeriod))
		}
		ran := w.scan(run)
		if w.cur == nil || w.duty >= 1 {
			// Yield: the port's message comes back after the tasks
			// already queued, so a stop or a new job is handled first.
			port.Call("postMessage", 0)
			for waiting := true; waiting; {
				select {
				case <-tick:
					waiting = false
				case m := <-msgs:
					w.handle(m)
				}
			}
			continue
		}
		// Sleep the rest of the period; setTimeout rather than a Go timer
		// keeps the runtime's timer channels (~20 KB gzip) out of the binary.
		js.Global().Call("setTimeout", wake, float64(ran.Milliseconds())*(1-w.duty)/w.duty)
		for sleeping := true; sleeping; {
			select {
			case <-tick:
				sleeping = false
			case m := <-msgs:
				w.handle(m)
			}
		}
	}
}

// handle applies one message from the node.
func (w *worker) handle(m js.Value) {
	switch m.Get("type").String() {
	case "job":
		w.end("stopped")
		t := &task{id: m.Get("id").Float(), began: time.Now()}
		var target [32]byte
		js.CopyBytesToGo(t.header[:], m.Get("header"))
		js.CopyBytesToGo(target[:], m.Get("target"))
		t.pos = uint64(m.Get("start").Float())
		t.end = t.pos + uint64(m.Get("count").Float())
		for i := range t.best {
			t.best[i] = 0xff
		}
		t.bestNonce = t.pos
		t.k = w.eng.newKernel(t.header, target)
		if d := m.Get("duty"); d.Type() == js.TypeNumber {
			w.setDuty(d.Float())
		}
		w.cur, w.lastReport = t, t.began
	case "stop":
		w.end("stopped")
	case "throttle":
		w.setDuty(m.Get("duty").Float())
	}
}

func (w *worker) setDuty(d float64) {
	w.duty = min(max(d, minDuty), 1)
}

// end reports the job in progress as finished with the given type and
// forgets it.
func (w *worker) end(typ string) {
	t := w.cur
	if t == nil {
		return
	}
	w.cur = nil
	post(map[string]any{"type": typ, "id": t.id, "hashes": float64(t.hashes), "elapsed_ms": t.elapsedMS(time.Now())})
}

// scan searches the current job for about d, in chunks, reports progress
// at most every reportEvery, and returns how long it ran.
func (w *worker) scan(d time.Duration) time.Duration {
	t := w.cur
	start := time.Now()
	for {
		n := min(w.eng.chunk, t.end-t.pos)
		nonce, found, best, bestNonce := t.k.Scan(t.pos, n)
		if found {
			n = nonce - t.pos + 1
		}
		t.hashes += n
		t.pos += n
		if less(&best, &t.best) {
			t.best, t.bestNonce = best, bestNonce
		}
		if found {
			h := mine.HashWithNonce(t.header, nonce)
			w.cur = nil
			post(map[string]any{"type": "found", "id": t.id, "nonce": float64(nonce), "hash": w.bytes(h[:]),
				"hashes": float64(t.hashes), "elapsed_ms": t.elapsedMS(time.Now())})
			return time.Since(start)
		}
		if t.pos >= t.end {
			w.end("exhausted")
			return time.Since(start)
		}
		now := time.Now()
		if now.Sub(w.lastReport) >= reportEvery {
			w.lastReport = now
			post(map[string]any{"type": "progress", "id": t.id, "hashes": float64(t.hashes),
				"elapsed_ms": t.elapsedMS(now), "best": w.bytes(t.best[:]), "best_nonce": float64(t.bestNonce)})
		}
		if ran := now.Sub(start); ran >= d {
			return ran
		}
	}
}

// bytes copies b into a new Uint8Array.
func (w *worker) bytes(b []byte) js.Value {
	a := w.u8.New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

func post(v map[string]any) { js.Global().Call("postMessage", v) }

// less reports a < b as big-endian integers.
func less(a, b *[32]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
