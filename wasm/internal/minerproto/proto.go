// Package minerproto is the protocol between a tab's node and its miner
// Web Workers, defined once for both Go sides: wasm/node (the pool of
// package wasm/node/minerpool, through wasm/node/worker_js.go) and
// wasm/miner (the Worker's program, its scheduler in wasm/miner/sched).
// It holds the message types, the field names and the messages as Go
// values; codec_js.go turns them into the JS objects postMessage carries
// and back. web/static/worker.js, which starts the Worker's program, adds
// one message of its own, TypeCrash with FieldMessage.
//
// Messages to a worker (Command):
//
//	{type:"job", id, header: Uint8Array(100), target: Uint8Array(32), start, count, duty}
//	    search nonces start … start+count−1; replaces any job in progress
//	{type:"stop"}             abandon the job in progress
//	{type:"throttle", duty}   run duty (0.1 … 1) of the time, sleep the rest
//
// Messages from a worker (Report):
//
//	{type:"ready", kernel, kernel_error}
//	    kernel is the nonce kernel it runs: "simd" or "scalar" (the wasm
//	    kernels of chain/mine/wasmkernel) or "go" (chain/mine's, compiled
//	    into the program); kernel_error says why a wasm kernel is not used
//	{type:"progress", id, hashes, elapsed_ms, best: Uint8Array(32), best_nonce}
//	    at most 4 per second while a job runs
//	{type:"found", id, nonce, hash: Uint8Array(32), hashes, elapsed_ms}
//	{type:"exhausted", id, hashes, elapsed_ms}
//	{type:"stopped", id, hashes, elapsed_ms}   the job ended by a stop or a new job
//	{type:"crash", message}   from worker.js: the program exited or the Worker threw
//
// hashes and elapsed_ms count from the start of the job; elapsed includes
// the time the throttle slept, so hashes/elapsed is the worker's effective
// rate. Numbers are JS numbers: ids, nonces and counts stay below 2^53.
//
// The package stays small and plain (no fmt, no encoding): it is compiled
// into the Worker's program, which must stay under 0.7 MB gzip.
package minerproto

import "time"

// Message types: the value of FieldType.
const (
	TypeJob      = "job"      // node → worker: Command.Job
	TypeStop     = "stop"     // node → worker
	TypeThrottle = "throttle" // node → worker: Command.Duty

	TypeReady     = "ready"     // the program started: Report.Kernel, Report.KernelError
	TypeProgress  = "progress"  // a job runs: Hashes, Elapsed, Best, BestNonce
	TypeFound     = "found"     // a nonce meets the target: Nonce, Hash, Hashes, Elapsed
	TypeExhausted = "exhausted" // the range holds no solution: Hashes, Elapsed
	TypeStopped   = "stopped"   // the job ended by a stop or a new job: Hashes, Elapsed
	TypeCrash     = "crash"     // from worker.js: Report.Err (FieldMessage)
)

// Field names of the messages' JS objects.
const (
	FieldType        = "type"
	FieldID          = "id"           // the job a message concerns
	FieldHeader      = "header"       // Uint8Array(HeaderSize): the template's header
	FieldTarget      = "target"       // Uint8Array(HashSize): a hash ≤ target wins
	FieldStart       = "start"        // first nonce
	FieldCount       = "count"        // nonces to search
	FieldDuty        = "duty"         // throttle, 0.1 … 1
	FieldKernel      = "kernel"       // "simd", "scalar" or "go"
	FieldKernelError = "kernel_error" // why no wasm kernel runs
	FieldHashes      = "hashes"       // nonces hashed in the job so far
	FieldElapsed     = "elapsed_ms"   // ms since the job began, sleeps included
	FieldBest        = "best"         // Uint8Array(HashSize): the job's lowest hash so far
	FieldBestNonce   = "best_nonce"   // its nonce
	FieldNonce       = "nonce"        // the nonce found
	FieldHash        = "hash"         // Uint8Array(HashSize): its hash
	FieldMessage     = "message"      // what crashed
)

// Sizes of the byte fields (chain.HeaderSize and chain.HashSize; the
// Worker's program does not import package chain).
const (
	HeaderSize = 100
	HashSize   = 32
)

// Job is one worker's share of a search.
type Job struct {
	ID     uint64           // unique per job sent; reports carry it
	Header [HeaderSize]byte // the template's header; its nonce is ignored
	Target [HashSize]byte   // a hash ≤ Target wins
	Start  uint64           // first nonce
	Count  uint64           // nonces to search
	Duty   float64          // throttle, 0.1 … 1; 0 keeps the worker's
}

// Command is one message to a worker: Type is TypeJob (with Job),
// TypeStop or TypeThrottle (with Duty).
type Command struct {
	Type string
	Job  Job
	Duty float64
}

// Report is one message from a worker.
type Report struct {
	Kind        string
	ID          uint64         // the job it concerns (not for ready and crash)
	Hashes      uint64         // nonces hashed in the job so far
	Elapsed     time.Duration  // since the worker began the job, throttle sleeps included
	Best        [HashSize]byte // progress: the job's lowest hash so far
	BestNonce   uint64         // progress: its nonce
	Nonce       uint64         // found: the nonce
	Hash        [HashSize]byte // found: its hash, as the worker computed it
	Err         string         // crash: what happened
	Kernel      string         // ready: the nonce kernel it runs ("simd", "scalar", "go")
	KernelError string         // ready: why a wasm kernel is not used, if it is not
}
