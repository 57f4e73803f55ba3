//go:build js

package mine

// HashWithNonce returns SHA-256 of header with nonce written into bytes
// 92..99.
//
// Under GOOS=js it uses the package's own compression rather than
// crypto/sha256: importing crypto/sha256 drags the FIPS 140 module (AES-GCM,
// DRBG, os, …) into the Worker binary, ~80 KB gzip, which would push it past
// its 0.7 MB budget. The tests check it against crypto/sha256 under wasm too.
func HashWithNonce(header [HeaderSize]byte, nonce uint64) [32]byte {
	var j Job
	j.init(&header, &[32]byte{})
	w := j.hashWords(uint32(nonce>>32), uint32(nonce))
	var h [32]byte
	putWords(&h, &w)
	return h
}
