// Package wasmkernel is the browser miner's nonce kernel: two small
// WebAssembly modules, written by a Go generator in this folder, and the JS
// glue a Web Worker uses to run them.
//
//   - kernel-simd.wasm hashes five nonces per loop iteration: four in an
//     i32x4 vector (WebAssembly SIMD, in every current browser) and a fifth
//     in plain i32 code interleaved with it;
//   - kernel-scalar.wasm is the same search one nonce at a time, for engines
//     without SIMD (29 KB and 11 KB);
//   - kernel.js (a plain script, no bundler) detects SIMD with
//     WebAssembly.validate on a tiny SIMD module, instantiates the right
//     kernel and wraps the calls: ChainplayKernel.loadKernel(),
//     kernel.setJob(header, target), kernel.scan(start, count),
//     ChainplayKernel.benchKernel(kernel). Copy the three files to
//     web/static/ (or serve Files).
//
// The Go API builds the same parameter block for a host written in Go:
// NewParams (the midstate, once per job), SetRange, Put, ReadResult, Next
// and CallCount.
//
// # Generating
//
// The modules are generated and committed, like templ's output:
//
//	go generate ./chain/mine/wasmkernel/
//
// runs gen.go, which calls internal/wasmgen: a small assembler of the wasm
// binary format (the sections and the few dozen opcodes used; no tool
// outside Go) and a partial evaluator of the SHA-256 compression of the
// header's second block (see below). TestGenerateRoundTrip checks that the
// committed modules are the generator's output byte for byte.
//
// # What the kernel computes
//
// The 100-byte header (DESIGN.md, "Header: 100 bytes") is two SHA-256
// blocks. The first (bytes 0..63) does not depend on the nonce: its state,
// the midstate, is computed once per job. The second block is bytes 64..99
// and the padding: words 0..6 are fixed per job, word 7 (the nonce's high
// 32 bits) per call, word 8 (the nonce's low 32 bits) varies, word 9 is
// 0x80000000, words 10..14 are 0 and word 15 is 800 (the length in bits).
//
// The generator classifies every value of that compression as known when
// generating (padding words, constants: folded away; in the SIMD loop the
// round constants are v128 locals set before the loop, since a v128.const
// is several instructions on x64), known once per call
// (computed once before the loop with scalar i32 code: rounds 0..7, most of
// round 8, W16..W22, the invariant parts of W23..W37 and of the round sums)
// or varying with word 8 (computed in the loop). In the SIMD loop each
// varying value is a v128 holding four consecutive nonces; rotations are
// shr + shl + xor (wasm has no vector rotate); Maj reuses the previous
// round's a ^ b. Beside the vector (nonces n..n+3) the loop hashes nonce
// n+4 with i32 code (rotations are i32.rotr, each Σ and σ composed so
// that it rotates its input once: rotr(x ^ rotr(x ^ rotr(x, 9), 11), 2)
// for Σ0, since x64's ror overwrites its operand and every other rotation
// of a live value costs V8 a copy), its values spread evenly
// among the vector's (Options.ScalarLanes): V8 puts it in general
// registers and x64 runs it on the scalar ALU ports, which the vector code
// leaves mostly idle. The loop computes only hash word 0 (the big-endian first
// word: "leading zeros" are what students see) and compares it, unsigned,
// with thr = max(target word 0, best word 0) (bit j of a mask for nonce
// n+j, the scalar lane's bit 4). A lane at or under thr may be
// a solution or a new best: it is confirmed by a scalar full hash (a plain
// rolled compression with its own constant table) and compared as a
// 256-bit big-endian number with the best hash (strictly lower replaces
// it, so ties keep the earlier nonce) and with the target (≤ meets it).
// Lanes are confirmed in nonce order and the call returns at the first
// solution, so the result is exactly a brute-force search's.
//
// # Memory layout
//
// One 64 KiB page, exported as "memory"; every field is a u32 stored
// little-endian (a Uint32Array in JS); hash, midstate and target words are
// SHA-256 words, word 0 first. Byte offsets:
//
//	  0 [8]  Mid       in      SHA-256 state after header bytes 0..63
//	 32 [7]  W         in      header bytes 64..91 as big-endian words
//	 60      Hi        in      nonce high word (header bytes 92..95)
//	 64 [8]  Target    in      target, word 0 first
//	 96      Start     in      low word of the call's first nonce
//	100      Count     in/out  nonces to hash; clamped to 2^32 - Start
//	104 [8]  Best      in/out  lowest hash so far; all ones = none
//	136      BestLo    in/out  its nonce, low word
//	140      BestHi    in/out  its nonce, high word
//	144      Found     out     1 if a nonce met the target, else 0
//	148      NonceLo   out     that nonce, low word
//	152      NonceHi   out     that nonce, high word (= Hi)
//	156      Done      out     nonces hashed, the found one included
//	160 [16] Block0    in      header bytes 0..63 as words, for init() only
//	256 [8]  State     scratch the last full hash computed (the found one)
//	288 [16] Block     scratch
//	352 [64] Schedule  scratch
//	608 [64] K         data    SHA-256 round constants
//
// # Call contract
//
// Exports: memory, init() and scan() i32.
//
//   - init() sets Mid from Block0 (a JS host has no SHA-256 of its own; a
//     Go host writes Mid from NewParams instead).
//   - scan() hashes the nonces Hi<<32 | (Start + i) for i < Count, in order.
//     It first clamps Count (in memory too) to 2^32 - Start: a call never
//     crosses a wrap of the low word, so the caller splits ranges there
//     (kernel.js's scan and CallCount do). It returns 1 and sets Found,
//     NonceLo/Hi and Done at the first nonce whose hash is ≤ Target; else
//     it returns 0 with Done = Count. Best/BestLo/BestHi are updated in
//     place: leave them between calls for "best hash so far" over a job, or
//     reset them to all ones for a per-call best.
//   - Calls are chunked, about 64K nonces (5 ms) each: V8 has no on-stack
//     replacement for wasm, so a call that starts on baseline code ends on
//     it, and a Worker must look at its messages between calls. kernel.js
//     starts at 4K nonces and doubles up to Chunk (a first 64K call of the
//     scalar kernel took 140 ms on Liftoff in node).
//
// # Tests
//
// kernel_test.go runs both modules under node (through testdata/harness.js,
// once on Liftoff only and once on TurboFan only) against a brute-force
// search with crypto/sha256: random headers, ranges and targets; ranges
// across the low word's wrap and up to nonce 2^64-1; targets and seeded
// best hashes that tie the real hashes in word 0 and differ deeper; raw
// calls with Go-built parameter blocks that the kernel must clamp. Modules
// generated with a wrong round constant (Options.BreakRound) must fail that
// comparison, and an engine without SIMD must get the scalar kernel. The
// node tests fail without node when CI=true and skip otherwise.
//
// # Measured
//
// One thread, millions of nonces per second; go test -run '^$' -bench
// Kernels ./chain/mine/wasmkernel/ (node 20.20, Go 1.26.8) on this
// project's 2-vCPU KVM machine (Intel Xeon with AVX-512 and SHA-NI, shared
// with other jobs, so ±5% at best), best of four rounds:
//
//	native sha256.Sum256 per nonce (SHA-NI)    6.75
//	SIMD kernel, node                          9.9       (1.47× native)
//	scalar kernel, node                        5.7–5.9   (0.85×)
//	SIMD kernel, Chromium 156 worker          15.8–15.9  (2.35×; best rounds; was 15.4–15.5)
//	scalar kernel, Chromium 156 worker         6.2–6.3
//
// Chromium is what counts (CHAINPLAY_BENCH=1 go test -run TestBench
// ./cmd/chainplay/, native 6.77 on a quiet run). The vector + scalar lane
// loop took the Chromium worker from 13.3–13.5 (two interleaved vectors,
// eight nonces per iteration) to 15.4–15.5 (two workers 26.0–26.7 to
// 30.2–30.4); composing the scalar lane's rotations (see rot3 in
// internal/wasmgen) to 15.8–15.9: 1.027–1.063× in nine runs of 20–150
// interleaved pairs against the loop before it (node: 1.09×; the scalar
// kernel 1.13× in Chromium, 1.15× in node). Larger loop
// bodies collapse: two vectors + one scalar lane 8.2, one vector + two
// scalar lanes 8.5, three vectors 8.7 — not explained: their x64 code is
// 34–41 KB, past this CPU's 32 KB instruction cache, but so is two
// vectors' (34 KB), which does not collapse. Earlier: one vector
// 12.6–12.9; hoisting the round constants into locals helped.
//
// One iteration (five nonces) of the SIMD loop is 9,661 wasm
// instructions: v128.xor 1,033, i32x4.shr_u 528, i32x4.add 473, i32x4.shl
// 462, v128.and 110 (2,606 vector ALU operations; rotations are 1,386 of
// them, the σ shifts 66 more); the scalar lane's i32.xor 571, i32.add 474,
// i32.rotr 462, i32.and 110, i32.shr_u 66; local.get 3,251, i32.const
// 1,574, local.set 522. Chromium 156 compiles it to 5,054 x64 instructions
// (was 5,345): the 2,606 vector ALU ones one for one (AVX three-operand
// forms, no copies), 1,679 scalar ALU ones, 529 movs (190 reloads and 72
// stores of spilled values, 267 register copies; before: 312, 61 and
// 447) and 209 vmovups (161 loads — 81 of them the loop's invariant
// vectors: 46 round constants and 35 splats — and 48 spill stores).
//
// What limits it: the vector ALU ports. This CPU runs 128-bit integer ALU
// instructions on three ports (shifts on two of them), so an iteration
// takes at least 2,606 / 3 = 869 cycles; the scalar lane's 1,679 ALU
// instructions go to the two ports that only scalar code can use (2 × 869
// = 1,738), which is why one scalar lane helps and a second does not.
// 15.9 MH/s is 3.17 M iterations per second: 869 cycles at 2.76 GHz. The
// vector-only loop (2,850 x64 instructions, bound at 869 cycles per four
// nonces) measured 12.6–12.9 and two vectors (1,737 cycles per eight)
// 13.3–13.5, which puts the clock at 2.75–2.9 GHz: the loop runs at
// 90–100 % of the bound of its vector ports. Copies and spills take issue
// slots and scalar ports, not vector ports: removing 291 of them gained
// 3–6 %; the ~740 left can give a few % more at most. 2.5× native (16.9
// MH/s against 6.75) needs about 815 cycles per iteration at the same
// clock, fewer than the vector instructions allow: wasm SIMD has no
// rotate (a rotation is three instructions) and no three-input logic, and
// V8 emits neither AVX-512's vprold nor vpternlogd for wasm (checked in
// its code: shr | shl stays two shifts and an or, v128.bitselect is vpand,
// vpandn, vpor); no composition of shifts computes a Σ or σ in fewer
// instructions (checked for all four).
//
// Measured no faster (interleaved against the committed loop): two
// vectors and no scalar lane 0.90×, two vectors and a scalar lane 0.55×,
// two scalar lanes 0.79×, no scalar lane 0.84–0.89×, v128.bitselect for Ch and Maj (Options.Bitselect: one
// instruction on ARM64, three on x64; off), composed vector shifts such
// as ((x>>9 ^ x)>>11 ^ x)>>2 (same count, longer chains: 0.96–0.99×), the
// scalar lane spread by instruction count instead of value count (0.97×).
// GROUND.md's hand-written kernel (15.4 node, 18.1 Chromium, 7.5 native)
// was measured on an AMD Zen 4.
package wasmkernel
