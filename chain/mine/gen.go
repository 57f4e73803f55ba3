//go:build ignore

// gen.go writes kernel_gen.go and kernel_wasm_gen.go: the unrolled SHA-256
// compression of the second header block, specialised for the nonce search.
//
// It is a tiny partial evaluator. Every value of the compression (the eight
// working variables of each round and the message schedule W16..W63) is
// classified as
//
//   - a literal, known when generating (the SHA-256 padding words 9..15 and
//     anything computed only from them),
//   - loop-invariant, known once per call of the kernel (the midstate, words
//     0..6 of the block, word 7 = the nonce's high 32 bits), or
//   - varying, depending on word 8 (the nonce's low 32 bits).
//
// Literals are folded into the generated code, invariant values are computed
// once before the loop, and only what really depends on word 8 is computed per
// nonce: rounds 0..7 and most of round 8, W16..W22 and the invariant parts of
// W23..W30 all land in the prologue.
//
// The two files differ only in how Σ0 and Σ1 are spelled: natively the three
// rotations are independent (rotr(x,a) ^ rotr(x,b) ^ rotr(x,c): more
// instructions, shorter dependency chains, ~5% faster on amd64); for wasm they
// are nested (rotr(x ^ rotr(x ^ rotr(x, c-b), b-a), a): fewer values alive,
// ~6% faster under V8, where Go's wasm backend spills to linear memory).
// The schedule's σ0 and σ1 are nested in both.
//
// Run it with `go generate ./chain/mine/` (or `go run gen.go` from this
// folder; -dir writes the files elsewhere, which the round-trip test uses).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strings"
)

var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

type kind int

const (
	lit  kind = iota // known when generating
	inv              // loop-invariant: computed in the prologue
	vary             // depends on the nonce's low word: computed per nonce
)

// val is a value of the compression: a literal, or a Go expression (usually
// the name of a local) with its kind.
type val struct {
	k    kind
	expr string
	n    uint32 // the value, when k == lit
}

type gen struct {
	pro, body bytes.Buffer
	nested    bool // how to spell Σ0 and Σ1 (see the top of this file)
}

func litv(n uint32) val { return val{k: lit, n: n} }

func maxKind(vs ...val) kind {
	m := lit
	for _, v := range vs {
		if v.k > m {
			m = v.k
		}
	}
	return m
}

func hex(n uint32) string { return fmt.Sprintf("0x%08x", n) }

func (v val) String() string {
	if v.k == lit {
		return hex(v.n)
	}
	return v.expr
}

// define materialises v as a local called name, in the prologue or the loop.
func (g *gen) define(name string, v val) val {
	switch v.k {
	case lit:
		return v
	case inv:
		fmt.Fprintf(&g.pro, "%s := %s\n", name, v.expr)
	default:
		fmt.Fprintf(&g.body, "%s := %s\n", name, v.expr)
	}
	return val{k: v.k, expr: name}
}

// op builds an expression from vs; when all of vs are literals, f computes it now.
func op(f func(...uint32) uint32, expr func(...val) string, vs ...val) val {
	if maxKind(vs...) == lit {
		ns := make([]uint32, len(vs))
		for i, v := range vs {
			ns[i] = v.n
		}
		return litv(f(ns...))
	}
	return val{k: maxKind(vs...), expr: expr(vs...)}
}

func rotr(x uint32, n uint) uint32 { return x>>n | x<<(32-n) }

// rotExpr is the Go expression for x rotated right by n.
func rotExpr(x string, n uint) string {
	return fmt.Sprintf("bits.RotateLeft32(%s, %d)", x, 32-n)
}

// bigSigma is Σ0 (2, 13, 22) or Σ1 (6, 11, 25): rotr(x,a) ^ rotr(x,b) ^ rotr(x,c).
func (g *gen) bigSigma(x val, a, b, c uint) val {
	return op(func(n ...uint32) uint32 { return rotr(n[0], a) ^ rotr(n[0], b) ^ rotr(n[0], c) },
		func(v ...val) string {
			x := v[0].String()
			if g.nested {
				return rotExpr(x+" ^ "+rotExpr(x+" ^ "+rotExpr(x, c-b), b-a), a)
			}
			return "(" + rotExpr(x, a) + " ^ " + rotExpr(x, b) + " ^ " + rotExpr(x, c) + ")"
		}, x)
}

// smallSigma is σ0 (7, 18, 3) or σ1 (17, 19, 10): rotr(x,a) ^ rotr(x,b) ^ x>>s,
// written as rotr(x ^ rotr(x, b-a), a) ^ x>>s.
func smallSigma(x val, a, b, s uint) val {
	return op(func(n ...uint32) uint32 { return rotr(n[0], a) ^ rotr(n[0], b) ^ n[0]>>s },
		func(v ...val) string {
			x := v[0].String()
			return fmt.Sprintf("(%s ^ %s>>%d)", rotExpr(x+" ^ "+rotExpr(x, b-a), a), x, s)
		}, x)
}

func xor(a, b val) val {
	return op(func(n ...uint32) uint32 { return n[0] ^ n[1] }, func(v ...val) string { return "(" + v[0].String() + " ^ " + v[1].String() + ")" }, a, b)
}

func and(a, b val) val {
	return op(func(n ...uint32) uint32 { return n[0] & n[1] }, func(v ...val) string { return "(" + v[0].String() + " & " + v[1].String() + ")" }, a, b)
}

// sum defines name as the sum of terms. Literal terms are added now; when
// some terms vary, the invariant ones are summed once in the prologue (as
// name+"k") so the loop adds a single invariant local.
func (g *gen) sum(name string, terms ...val) val {
	var c uint32
	var invs, vars []string
	for _, t := range terms {
		switch t.k {
		case lit:
			c += t.n
		case inv:
			invs = append(invs, t.expr)
		default:
			vars = append(vars, t.expr)
		}
	}
	if c != 0 {
		invs = append(invs, hex(c))
	}
	if len(vars) == 0 {
		if len(invs) == 0 || (len(invs) == 1 && c != 0) {
			return litv(c)
		}
		return g.define(name, val{k: inv, expr: strings.Join(invs, " + ")})
	}
	switch {
	case len(invs) == 1:
		vars = append(vars, invs[0])
	case len(invs) > 1:
		p := g.define(name+"k", val{k: inv, expr: strings.Join(invs, " + ")})
		vars = append(vars, p.expr)
	}
	return g.define(name, val{k: vary, expr: strings.Join(vars, " + ")})
}

func main() {
	dir := flag.String("dir", ".", "output folder")
	flag.Parse()
	for _, f := range []struct {
		name, build string
		nested      bool
	}{
		{"kernel_gen.go", "!wasm", false},
		{"kernel_wasm_gen.go", "wasm", true},
	} {
		src := generate(f.build, f.nested)
		formatted, err := format.Source(src)
		if err != nil {
			log.Fatalf("%s: %v\n%s", f.name, err, src)
		}
		if err := os.WriteFile(filepath.Join(*dir, f.name), formatted, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func generate(build string, nested bool) []byte {
	g := &gen{nested: nested}
	iv := func(name string) val { return val{k: inv, expr: name} }

	// Message block: words 0..6 from header bytes 64..91 (invariant), word 7
	// = nonce high bits (invariant per call), word 8 = nonce low bits (the
	// loop counter), words 9..15 = SHA-256 padding for a 100-byte message.
	var w [64]val
	for i := 0; i < 8; i++ {
		w[i] = iv(fmt.Sprintf("w%d", i))
	}
	w[8] = val{k: vary, expr: "w8"}
	w[9] = litv(0x80000000)
	for i := 10; i < 15; i++ {
		w[i] = litv(0)
	}
	w[15] = litv(100 * 8)

	// A[i+3], E[i+3] are the working variables a and e at the start of round
	// i; b, c, d are earlier a's and f, g, h earlier e's.
	var A, E [68]val
	for i := 0; i < 4; i++ {
		A[3-i] = iv(fmt.Sprintf("m%d", i))
		E[3-i] = iv(fmt.Sprintf("m%d", i+4))
	}
	// X[i+1] = a ^ b of round i, reused as b ^ c in round i+1 (Maj trick).
	var X [65]val
	X[0] = g.define("x0", xor(A[2], A[1]))

	for i := 0; i < 64; i++ {
		if i >= 16 {
			w[i] = g.sum(fmt.Sprintf("w%d", i), smallSigma(w[i-2], 17, 19, 10), w[i-7], smallSigma(w[i-15], 7, 18, 3), w[i-16])
		}
		a, b := A[i+3], A[i+2]
		d := A[i]
		e, f, gg, h := E[i+3], E[i+2], E[i+1], E[i]

		// Ch(e, f, g) = g ^ (e & (f ^ g))
		fg := xor(f, gg)
		if fg.k == inv && e.k == vary {
			fg = g.define(fmt.Sprintf("fg%d", i), fg)
		}
		ch := xor(gg, and(e, fg))
		t1 := g.sum(fmt.Sprintf("t%d", i), h, g.bigSigma(e, 6, 11, 25), ch, litv(k[i]), w[i])

		// Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c))
		x := g.define(fmt.Sprintf("x%d", i+1), xor(a, b))
		X[i+1] = x
		maj := xor(b, and(x, X[i]))
		t2 := g.sum(fmt.Sprintf("u%d", i), g.bigSigma(a, 2, 13, 22), maj)

		A[i+4] = g.sum(fmt.Sprintf("a%d", i+1), t1, t2)
		if i < 63 { // the last e is not part of hash word 0
			E[i+4] = g.sum(fmt.Sprintf("e%d", i+1), d, t1)
		}
	}

	var src bytes.Buffer
	fmt.Fprintf(&src, `// Code generated by gen.go; DO NOT EDIT.

//go:build %s

package mine

import "math/bits"

// scanSeg runs the nonce search over low words lo..last (inclusive, lo <= last)
// with high word w7, and returns the first low word whose hash word 0 is <= thr.
// When none is, it returns (last, false).
func scanSeg(j *Job, w7, lo, last, thr uint32) (uint32, bool) {
	m0, m1, m2, m3, m4, m5, m6, m7 := j.mid[0], j.mid[1], j.mid[2], j.mid[3], j.mid[4], j.mid[5], j.mid[6], j.mid[7]
	w0, w1, w2, w3, w4, w5, w6 := j.w[0], j.w[1], j.w[2], j.w[3], j.w[4], j.w[5], j.w[6]

	// Loop-invariant part: rounds 0..7, most of round 8, W16..W22.
`, build)
	src.Write(g.pro.Bytes())
	src.WriteString("\nfor w8 := lo; ; w8++ {\n")
	src.Write(g.body.Bytes())
	fmt.Fprintf(&src, `
		if m0+%s <= thr {
			return w8, true
		}
		if w8 == last {
			return w8, false
		}
	}
}
`, A[67])

	return src.Bytes()
}
