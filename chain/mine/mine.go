package mine

import (
	"context"
	"encoding/binary"
	"runtime"
)

//go:generate go run gen.go

// HeaderSize is the size of a block header in bytes.
const HeaderSize = 100

// NonceOffset is where the big-endian nonce sits in the header.
const NonceOffset = 92

// ChunkSize is how many nonces Mine scans between two looks at its context
// (a few milliseconds of work, native or in wasm).
const ChunkSize = 1 << 16

// Job is one search over a fixed header prefix (everything but the nonce)
// and a fixed target. Safe for one goroutine at a time; create one per worker.
type Job struct {
	mid [8]uint32 // SHA-256 state after the first 64 header bytes
	w   [7]uint32 // words 0..6 of the second block (header bytes 64..91)
	tw  [8]uint32 // target as big-endian words
}

// NewJob computes the midstate of header once. The nonce in header[92:100] is
// ignored: Scan writes its own.
func NewJob(header [HeaderSize]byte, target [32]byte) *Job {
	j := new(Job)
	j.init(&header, &target)
	return j
}

func (j *Job) init(header *[HeaderSize]byte, target *[32]byte) {
	j.mid = Midstate(*header)
	for i := range j.w {
		j.w[i] = binary.BigEndian.Uint32(header[64+4*i:])
	}
	for i := range j.tw {
		j.tw[i] = binary.BigEndian.Uint32(target[4*i:])
	}
}

// Scan hashes nonces start, start+1, …, start+count-1 (the scan stops after
// nonce 2^64-1; it does not wrap) with the nonce written into header bytes
// 92..99. It returns the first nonce whose hash is ≤ the target (found=true)
// and, in either case, the lowest hash seen in this call and its nonce. When
// count is 0, best is all 0xff bytes and bestNonce is start.
//
// Scan does not allocate.
func (j *Job) Scan(start, count uint64) (nonce uint64, found bool, best [32]byte, bestNonce uint64) {
	if start != 0 && count > -start { // -start == 2^64 - start: nonces left up to 2^64-1
		count = -start
	}
	bw := [8]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}
	bestNonce = start
	// The kernel reports every nonce whose hash word 0 is ≤ thr; the rest
	// can be neither a solution nor a new best.
	thr := max(j.tw[0], bw[0])
	for count > 0 {
		hi, lo := uint32(start>>32), uint32(start)
		seg := uint64(1)<<32 - uint64(lo) // nonces left before the low word wraps
		if seg > count {
			seg = count
		}
		last := lo + uint32(seg-1)
		for {
			w8, hit := scanSeg(j, hi, lo, last, thr)
			if !hit {
				break
			}
			n := uint64(hi)<<32 | uint64(w8)
			h := j.hashWords(hi, w8)
			if less(&h, &bw) {
				bw, bestNonce = h, n
				thr = max(j.tw[0], bw[0])
			}
			if !less(&j.tw, &h) { // h ≤ target
				putWords(&best, &bw)
				return n, true, best, bestNonce
			}
			if w8 == last {
				break
			}
			lo = w8 + 1
		}
		start += seg
		count -= seg
	}
	putWords(&best, &bw)
	return 0, false, best, bestNonce
}

// hashWords is the full hash (as big-endian words) for the nonce hi<<32|lo,
// from the midstate, with the plain rolled compression. The search only
// calls it for the few candidates the kernel reports.
func (j *Job) hashWords(hi, lo uint32) [8]uint32 {
	var block [16]uint32
	copy(block[:7], j.w[:])
	block[7], block[8], block[9], block[15] = hi, lo, 0x80000000, HeaderSize*8
	h := j.mid
	compress(&h, &block)
	return h
}

// less reports whether a < b as 256-bit big-endian integers.
func less(a, b *[8]uint32) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func putWords(dst *[32]byte, w *[8]uint32) {
	for i, v := range w {
		binary.BigEndian.PutUint32(dst[4*i:], v)
	}
}

// Mine scans [start, start+count) (stopping after nonce 2^64-1) in chunks of
// ChunkSize nonces, checking ctx between chunks, and returns the first nonce
// whose hash meets target. ok is false when the range holds none or ctx is
// done first.
//
// Between chunks Mine also yields the processor (runtime.Gosched), so that
// under GOOS=js, where goroutines are never preempted, the goroutine that
// cancels ctx gets to run. A JS event (a Worker message) is only delivered when
// every goroutine is blocked, so a Web Worker that must react to messages
// should call Job.Scan in chunks from its own loop and block (e.g. on a
// timer or channel) between chunks instead of running one long Mine.
func Mine(ctx context.Context, header [HeaderSize]byte, target [32]byte, start, count uint64) (nonce uint64, ok bool) {
	if start != 0 && count > -start {
		count = -start
	}
	j := NewJob(header, target)
	for count > 0 {
		runtime.Gosched()
		if ctx.Err() != nil {
			return 0, false
		}
		n := min(count, ChunkSize)
		if nonce, found, _, _ := j.Scan(start, n); found {
			return nonce, true
		}
		start += n
		count -= n
	}
	return 0, false
}

// MeetsTarget reports whether hash ≤ target, both read as 256-bit big-endian
// integers.
func MeetsTarget(hash, target [32]byte) bool {
	for i := 0; i < 32; i += 4 {
		h, t := binary.BigEndian.Uint32(hash[i:]), binary.BigEndian.Uint32(target[i:])
		if h != t {
			return h < t
		}
	}
	return true
}
