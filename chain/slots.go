package chain

import (
	"crypto/ed25519"
	"fmt"
	"slices"
)

// The slot side of a stake room's Chain: who leads which slot, building
// and signing a slot's block, what was missed, and the double signatures
// seen. Every method here fails or returns nothing in other rooms.

// maxPendingProofs bounds the double-sign proofs a chain keeps until a
// block applies them.
const maxPendingProofs = 16

// slotSigner is a slot and the validator that signed a block in it.
type slotSigner struct {
	slot     uint64
	producer Address
}

// noteSigner remembers who signed n's slot; a second block of the same
// slot and producer becomes a double-sign proof. MUST be called with c.mu
// held for writing.
func (c *Chain) noteSigner(n *blockNode) {
	s := n.block.Seal
	if s == nil {
		return
	}
	k := slotSigner{slotOf(n), AddressOf(s.Producer)}
	first, ok := c.signed[k]
	if !ok {
		c.signed[k] = n
		return
	}
	if first.hash == n.hash || len(c.proofs) >= maxPendingProofs {
		return
	}
	for _, p := range c.proofs {
		if AddressOf(p.Producer) == k.producer {
			return
		}
	}
	c.proofs = append(c.proofs, &DoubleSign{
		Producer: slices.Clone(s.Producer),
		A:        SignedHeader{Header: first.block.Header, Sig: first.block.Seal.Sig},
		B:        SignedHeader{Header: n.block.Header, Sig: s.Sig},
	})
}

// DoubleSigns returns the double-sign proofs this chain has seen (two
// stored blocks of one slot signed by one validator) whose validator
// still has stake on the best chain: what the next leader should put in
// its block's seal (at most MaxProofs are used).
func (c *Chain) DoubleSigns() []*DoubleSign {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tip := c.tip()
	var out []*DoubleSign
	for _, p := range c.proofs {
		if tip.stake.get(AddressOf(p.Producer)).Stake > 0 {
			out = append(out, p)
		}
	}
	return out
}

// TipSlot returns the best block's slot (its nonce; the genesis's is 0).
func (c *Chain) TipSlot() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slotOf(c.tip())
}

// SlotLeader returns who may sign a block of the given slot on the best
// tip, and false when nobody may: a slot not after the tip's, a room
// without stake engine, no stake, or a leader slashed since it was drawn
// (its address is then returned with false).
func (c *Chain) SlotLeader(slot uint64) (Address, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tip := c.tip()
	if c.stakeEng == nil || slot <= slotOf(tip) {
		return Address{}, false
	}
	a, ok, _ := c.stakeEng.leaderAfter(tip, slot)
	return a, ok
}

// SlotRecord is one slot of the recent past on the best chain.
type SlotRecord struct {
	Slot uint64
	// Leader is who led the slot; zero with no leader (HasLeader false).
	Leader    Address
	HasLeader bool
	// Block is the hash of the slot's block on the best chain, zero when
	// the slot has none: a missed slot if it had a leader.
	Block Hash
	// Height is the block's height (when Block is set).
	Height uint64
}

// Missed reports whether the slot had a leader and no block.
func (r SlotRecord) Missed() bool { return r.HasLeader && r.Block.IsZero() }

// RecentSlots returns the slots before the slot of now (unix ms), at
// most n of them and none before the genesis, newest first, with their
// leaders and blocks on the best chain: who produced and who missed. A
// slot after the tip counts as missed by its leader (the time has
// passed). It returns nil outside a stake room.
func (c *Chain) RecentSlots(nowMs int64, n int) []SlotRecord {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.stakeEng == nil || n <= 0 {
		return nil
	}
	cur := c.params.SlotAt(nowMs)
	var out []SlotRecord
	b := c.tip()
	for s := cur; s > 1 && len(out) < n; {
		s--
		for b.parent != nil && slotOf(b) > s {
			b = b.parent
		}
		if b.parent == nil && s == 0 {
			break
		}
		r := SlotRecord{Slot: s}
		if slotOf(b) == s && b.parent != nil {
			r.Block, r.Height = b.hash, b.height
			r.Leader, r.HasLeader = AddressOf(b.block.Seal.Producer), true
		} else {
			r.Leader, r.HasLeader, _ = c.stakeEng.leaderAfter(b, s)
		}
		out = append(out, r)
	}
	return out
}

// NewSlotBlock builds and signs with key the block of slot on the best
// tip: its time is the slot's start, its nonce the slot, a coinbase pays
// key's address the subsidy and the fees, then txs (in this order, valid
// against the tip's accounts, as Mempool.Select gives them) less any
// whose stake instruction fails (and that sender's later ones), then the
// seal with up to MaxProofs of proofs that still slash someone. It fails
// with ErrWrongSlot when slot is not after the tip's and ErrWrongLeader
// (or ErrSlashed) when key does not lead it: a validator's loop asks
// SlotLeader first. It is safe for concurrent use.
func (c *Chain) NewSlotBlock(key ed25519.PrivateKey, txs []*Tx, slot uint64, proofs []*DoubleSign) (*Block, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	se := c.stakeEng
	if se == nil {
		return nil, fmt.Errorf("chain: a slot block in a %q room", c.params.Engine)
	}
	tip := c.tip()
	me := KeyAddress(key)
	if last := slotOf(tip); slot <= last {
		return nil, ruleErrorHW(ErrWrongSlot, slot, above(last), "slot %d is not after the tip's slot %d", slot, last)
	}
	leader, ok, slashed := se.leaderAfter(tip, slot)
	switch {
	case slashed && leader == me:
		return nil, ruleErrorHW(ErrSlashed, me, nil, "%s was slashed", me)
	case !ok || leader != me:
		return nil, ruleErrorHW(ErrWrongLeader, me, leader, "slot %d is led by %s", slot, leader)
	}
	w := stakeWriter{base: tip.stake}
	var seal []*DoubleSign
	for _, p := range proofs {
		if len(seal) < MaxProofs && se.VerifyDoubleSign(p) == nil && w.slash(p) == nil {
			seal = append(seal, p)
		}
	}
	var kept []*Tx
	var fees uint64
	dropped := map[Address]bool{}
	for _, t := range txs {
		if dropped[t.Sender()] || len(kept)+1 >= c.params.MaxBlockTxs {
			continue
		}
		if err := w.applyTx(t, se.dposMode); err != nil {
			dropped[t.Sender()] = true
			continue
		}
		kept = append(kept, t)
		fees += t.Fee
	}
	height := tip.height + 1
	ts := c.params.SlotTime(slot)
	cb := &Tx{To: me, Amount: c.params.SubsidyAt(height) + fees, Seq: height, Time: ts}
	b := &Block{
		Header: Header{Version: se.version, Height: height, Time: ts, Difficulty: 1, PrevHash: tip.hash, Nonce: slot},
		Txs:    append([]*Tx{cb}, kept...),
		Seal:   &StakeSeal{Proofs: seal},
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	SignSeal(b, c.id, key)
	return b, nil
}
