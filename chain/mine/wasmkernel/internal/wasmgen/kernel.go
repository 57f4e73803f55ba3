// Package wasmgen writes the WebAssembly nonce kernels of package wasmkernel:
// a module whose scan() hashes five nonces per iteration, four in an i32x4
// vector and one in i32 code alongside (SIMD), or one nonce per iteration
// (scalar), and the helpers both share.
// See package wasmkernel for the memory layout and the call contract.
package wasmgen

import (
	"encoding/binary"

	wk "github.com/chainplay/chainplay/chain/mine/wasmkernel/internal/layout"
)

// Options selects the kernel to generate.
type Options struct {
	// SIMD selects the i32x4 kernel (four nonces per vector); otherwise
	// the scalar one.
	SIMD bool
	// Bitselect computes Ch and Maj with v128.bitselect (SIMD only): one
	// instruction on ARM64 (BSL), three on x64, where it measured no faster.
	Bitselect bool
	// Interleave computes two i32x4 vectors (eight nonces) per loop
	// iteration (SIMD only), so the CPU overlaps two dependency chains.
	// Off: with ScalarLanes, one vector and one scalar lane measured
	// faster (see package wasmkernel).
	Interleave bool
	// ScalarLanes hashes this many more nonces (0..2) per loop iteration
	// with i32 code (SIMD only), after the vector lanes: the x64 scalar
	// ALU ports are otherwise idle in the vector loop. Its values are
	// spread evenly among the vector ones.
	ScalarLanes int
	// BreakRound, when non-zero, flips the low bit of round constant
	// K[BreakRound-1] in the nonce loop: a deliberately broken kernel for
	// the tests. The scalar confirmation keeps the right constants.
	BreakRound int
}

// Default are the options of the committed modules.
var (
	DefaultSIMD   = Options{SIMD: true, ScalarLanes: 1}
	DefaultScalar = Options{}
)

var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// Generate returns the kernel module's bytes.
func Generate(o Options) []byte {
	m := &Module{SIMD: o.SIMD, Pages: wk.MemoryPages}
	var kt []byte
	for _, v := range K {
		kt = binary.LittleEndian.AppendUint32(kt, v)
	}
	m.Data(wk.K, kt)

	compress := m.NewFunc("", []ValType{I32, I32}, nil)
	genCompress(compress)
	hash := m.NewFunc("", []ValType{I32}, nil)
	genHash(hash, compress)
	less := m.NewFunc("", []ValType{I32, I32}, []ValType{I32})
	genLess(less)
	lanes := 1
	if o.SIMD {
		lanes = 4
		if o.Interleave {
			lanes = 8
		}
		lanes += o.ScalarLanes
	}
	confirm := m.NewFunc("", []ValType{I32, I32, I32}, []ValType{I32})
	genConfirm(confirm, hash, less, lanes)
	initF := m.NewFunc("init", nil, nil)
	genInit(initF, compress)
	scan := m.NewFunc("scan", nil, []ValType{I32})
	genScan(scan, confirm, o)
	return m.Bytes()
}

// genCompress: compress(state, block) is the plain rolled SHA-256
// compression of the 16 words at block into the 8 words at state.
func genCompress(f *Func) {
	const state, block = 0, 1
	i, p := f.Local(I32), f.Local(I32)
	var v [8]uint32 // a..h
	for j := range v {
		v[j] = f.Local(I32)
	}
	t1, t2, x := f.Local(I32), f.Local(I32), f.Local(I32)

	for j := uint32(0); j < 16; j++ {
		f.Const(0)
		f.Get(block)
		f.Load(4 * j)
		f.Store(wk.Schedule + 4*j)
	}
	// sig pushes rotr(x, r1) ^ rotr(x, r2) ^ (x >> s) (or rotr(x, s) when rot3).
	sig := func(r1, r2, s uint32, rot3 bool) {
		f.Get(x)
		f.Const(r1)
		f.I32(opI32Rotr)
		f.Get(x)
		f.Const(r2)
		f.I32(opI32Rotr)
		f.I32(opI32Xor)
		f.Get(x)
		f.Const(s)
		if rot3 {
			f.I32(opI32Rotr)
		} else {
			f.I32(opI32ShrU)
		}
		f.I32(opI32Xor)
	}
	// Message schedule: W[i] = σ1(W[i-2]) + W[i-7] + σ0(W[i-15]) + W[i-16].
	f.Const(16)
	f.Set(i)
	f.Loop()
	f.Get(i)
	f.Const(2)
	f.I32(opI32Shl)
	f.Tee(p)
	f.Get(p)
	f.Load(wk.Schedule - 8)
	f.Set(x)
	sig(17, 19, 10, false)
	f.Get(p)
	f.Load(wk.Schedule - 28)
	f.I32(opI32Add)
	f.Get(p)
	f.Load(wk.Schedule - 60)
	f.Set(x)
	sig(7, 18, 3, false)
	f.I32(opI32Add)
	f.Get(p)
	f.Load(wk.Schedule - 64)
	f.I32(opI32Add)
	f.Store(wk.Schedule)
	f.Get(i)
	f.Const(1)
	f.I32(opI32Add)
	f.Tee(i)
	f.Const(64)
	f.I32(opI32LtU)
	f.BrIf(0)
	f.End()

	for j := uint32(0); j < 8; j++ {
		f.Get(state)
		f.Load(4 * j)
		f.Set(v[j])
	}
	a, b, c, d, e, ff, g, h := v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	f.Const(0)
	f.Set(p)
	f.Loop()
	// t1 = h + Σ1(e) + Ch(e, f, g) + K[i] + W[i]
	f.Get(e)
	f.Set(x)
	f.Get(h)
	sig(6, 11, 25, true)
	f.I32(opI32Add)
	f.Get(g)
	f.Get(e)
	f.Get(ff)
	f.Get(g)
	f.I32(opI32Xor)
	f.I32(opI32And)
	f.I32(opI32Xor)
	f.I32(opI32Add)
	f.Get(p)
	f.Load(wk.K)
	f.I32(opI32Add)
	f.Get(p)
	f.Load(wk.Schedule)
	f.I32(opI32Add)
	f.Set(t1)
	// t2 = Σ0(a) + Maj(a, b, c), Maj = (a & b) | (c & (a | b))
	f.Get(a)
	f.Set(x)
	sig(2, 13, 22, true)
	f.Get(a)
	f.Get(b)
	f.I32(opI32And)
	f.Get(c)
	f.Get(a)
	f.Get(b)
	f.I32(opI32Or)
	f.I32(opI32And)
	f.I32(opI32Or)
	f.I32(opI32Add)
	f.Set(t2)
	for _, mv := range [][2]uint32{{h, g}, {g, ff}, {ff, e}} {
		f.Get(mv[1])
		f.Set(mv[0])
	}
	f.Get(d)
	f.Get(t1)
	f.I32(opI32Add)
	f.Set(e)
	for _, mv := range [][2]uint32{{d, c}, {c, b}, {b, a}} {
		f.Get(mv[1])
		f.Set(mv[0])
	}
	f.Get(t1)
	f.Get(t2)
	f.I32(opI32Add)
	f.Set(a)
	f.Get(p)
	f.Const(4)
	f.I32(opI32Add)
	f.Tee(p)
	f.Const(256)
	f.I32(opI32LtU)
	f.BrIf(0)
	f.End()

	for j := uint32(0); j < 8; j++ {
		f.Get(state)
		f.Get(state)
		f.Load(4 * j)
		f.Get(v[j])
		f.I32(opI32Add)
		f.Store(4 * j)
	}
}

// genHash: hash(lo) writes at OffState the full hash of the header with
// nonce (word at OffHi, lo), from the midstate.
func genHash(f *Func, compress *Func) {
	const lo = 0
	for j := uint32(0); j < 8; j++ {
		f.Const(0)
		f.LoadAt(wk.Mid + 4*j)
		f.Store(wk.State + 4*j)
	}
	for j := uint32(0); j < 8; j++ { // words 0..6 and 7 (OffHi follows OffW)
		f.Const(0)
		f.LoadAt(wk.W + 4*j)
		f.Store(wk.Block + 4*j)
	}
	f.Const(0)
	f.Get(lo)
	f.Store(wk.Block + 4*8)
	for j, v := range [7]uint32{0x80000000, 0, 0, 0, 0, 0, 800} {
		f.Const(0)
		f.Const(v)
		f.Store(wk.Block + 4*uint32(9+j))
	}
	f.Const(wk.State)
	f.Const(wk.Block)
	f.Call(compress)
}

// genLess: less(p, q) reports whether the 8 words at p are less than those
// at q, as 256-bit big-endian integers (word 0 most significant).
func genLess(f *Func) {
	const p, q = 0, 1
	x, y := f.Local(I32), f.Local(I32)
	for j := uint32(0); j < 8; j++ {
		f.Get(p)
		f.Load(4 * j)
		f.Set(x)
		f.Get(q)
		f.Load(4 * j)
		f.Set(y)
		f.Get(x)
		f.Get(y)
		f.I32(opI32Ne)
		f.If()
		f.Get(x)
		f.Get(y)
		f.I32(opI32LtU)
		f.Return()
		f.End()
	}
	f.Const(0)
}

// genConfirm: confirm(n, rem, mask) hashes in full, in order, each nonce
// n+j (j < lanes, j < rem) whose bit j is set in mask: it updates the best
// hash and, for the first that meets the target, records it and returns 1.
func genConfirm(f *Func, hash, less *Func, lanes int) {
	const n, rem, mask = 0, 1, 2
	lo := f.Local(I32)
	for j := uint32(0); j < uint32(lanes); j++ {
		f.Block()
		f.Get(mask)
		f.Const(1 << j)
		f.I32(opI32And)
		f.I32(opI32Eqz)
		f.BrIf(0)
		f.Get(rem)
		f.Const(j)
		f.I32(opI32LeU)
		f.BrIf(0)
		f.Get(n)
		f.Const(j)
		f.I32(opI32Add)
		f.Tee(lo)
		f.Call(hash)
		// A new best?
		f.Const(wk.State)
		f.Const(wk.Best)
		f.Call(less)
		f.If()
		for w := uint32(0); w < 8; w++ {
			f.Const(0)
			f.LoadAt(wk.State + 4*w)
			f.Store(wk.Best + 4*w)
		}
		f.Const(0)
		f.Get(lo)
		f.Store(wk.BestLo)
		f.Const(0)
		f.LoadAt(wk.Hi)
		f.Store(wk.BestHi)
		f.End()
		// hash ≤ target, i.e. not target < hash?
		f.Const(wk.Target)
		f.Const(wk.State)
		f.Call(less)
		f.I32(opI32Eqz)
		f.If()
		f.Const(0)
		f.Const(1)
		f.Store(wk.Found)
		f.Const(0)
		f.Get(lo)
		f.Store(wk.NonceLo)
		f.Const(0)
		f.LoadAt(wk.Hi)
		f.Store(wk.NonceHi)
		f.Const(0)
		f.Get(lo)
		f.LoadAt(wk.Start)
		f.I32(opI32Sub)
		f.Const(1)
		f.I32(opI32Add)
		f.Store(wk.Done)
		f.Const(1)
		f.Return()
		f.End()
		f.End()
	}
	f.Const(0)
}

// genInit: init() sets the midstate from the header words at OffBlock0.
func genInit(f *Func, compress *Func) {
	for j, v := range iv {
		f.Const(0)
		f.Const(v)
		f.Store(wk.Mid + 4*uint32(j))
	}
	f.Const(wk.Mid)
	f.Const(wk.Block0)
	f.Call(compress)
}

// genScan: scan() is the nonce search (see package wasmkernel).
func genScan(f *Func, confirm *Func, o Options) {
	lo, cnt, tmp := f.Local(I32), f.Local(I32), f.Local(I32)
	n, rem, mask, thr := f.Local(I32), f.Local(I32), f.Local(I32), f.Local(I32)

	// Clamp the count so that the call does not cross a wrap of the low word.
	f.LoadAt(wk.Start)
	f.Tee(lo)
	f.If()
	f.Const(0)
	f.Get(lo)
	f.I32(opI32Sub)
	f.Set(tmp)
	f.LoadAt(wk.Count)
	f.Get(tmp)
	f.I32(opI32GtU)
	f.If()
	f.Const(0)
	f.Get(tmp)
	f.Store(wk.Count)
	f.End()
	f.End()
	f.LoadAt(wk.Count)
	f.Set(cnt)
	f.Const(0)
	f.Get(cnt)
	f.Store(wk.Done)
	f.Const(0)
	f.Const(0)
	f.Store(wk.Found)
	f.Get(cnt)
	f.I32(opI32Eqz)
	f.If()
	f.Const(0)
	f.Return()
	f.End()

	// The job's part of the compression, once per call.
	k := K
	if o.BreakRound > 0 {
		k[o.BreakRound-1] ^= 1
	}
	d := newDAG(o.SIMD, o.Bitselect)
	var mid, w [8]uint32
	for j := uint32(0); j < 8; j++ {
		mid[j], w[j] = wk.Mid+4*j, wk.W+4*j
	}
	out := d.word0(mid, w, &k)
	var outS *node
	if o.SIMD && o.ScalarLanes > 0 {
		// The scalar lanes: the same compression with rotations, on nonce
		// node 1; the invariant nodes are shared.
		d.simd, d.nonceImm = false, 1
		outS = d.word0(mid, w, &k)
		d.simd = true
		d.liveness(out, outS)
	} else {
		d.liveness(out)
	}
	e := &emitter{f: f, simd: o.SIMD}
	for _, x := range d.nodes {
		if x.uses == 0 || x.k != inv {
			continue
		}
		if x.op == opIn || x.uses > 1 || x.varyUses > 0 {
			e.scalar(x)
			x.local = int32(f.Local(I32))
			f.Set(uint32(x.local))
		}
	}
	for _, x := range d.nodes {
		if x.varyUses == 0 {
			continue
		}
		switch {
		case x.k == inv && o.SIMD && x.vecUses > 0:
			x.vlocal[0] = int32(f.Local(V128))
			f.Get(uint32(x.local))
			f.SIMD(simdI32x4Splat)
			f.Set(uint32(x.vlocal[0]))
			x.vlocal[1] = x.vlocal[0]
		case x.k == inv:
			x.vlocal = [2]int32{x.local, x.local}
		case x.k == lit && o.SIMD && x.vecUses > 0:
			// A v128.const in the loop is several instructions on x64
			// (V8 builds it in a general register); a local is a load.
			x.vlocal[0] = int32(f.Local(V128))
			f.V128Const([4]uint32{x.imm, x.imm, x.imm, x.imm})
			f.Set(uint32(x.vlocal[0]))
			x.vlocal[1] = x.vlocal[0]
		}
	}

	// thr: a lane whose hash word 0 is above max(target word 0, best word
	// 0) can be neither a solution nor a new best.
	setThr := func(vthr uint32) {
		f.LoadAt(wk.Target)
		f.LoadAt(wk.Best)
		f.LoadAt(wk.Target)
		f.LoadAt(wk.Best)
		f.I32(opI32GtU)
		f.Select()
		if o.SIMD && o.ScalarLanes > 0 {
			f.Tee(thr)
		}
		if o.SIMD {
			f.SIMD(simdI32x4Splat)
		}
		f.Set(vthr)
	}
	step := uint32(1)
	copies := 1
	var nonce, nonce2, vthr uint32
	var snonce [2]int32
	if o.SIMD {
		step = 4
		nonce, vthr = f.Local(V128), f.Local(V128)
		f.Get(lo)
		f.SIMD(simdI32x4Splat)
		f.V128Const([4]uint32{0, 1, 2, 3})
		f.SIMD(simdI32x4Add)
		f.Set(nonce)
		if o.Interleave {
			step, copies = 8, 2
			nonce2 = f.Local(V128)
			f.Get(nonce)
			f.V128Const([4]uint32{4, 4, 4, 4})
			f.SIMD(simdI32x4Add)
			f.Set(nonce2)
		}
		for c := range o.ScalarLanes {
			snonce[c] = int32(f.Local(I32))
		}
	} else {
		nonce, vthr = n, thr
	}
	setThr(vthr)
	f.Get(lo)
	f.Set(n)
	f.Get(cnt)
	f.Set(rem)
	for _, x := range d.nodes {
		if x.op == opNonce && x.scal {
			x.vlocal = snonce
		} else if x.op == opNonce {
			x.vlocal = [2]int32{int32(nonce), int32(nonce2)}
		}
	}

	f.Block()
	f.Loop()
	for c := range o.ScalarLanes {
		f.Get(n)
		f.Const(step + uint32(c))
		f.I32(opI32Add)
		f.Set(uint32(snonce[c]))
	}
	if o.SIMD {
		step += uint32(o.ScalarLanes)
	}
	// Each value used more than once, for both vectors in turn: the two
	// dependency chains are interleaved at that grain. The scalar lanes'
	// values are spread evenly among them.
	var vecN, scalN []*node
	for _, x := range d.nodes {
		if x.k == vary && x.uses > 1 && x.op != opNonce {
			if x.scal {
				scalN = append(scalN, x)
			} else {
				vecN = append(vecN, x)
			}
		}
	}
	si := 0
	emitScal := func(upto int) {
		for ; si < upto; si++ {
			x := scalN[si]
			for c := range o.ScalarLanes {
				e.loopS(x, c, true)
				x.vlocal[c] = int32(f.Local(I32))
				f.Set(uint32(x.vlocal[c]))
			}
		}
	}
	for i, x := range vecN {
		for c := range copies {
			e.loop(x, c)
			t := I32
			if o.SIMD {
				t = V128
			}
			x.vlocal[c] = int32(f.Local(t))
			f.Set(uint32(x.vlocal[c]))
		}
		emitScal((i + 1) * len(scalN) / len(vecN))
	}
	emitScal(len(scalN))
	for c := range o.ScalarLanes {
		e.loopS(outS, c, true)
		f.Get(thr)
		f.I32(opI32LeU)
		if c > 0 {
			f.Const(uint32(c))
			f.I32(opI32Shl)
			f.I32(opI32Or)
		}
	}
	for c := range copies {
		e.loop(out, c)
		f.Get(vthr)
		if o.SIMD {
			f.SIMD(simdI32x4LeU)
			f.SIMD(simdI32x4Bitmsk)
		} else {
			f.I32(opI32LeU)
		}
		if c > 0 {
			f.Const(4)
			f.I32(opI32Shl)
			f.I32(opI32Or)
		}
	}
	if o.SIMD && o.ScalarLanes > 0 {
		// scalar bits to the top: stack is [sbits, vbits]
		f.Set(tmp)
		f.Const(4 * uint32(copies))
		f.I32(opI32Shl)
		f.Get(tmp)
		f.I32(opI32Or)
	}
	f.Tee(mask)
	f.If()
	f.Get(n)
	f.Get(rem)
	f.Get(mask)
	f.Call(confirm)
	f.If()
	f.Const(1)
	f.Return()
	f.End()
	setThr(vthr)
	f.End()
	f.Get(rem)
	f.Const(step)
	f.I32(opI32LeU)
	f.BrIf(1)
	f.Get(rem)
	f.Const(step)
	f.I32(opI32Sub)
	f.Set(rem)
	f.Get(n)
	f.Const(step)
	f.I32(opI32Add)
	f.Set(n)
	if o.SIMD {
		f.Get(nonce)
		f.V128Const([4]uint32{step, step, step, step})
		f.SIMD(simdI32x4Add)
		f.Set(nonce)
		if o.Interleave {
			f.Get(nonce2)
			f.V128Const([4]uint32{step, step, step, step})
			f.SIMD(simdI32x4Add)
			f.Set(nonce2)
		}
	}
	f.Br(0)
	f.End()
	f.End()
	f.Const(0)
}

// emitter writes DAG nodes as instructions.
type emitter struct {
	f    *Func
	simd bool
}

var scalarOps = map[op]byte{opAdd: opI32Add, opXor: opI32Xor, opAnd: opI32And, opOr: opI32Or, opShr: opI32ShrU, opShl: opI32Shl, opRotr: opI32Rotr}
var simdOps = map[op]uint32{opAdd: simdI32x4Add, opXor: simdV128Xor, opAnd: simdV128And, opOr: simdV128Or, opShr: simdI32x4ShrU, opShl: simdI32x4Shl, opBitsel: simdV128Select}

// scalar pushes an invariant or literal node as i32 code.
func (e *emitter) scalar(x *node) {
	f := e.f
	switch {
	case x.local >= 0:
		f.Get(uint32(x.local))
	case x.op == opLit:
		f.Const(x.imm)
	case x.op == opIn:
		f.LoadAt(x.imm)
	case x.op == opShr || x.op == opShl || x.op == opRotr:
		e.scalar(x.args[0])
		f.Const(x.imm)
		f.I32(scalarOps[x.op])
	default:
		e.scalar(x.args[0])
		e.scalar(x.args[1])
		f.I32(scalarOps[x.op])
	}
}

// loop pushes a node as loop code (v128 in the SIMD kernel).
func (e *emitter) loop(x *node, c int) { e.loopS(x, c, false) }

// loopS pushes a node as loop code; sc: as i32 code for a scalar lane of
// the SIMD kernel.
func (e *emitter) loopS(x *node, c int, sc bool) {
	f := e.f
	simd := e.simd && !sc
	switch {
	case sc && x.k == inv:
		f.Get(uint32(x.local))
		return
	case sc && x.k == lit:
		f.Const(x.imm)
		return
	case x.vlocal[c] >= 0:
		f.Get(uint32(x.vlocal[c]))
		return
	case x.k == lit && simd:
		f.V128Const([4]uint32{x.imm, x.imm, x.imm, x.imm})
		return
	case x.k == lit:
		f.Const(x.imm)
		return
	case x.k == inv:
		panic("wasmgen: invariant node without a local in the loop")
	}
	for _, a := range x.args {
		e.loopS(a, c, sc)
	}
	if x.op == opShr || x.op == opShl || x.op == opRotr {
		f.Const(x.imm)
	}
	if simd {
		f.SIMD(simdOps[x.op])
	} else {
		f.I32(scalarOps[x.op])
	}
}
