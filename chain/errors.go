package chain

import (
	"errors"
	"fmt"
)

// RuleError reports that a block or transaction broke a consensus rule.
// Use errors.Is(err, ErrHighHash) for the rule and errors.As(err,
// new(*RuleError)) to tell peer misbehaviour apart from local failures.
type RuleError struct {
	Rule   error  // one of the Err* sentinels below
	Detail string // the specifics, with numbers: "have X, want Y"
}

func (e *RuleError) Error() string {
	if e.Detail == "" {
		return e.Rule.Error()
	}
	return e.Rule.Error() + ": " + e.Detail
}

// Unwrap returns the rule, so errors.Is matches the sentinel.
func (e *RuleError) Unwrap() error { return e.Rule }

// ruleError builds a RuleError with a formatted detail.
func ruleError(rule error, format string, args ...any) *RuleError {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
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
	ErrMalformed = errors.New("chain: malformed data")
	ErrBadText   = errors.New("chain: text is not valid UTF-8")
	ErrTxTooBig  = errors.New("chain: transaction field is too large")

	// Block headers.
	ErrBadVersion    = errors.New("chain: unknown block version")
	ErrBadGenesis    = errors.New("chain: genesis block does not match this room")
	ErrBadHeight     = errors.New("chain: block height is not its parent's height + 1")
	ErrBadPrevHash   = errors.New("chain: previous hash does not match the parent")
	ErrBadDifficulty = errors.New("chain: difficulty is not what the retarget rule gives")
	ErrHighHash      = errors.New("chain: block hash is above the target (not enough proof of work)")
	ErrBadTime       = errors.New("chain: time is out of range")
	ErrBadNonce      = errors.New("chain: nonce is above 2^53-1")
	ErrTimeTooOld    = errors.New("chain: block time is not after the median of the previous blocks")
	ErrTimeTooNew    = errors.New("chain: block time is too far in the future")

	// Block bodies.
	ErrNoTxs            = errors.New("chain: block has no transactions")
	ErrTooManyTxs       = errors.New("chain: block has too many transactions")
	ErrBadMerkleRoot    = errors.New("chain: merkle root does not match the transactions")
	ErrFirstNotCoinbase = errors.New("chain: first transaction is not a coinbase")
	ErrExtraCoinbase    = errors.New("chain: more than one coinbase")
	ErrBadCoinbase      = errors.New("chain: coinbase is malformed")
	ErrBadCoinbaseSeq   = errors.New("chain: coinbase seq is not the block height")
	ErrBadReward        = errors.New("chain: coinbase pays the wrong amount")
	ErrDuplicateTx      = errors.New("chain: duplicate transaction")

	// The block tree.
	ErrUnknownParent   = errors.New("chain: parent block is unknown")
	ErrDuplicateBlock  = errors.New("chain: block is already known")
	ErrInvalidAncestor = errors.New("chain: block descends from an invalid block")

	// Transactions.
	ErrBadSignature = errors.New("chain: signature does not verify")
	ErrBadSeq       = errors.New("chain: sequence number is not the sender's next")
	ErrOverspend    = errors.New("chain: amount plus fee is more than the sender's balance")
	ErrBadAmount    = errors.New("chain: amount or fee out of range")
	ErrSelfSend     = errors.New("chain: transaction sends to its own sender")
	ErrNoRecipient  = errors.New("chain: transfer of a positive amount has no recipient")

	// Mempool policy (not consensus: a block may still contain such a
	// transaction, but this node won't relay or mine it).
	ErrSeqGap           = errors.New("chain: an earlier transaction of this sender is missing")
	ErrMempoolConflict  = errors.New("chain: another pending transaction uses this sequence number")
	ErrMempoolFull      = errors.New("chain: mempool is full")
	ErrRateLimited      = errors.New("chain: too many free transactions from this sender")
	ErrCoinbaseNotAlone = errors.New("chain: a coinbase can only be in a block")
)

// Rules lists every sentinel above, so callers (and tests) can enumerate
// the rules, e.g. to translate them for the UI.
var Rules = []error{
	ErrMalformed, ErrBadText, ErrTxTooBig,
	ErrBadVersion, ErrBadGenesis, ErrBadHeight, ErrBadPrevHash, ErrBadDifficulty,
	ErrHighHash, ErrBadTime, ErrBadNonce, ErrTimeTooOld, ErrTimeTooNew,
	ErrNoTxs, ErrTooManyTxs, ErrBadMerkleRoot, ErrFirstNotCoinbase, ErrExtraCoinbase,
	ErrBadCoinbase, ErrBadCoinbaseSeq, ErrBadReward, ErrDuplicateTx,
	ErrUnknownParent, ErrDuplicateBlock, ErrInvalidAncestor,
	ErrBadSignature, ErrBadSeq, ErrOverspend, ErrBadAmount, ErrSelfSend, ErrNoRecipient,
	ErrSeqGap, ErrMempoolConflict, ErrMempoolFull, ErrRateLimited, ErrCoinbaseNotAlone,
}
