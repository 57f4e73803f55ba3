//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/chain/mine/wasmkernel"
)

// firstCall is the size of a wasm kernel's first calls, which double up to
// wasmkernel.Chunk: the first ones run on V8's baseline compiler.
const firstCall = 4096

// wasmCaller calls a wasm kernel (a kernel.js Kernel that worker.js
// loaded): one Worker, one kernel instance, one job at a time.
type wasmCaller struct {
	scan js.Value // the module's scan export
	mem  js.Value // Uint8Array over the parameter block in the module's memory
	buf  [wasmkernel.ParamsSize]byte
	call uint32 // nonces per call: firstCall, doubling up to wasmkernel.Chunk
}

// chooseEngine returns the wasm kernel k if it works, else the Go kernel
// and why not (kernelErr: worker.js's reason for leaving k null).
func chooseEngine(k, kernelErr js.Value) (engine, string) {
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
func newWasmEngine(k js.Value) (eng engine, err error) {
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
		call: firstCall,
	}
	kind := k.Get("kind").String()
	eng = engine{kind: kind, chunk: wasmkernel.Chunk, newKernel: func(header [mine.HeaderSize]byte, target [32]byte) kernel {
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

// Scan implements kernel; best and bestNonce are the job's so far. It does
// not allocate.
func (k *wasmKernel) Scan(start, count uint64) (nonce uint64, found bool, best [32]byte, bestNonce uint64) {
	if start != 0 && count > -start { // stop after nonce 2^64-1, as mine.Job.Scan does
		count = -start
	}
	c := k.c
	for count > 0 {
		n := wasmkernel.CallCount(start, count, c.call)
		if c.call < wasmkernel.Chunk {
			c.call *= 2
		}
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
func selfCheck(eng engine) bool {
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
		wn, wf, wb, wbn := eng.newKernel(header, target).Scan(start, count)
		gn, gf, gb, gbn := mine.NewJob(header, target).Scan(start, count)
		if wn != gn || wf != gf || wb != gb || wbn != gbn {
			return false
		}
	}
	return true
}
