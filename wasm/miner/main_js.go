//go:build js && wasm

// Command miner runs in one Web Worker (web/static/worker.js loads it): it
// receives mining jobs from the tab's node, searches their nonce ranges
// with a nonce kernel (the wasm SIMD kernel of chain/mine/wasmkernel, else
// its scalar one, else chain/mine's Go kernel; see "The kernel") and
// reports progress and solutions. The messages are package
// wasm/internal/minerproto's; the node's side is wasm/node/minerpool.
//
// This file is the bridge to the browser: the scheduling (kernel call
// sizes, yields, the throttle, report cadence) is package
// wasm/miner/sched, tested on the host. Here are only its Env: postMessage,
// a yield through a MessageChannel (the port's message comes back after
// the tasks already queued, so a stop or a new job is seen first; ~0.1 ms,
// where a nested setTimeout is clamped to 4 ms) and a sleep through
// setTimeout (rather than a Go timer, which would add the runtime's timer
// channels, ~20 KB gzip, to the binary).
//
// # The kernel
//
// worker.js loads a wasm kernel (SIMD where the engine has it, else scalar)
// with chain/mine/wasmkernel's kernel.js before it starts this program, and
// leaves it in self.__kernel. The program computes a job's parameters (the
// midstate) once, in Go, and for each call writes the parameter block into
// the kernel's memory, runs its scan export and reads the outputs back
// (wasmkernel.Params). A kernel that disagrees with the Go kernel on a
// short search at start is not used. Without a wasm kernel the program runs
// chain/mine's Job.Scan.
//
// The binary stays small (< 0.7 MB gzip): no fmt, encoding/hex or strconv,
// hashes cross as Uint8Array.
package main

import (
	"syscall/js"
	"time"

	"github.com/chainplay/chainplay/wasm/internal/minerproto"
	"github.com/chainplay/chainplay/wasm/miner/sched"
)

// jsEnv is the Web Worker's side of sched.Env.
type jsEnv struct {
	self js.Value // the Worker's global scope
	port js.Value // a MessageChannel's port2: a message to it wakes port1
	wake js.Value // port1's onmessage, as a setTimeout callback
}

func (e *jsEnv) Post(r minerproto.Report) { e.self.Call("postMessage", minerproto.EncodeReport(r)) }

func (e *jsEnv) Yield() { e.port.Call("postMessage", 0) }

func (e *jsEnv) Sleep(d time.Duration) {
	e.self.Call("setTimeout", e.wake, float64(d.Microseconds())/1000)
}

func main() {
	self := js.Global()
	eng, why := chooseEngine(self.Get("__kernel"), self.Get("__kernelError"))

	// Callbacks only hand values to Serve, which always waits on cmds
	// while it is blocked, so the blocking send cannot deadlock.
	cmds := make(chan minerproto.Command, 64)
	self.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		cmds <- minerproto.DecodeCommand(args[0].Get("data"))
		return nil
	}))
	wake := make(chan struct{}, 1)
	ch := self.Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case wake <- struct{}{}:
		default:
		}
		return nil
	}))
	env := &jsEnv{self: self, port: ch.Get("port2"), wake: ch.Get("port1").Get("onmessage")}
	w := sched.New(eng, sched.Env{Now: time.Now, Post: env.Post, Yield: env.Yield, Sleep: env.Sleep})

	if q := self.Get("__queue"); q.Truthy() { // messages that came before Go started
		for i := range q.Length() {
			w.Handle(minerproto.DecodeCommand(q.Index(i)))
		}
		self.Set("__queue", js.Undefined())
	}
	env.Post(minerproto.Report{Kind: minerproto.TypeReady, Kernel: eng.Kind, KernelError: why})
	w.Serve(cmds, wake)
}
