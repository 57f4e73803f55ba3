// Package mine is the nonce search of Chainplay's proof of work: the SHA-256
// midstate loop a miner runs over a range of nonces, natively and in a Web
// Worker (GOOS=js). It imports only the standard library, and nothing heavy,
// so the Worker's wasm binary stays small.
//
// # The header and the midstate
//
// A block header is 100 bytes; its hash is SHA-256 of those bytes, and proof
// of work holds when the hash, read as a 256-bit big-endian integer, is ≤ the
// target. SHA-256 pads 100 bytes into two 64-byte blocks:
//
//	block 1: header bytes 0..63 (version, height, time, difficulty, prev_hash,
//	         the first 4 bytes of merkle_root)
//	block 2: words 0..6  header bytes 64..91 (the rest of merkle_root)
//	         word 7      header bytes 92..95: the nonce's high 32 bits
//	         word 8      header bytes 96..99: the nonce's low 32 bits
//	         word 9      0x80000000 (the padding's 1 bit)
//	         words 10-14 0
//	         word 15     0x320 (the message length: 800 bits)
//
// Block 1 does not depend on the nonce, so NewJob compresses it once: the
// resulting chaining value is the midstate. Each nonce then costs one
// compression of block 2 instead of two.
//
// # Why words 7 and 8
//
// Within block 2, words 0..6 are fixed for the job, word 7 changes only every
// 2^32 nonces, and words 9..15 are constants. Only word 8 changes from one
// nonce to the next. The kernel (scanSeg, generated) therefore takes word 7 as
// a parameter and loops over word 8: before the loop it computes, once,
// everything that does not depend on word 8 — rounds 0..7, most of round 8,
// the message schedule W16..W22 and the constant parts of W23..W37 — and
// folds the padding words into the round constants. Per nonce it computes
// rounds 8..63 and only word 0 of the hash, which it compares with a
// threshold; Job.Scan computes the full hash (with a plain compression) only
// for the few nonces whose word 0 is ≤ max(target word 0, best word 0 so far),
// and there compares all 256 bits. Scan splits its range where the low word
// wraps (…FFFFFFFF → next high word), so each kernel call has one word 7.
//
// The loop allocates nothing. Mine calls Scan in chunks of ChunkSize nonces
// and checks its context (and yields) between chunks.
//
// # Regenerating the kernel
//
// kernel_gen.go (native) and kernel_wasm_gen.go (GOOS=js / wasip1) are written
// by gen.go, a small partial evaluator over the 64 rounds; edit gen.go, never
// the output, then run
//
//	go generate ./chain/mine/
//
// and commit both. TestGeneratedUpToDate fails when the committed files differ
// from what gen.go writes.
//
// # Tests and benchmarks
//
//	go test ./chain/mine/
//	go test -run XXX -bench . -benchtime=1s ./chain/mine/
//	PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm go test ./chain/mine/
//	PATH="$PATH:$(go env GOROOT)/lib/wasm" GOOS=js GOARCH=wasm go test -run XXX -bench . -benchtime=1s ./chain/mine/
//
// BenchmarkScan is the kernel, BenchmarkSum256PerNonce the baseline
// (crypto/sha256 over the whole header per nonce); both report MH/s.
package mine
