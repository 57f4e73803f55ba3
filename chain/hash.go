package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size of a Hash in bytes.
const HashSize = 32

// Hash is a SHA-256 digest: a block hash, a transaction id, a merkle root or
// a chain id. It prints and marshals as 64 lowercase hex characters.
type Hash [HashSize]byte

// ZeroHash is the all-zero hash: the prev_hash of a genesis block.
var ZeroHash Hash

// HashBytes returns SHA-256(b).
func HashBytes(b []byte) Hash { return sha256.Sum256(b) }

// String returns the hash as 64 lowercase hex characters.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Short returns the first 12 hex characters, for logs and the UI.
func (h Hash) Short() string { return h.String()[:12] }

// IsZero reports whether h is the zero hash.
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText encodes the hash as lowercase hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes 64 hex characters.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash decodes a hash from 64 hex characters (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("chain: hash %q: have %d hex characters, want %d", s, len(s), 2*HashSize)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("chain: hash %q: %w", s, err)
	}
	return h, nil
}

// LeadingZeroBits returns the number of leading zero bits of h read as a
// big-endian integer.
func (h Hash) LeadingZeroBits() int {
	n := 0
	for _, b := range h {
		if b == 0 {
			n += 8
			continue
		}
		for mask := byte(0x80); mask != 0 && b&mask == 0; mask >>= 1 {
			n++
		}
		break
	}
	return n
}
