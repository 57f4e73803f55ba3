package chain

import (
	"math/big"
)

// maxHash is 2^256 − 1, the largest hash.
var maxHash = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// Target returns floor((2^256 − 1) / difficulty) as 32 big-endian bytes:
// a block meets its proof of work when its hash, read as a big-endian
// integer, is at most this. A difficulty of 0 is treated as 1.
func Target(difficulty uint64) [HashSize]byte {
	if difficulty == 0 {
		difficulty = 1
	}
	t := new(big.Int).Div(maxHash, new(big.Int).SetUint64(difficulty))
	var out [HashSize]byte
	t.FillBytes(out[:])
	return out
}

// MeetsTarget reports whether hash ≤ target, both read as big-endian integers.
func MeetsTarget(hash Hash, target [HashSize]byte) bool {
	for i := range hash {
		if hash[i] != target[i] {
			return hash[i] < target[i]
		}
	}
	return true
}

// HasProofOfWork reports whether h's hash meets the target of its difficulty.
func (h *Header) HasProofOfWork() bool {
	return MeetsTarget(h.Hash(), Target(h.Difficulty))
}

// Work returns the work a block of the given difficulty adds to its chain.
// Difficulty is defined as the expected number of hashes, so work is the
// difficulty itself. The best chain is the one with the most cumulative
// work, not the most blocks: a long chain of easy blocks took less effort
// than a short chain of hard ones, and following work is what makes
// rewriting history cost an attacker as much as it cost the honest miners.
func Work(difficulty uint64) *big.Int { return new(big.Int).SetUint64(difficulty) }
