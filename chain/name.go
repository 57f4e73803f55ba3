package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Named accounts: the tutorials' world, where an account is a string
// ("someone-other-address", dvf's node identifier
// "d4ee26eee15148ee92c6cd394edd974e") and nothing is signed.
//
// Chainplay keeps its signatures, so a name becomes an account the only
// way it can: its key pair is derived from the name alone (NameKey), and
// its address is that key's address (NameAddress), like any other. Anyone
// who knows a name can therefore sign for it. That is on purpose — it is
// the tutorials' open world, where anyone may send from anyone — and it
// is why a node signs for a named account only in the tutorials' open
// mode (cmd/node -tutorial), never on its own. Coins sent to a name are
// spendable by whoever runs such a node: a named account is a demo
// account, not a wallet.
//
// The derivation is part of what every node and page agrees on (a page
// shows /balance/alice as the balance of NameAddress("alice")), so it
// never changes:
//
//	seed    = SHA-256("chainplay named account v1\x00" || name)
//	key     = ed25519.NewKeyFromSeed(seed)
//	address = first 20 bytes of SHA-256(public key)

// nameKeyDomain separates named-account seeds from every other hash.
const nameKeyDomain = "chainplay named account v1\x00"

// ErrBadAccountName is returned by CheckAccountName and ParseAccount for
// a string that is neither an address nor an account name.
var ErrBadAccountName = errors.New("chain: bad account name")

// CheckAccountName reports whether name can name an account: 1 to
// MaxNameBytes bytes of UTF-8 without control characters and not only
// spaces, and not 40 hex characters (which is an address, see
// ParseAccount). It returns an error wrapping ErrBadAccountName.
func CheckAccountName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrBadAccountName)
	case len(name) > MaxNameBytes:
		return fmt.Errorf("%w %q: have %d bytes, max %d", ErrBadAccountName, name, len(name), MaxNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w %q: not UTF-8", ErrBadAccountName, name)
	case isAddressText(name):
		return fmt.Errorf("%w %q: 40 hex characters are an address", ErrBadAccountName, name)
	}
	blank := true
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w %q: control character %U", ErrBadAccountName, name, r)
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return fmt.Errorf("%w %q: only spaces", ErrBadAccountName, name)
	}
	return nil
}

// NameKey returns the key pair of the named account name (see above).
// Anyone can compute it: it signs for the name in the tutorials' open
// mode only. name should pass CheckAccountName; NameKey itself accepts
// any string.
func NameKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(nameKeyDomain + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

// NameAddress returns the address of the named account name:
// KeyAddress(NameKey(name)).
func NameAddress(name string) Address { return KeyAddress(NameKey(name)) }

// ParseAccount reads an account as a client writes it: 40 hex characters
// are an address (name is then ""); anything else must be an account name
// (CheckAccountName), and gives its NameAddress and the name itself.
func ParseAccount(s string) (addr Address, name string, err error) {
	if isAddressText(s) {
		a, err := ParseAddress(s)
		return a, "", err
	}
	if err := CheckAccountName(s); err != nil {
		return Address{}, "", err
	}
	return NameAddress(s), s, nil
}

// isAddressText reports whether s is 40 hex characters (either case).
func isAddressText(s string) bool {
	if len(s) != 2*AddressSize {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
