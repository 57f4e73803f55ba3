//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/chain/mine/wasmkernel"
	"github.com/chainplay/chainplay/wasm/miner/sched"
)

const (
	// firstCall is the size of a wasm kernel's first calls, which the
	// scheduler doubles up to wasmkernel.Chunk: the first ones run on V8's
	// baseline compiler.
	firstCall = 4096
	// goChunk is how many nonces one call of the Go kernel hashes (~8 ms
	// at 4 MH/s).
	goChunk = 1 << 15
)

// goEngine is chain/mine's kernel, compiled into this program.
var goEngine = sched.Engine{Kind: "go", MaxCall: goChunk, NewKernel: func(header [mine.HeaderSize]byte, target [32]byte) sched.Kernel {
	return mine.NewJob(header, target)
}}

// wasmCaller calls a wasm kernel (a kernel.js Kernel that worker.js
// loaded): one Worker, one kernel instance, one job at a time.
type wasmCaller struct {
	scan js.Value // the module's scan export
	mem  js.Value // Uint8Array over the parameter block in the module's memory
	buf  [wasmkernel.ParamsSize]byte
}

// chooseEngine returns the wasm kernel k if it works, else the Go kernel
// and why not (kernelErr: worker.js's reason for leaving k null).
func chooseEngine(k, kernelErr js.Value) (sched.Engine, string) {
	if !k.Truthy() {
		why := "no wasm kernel"
		if kernelErr.Type() == js.TypeString {
			why = kernelErr.String()
		}
		return goEngine, why
	}
	e, err := newWasmEngine(k)
	if err != nil {
		return goEngine, err.Error()
	}
	return e, ""
}

// newWasmEngine wraps kernel.js's Kernel k and checks it against the Go
// kernel on a short search.
func newWasmEngine(k js.Value) (eng sched.Engine, err error) {
	defer func() {
		if r := recover(); r != nil { // a JS exception: not a usable kernel
			why := "a JS exception"
			if e, ok := r.(js.Error); ok {
				why = e.Error()
			}
			err = errors.New("the " + k.Get("kind").String() + " wasm kernel failed: " + why)
		}
	}()
	exports := k.Get("exports")
	c := &wasmCaller{
		scan: exports.Get("scan"),
		mem:  js.Global().Get("Uint8Array").New(exports.Get("memory").Get("buffer"), 0, wasmkernel.ParamsSize),
	}
	kind := k.Get("kind").String()
	eng = sched.Engine{Kind: kind, FirstCall: firstCall, MaxCall: wasmkernel.Chunk,
		NewKernel: func(header [mine.HeaderSize]byte, target [32]byte) sched.Kernel {
			return &wasmKernel{c: c, p: wasmkernel.NewParams(header, target)}
		}}
	if !selfCheck(eng) {
		return goEngine, errors.New("the " + kind + " wasm kernel disagrees with the Go kernel")
	}
	return eng, nil
}

// wasmKernel is one job on a wasm kernel. p holds the job's parameters,
// computed once (the midstate), and the lowest hash so far, which the
// kernel updates in place call after call.
type wasmKernel struct {
	c *wasmCaller
	p wasmkernel.Params
}

// Scan implements sched.Kernel; best and bestNonce are the job's so far.
// The scheduler keeps count within wasmkernel.Chunk, so this is one kernel
// call, or two across a wrap of the nonce's low word. It does not allocate.
func (k *wasmKernel) Scan(start, count uint64) (nonce uint64, found bool, best [32]byte, bestNonce uint64) {
	if start != 0 && count > -start { // stop after nonce 2^64-1, as mine.Job.Scan does
		count = -start
	}
	c := k.c
	for count > 0 {
		n := wasmkernel.CallCount(start, count, wasmkernel.Chunk)
		k.p.SetRange(start, n)
		k.p.Put(c.buf[:])
		js.CopyBytesToJS(c.mem, c.buf[:])
		c.scan.Invoke()
		js.CopyBytesToGo(c.buf[:], c.mem)
		r := wasmkernel.ReadResult(c.buf[:])
		start = k.p.Next(r)
		if r.Found {
			return r.Nonce, true, r.BestHash(), r.BestNonce
		}
		if r.Done == 0 { // cannot happen (the kernel hashes n ≥ 1 nonces); never spin
			break
		}
		count -= uint64(r.Done)
	}
	return 0, false, wasmkernel.Bytes(k.p.Best), k.p.BestNonce
}

// selfCheck runs two short searches on eng and on the Go kernel, across a
// wrap of the nonce's low word: one that finds a solution (a target of 8
// leading zero bits) and one that cannot (target 0, so only the lowest
// hashes are compared). It reports whether they agree.
func selfCheck(eng sched.Engine) bool {
	var header [mine.HeaderSize]byte
	for i := range header {
		header[i] = byte(i*29 + 3)
	}
	const start, count = 1<<32 - 700, 3000
	var easy, none [32]byte
	for i := 1; i < len(easy); i++ {
		easy[i] = 0xff
	}
	for _, target := range [][32]byte{easy, none} {
		wn, wf, wb, wbn := eng.NewKernel(header, target).Scan(start, count)
		gn, gf, gb, gbn := mine.NewJob(header, target).Scan(start, count)
		if wn != gn || wf != gf || wb != gb || wbn != gbn {
			return false
		}
	}
	return true
}
