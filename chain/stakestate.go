package chain

import (
	"crypto/sha256"
	"maps"
	"slices"
)

// systemAddress returns the address of a system account: the first 20
// bytes of SHA-256 of a domain string, as an address is of a public key,
// so nobody holds its key (finding one is a preimage of SHA-256).
func systemAddress(name string) Address {
	h := sha256.Sum256([]byte("chainplay/system/" + name))
	var a Address
	copy(a[:], h[:AddressSize])
	return a
}

// The system accounts of the stake engines. In a PoS or DPoS room a
// transaction to one of them is an instruction (see StakeEngine); in any
// other room they are ordinary addresses nobody can spend from.
var (
	// StakeAddress: a transfer of amount ≥ 1 here locks it as the
	// sender's stake. The coins stay in this account's balance for good.
	StakeAddress = systemAddress("stake")
	// CandidateAddress (DPoS): a transaction of amount 0 here registers
	// its sender as a delegate candidate (its name is the candidate's).
	CandidateAddress = systemAddress("candidate")
	// VoteAddress (DPoS): a transaction of amount 0 here whose memo is a
	// candidate's address (40 hex characters) moves its sender's vote to
	// that candidate; an empty memo withdraws it.
	VoteAddress = systemAddress("vote")
)

// Stake instructions (Tx.StakeOp).
const (
	OpStake     = "stake"     // a transfer to StakeAddress: its amount becomes the sender's stake
	OpCandidate = "candidate" // DPoS: the sender stands as a delegate
	OpVote      = "vote"      // DPoS: the sender's stake votes for the memo's candidate (none when empty)
)

// StakeOp returns the stake instruction t would be in a stake room —
// OpStake, OpCandidate or OpVote, by its recipient — or "" for an
// ordinary transaction. In a room of another engine the same transaction
// is an ordinary one to an account nobody can spend from.
func (t *Tx) StakeOp() string {
	if t.IsCoinbase() {
		return ""
	}
	switch t.To {
	case StakeAddress:
		return OpStake
	case CandidateAddress:
		return OpCandidate
	case VoteAddress:
		return OpVote
	}
	return ""
}

// StakeAccount is one address's stake on a branch of a PoS or DPoS room.
type StakeAccount struct {
	// Stake is the coins locked (genesis stake and stake transactions);
	// 0 once slashed.
	Stake uint64 `json:"stake"`
	// Slashed: a double-sign proof took the stake. A slashed address
	// leads no slot and can't stake or stand again.
	Slashed bool `json:"slashed,omitempty"`
	// Candidate (DPoS): registered as a delegate candidate.
	Candidate bool `json:"candidate,omitempty"`
	// Vote (DPoS): the candidate this address's stake votes for; zero for
	// none.
	Vote Address `json:"vote"`
}

// stakeState is the stake after one block of a branch. It is never
// changed once built: a block without stake instructions shares its
// parent's.
type stakeState struct {
	accts map[Address]StakeAccount
}

// get returns a's account (the zero StakeAccount when absent).
func (s *stakeState) get(a Address) StakeAccount {
	if s == nil {
		return StakeAccount{}
	}
	return s.accts[a]
}

// Delegate is a DPoS candidate and the stake voting for it.
type Delegate struct {
	Address Address `json:"address"`
	Votes   uint64  `json:"votes"`
}

// ranking returns the candidates not slashed, by votes descending, then
// address.
func (s *stakeState) ranking() []Delegate {
	weight := make(map[Address]uint64)
	for a, acct := range s.accts {
		if acct.Candidate && !acct.Slashed {
			weight[a] = 0
		}
	}
	for _, acct := range s.accts {
		if _, ok := weight[acct.Vote]; ok && !acct.Vote.IsZero() {
			weight[acct.Vote] += acct.Stake
		}
	}
	out := make([]Delegate, 0, len(weight))
	for a, w := range weight {
		out = append(out, Delegate{a, w})
	}
	slices.SortFunc(out, func(x, y Delegate) int {
		if x.Votes != y.Votes {
			if x.Votes > y.Votes {
				return -1
			}
			return 1
		}
		return compareAddress(x.Address, y.Address)
	})
	return out
}

// producers returns the top n candidates with votes, in ranking order:
// a DPoS round's producers.
func (s *stakeState) producers(n uint64) []Address {
	var out []Address
	for _, d := range s.ranking() {
		if uint64(len(out)) == n || d.Votes == 0 {
			break
		}
		out = append(out, d.Address)
	}
	return out
}

// stakeWriter builds the state after a block: it copies its base on the
// first change.
type stakeWriter struct {
	base *stakeState
	next *stakeState
}

func (w *stakeWriter) get(a Address) StakeAccount {
	if w.next != nil {
		return w.next.accts[a]
	}
	return w.base.get(a)
}

func (w *stakeWriter) set(a Address, acct StakeAccount) {
	if w.next == nil {
		w.next = &stakeState{accts: maps.Clone(w.base.accts)}
		if w.next.accts == nil {
			w.next.accts = make(map[Address]StakeAccount)
		}
	}
	w.next.accts[a] = acct
}

func (w *stakeWriter) result() *stakeState {
	if w.next != nil {
		return w.next
	}
	return w.base
}

// slash applies a proof checked by VerifyDoubleSign.
func (w *stakeWriter) slash(d *DoubleSign) error {
	a := AddressOf(d.Producer)
	acct := w.get(a)
	if acct.Stake == 0 {
		return ruleErrorHW(ErrBadProof, a, nil, "%s has no stake to slash (slashed already, or never staked)", a)
	}
	acct.Stake, acct.Slashed, acct.Candidate = 0, true, false
	w.set(a, acct)
	return nil
}

// applyTx applies one transaction's stake instruction, if it is one.
func (w *stakeWriter) applyTx(t *Tx, dpos bool) error {
	if err := checkStakeTx(t, dpos, w.get); err != nil {
		return err
	}
	from := t.Sender()
	acct := w.get(from)
	switch {
	case t.To == StakeAddress:
		acct.Stake += t.Amount
	case dpos && t.To == CandidateAddress:
		acct.Candidate = true
	case dpos && t.To == VoteAddress:
		acct.Vote, _ = ParseAddress(t.Memo) // checked: an address or empty (zero)
	default:
		return nil
	}
	w.set(from, acct)
	return nil
}

// checkStakeTx checks a transaction's stake instruction against the
// accounts get returns; an ordinary transaction passes.
func checkStakeTx(t *Tx, dpos bool, get func(Address) StakeAccount) error {
	if t.IsCoinbase() {
		return nil
	}
	from := t.Sender()
	acct := get(from)
	switch {
	case t.To == StakeAddress:
		switch {
		case t.Amount < 1:
			return ruleErrorHW(ErrBadStake, t.Amount, atLeast(1), "a stake transaction locks at least 1 coin, have %d", t.Amount)
		case acct.Slashed:
			return ruleErrorHW(ErrSlashed, from, nil, "%s was slashed and can't stake again", from)
		case acct.Stake+t.Amount > MaxSafeInteger:
			return ruleErrorHW(ErrBadAmount, acct.Stake+t.Amount, atMost(MaxSafeInteger), "stake would be %d", acct.Stake+t.Amount)
		}
	case dpos && t.To == CandidateAddress:
		switch {
		case t.Amount != 0:
			return ruleErrorHW(ErrBadVote, t.Amount, 0, "a candidate registration moves no coins, have %d", t.Amount)
		case acct.Slashed:
			return ruleErrorHW(ErrSlashed, from, nil, "%s was slashed and can't stand again", from)
		}
	case dpos && t.To == VoteAddress:
		if t.Amount != 0 {
			return ruleErrorHW(ErrBadVote, t.Amount, 0, "a vote moves no coins, have %d", t.Amount)
		}
		if t.Memo == "" {
			return nil
		}
		c, err := ParseAddress(t.Memo)
		if err != nil || c.String() != t.Memo {
			return ruleError(ErrBadVote, "memo %q is not a candidate's address (40 lowercase hex characters)", t.Memo)
		}
		if ca := get(c); !ca.Candidate || ca.Slashed {
			return ruleErrorHW(ErrVoteNonCandidate, c, nil, "%s is not a candidate", c)
		}
	}
	return nil
}

// StakeOf returns a's stake account on the best chain of a PoS or DPoS
// room (the zero StakeAccount elsewhere).
func (c *Chain) StakeOf(a Address) StakeAccount {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tip().stake.get(a)
}

// StakeAccounts returns a copy of every stake account on the best chain
// (nil outside a stake room).
func (c *Chain) StakeAccounts() map[Address]StakeAccount {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s := c.tip().stake; s != nil {
		return maps.Clone(s.accts)
	}
	return nil
}

// Delegates returns the DPoS ranking on the best chain: every candidate
// not slashed, by votes descending (ties by address). The first
// Params.Delegates with votes produce the next round.
func (c *Chain) Delegates() []Delegate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if s := c.tip().stake; s != nil {
		return s.ranking()
	}
	return nil
}

// CheckStakeTx checks t's stake instruction (if it is one) against the
// best chain of a stake room: what the mempool asks before it takes t. In
// other rooms every transaction passes. It returns a *RuleError.
func (c *Chain) CheckStakeTx(t *Tx) error {
	se, ok := c.engine.(*StakeEngine)
	if !ok {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return checkStakeTx(t, se.dposMode, c.tip().stake.get)
}
