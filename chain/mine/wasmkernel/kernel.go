package wasmkernel

import (
	"embed"
	"encoding/binary"

	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/chain/mine/wasmkernel/internal/layout"
)

//go:generate go run gen.go

// The committed kernels and their JS glue (see the package doc).
var (
	//go:embed kernel-simd.wasm
	SIMDModule []byte
	//go:embed kernel-scalar.wasm
	ScalarModule []byte
	//go:embed kernel.js
	GlueJS []byte
	// Files holds kernel.js, kernel-simd.wasm and kernel-scalar.wasm, to
	// serve from /static/.
	//go:embed kernel.js kernel-simd.wasm kernel-scalar.wasm
	Files embed.FS
)

// Byte offsets in the kernel's linear memory (see the package doc). Every
// field is a 32-bit word stored little-endian; hash, midstate and target
// words are SHA-256 words, word 0 first.
const (
	OffMid      = layout.Mid         // [8]u32 in: SHA-256 state after header bytes 0..63
	OffW        = layout.W           // [7]u32 in: block words 0..6 = header bytes 64..91
	OffHi       = layout.Hi          // u32 in: nonce high word = block word 7
	OffTarget   = layout.Target      // [8]u32 in: target
	OffStart    = layout.Start       // u32 in: first nonce low word (block word 8)
	OffCount    = layout.Count       // u32 in/out: nonces to hash, clamped to 2^32 - start
	OffBest     = layout.Best        // [8]u32 in/out: lowest hash so far (all ones: none)
	OffBestLo   = layout.BestLo      // u32 in/out: its nonce, low word
	OffBestHi   = layout.BestHi      // u32 in/out: its nonce, high word
	OffFound    = layout.Found       // u32 out: 1 when a nonce met the target
	OffNonceLo  = layout.NonceLo     // u32 out: that nonce, low word
	OffNonceHi  = layout.NonceHi     // u32 out: that nonce, high word
	OffDone     = layout.Done        // u32 out: nonces hashed, the found one included
	OffBlock0   = layout.Block0      // [16]u32 in, init() only: header bytes 0..63
	ParamsSize  = layout.ParamsSize  // the host's part of memory: bytes 0..223
	OffState    = layout.State       // [8]u32 scratch: the last full hash computed
	OffBlock    = layout.Block       // [16]u32 scratch: its message block
	OffSchedule = layout.Schedule    // [64]u32 scratch: message schedule
	OffK        = layout.K           // [64]u32 data: SHA-256 round constants
	MemoryPages = layout.MemoryPages // 64 KiB; the memory never grows
)

// HeaderSize is the size of a block header; its last 8 bytes are the
// big-endian nonce.
const HeaderSize = 100

// Chunk is the number of nonces per kernel call the JS glue uses (a few
// milliseconds): wasm has no on-stack replacement, so a long first call
// would stay on baseline code, and the Worker must notice new jobs.
const Chunk = 1 << 16

// Params is the parameter block of one kernel call.
type Params struct {
	Mid       [8]uint32 // midstate: once per job
	W         [7]uint32 // header bytes 64..91 as words: once per job
	Hi        uint32    // nonce high word: once per call
	Target    [8]uint32 // once per job
	Start     uint32    // nonce low word of the call's first nonce
	Count     uint32    // nonces in the call
	Best      [8]uint32 // lowest hash so far; all ones = none
	BestNonce uint64
}

// NewParams computes everything that depends only on the job: the midstate
// of the header's first 64 bytes, words 0..6 of its second block and the
// target words. The nonce bytes of header are ignored. Best is all ones.
func NewParams(header [HeaderSize]byte, target [32]byte) Params {
	var p Params
	p.Mid = mine.Midstate(header)
	for i := range p.W {
		p.W[i] = binary.BigEndian.Uint32(header[64+4*i:])
	}
	p.Target = Words(target)
	p.ResetBest()
	return p
}

// ResetBest forgets the lowest hash.
func (p *Params) ResetBest() {
	for i := range p.Best {
		p.Best[i] = ^uint32(0)
	}
	p.BestNonce = 0
}

// CallCount is how many of the left nonces from start the next call may
// hash: at most chunk, and never across a wrap of the low 32 bits (the
// kernel would clamp there anyway).
func CallCount(start, left uint64, chunk uint32) uint32 {
	n := min(left, uint64(chunk), 1<<32-(start&0xffffffff))
	return uint32(n)
}

// SetRange sets the call's first nonce and count.
func (p *Params) SetRange(start uint64, count uint32) {
	p.Hi, p.Start, p.Count = uint32(start>>32), uint32(start), count
}

// Put writes the parameter block into mem[:ParamsSize] (the outputs zeroed,
// OffBlock0 left alone).
func (p *Params) Put(mem []byte) {
	_ = mem[ParamsSize-1]
	le := binary.LittleEndian
	put := func(off int, ws ...uint32) {
		for i, w := range ws {
			le.PutUint32(mem[off+4*i:], w)
		}
	}
	put(OffMid, p.Mid[:]...)
	put(OffW, p.W[:]...)
	put(OffHi, p.Hi)
	put(OffTarget, p.Target[:]...)
	put(OffStart, p.Start, p.Count)
	put(OffBest, p.Best[:]...)
	put(OffBestLo, uint32(p.BestNonce), uint32(p.BestNonce>>32), 0, 0, 0, 0)
}

// Result is what one call reports.
type Result struct {
	Found     bool
	Nonce     uint64    // the nonce that met the target, when Found
	Done      uint32    // nonces hashed, Nonce included
	Best      [8]uint32 // lowest hash so far (the Best passed in, or lower)
	BestNonce uint64
}

// ReadResult reads a call's outputs from mem[:ParamsSize].
func ReadResult(mem []byte) Result {
	le := binary.LittleEndian
	get := func(off int) uint32 { return le.Uint32(mem[off:]) }
	r := Result{
		Found:     get(OffFound) == 1,
		Nonce:     uint64(get(OffNonceHi))<<32 | uint64(get(OffNonceLo)),
		Done:      get(OffDone),
		BestNonce: uint64(get(OffBestHi))<<32 | uint64(get(OffBestLo)),
	}
	for i := range r.Best {
		r.Best[i] = get(OffBest + 4*i)
	}
	return r
}

// Next prepares p for the call after r: the best hash carries over and the
// range starts after the last nonce hashed. It returns that nonce.
func (p *Params) Next(r Result) uint64 {
	p.Best, p.BestNonce = r.Best, r.BestNonce
	return (uint64(p.Hi)<<32 | uint64(p.Start)) + uint64(r.Done)
}

// BestHash is r.Best as bytes.
func (r Result) BestHash() [32]byte { return Bytes(r.Best) }

// Words reads 32 big-endian bytes as SHA-256 words.
func Words(b [32]byte) [8]uint32 {
	var w [8]uint32
	for i := range w {
		w[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return w
}

// Bytes is the inverse of Words.
func Bytes(w [8]uint32) [32]byte {
	var b [32]byte
	for i, v := range w {
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return b
}
