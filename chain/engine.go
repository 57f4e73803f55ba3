package chain

import (
	"math/big"
)

// Engine is the seam between the chain and what is specific to its
// consensus engine: how a header is sealed, which difficulty a block must
// carry and how much a block weighs in fork choice. Transactions, account
// state, the block tree and the mempool do not depend on it. Version 1 is
// PoW; a later PBFT engine can sit beside it (go-ethereum's
// consensus.Engine is the model).
//
// Every method must be deterministic: given the same inputs it returns the
// same result in every tab, or the tabs of a room disagree on the chain.
// Methods may be called concurrently.
type Engine interface {
	// CalcDifficulty returns the difficulty a child of parent must carry.
	// ancestor(h) returns the header at height h ≤ parent.Height on
	// parent's branch (nil if there is none).
	CalcDifficulty(p Params, parent *Header, ancestor func(height uint64) *Header) uint64
	// VerifySeal checks the header's seal without any context: for PoW,
	// that its hash meets the target of its own difficulty. It returns a
	// *RuleError.
	VerifySeal(h *Header) error
	// Work returns the weight a block with header h adds to its branch;
	// the best tip is the one with the most cumulative weight.
	Work(h *Header) *big.Int
}

// HeaderVersioner is an Engine whose blocks carry a header version other
// than 1: templates get it and CheckBlockSanity wants it.
type HeaderVersioner interface {
	HeaderVersion() uint32
}

// BlockSealVerifier is an Engine whose seal lies beside the header in the
// block (a PBFT commit certificate): CheckBlockSanity calls
// VerifyBlockSeal, given the block's hash, instead of VerifySeal.
type BlockSealVerifier interface {
	VerifyBlockSeal(b *Block, hash Hash) error
}

// parentChecker is an Engine with a rule between a block and its parent
// beyond version 1's, checked with the other context rules.
type parentChecker interface {
	checkParent(b, parent *Block) error
}

// headerVersion returns the header version of e's blocks.
func headerVersion(e Engine) uint32 {
	if v, ok := e.(HeaderVersioner); ok {
		return v.HeaderVersion()
	}
	return 1
}

// PoW is the proof-of-work engine of consensus version 1.
type PoW struct{}

var _ Engine = PoW{}

// VerifySeal implements Engine: it is CheckProofOfWork.
func (PoW) VerifySeal(h *Header) error { return CheckProofOfWork(h) }

// hashSealVerifier is an Engine that checks a seal against the header's
// hash computed already, so a block is hashed once per validation.
type hashSealVerifier interface {
	verifySealHash(h *Header, hash Hash) error
}

func (PoW) verifySealHash(h *Header, hash Hash) error { return checkProofOfWork(h, hash) }

// Work implements Engine: the work of a block is its difficulty.
func (PoW) Work(h *Header) *big.Int { return Work(h.Difficulty) }

// CalcDifficulty implements Engine with CalcNextDifficulty.
func (PoW) CalcDifficulty(p Params, parent *Header, ancestor func(uint64) *Header) uint64 {
	return CalcNextDifficulty(p, parent, ancestor)
}

// CheckProofOfWork reports, as a *RuleError wrapping ErrHighHash, a header
// whose hash is above the target of its difficulty. The difficulty itself
// must be checked separately against the retarget rule.
func CheckProofOfWork(h *Header) error { return checkProofOfWork(h, h.Hash()) }

// checkProofOfWork is CheckProofOfWork with the header's hash given.
func checkProofOfWork(h *Header, hash Hash) error {
	target := Target(h.Difficulty)
	if !MeetsTarget(hash, target) {
		return ruleErrorHW(ErrHighHash, hash, atMost(Hash(target)), "hash %s > target %s (difficulty %d)", hash, Hash(target), h.Difficulty)
	}
	return nil
}

// CalcNextDifficulty is the retarget rule: the difficulty a child of
// parent must carry.
//
// With p.RetargetInterval N = 0 the difficulty never changes. Otherwise it
// changes only at heights h that are multiples of N (h = N, 2N, 3N, …), and
// every other block copies its parent's difficulty. At such a height:
//
//	last     = parent, at height h−1
//	first    = the ancestor at height max(h−1−N, 1)
//	n        = last.Height − first.Height        (N intervals; N−2 the first time)
//	expected = n × p.BlockTimeMs
//	actual   = last.Time − first.Time, clamped to [expected/4, 4×expected] (and ≥ 1)
//	next     = floor(parent.Difficulty × expected / actual),
//	           clamped to [max(parent.Difficulty/4, 1), min(4×parent.Difficulty, 2^53−1)]
//
// So blocks that came twice as fast as the target double the difficulty,
// and one step never moves it by more than ×4 or ÷4. Consecutive windows
// share their end points (…, h−1−N … h−1, h−1 … h−1+N, …) so no interval
// between two blocks is ever left out. The genesis time is never used: it
// is fixed by the parameters, not mined, and may be long before the room
// started. When fewer than one interval is available (n < 1) the
// difficulty stays the same.
func CalcNextDifficulty(p Params, parent *Header, ancestor func(height uint64) *Header) uint64 {
	n := p.RetargetInterval
	height := parent.Height + 1
	if n == 0 || height%n != 0 {
		return parent.Difficulty
	}
	firstHeight := uint64(1)
	if parent.Height > n {
		firstHeight = parent.Height - n
	}
	if parent.Height <= firstHeight {
		return parent.Difficulty
	}
	first := ancestor(firstHeight)
	if first == nil {
		return parent.Difficulty
	}
	expected := int64(parent.Height-firstHeight) * p.BlockTimeMs
	actual := parent.Time - first.Time
	actual = max(actual, expected/4, 1)
	actual = min(actual, 4*expected)

	next := new(big.Int).SetUint64(parent.Difficulty)
	next.Mul(next, big.NewInt(expected))
	next.Quo(next, big.NewInt(actual))
	lo := max(parent.Difficulty/4, 1)
	hi := min(parent.Difficulty*4, MaxSafeInteger) // parent.Difficulty ≤ 2^53−1, so ×4 fits
	if !next.IsUint64() || next.Uint64() > hi {
		return hi
	}
	return max(next.Uint64(), lo)
}
