package chain

import (
	"crypto/ed25519"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// CheckTxSanity applies the rules a transaction must follow whatever the
// chain: field sizes, UTF-8 text, numbers within 2^53−1, a sender key and
// signature of the right size, a recipient for a positive amount and no
// transfer to oneself. A coinbase (no From) must carry no signature and
// no fee. It does not verify the signature (that needs the chain id) nor
// anything that depends on account state. It returns a *RuleError.
func CheckTxSanity(t *Tx) error {
	if t == nil {
		return ruleError(ErrMalformed, "transaction is missing")
	}
	coinbase := t.IsCoinbase()
	switch {
	case !coinbase && len(t.From) != ed25519.PublicKeySize:
		return ruleErrorHW(ErrMalformed, len(t.From), ed25519.PublicKeySize, "from: have %d bytes, want 0 or %d", len(t.From), ed25519.PublicKeySize)
	case coinbase && len(t.Sig) != 0:
		return ruleErrorHW(ErrBadCoinbase, len(t.Sig), 0, "sig: have %d bytes, want none (a coinbase is not signed)", len(t.Sig))
	case !coinbase && len(t.Sig) != ed25519.SignatureSize:
		return ruleErrorHW(ErrBadSignature, len(t.Sig), ed25519.SignatureSize, "sig: have %d bytes, want %d", len(t.Sig), ed25519.SignatureSize)
	case len(t.Name) > MaxNameBytes:
		return ruleErrorHW(ErrTxTooBig, len(t.Name), atMost(MaxNameBytes), "name: have %d bytes, max %d", len(t.Name), MaxNameBytes)
	case len(t.Memo) > MaxMemoBytes:
		return ruleErrorHW(ErrTxTooBig, len(t.Memo), atMost(MaxMemoBytes), "memo: have %d bytes, max %d", len(t.Memo), MaxMemoBytes)
	case !utf8.ValidString(t.Name):
		return ruleError(ErrBadText, "name %q", t.Name)
	case !utf8.ValidString(t.Memo):
		return ruleError(ErrBadText, "memo %q", t.Memo)
	case t.Amount > MaxSafeInteger:
		return ruleErrorHW(ErrBadAmount, t.Amount, atMost(MaxSafeInteger), "amount: have %d, max %d", t.Amount, uint64(MaxSafeInteger))
	case t.Fee > MaxSafeInteger:
		return ruleErrorHW(ErrBadAmount, t.Fee, atMost(MaxSafeInteger), "fee: have %d, max %d", t.Fee, uint64(MaxSafeInteger))
	case t.Amount+t.Fee > MaxSafeInteger:
		return ruleErrorHW(ErrBadAmount, t.Amount+t.Fee, atMost(MaxSafeInteger), "amount + fee: have %d, max %d", t.Amount+t.Fee, uint64(MaxSafeInteger))
	case t.Seq > MaxSafeInteger:
		return ruleErrorHW(ErrBadSeq, t.Seq, atMost(MaxSafeInteger), "seq: have %d, max %d", t.Seq, uint64(MaxSafeInteger))
	case t.Time < 0 || t.Time > MaxSafeInteger:
		return ruleErrorHW(ErrBadTime, t.Time, within(t.Time, 0, MaxSafeInteger), "tx time: have %d, want 0 to %d", t.Time, int64(MaxSafeInteger))
	case coinbase && t.Fee != 0:
		return ruleErrorHW(ErrBadCoinbase, t.Fee, 0, "fee: have %d, want 0", t.Fee)
	case !coinbase && t.Amount > 0 && t.To.IsZero():
		return ruleError(ErrNoRecipient, "amount %d to no one", t.Amount)
	case !coinbase && t.Amount > 0 && t.To == t.Sender():
		return ruleError(ErrSelfSend, "sender and recipient are both %s", t.To)
	}
	return nil
}

// CheckHeaderSanity applies the rules a header must follow whatever its
// parent: version 1, a height ≥ 1 and a non-zero previous hash (only the
// room's own genesis may be at height 0), a difficulty from 1 to 2^53−1, a
// time from 0 to 2^53−1 ms and a nonce ≤ 2^53−1. It does not check the
// proof of work. It returns a *RuleError.
func CheckHeaderSanity(h *Header) error { return checkHeaderSanity(h, 1) }

// checkHeaderSanity is CheckHeaderSanity for the engine whose header
// version is version.
func checkHeaderSanity(h *Header, version uint32) error {
	switch {
	case h.Version != version:
		return ruleErrorHW(ErrBadVersion, h.Version, version, "have %d, want %d", h.Version, version)
	case h.Height == 0 || h.PrevHash.IsZero():
		return ruleError(ErrBadGenesis, "height %d, previous hash %s: only the room's genesis block has no parent", h.Height, h.PrevHash.Short())
	case h.Height > MaxSafeInteger:
		return ruleErrorHW(ErrBadHeight, h.Height, atMost(MaxSafeInteger), "have %d, max %d", h.Height, uint64(MaxSafeInteger))
	case h.Difficulty < 1 || h.Difficulty > MaxSafeInteger:
		return ruleErrorHW(ErrBadDifficulty, h.Difficulty, within(h.Difficulty, 1, MaxSafeInteger), "have %d, want 1 to %d", h.Difficulty, uint64(MaxSafeInteger))
	case h.Time < 0 || h.Time > MaxSafeInteger:
		return ruleErrorHW(ErrBadTime, h.Time, within(h.Time, 0, MaxSafeInteger), "block time: have %d, want 0 to %d", h.Time, int64(MaxSafeInteger))
	case h.Nonce > MaxSafeInteger:
		return ruleErrorHW(ErrBadNonce, h.Nonce, atMost(MaxSafeInteger), "have %d, max %d", h.Nonce, uint64(MaxSafeInteger))
	}
	return nil
}

// CheckBlockSanity applies every rule that needs neither the parent nor
// account state, in this order: CheckHeaderSanity; the proof of work of
// the header's own difficulty; 1 to p.MaxBlockTxs transactions; the merkle
// root; a coinbase first and only there; CheckTxSanity on each
// transaction; no duplicate transaction ids; the coinbase seq equals the
// height; the coinbase pays exactly p.SubsidyAt(height) plus the block's
// fees. It does not verify signatures. It returns a *RuleError.
func CheckBlockSanity(b *Block, p Params) error {
	if b == nil {
		return ruleError(ErrMalformed, "block is missing")
	}
	_, err := checkBlockSanity(b, b.Hash(), p, PoW{})
	return err
}

// checkBlockSanity is CheckBlockSanity with the seal checked by e, given
// the block's hash computed already (in a tab every SHA-256 counts). It
// returns the transaction ids for reuse.
func checkBlockSanity(b *Block, hash Hash, p Params, e Engine) ([]Hash, error) {
	if b == nil {
		return nil, ruleError(ErrMalformed, "block is missing")
	}
	h := &b.Header
	if err := checkHeaderSanity(h, headerVersion(e)); err != nil {
		return nil, err
	}
	var err error
	if v, ok := e.(BlockSealVerifier); ok {
		err = v.VerifyBlockSeal(b, hash)
	} else if v, ok := e.(hashSealVerifier); ok {
		err = v.verifySealHash(h, hash)
	} else {
		err = e.VerifySeal(h)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case len(b.Txs) == 0:
		return nil, ruleErrorHW(ErrNoTxs, 0, atLeast(1), "have 0, want at least the coinbase")
	case len(b.Txs) > p.MaxBlockTxs:
		return nil, ruleErrorHW(ErrTooManyTxs, len(b.Txs), atMost(p.MaxBlockTxs), "have %d, max %d", len(b.Txs), p.MaxBlockTxs)
	}
	for i, t := range b.Txs {
		if t == nil {
			return nil, ruleError(ErrMalformed, "transaction %d is missing", i)
		}
	}
	ids := b.TxIDs()
	if root := MerkleRoot(ids); root != h.MerkleRoot {
		return nil, ruleErrorHW(ErrBadMerkleRoot, h.MerkleRoot, root, "have %s, want %s", h.MerkleRoot, root)
	}
	if !b.Txs[0].IsCoinbase() {
		return nil, ruleError(ErrFirstNotCoinbase, "transaction 0 is from %s", b.Txs[0].Sender())
	}
	var fees uint64
	for i, t := range b.Txs {
		if i > 0 && t.IsCoinbase() {
			return nil, ruleError(ErrExtraCoinbase, "transaction %d has no sender", i)
		}
		if err := CheckTxSanity(t); err != nil {
			return nil, in(txWhere(i, ids[i]), err)
		}
		fees += t.Fee // each fee ≤ 2^53−1, checked below before it can overflow
		if fees > MaxSafeInteger {
			return nil, ruleErrorHW(ErrBadAmount, fees, atMost(MaxSafeInteger), "total fees: above %d at transaction %d", uint64(MaxSafeInteger), i)
		}
	}
	if i, j, ok := findDuplicate(ids); ok {
		return nil, ruleErrorHW(ErrDuplicateTx, ids[i], nil, "transactions %d and %d are both %s", i, j, ids[i].Short())
	}
	cb := b.Txs[0]
	if cb.Seq != h.Height {
		return nil, ruleErrorHW(ErrBadCoinbaseSeq, cb.Seq, h.Height, "have %d, want %d", cb.Seq, h.Height)
	}
	subsidy := p.SubsidyAt(h.Height)
	if want := subsidy + fees; cb.Amount != want {
		return nil, ruleErrorHW(ErrBadReward, cb.Amount, want, "have %d, want %d (subsidy %d + fees %d)", cb.Amount, want, subsidy, fees)
	}
	return ids, nil
}

// txWhere names transaction i of a block, for in.
func txWhere(i int, id Hash) string {
	return "transaction " + strconv.Itoa(i) + " (" + id.Short() + ")"
}

// findDuplicate returns the indexes of the first repeated id.
func findDuplicate(ids []Hash) (int, int, bool) {
	seen := make(map[Hash]int, len(ids))
	for j, id := range ids {
		if i, ok := seen[id]; ok {
			return i, j, true
		}
		seen[id] = j
	}
	return 0, 0, false
}

// medianTimePast returns the median time of the last span blocks ending
// with n (fewer near genesis, which counts): with the times sorted, the
// element at index len/2, so with an even count the upper middle.
func medianTimePast(n *blockNode, span int) int64 {
	times := make([]int64, 0, span)
	for ; n != nil && len(times) < span; n = n.parent {
		times = append(times, n.block.Header.Time)
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// sigJob is one signature to verify.
// verifySignatures verifies the signatures of every non-coinbase tx of
// blocks, spreading the work over up to GOMAXPROCS goroutines. It returns,
// per block, the index of its first transaction whose signature fails, or
// −1.
func verifySignatures(chainID Hash, blocks []*Block) []int {
	var txs []*Tx
	var where [][2]int
	for bi, b := range blocks {
		if b == nil {
			continue
		}
		for ti, t := range b.Txs {
			if ti == 0 || t == nil || t.IsCoinbase() {
				continue
			}
			txs = append(txs, t)
			where = append(where, [2]int{bi, ti})
		}
	}
	bad := make([]bool, len(txs))
	parallelRange(len(txs), sigBatch, func(lo, hi int) { verifyTxs(chainID, txs[lo:hi], bad[lo:hi]) })
	first := make([]int, len(blocks))
	for i := range first {
		first[i] = -1
	}
	for i, isBad := range bad {
		if b, t := where[i][0], where[i][1]; isBad && (first[b] < 0 || t < first[b]) {
			first[b] = t
		}
	}
	return first
}

// sigBatch is how many signatures verifyTxs verifies together.
const sigBatch = 64

// badSignature builds the RuleError for transaction i of b.
func badSignature(b *Block, i int) error {
	t := b.Txs[i]
	return in(txWhere(i, t.ID()), ruleError(ErrBadSignature, "not signed by %s for this chain", t.Sender()))
}

// errTimeTooNew is the error of a block whose time t is more than driftMs
// ahead of now: Have is t, Want "≤ " now + drift (both unix ms).
func errTimeTooNew(t int64, now time.Time, driftMs int64) error {
	limit := now.UnixMilli() + driftMs
	return ruleErrorHW(ErrTimeTooNew, t, atMost(limit), "time %d is %d ms ahead of the local clock, max %d", t, t-now.UnixMilli(), driftMs)
}
