package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
)

// VersionPoS and VersionDPoS are the header versions of proof-of-stake and
// delegated-proof-of-stake blocks. Both carry a StakeSeal beside the
// header; the version tells which engine's schedule the block follows.
const (
	VersionPoS  = 3
	VersionDPoS = 4
)

// StakeEngine is the engine of a PoS room (Params.Engine EnginePoS, header
// version VersionPoS) and of a DPoS room (EngineDPoS, VersionDPoS). There
// is no mining: time is cut into slots of Params.BlockTimeMs (SlotAt), a
// block names its slot in Header.Nonce and carries the slot's start as its
// time, and only the slot's leader may sign it (Block.Seal). Every block
// weighs 1, so fork choice is the longest chain of valid slot blocks; on a
// tie the block seen first stays (as in proof of work).
//
// Stake is coins locked by a stake transaction: a transfer to StakeAddress
// moves its amount out of the sender's balance, for good, into the
// sender's stake (the genesis validators start with Params.GenesisStake).
// A balance can be spent in the next block; locked stake can't, which is
// what a slashing can take away. The engine keeps each branch's stake
// (StakeAccount) beside the block tree; account balances are untouched.
//
// PoS: slot s of epoch e = s / EpochSlots has one leader, drawn with
// probability proportional to stake: the stake fixed at the end of epoch
// e−2 (the state after the last block before epoch e−1), and the seed
// SHA-256(domain, chain id, e, hash of the last block before epoch e). The
// seed is fixed a whole epoch after the stake, so nobody can tune their
// stake to a seed they know; it commits to every block of epoch e−1, so
// nobody outside epoch e−1's last leader can steer it, and that leader
// can only try other blocks of its own slot (its transactions: Nonce and
// time are fixed, see the rules) — a VRF (Ouroboros Praos, Algorand) or
// RANDAO (Ethereum) would take even that away.
//
// DPoS: stakeholders vote for candidates (a transaction to CandidateAddress
// registers its sender; one to VoteAddress with a candidate's address as
// memo votes, an empty memo withdraws the vote); a candidate's weight is
// the stake of those voting for it. Round r = s / Delegates is produced by
// the top Delegates candidates by weight (ties by address) at the end of
// round r−1, slot s by the (s mod Delegates)-th of them (mod their count
// when fewer stand). A delegate that misses its slots keeps them until
// the votes move: RecentSlots shows who missed what.
//
// Slashing: two signed headers of one slot by one validator (DoubleSign,
// in a block's seal) take that validator's whole stake (it is burned) and,
// in DPoS, its candidacy; its remaining slots stay empty.
//
// The rules it adds to version 1's:
//
//	header version = VersionPoS / VersionDPoS                 ErrBadVersion
//	a seal whose key signed SealSigningBytes(chain id, hash)  ErrBadBlockSig
//	difficulty = 1                                            ErrBadDifficulty
//	slot (Nonce) above the parent's; time = SlotTime(slot)    ErrWrongSlot
//	the seal's key is the slot's leader                       ErrWrongLeader
//	… and has not been slashed                                ErrSlashed
//	each double-sign proof: one slot, two headers, both
//	  signed, a validator with stake                          ErrBadProof
//	stake transactions lock ≥ 1 coin                          ErrBadStake
//	DPoS: candidate and vote transactions move no coins, a
//	  vote's memo is an address or empty                      ErrBadVote
//	DPoS: a vote names a candidate                            ErrVoteNonCandidate
type StakeEngine struct {
	p        Params
	chainID  Hash
	version  uint32
	period   uint64 // EpochSlots (PoS) or Delegates (DPoS)
	genesis  *stakeState
	dposMode bool
}

var (
	_ Engine            = (*StakeEngine)(nil)
	_ BlockSealVerifier = (*StakeEngine)(nil)
	_ HeaderVersioner   = (*StakeEngine)(nil)
)

// NewStakeEngine returns the engine of the PoS or DPoS room with
// parameters p; it fails when p is not valid or names another engine.
func NewStakeEngine(p Params) (*StakeEngine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if !p.IsStake() {
		return nil, fmt.Errorf("chain: params: engine %q is not %q or %q", p.Engine, EnginePoS, EngineDPoS)
	}
	e := &StakeEngine{p: p, chainID: GenesisBlock(p).Hash(), dposMode: p.Engine == EngineDPoS}
	e.version, e.period = VersionPoS, p.EpochSlots
	if e.dposMode {
		e.version, e.period = VersionDPoS, uint64(p.Delegates)
	}
	keys, _ := p.ValidatorKeys() // checked by Validate
	g := &stakeState{accts: make(map[Address]StakeAccount, len(keys))}
	for _, k := range keys {
		a := AddressOf(k)
		g.accts[a] = StakeAccount{Stake: p.GenesisStake, Candidate: e.dposMode, Vote: voteIf(e.dposMode, a)}
	}
	e.genesis = g
	return e, nil
}

func voteIf(ok bool, a Address) Address {
	if ok {
		return a
	}
	return Address{}
}

// validateStake checks the fields of a PoS or DPoS room.
func (p Params) validateStake() error {
	keys, err := p.ValidatorKeys()
	if err != nil {
		return err
	}
	switch {
	case p.Seats != "" || p.CheckpointInterval != 0:
		return fmt.Errorf("chain: params: seats and checkpoint_interval need engine %q", EnginePBFT)
	case len(keys) < 1 || len(keys) > MaxSeats:
		return fmt.Errorf("chain: params: %d validators: want 1 to %d", len(keys), MaxSeats)
	case p.GenesisStake < 1 || p.GenesisStake > MaxSafeInteger:
		return fmt.Errorf("chain: params: genesis_stake %d: want 1 to 2^53-1", p.GenesisStake)
	case p.Difficulty != 1 || p.RetargetInterval != 0:
		return fmt.Errorf("chain: params: a stake room has difficulty 1 and retarget_interval 0, not %d and %d", p.Difficulty, p.RetargetInterval)
	case p.MaxFutureDriftMs > p.BlockTimeMs:
		return fmt.Errorf("chain: params: max_future_drift_ms %d: a stake room allows at most one slot (%d ms), or a leader could sign ahead of its slot", p.MaxFutureDriftMs, p.BlockTimeMs)
	case p.Engine == EnginePoS && (p.EpochSlots < 2 || p.EpochSlots > 1000 || p.Delegates != 0):
		return fmt.Errorf("chain: params: a PoS room has epoch_slots 2 to 1000 and no delegates, not %d and %d", p.EpochSlots, p.Delegates)
	case p.Engine == EngineDPoS && (p.Delegates < 1 || p.Delegates > MaxDelegates || p.EpochSlots != 0):
		return fmt.Errorf("chain: params: a DPoS room has delegates 1 to %d and no epoch_slots, not %d and %d", MaxDelegates, p.Delegates, p.EpochSlots)
	}
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		if seen[string(k)] {
			return fmt.Errorf("chain: params: validator %d repeats a key", i)
		}
		seen[string(k)] = true
	}
	if n := len(p.CanonicalJSON()); n > maxGenesisMemoBytes {
		return fmt.Errorf("chain: params: %d bytes of JSON, max %d (a shorter name?)", n, maxGenesisMemoBytes)
	}
	return nil
}

// ChainID returns the id of the room's chain, which every seal signs.
func (e *StakeEngine) ChainID() Hash { return e.chainID }

// IsDPoS reports whether e is the DPoS engine.
func (e *StakeEngine) IsDPoS() bool { return e.dposMode }

// Period returns the slots of a PoS epoch or of a DPoS round.
func (e *StakeEngine) Period() uint64 { return e.period }

// CalcDifficulty implements Engine: always 1.
func (*StakeEngine) CalcDifficulty(Params, *Header, func(uint64) *Header) uint64 { return 1 }

// VerifySeal implements Engine: the seal lies beside the header, so there
// is nothing to check here (VerifyBlockSeal checks it).
func (*StakeEngine) VerifySeal(*Header) error { return nil }

// Work implements Engine: every block weighs 1 (longest chain).
func (*StakeEngine) Work(*Header) *big.Int { return big.NewInt(1) }

// HeaderVersion implements HeaderVersioner.
func (e *StakeEngine) HeaderVersion() uint32 { return e.version }

// VerifyBlockSeal implements BlockSealVerifier: the checks that need no
// branch. The seal's key signed the block hash for this chain, and each
// double-sign proof is two distinct headers of this engine's version, of
// one slot, both signed by the proof's key (VerifyDoubleSign).
func (e *StakeEngine) VerifyBlockSeal(b *Block, hash Hash) error {
	s := b.Seal
	switch {
	case s == nil:
		return ruleError(ErrBadBlockSig, "block %s has no producer signature", hash.Short())
	case len(s.Producer) != ed25519.PublicKeySize || len(s.Sig) != ed25519.SignatureSize ||
		!ed25519.Verify(s.Producer, SealSigningBytes(e.chainID, hash), s.Sig):
		return ruleError(ErrBadBlockSig, "block %s is not signed by the key its seal names", hash.Short())
	case len(s.Proofs) > MaxProofs:
		return ruleErrorHW(ErrBadProof, len(s.Proofs), atMost(MaxProofs), "have %d double-sign proofs, max %d", len(s.Proofs), MaxProofs)
	}
	for i, d := range s.Proofs {
		if err := e.VerifyDoubleSign(d); err != nil {
			return in(fmt.Sprintf("proof %d", i), err)
		}
	}
	return nil
}

// VerifyDoubleSign checks a double-sign proof without any branch: two
// different headers of this engine's version and of one slot, each signed
// by d.Producer for this chain. It returns a *RuleError (ErrBadProof).
func (e *StakeEngine) VerifyDoubleSign(d *DoubleSign) error {
	if d == nil || len(d.Producer) != ed25519.PublicKeySize {
		return ruleError(ErrBadProof, "no validator key")
	}
	ha, hb := d.A.Header.Hash(), d.B.Header.Hash()
	switch {
	case d.A.Header.Version != e.version || d.B.Header.Version != e.version:
		return ruleError(ErrBadProof, "headers of versions %d and %d, want %d", d.A.Header.Version, d.B.Header.Version, e.version)
	case d.A.Header.Nonce != d.B.Header.Nonce:
		return ruleErrorHW(ErrBadProof, d.B.Header.Nonce, d.A.Header.Nonce, "headers of slots %d and %d: a proof needs two of one slot", d.A.Header.Nonce, d.B.Header.Nonce)
	case ha == hb:
		return ruleError(ErrBadProof, "the same header twice")
	}
	for _, sh := range []struct {
		s *SignedHeader
		h Hash
	}{{&d.A, ha}, {&d.B, hb}} {
		if len(sh.s.Sig) != ed25519.SignatureSize || !ed25519.Verify(d.Producer, SealSigningBytes(e.chainID, sh.h), sh.s.Sig) {
			return ruleError(ErrBadProof, "header %s is not signed by %s", sh.h.Short(), AddressOf(d.Producer))
		}
	}
	return nil
}

// slotOf returns a stored block's slot: its nonce (the genesis: 0).
func slotOf(n *blockNode) uint64 { return n.block.Header.Nonce }

// periodOf returns the epoch (PoS) or round (DPoS) of slot s.
func (e *StakeEngine) periodOf(s uint64) uint64 { return s / e.period }

// lastBefore returns the nearest of n and its ancestors whose slot lies
// before period p, or the genesis.
func (e *StakeEngine) lastBefore(n *blockNode, p uint64) *blockNode {
	for n.parent != nil && e.periodOf(slotOf(n)) >= p {
		n = n.parent
	}
	return n
}

// leaderAfter returns the leader of slot on the branch ending with parent
// (slot > parent's slot): whom a child of parent in that slot must be
// signed by. ok is false when the slot has no leader: nobody has stake or
// candidacy, or the drawn validator has been slashed on this branch
// (slashed is then true).
func (e *StakeEngine) leaderAfter(parent *blockNode, slot uint64) (leader Address, ok, slashed bool) {
	p := e.periodOf(slot)
	base := e.lastBefore(parent, p)
	if e.dposMode {
		prods := base.stake.producers(e.period)
		if len(prods) == 0 {
			return Address{}, false, false
		}
		leader = prods[(slot%e.period)%uint64(len(prods))]
	} else {
		snap := e.lastBefore(base, e.periodOf(slotOf(base)))
		leader, ok = drawLeader(snap.stake, e.seed(p, base.hash), slot)
		if !ok {
			return Address{}, false, false
		}
	}
	if parent.stake.get(leader).Slashed {
		return leader, false, true
	}
	return leader, true, false
}

// seedDomain prefixes the PoS seed.
const seedDomain = "chainplay/pos/seed\x00"

// seed returns the seed of epoch p, given the hash of the last block
// before it.
func (e *StakeEngine) seed(p uint64, last Hash) Hash {
	b := make([]byte, 0, len(seedDomain)+2*HashSize+8)
	b = append(b, seedDomain...)
	b = append(b, e.chainID[:]...)
	b = binary.BigEndian.AppendUint64(b, p)
	b = append(b, last[:]...)
	return sha256.Sum256(b)
}

// drawLeader draws slot's leader from the stakes of s: r =
// floor(u · total / 2^64) for u the first 8 bytes of SHA-256(seed, slot)
// read big-endian (so each coin of stake is as likely as any other, to
// within total/2^64), then the validator whose cumulative stake, in
// address order, first exceeds r. ok is false when nobody has stake.
func drawLeader(s *stakeState, seed Hash, slot uint64) (Address, bool) {
	type entry struct {
		a     Address
		stake uint64
	}
	var es []entry
	var total uint64
	for a, acct := range s.accts {
		if acct.Stake > 0 {
			es = append(es, entry{a, acct.Stake})
			total += acct.Stake // each ≤ 2^53−1 and at most 2^10 of them: no overflow
		}
	}
	if total == 0 {
		return Address{}, false
	}
	slices.SortFunc(es, func(x, y entry) int { return compareAddress(x.a, y.a) })
	var in [HashSize + 8]byte
	copy(in[:], seed[:])
	binary.BigEndian.PutUint64(in[HashSize:], slot)
	h := sha256.Sum256(in[:])
	r, _ := bits.Mul64(binary.BigEndian.Uint64(h[:8]), total)
	for _, x := range es {
		if r < x.stake {
			return x.a, true
		}
		r -= x.stake
	}
	return es[len(es)-1].a, true // unreachable: r < total
}

func compareAddress(x, y Address) int {
	for i := range x {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return 0
}

// checkParent implements parentChecker: the slot (Nonce) is after the
// parent's and the time is the slot's start. It runs before the
// median-time rule, which a block of a wrong slot would break too.
func (e *StakeEngine) checkParent(b, parent *Block) error {
	h := &b.Header
	slot, last := h.Nonce, parent.Header.Nonce
	if slot <= last {
		return ruleErrorHW(ErrWrongSlot, slot, above(last), "slot %d is not after the parent's slot %d", slot, last)
	}
	if want := e.p.SlotTime(slot); h.Time != want {
		return ruleErrorHW(ErrWrongSlot, h.Time, want, "time %d is not the start of slot %d (%d)", h.Time, slot, want)
	}
	return nil
}

// checkBranch checks b against its parent's branch — slot, leader,
// proofs and stake transactions — and returns the stake after b.
func (e *StakeEngine) checkBranch(b *Block, parent *blockNode) (*stakeState, error) {
	if err := e.checkParent(b, parent.block); err != nil { // checked already, but cheap: the rest relies on it
		return nil, err
	}
	slot := b.Header.Nonce
	if b.Seal == nil { // checked by VerifyBlockSeal; CheckProposal skips it
		return nil, ruleError(ErrBadBlockSig, "block has no producer signature")
	}
	producer := AddressOf(b.Seal.Producer)
	leader, ok, slashed := e.leaderAfter(parent, slot)
	switch {
	case slashed && producer == leader:
		return nil, ruleErrorHW(ErrSlashed, producer, nil, "%s leads slot %d but its stake was slashed", producer, slot)
	case !ok:
		return nil, ruleErrorHW(ErrWrongLeader, producer, nil, "slot %d has no leader on this branch", slot)
	case producer != leader:
		return nil, ruleErrorHW(ErrWrongLeader, producer, leader, "slot %d: signed by %s, led by %s", slot, producer, leader)
	}
	return e.apply(parent.stake, b)
}

// apply returns the stake after b's proofs and transactions, s unchanged.
func (e *StakeEngine) apply(s *stakeState, b *Block) (*stakeState, error) {
	w := stakeWriter{base: s}
	if b.Seal != nil {
		for i, d := range b.Seal.Proofs {
			if err := w.slash(d); err != nil {
				return nil, in(fmt.Sprintf("proof %d", i), err)
			}
		}
	}
	for i, t := range b.Txs {
		if i == 0 {
			continue
		}
		if err := w.applyTx(t, e.dposMode); err != nil {
			return nil, in(txWhere(i, t.ID()), err)
		}
	}
	return w.result(), nil
}
