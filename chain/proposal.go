package chain

import (
	"math/big"
	"time"
)

// CheckProposal applies to b every rule a child of the best tip must
// follow except its seal — a PBFT block is proposed before its commit
// certificate exists — and stores nothing: what a replica checks before
// it votes for a block. A block not on the tip is ErrBadPrevHash; a time
// more than Params.MaxFutureDriftMs ahead of now is ErrTimeTooNew. It
// returns a *RuleError. It is safe for concurrent use.
func (c *Chain) CheckProposal(b *Block, now time.Time) error {
	if b == nil {
		return ruleError(ErrMalformed, "block is missing")
	}
	if i := verifySignatures(c.id, []*Block{b})[0]; i >= 0 { // no lock: the slow part
		return badSignature(b, i)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tip := c.tip()
	if b.Header.PrevHash != tip.hash {
		return ruleErrorHW(ErrBadPrevHash, b.Header.PrevHash, tip.hash, "have %s, want the tip %s", b.Header.PrevHash, tip.hash)
	}
	if _, err := checkBlockSanity(b, b.Hash(), c.params, unsealed{c.engine}); err != nil {
		return err
	}
	if limit := now.UnixMilli() + c.params.MaxFutureDriftMs; b.Header.Time > limit {
		return errTimeTooNew(b.Header.Time, now, c.params.MaxFutureDriftMs)
	}
	if err := c.checkContext(b, tip); err != nil {
		return err
	}
	undo, err := c.state.applyBlock(b)
	if err != nil {
		return err
	}
	c.state.undo(undo)
	return nil
}

// unsealed is an engine's rules without its seal.
type unsealed struct{ e Engine }

func (u unsealed) CalcDifficulty(p Params, parent *Header, ancestor func(uint64) *Header) uint64 {
	return u.e.CalcDifficulty(p, parent, ancestor)
}
func (unsealed) VerifySeal(*Header) error  { return nil }
func (u unsealed) Work(h *Header) *big.Int { return u.e.Work(h) }
func (u unsealed) HeaderVersion() uint32   { return headerVersion(u.e) }
