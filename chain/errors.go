package chain

import (
	"errors"
	"fmt"
)

// Rule is one consensus rule (or mempool policy) of this package: the
// sentinels Err* below. Code is its stable name, a short lowercase word
// such as "high-hash" that pages, REST clients and logs can branch on and
// translate; Error is an English sentence for logs. Compare rules with
// errors.Is(err, ErrHighHash) or read the code with Code(err).
type Rule struct {
	code, msg string
}

func newRule(code, msg string) *Rule { return &Rule{code: code, msg: msg} }

// Error returns the rule as an English sentence with the package prefix.
func (r *Rule) Error() string { return r.msg }

// Code returns the rule's stable code, e.g. "high-hash".
func (r *Rule) Code() string { return r.code }

// RuleError reports that a block or transaction broke a consensus rule.
// Use errors.Is(err, ErrHighHash) for the rule and errors.As(err,
// new(*RuleError)) to tell peer misbehaviour apart from local failures.
type RuleError struct {
	Rule   *Rule  // one of the Err* sentinels below
	Detail string // the specifics in English, with numbers: "have X, want Y"
	// Have and Want are the rule's numbers as text, when it has them: the
	// value found and the value (or bound) the rule wants. Each is a
	// decimal integer (an amount, a count, a size in bytes, a height, a
	// seq, a difficulty, a time in unix ms) or a hash as 64 lowercase hex
	// characters; which one is fixed per rule (doc.go lists them). A
	// bound is the value prefixed by a relation and a space: "≤ ", "< ",
	// "> " or "≥ " (high-hash: Have is the block hash, Want "≤ " its
	// target). Either is empty when the rule has no such number. Pages
	// pick their sentence by the rule's code and put these in it; they
	// never parse Detail.
	Have, Want string
}

func (e *RuleError) Error() string {
	if e.Detail == "" {
		return e.Rule.Error()
	}
	return e.Rule.Error() + ": " + e.Detail
}

// Unwrap returns the rule, so errors.Is matches the sentinel.
func (e *RuleError) Unwrap() error { return e.Rule }

// ruleError builds a RuleError with a formatted detail, for a rule
// without numbers.
func ruleError(rule *Rule, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// ruleErrorHW builds a RuleError with the rule's numbers: have and want
// are printed with fmt.Sprint (a Hash as 64 hex characters), want usually
// through atMost, below, above or atLeast when the rule sets a bound.
func ruleErrorHW(rule *Rule, have, want any, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...), Have: text(have), Want: text(want)}
}

// text prints a number or hash for Have and Want; nil is empty.
func text(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// The bounds of Want: the relation, a space and the value.
func atMost(v any) string  { return "≤ " + fmt.Sprint(v) }
func below(v any) string   { return "< " + fmt.Sprint(v) }
func above(v any) string   { return "> " + fmt.Sprint(v) }
func atLeast(v any) string { return "≥ " + fmt.Sprint(v) }

// within returns the bound that v, outside [lo, hi], breaks.
func within[T int64 | uint64](v, lo, hi T) string {
	if v < lo {
		return atLeast(lo)
	}
	return atMost(hi)
}

// in returns err with its detail placed in where ("transaction 2 (3f2a…)",
// "block … at height 12"): a copy when err is a *RuleError, so the error
// a callee made is not changed, else err itself. The copy keeps the rule
// and its numbers.
func in(where string, err error) error {
	re, ok := err.(*RuleError)
	if !ok {
		return err
	}
	cp := *re
	cp.Detail = where + ": " + re.Detail
	return &cp
}

// Code returns the code of the rule err broke (err is, or wraps, a
// *RuleError or one of the Err* sentinels), or "" when err is no rule of
// this package.
func Code(err error) string {
	var re *RuleError
	if errors.As(err, &re) && re.Rule != nil {
		return re.Rule.code
	}
	var r *Rule
	if errors.As(err, &r) {
		return r.code
	}
	return ""
}

// IsRuleError reports whether err (or anything it wraps) is a RuleError.
func IsRuleError(err error) bool {
	var re *RuleError
	return errors.As(err, &re)
}

// The consensus rules, one sentinel per rule. Each sentinel's text is a
// sentence a student can read; the RuleError around it adds the numbers.
// doc.go lists where each one is checked.
var (
	// Encoding and structure.
	ErrMalformed = newRule("malformed", "chain: malformed data")
	ErrBadText   = newRule("bad-text", "chain: text is not valid UTF-8")
	ErrTxTooBig  = newRule("tx-too-big", "chain: transaction field is too large")

	// Block headers.
	ErrBadVersion    = newRule("bad-version", "chain: unknown block version")
	ErrBadGenesis    = newRule("bad-genesis", "chain: genesis block does not match this room")
	ErrBadHeight     = newRule("bad-height", "chain: block height is not its parent's height + 1")
	ErrBadPrevHash   = newRule("bad-prev-hash", "chain: previous hash does not match the parent")
	ErrBadDifficulty = newRule("bad-difficulty", "chain: difficulty is not what the retarget rule gives")
	ErrHighHash      = newRule("high-hash", "chain: block hash is above the target (not enough proof of work)")
	ErrBadTime       = newRule("bad-time", "chain: time is out of range")
	ErrBadNonce      = newRule("bad-nonce", "chain: nonce is above 2^53-1")
	ErrTimeTooOld    = newRule("time-too-old", "chain: block time is not after the median of the previous blocks")
	ErrTimeTooNew    = newRule("time-too-new", "chain: block time is too far in the future")

	// Block bodies.
	ErrNoTxs            = newRule("no-txs", "chain: block has no transactions")
	ErrTooManyTxs       = newRule("too-many-txs", "chain: block has too many transactions")
	ErrBadMerkleRoot    = newRule("bad-merkle-root", "chain: merkle root does not match the transactions")
	ErrFirstNotCoinbase = newRule("first-not-coinbase", "chain: first transaction is not a coinbase")
	ErrExtraCoinbase    = newRule("extra-coinbase", "chain: more than one coinbase")
	ErrBadCoinbase      = newRule("bad-coinbase", "chain: coinbase is malformed")
	ErrBadCoinbaseSeq   = newRule("bad-coinbase-seq", "chain: coinbase seq is not the block height")
	ErrBadReward        = newRule("bad-reward", "chain: coinbase pays the wrong amount")
	ErrDuplicateTx      = newRule("duplicate-tx", "chain: duplicate transaction")

	// The block tree.
	ErrUnknownParent   = newRule("unknown-parent", "chain: parent block is unknown")
	ErrDuplicateBlock  = newRule("duplicate-block", "chain: block is already known")
	ErrInvalidAncestor = newRule("invalid-ancestor", "chain: block descends from an invalid block")

	// PBFT blocks (PBFTEngine): the commit certificate.
	ErrNoCert     = newRule("no-certificate", "chain: block has no commit certificate (PBFT)")
	ErrShortCert  = newRule("short-certificate", "chain: commit certificate has fewer than 2f+1 signatures")
	ErrBadCert    = newRule("bad-certificate", "chain: commit certificate has a signature that is not a replica's")
	ErrBadCertSeq = newRule("bad-certificate-seq", "chain: commit certificate's sequence number is not above the parent's")

	// PoS and DPoS blocks (StakeEngine): slots, leaders, seals, stake.
	ErrBadBlockSig      = newRule("bad-block-signature", "chain: block is not signed by the producer its seal names")
	ErrWrongSlot        = newRule("wrong-slot", "chain: block's slot is not after its parent's, or its time is not its slot's start")
	ErrWrongLeader      = newRule("wrong-leader", "chain: block is signed by a validator that does not lead its slot")
	ErrSlashed          = newRule("slashed-validator", "chain: validator was slashed for double-signing")
	ErrBadProof         = newRule("bad-double-sign-proof", "chain: double-sign proof does not prove a double signature")
	ErrBadStake         = newRule("bad-stake", "chain: stake transaction locks no coins")
	ErrBadVote          = newRule("bad-vote", "chain: vote or candidate transaction is malformed")
	ErrVoteNonCandidate = newRule("vote-non-candidate", "chain: vote for an address that is not a candidate")

	// Transactions.
	ErrBadSignature = newRule("bad-signature", "chain: signature does not verify")
	ErrBadSeq       = newRule("bad-seq", "chain: sequence number is not the sender's next")
	ErrOverspend    = newRule("overspend", "chain: amount plus fee is more than the sender's balance")
	ErrBadAmount    = newRule("bad-amount", "chain: amount or fee out of range")
	ErrSelfSend     = newRule("self-send", "chain: transaction sends to its own sender")
	ErrNoRecipient  = newRule("no-recipient", "chain: transfer of a positive amount has no recipient")

	// Mempool policy (not consensus: a block may still contain such a
	// transaction, but this node won't relay or mine it).
	ErrSeqGap           = newRule("seq-gap", "chain: an earlier transaction of this sender is missing")
	ErrMempoolConflict  = newRule("mempool-conflict", "chain: another pending transaction uses this sequence number")
	ErrMempoolFull      = newRule("mempool-full", "chain: mempool is full")
	ErrRateLimited      = newRule("too-many-free-txs", "chain: too many free transactions from this sender")
	ErrCoinbaseNotAlone = newRule("coinbase-not-alone", "chain: a coinbase can only be in a block")
)

// Rules lists every sentinel above, so callers (and tests) can enumerate
// the rules, e.g. to translate them for the UI.
var Rules = []*Rule{
	ErrMalformed, ErrBadText, ErrTxTooBig,
	ErrBadVersion, ErrBadGenesis, ErrBadHeight, ErrBadPrevHash, ErrBadDifficulty,
	ErrHighHash, ErrBadTime, ErrBadNonce, ErrTimeTooOld, ErrTimeTooNew,
	ErrNoTxs, ErrTooManyTxs, ErrBadMerkleRoot, ErrFirstNotCoinbase, ErrExtraCoinbase,
	ErrBadCoinbase, ErrBadCoinbaseSeq, ErrBadReward, ErrDuplicateTx,
	ErrUnknownParent, ErrDuplicateBlock, ErrInvalidAncestor,
	ErrNoCert, ErrShortCert, ErrBadCert, ErrBadCertSeq,
	ErrBadBlockSig, ErrWrongSlot, ErrWrongLeader, ErrSlashed, ErrBadProof, ErrBadStake, ErrBadVote, ErrVoteNonCandidate,
	ErrBadSignature, ErrBadSeq, ErrOverspend, ErrBadAmount, ErrSelfSend, ErrNoRecipient,
	ErrSeqGap, ErrMempoolConflict, ErrMempoolFull, ErrRateLimited, ErrCoinbaseNotAlone,
}

// errNotPBFT is NewPBFTEngine's error for parameters of another engine.
func errNotPBFT(engine string) error {
	return fmt.Errorf("chain: params: engine %q is not %q", engine, EnginePBFT)
}
