package wasmgen

import (
	"fmt"
	"math/bits"

	"github.com/chainplay/chainplay/chain/mine"
)

// This file is a tiny partial evaluator for the nonce loop: it builds the
// compression of the header's second block as a DAG whose every node is
//
//   - lit: known when generating (the SHA-256 padding words 9..15 and what is
//     computed only from them and from round constants), folded away;
//   - inv: known once per call (midstate, words 0..6, word 7 = nonce high
//     word), computed once in the kernel's prologue with scalar i32 code;
//   - vary: depends on word 8, the nonce's low word: computed in the loop,
//     four nonces per vector in the SIMD kernel.
//
// Sums are reassociated so that their literal and invariant terms collapse
// into one invariant local, equal nodes are shared, and only what the output
// (hash word 0) needs is emitted.

type kind uint8

const (
	lit kind = iota
	inv
	vary
)

type op uint8

const (
	opLit   op = iota
	opIn       // invariant input: i32 loaded from memory at imm
	opNonce    // the nonce low word(s)
	opAdd
	opXor
	opAnd
	opOr
	opShr
	opShl
	opRotr
	opBitsel // a where c is set, else b (v128.bitselect(a, b, c))
)

type node struct {
	op   op
	args []*node
	imm  uint32 // literal value, memory offset or shift count
	k    kind
	id   int

	uses     int      // references from live nodes
	varyUses int      // references from live vary nodes
	vecUses  int      // references from live vary nodes of the vector lanes
	scal     bool     // computed in a scalar lane of the SIMD loop (depends on nonce imm 1)
	local    int32    // scalar local holding the value, or -1
	vlocal   [2]int32 // vector local (splat of an invariant, or a vary value) per interleaved copy, or -1
}

type dag struct {
	nonceImm  uint32 // imm of the nonce node word0 uses: 1 for the scalar lanes of the SIMD loop
	simd      bool   // vary values are v128 (shifts instead of rotations)
	bitselect bool   // use v128.bitselect for Ch and Maj
	nodes     []*node
	cse       map[string]*node
}

func newDAG(simd, bitselect bool) *dag {
	return &dag{simd: simd, bitselect: bitselect && simd, cse: map[string]*node{}}
}

func (d *dag) mk(o op, imm uint32, args ...*node) *node {
	k := lit
	scal := false
	if o == opIn {
		k = inv
	} else if o == opNonce {
		k = vary
		scal = imm == 1
	}
	for _, a := range args {
		k = max(k, a.k)
		scal = scal || a.scal
	}
	key := fmt.Sprint(o, imm)
	for _, a := range args {
		key += fmt.Sprint(",", a.id)
	}
	if n, ok := d.cse[key]; ok {
		return n
	}
	n := &node{op: o, args: args, imm: imm, k: k, scal: scal, id: len(d.nodes), local: -1, vlocal: [2]int32{-1, -1}}
	d.nodes = append(d.nodes, n)
	d.cse[key] = n
	return n
}

func (d *dag) lit(v uint32) *node    { return d.mk(opLit, v) }
func (d *dag) in(off uint32) *node   { return d.mk(opIn, off) }
func (d *dag) nonce() *node          { return d.mk(opNonce, d.nonceImm) }
func isLit(n *node, v uint32) bool   { return n.k == lit && n.imm == v }
func both(a, b *node) bool           { return a.k == lit && b.k == lit }
func rotr(x uint32, n uint32) uint32 { return bits.RotateLeft32(x, -int(n)) }

func (d *dag) xor(a, b *node) *node {
	switch {
	case both(a, b):
		return d.lit(a.imm ^ b.imm)
	case isLit(a, 0):
		return b
	case isLit(b, 0):
		return a
	}
	return d.mk(opXor, 0, a, b)
}

func (d *dag) and(a, b *node) *node {
	switch {
	case both(a, b):
		return d.lit(a.imm & b.imm)
	case isLit(a, 0) || isLit(b, 0):
		return d.lit(0)
	}
	return d.mk(opAnd, 0, a, b)
}

func (d *dag) shr(x *node, n uint32) *node {
	if x.k == lit {
		return d.lit(x.imm >> n)
	}
	return d.mk(opShr, n, x)
}

func (d *dag) shl(x *node, n uint32) *node {
	if x.k == lit {
		return d.lit(x.imm << n)
	}
	return d.mk(opShl, n, x)
}

// rotr is a rotation right; in the SIMD loop, which has no vector rotate, it
// is shr + shl + xor.
func (d *dag) rotr(x *node, n uint32) *node {
	switch {
	case x.k == lit:
		return d.lit(rotr(x.imm, n))
	case x.k == vary && d.simd:
		return d.xor(d.shr(x, n), d.shl(x, 32-n))
	}
	return d.mk(opRotr, n, x)
}

func (d *dag) xor3(a, b, c *node) *node { return d.xor(d.xor(a, b), c) }

// rot3 is rotr(x, a) ^ rotr(x, b) ^ rotr(x, c), a < b < c (Σ0, Σ1).
//
// A varying value in i32 code (the scalar lanes, the scalar kernel) is
// rotated as rotr(x ^ rotr(x ^ rotr(x, c-b), b-a), a): the same five
// instructions, but x is rotated once instead of three times. x64's ror
// overwrites its operand, so V8 copies x (or reloads it when spilled)
// before every rotation of it but the last; the xors only read it. In the
// SIMD loop that is 291 fewer x64 instructions per iteration (5,345 to
// 5,054 in Chromium 156's code, most of them moves and reloads), measured
// 2.7–6.3 % faster in Chromium. Vector rotations stay shr + shl + xor (AVX's
// three-operand forms need no copies); composing those shifts gives as
// many instructions, a longer dependency chain and measured no faster.
func (d *dag) rot3(x *node, a, b, c uint32) *node {
	if x.k == vary && !d.simd {
		return d.rotr(d.xor(x, d.rotr(d.xor(x, d.rotr(x, c-b)), b-a)), a)
	}
	return d.xor3(d.rotr(x, a), d.rotr(x, b), d.rotr(x, c))
}

// rot2shr is rotr(x, a) ^ rotr(x, b) ^ (x >> s), a < b (σ0, σ1); composed
// in i32 code as in rot3.
func (d *dag) rot2shr(x *node, a, b, s uint32) *node {
	if x.k == vary && !d.simd {
		return d.xor(d.rotr(d.xor(x, d.rotr(x, b-a)), a), d.shr(x, s))
	}
	return d.xor3(d.rotr(x, a), d.rotr(x, b), d.shr(x, s))
}

func (d *dag) bigSigma0(x *node) *node { return d.rot3(x, 2, 13, 22) }
func (d *dag) bigSigma1(x *node) *node { return d.rot3(x, 6, 11, 25) }
func (d *dag) sigma0(x *node) *node    { return d.rot2shr(x, 7, 18, 3) }
func (d *dag) sigma1(x *node) *node    { return d.rot2shr(x, 17, 19, 10) }

// ch is Ch(e, f, g) = g ^ (e & (f ^ g)).
func (d *dag) ch(e, f, g *node) *node {
	if d.bitselect && d.simd && max(e.k, f.k, g.k) == vary {
		return d.mk(opBitsel, 0, f, g, e)
	}
	return d.xor(g, d.and(e, d.xor(f, g)))
}

// maj is Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)), given ab = a ^ b and
// bc = b ^ c (the previous round's a ^ b).
func (d *dag) maj(a, b, c, ab, bc *node) *node {
	if d.bitselect && d.simd && max(a.k, b.k, c.k) == vary {
		return d.mk(opBitsel, 0, c, b, ab)
	}
	return d.xor(b, d.and(ab, bc))
}

// sum adds terms: the literal ones now, the invariant ones in one invariant
// subtotal, then the varying ones in order.
func (d *dag) sum(terms ...*node) *node {
	var c uint32
	var acc *node
	var vs []*node
	add := func(acc, t *node) *node {
		if acc == nil {
			return t
		}
		return d.mk(opAdd, 0, acc, t)
	}
	for _, t := range terms {
		switch t.k {
		case lit:
			c += t.imm
		case inv:
			acc = add(acc, t)
		default:
			vs = append(vs, t)
		}
	}
	switch {
	case acc == nil:
		acc = d.lit(c)
	case c != 0:
		acc = add(acc, d.lit(c))
	}
	if len(vs) == 0 {
		return acc
	}
	if isLit(acc, 0) {
		acc = nil
	}
	for _, v := range vs {
		acc = add(acc, v)
	}
	return acc
}

// K is the table of SHA-256 round constants, shared with package mine.
var K = mine.K

// word0 builds hash word 0 of the header's second block as a function of
// the nonce's low word: midstate + the compression's final a. k are the
// round constants (a broken table in the tests).
func (d *dag) word0(mid, w [8]uint32, k *[64]uint32) *node {
	var m [8]*node
	for i := range m {
		m[i] = d.in(mid[i])
	}
	var W [64]*node
	for i := 0; i < 8; i++ {
		W[i] = d.in(w[i])
	}
	W[8] = d.nonce()
	W[9] = d.lit(0x80000000)
	for i := 10; i < 15; i++ {
		W[i] = d.lit(0)
	}
	W[15] = d.lit(100 * 8)

	// A[i+3], E[i+3]: a and e at the start of round i; b, c, d are earlier
	// a's, f, g, h earlier e's. X[i] = b ^ c in round i.
	var A, E [68]*node
	for i := 0; i < 4; i++ {
		A[3-i], E[3-i] = m[i], m[i+4]
	}
	X := d.xor(A[2], A[1])
	for i := 0; i < 64; i++ {
		a, b, c, dd := A[i+3], A[i+2], A[i+1], A[i]
		e, f, g, h := E[i+3], E[i+2], E[i+1], E[i]
		if i >= 16 { // built just before its round: nodes are emitted in order
			W[i] = d.sum(d.sigma1(W[i-2]), W[i-7], d.sigma0(W[i-15]), W[i-16])
		}
		t1 := d.sum(d.lit(k[i]), W[i], h, d.ch(e, f, g), d.bigSigma1(e))
		ab := d.xor(a, b)
		t2 := d.sum(d.maj(a, b, c, ab, X), d.bigSigma0(a))
		X = ab
		A[i+4] = d.sum(t1, t2)
		E[i+4] = d.sum(dd, t1)
	}
	return d.sum(A[67], m[0])
}

// liveness counts the uses of the nodes the outputs depend on.
func (d *dag) liveness(outs ...*node) {
	live := make([]bool, len(d.nodes))
	for _, out := range outs {
		live[out.id] = true
		out.uses++
	}
	for i := len(d.nodes) - 1; i >= 0; i-- {
		n := d.nodes[i]
		if !live[i] {
			continue
		}
		for _, a := range n.args {
			live[a.id] = true
			a.uses++
			if n.k == vary {
				a.varyUses++
				if !n.scal {
					a.vecUses++
				}
			}
		}
	}
	for i, n := range d.nodes {
		if !live[i] {
			n.uses, n.varyUses = 0, 0
		}
	}
}
