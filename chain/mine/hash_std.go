//go:build !js

package mine

import (
	"crypto/sha256"
	"encoding/binary"
)

// HashWithNonce returns SHA-256 of header with nonce written into bytes
// 92..99: the reference, with crypto/sha256. (Under GOOS=js it uses the
// package's own compression instead; see hash_js.go.)
func HashWithNonce(header [HeaderSize]byte, nonce uint64) [32]byte {
	binary.BigEndian.PutUint64(header[NonceOffset:], nonce)
	return sha256.Sum256(header[:])
}
