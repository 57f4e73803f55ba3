package chain

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// GenerateKey returns a new ed25519 private key from crypto/rand.
func GenerateKey() ed25519.PrivateKey {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic("chain: crypto/rand failed: " + err.Error())
	}
	return priv
}

// KeyFromSeedHex rebuilds a private key from its 32-byte seed in hex, the
// form a wallet is stored in.
func KeyFromSeedHex(s string) (ed25519.PrivateKey, error) {
	seed, err := hex.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("chain: key seed: want %d bytes of hex", ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// KeyAddress returns the address of a private key's public key.
func KeyAddress(k ed25519.PrivateKey) Address {
	return AddressOf(k.Public().(ed25519.PublicKey))
}
