// Package layout is the memory layout of the wasm kernels, shared by the
// generator and the host API (package wasmkernel documents it and re-exports
// it). It is its own package so that the generator builds even when the
// modules wasmkernel embeds are missing.
package layout

// Byte offsets in the kernel's linear memory.
const (
	Mid         = 0
	W           = 32
	Hi          = 60
	Target      = 64
	Start       = 96
	Count       = 100
	Best        = 104
	BestLo      = 136
	BestHi      = 140
	Found       = 144
	NonceLo     = 148
	NonceHi     = 152
	Done        = 156
	Block0      = 160
	ParamsSize  = 224
	State       = 256
	Block       = 288
	Schedule    = 352
	K           = 608
	MemoryPages = 1
)
