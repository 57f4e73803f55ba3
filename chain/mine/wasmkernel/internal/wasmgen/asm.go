package wasmgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// This file is a small assembler for the WebAssembly binary format: just the
// sections, instructions and encodings the kernels use.

// ValType is a WebAssembly value type.
type ValType byte

// Value types.
const (
	I32  ValType = 0x7f
	V128 ValType = 0x7b
)

// Opcodes of the core instruction set (single byte).
const (
	opBlock    = 0x02
	opLoop     = 0x03
	opIf       = 0x04
	opEnd      = 0x0b
	opBr       = 0x0c
	opBrIf     = 0x0d
	opReturn   = 0x0f
	opCall     = 0x10
	opSelect   = 0x1b
	opLocalGet = 0x20
	opLocalSet = 0x21
	opLocalTee = 0x22
	opI32Load  = 0x28
	opI32Store = 0x36
	opI32Const = 0x41
	opI32Eqz   = 0x45
	opI32Ne    = 0x47
	opI32LtU   = 0x49
	opI32GtU   = 0x4b
	opI32LeU   = 0x4d
	opI32Add   = 0x6a
	opI32Sub   = 0x6b
	opI32And   = 0x71
	opI32Or    = 0x72
	opI32Xor   = 0x73
	opI32Shl   = 0x74
	opI32ShrU  = 0x76
	opI32Rotr  = 0x78

	blockVoid = 0x40
	simdPfx   = 0xfd
)

// SIMD opcodes (after the 0xfd prefix, LEB128-encoded).
const (
	simdV128Const   = 0x0c
	simdI32x4Splat  = 0x11
	simdI32x4LeU    = 0x3e
	simdV128And     = 0x4e
	simdV128Or      = 0x50
	simdV128Xor     = 0x51
	simdV128Select  = 0x52
	simdI32x4Bitmsk = 0xa4
	simdI32x4Shl    = 0xab
	simdI32x4ShrU   = 0xad
	simdI32x4Add    = 0xae
)

func appendU32(b []byte, v uint32) []byte { return binary.AppendUvarint(b, uint64(v)) }

// appendS32 appends v in signed LEB128 (binary.AppendVarint is zig-zag, not
// LEB128).
func appendS32(b []byte, v int32) []byte {
	x := int64(v)
	for {
		c := byte(x & 0x7f)
		x >>= 7
		if (x == 0 && c&0x40 == 0) || (x == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// Func is one function under construction: its signature, its locals and
// its code.
type Func struct {
	Name    string // export name; empty = not exported
	Params  []ValType
	Results []ValType
	locals  []ValType // after the params
	code    []byte
	simd    bool // whether SIMD instructions are allowed
	index   uint32
}

// Local adds a local of type t and returns its index.
func (f *Func) Local(t ValType) uint32 {
	if t == V128 && !f.simd {
		panic("wasmgen: v128 local in a scalar module")
	}
	f.locals = append(f.locals, t)
	return uint32(len(f.Params) + len(f.locals) - 1)
}

func (f *Func) op(b ...byte) { f.code = append(f.code, b...) }

func (f *Func) idx(op byte, i uint32) { f.code = appendU32(append(f.code, op), i) }

// Core instructions.
func (f *Func) Get(i uint32)      { f.idx(opLocalGet, i) }
func (f *Func) Set(i uint32)      { f.idx(opLocalSet, i) }
func (f *Func) Tee(i uint32)      { f.idx(opLocalTee, i) }
func (f *Func) Call(fn *Func)     { f.idx(opCall, fn.index) }
func (f *Func) Br(depth uint32)   { f.idx(opBr, depth) }
func (f *Func) BrIf(depth uint32) { f.idx(opBrIf, depth) }
func (f *Func) Block()            { f.op(opBlock, blockVoid) }
func (f *Func) Loop()             { f.op(opLoop, blockVoid) }
func (f *Func) If()               { f.op(opIf, blockVoid) }
func (f *Func) End()              { f.op(opEnd) }
func (f *Func) Return()           { f.op(opReturn) }
func (f *Func) Select()           { f.op(opSelect) }

// Const pushes the 32-bit constant v.
func (f *Func) Const(v uint32) { f.code = appendS32(append(f.code, opI32Const), int32(v)) }

// Load pushes the i32 at address (popped) + off.
func (f *Func) Load(off uint32) { f.code = appendU32(append(f.code, opI32Load, 2), off) }

// Store pops a value and an address and stores the value at address + off.
func (f *Func) Store(off uint32) { f.code = appendU32(append(f.code, opI32Store, 2), off) }

// LoadAt pushes the i32 at the fixed address off.
func (f *Func) LoadAt(off uint32) {
	f.Const(0)
	f.Load(off)
}

// I32 emits a single-byte i32 instruction (opI32Add, …).
func (f *Func) I32(op byte) { f.op(op) }

// SIMD emits the SIMD instruction op (without immediates).
func (f *Func) SIMD(op uint32) {
	if !f.simd {
		panic("wasmgen: SIMD instruction in a scalar module")
	}
	f.code = appendU32(append(f.code, simdPfx), op)
}

// V128Const pushes the vector of four lanes l.
func (f *Func) V128Const(l [4]uint32) {
	f.SIMD(simdV128Const)
	for _, v := range l {
		f.code = binary.LittleEndian.AppendUint32(f.code, v)
	}
}

// Module is a WebAssembly module: functions, one memory of Pages 64 KiB pages
// exported as "memory", and data segments.
type Module struct {
	SIMD  bool
	Pages uint32
	funcs []*Func
	data  []segment
}

type segment struct {
	off  uint32
	data []byte
}

// NewFunc adds a function to m. Functions are numbered in the order they are
// added, so a function can call any function added before or after it.
func (m *Module) NewFunc(name string, params, results []ValType) *Func {
	f := &Func{Name: name, Params: params, Results: results, simd: m.SIMD, index: uint32(len(m.funcs))}
	m.funcs = append(m.funcs, f)
	return f
}

// Data adds an active data segment at address off.
func (m *Module) Data(off uint32, b []byte) { m.data = append(m.data, segment{off, b}) }

func appendVec(b []byte, items ...[]byte) []byte {
	b = appendU32(b, uint32(len(items)))
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func appendName(b []byte, s string) []byte { return append(appendU32(b, uint32(len(s))), s...) }

func appendTypes(b []byte, ts []ValType) []byte {
	b = appendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func section(out *bytes.Buffer, id byte, body []byte) {
	out.WriteByte(id)
	out.Write(appendU32(nil, uint32(len(body))))
	out.Write(body)
}

// Bytes encodes the module.
func (m *Module) Bytes() []byte {
	var out bytes.Buffer
	out.Write([]byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00})

	// Type section: one type per distinct signature, in order of first use.
	var types [][]byte
	typeIdx := make([]uint32, len(m.funcs))
	for i, f := range m.funcs {
		sig := appendTypes(appendTypes([]byte{0x60}, f.Params), f.Results)
		j := 0
		for j < len(types) && !bytes.Equal(types[j], sig) {
			j++
		}
		if j == len(types) {
			types = append(types, sig)
		}
		typeIdx[i] = uint32(j)
	}
	section(&out, 1, appendVec(nil, types...))

	var fs []byte
	fs = appendU32(fs, uint32(len(m.funcs)))
	for _, t := range typeIdx {
		fs = appendU32(fs, t)
	}
	section(&out, 3, fs)

	section(&out, 5, appendU32([]byte{1, 0x00}, m.Pages)) // one memory, min only

	exports := [][]byte{append(appendName(nil, "memory"), 0x02, 0x00)}
	for _, f := range m.funcs {
		if f.Name != "" {
			exports = append(exports, appendU32(append(appendName(nil, f.Name), 0x00), f.index))
		}
	}
	section(&out, 7, appendVec(nil, exports...))

	var bodies [][]byte
	for _, f := range m.funcs {
		// Locals as runs of equal types.
		var runs [][]byte
		for i := 0; i < len(f.locals); {
			j := i
			for j < len(f.locals) && f.locals[j] == f.locals[i] {
				j++
			}
			runs = append(runs, append(appendU32(nil, uint32(j-i)), byte(f.locals[i])))
			i = j
		}
		body := append(appendVec(nil, runs...), f.code...)
		body = append(body, opEnd)
		bodies = append(bodies, append(appendU32(nil, uint32(len(body))), body...))
	}
	section(&out, 10, appendVec(nil, bodies...))

	if len(m.data) > 0 {
		var segs [][]byte
		for _, s := range m.data {
			seg := []byte{0x00, opI32Const}
			seg = appendS32(seg, int32(s.off))
			seg = append(seg, opEnd)
			seg = append(appendU32(seg, uint32(len(s.data))), s.data...)
			segs = append(segs, seg)
		}
		section(&out, 11, appendVec(nil, segs...))
	}
	return out.Bytes()
}

func (f *Func) String() string { return fmt.Sprintf("func %d %q", f.index, f.Name) }
