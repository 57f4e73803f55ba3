package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
)

// AddressSize is the size of an address in bytes.
const AddressSize = 20

// Address identifies an account: the first 20 bytes of SHA-256 of an
// ed25519 public key. It prints as 40 lowercase hex characters. The zero
// address means "no recipient" (a post) or "nobody" (the genesis coinbase).
type Address [AddressSize]byte

// AddressOf returns the address of an ed25519 public key.
func AddressOf(pub ed25519.PublicKey) Address {
	h := HashBytes(pub)
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// String returns 40 lowercase hex characters.
func (a Address) String() string { return hex.EncodeToString(a[:]) }

// Short returns the first 8 hex characters, shown as a default nickname.
func (a Address) Short() string { return a.String()[:8] }

// IsZero reports whether a is the zero address.
func (a Address) IsZero() bool { return a == Address{} }

// MarshalText encodes the address as lowercase hex; the zero address as "".
func (a Address) MarshalText() ([]byte, error) {
	if a.IsZero() {
		return []byte{}, nil
	}
	return []byte(a.String()), nil
}

// UnmarshalText decodes 40 hex characters; "" gives the zero address.
func (a *Address) UnmarshalText(b []byte) error {
	p, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = p
	return nil
}

// ParseAddress decodes 40 hex characters; "" gives the zero address.
func ParseAddress(s string) (Address, error) {
	var a Address
	if s == "" {
		return a, nil
	}
	if len(s) != 2*AddressSize {
		return a, fmt.Errorf("chain: address %q: have %d hex characters, want %d", s, len(s), 2*AddressSize)
	}
	if _, err := hex.Decode(a[:], []byte(s)); err != nil {
		return a, fmt.Errorf("chain: address %q: %w", s, err)
	}
	return a, nil
}
