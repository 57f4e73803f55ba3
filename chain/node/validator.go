package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// ErrNotStakeRoom is ValidatorLoop's error in a room whose engine is not
// PoS or DPoS.
var ErrNotStakeRoom = errors.New("node: not a proof-of-stake room")

// ValidatorLoop is the producer of a PoS or DPoS room, beside MineLoop:
// there is nothing to mine. At the start of every slot (on the node's
// Clock) it asks the chain who leads the slot on its best tip; when the
// node's wallet key does, it builds the slot's block (Chain.NewSlotBlock:
// the best-paying pending transactions, the double-sign proofs the chain
// has seen, the node's nickname on the coinbase), signs it and submits it
// (SubmitBlock: stored, announced, EventMined). It never signs two blocks
// of one slot, even when a reorg brings the tip below a slot it signed:
// that is the offence a double-sign proof slashes. While the teacher has
// paused the room it produces nothing. A genesis validator obeys the
// teacher's faults (ControlState.Faults at its index in
// Params.Validators): FaultCrash signs nothing, FaultDoubleSign signs two
// different blocks of each slot it leads and announces both (what a
// double-sign proof then slashes). A block the chain refuses is
// reported as an EventStatus with CodeStatusMineFailed. It returns ctx's
// error, or ErrNotStakeRoom at once in another room.
func (n *Node) ValidatorLoop(ctx context.Context) error {
	p := n.chain.Params()
	if !p.IsStake() {
		return ErrNotStakeRoom
	}
	// Not counted as mining (Stats.Mining): it computes no hashes, and the
	// peers' hash rates and the board's shares of hash power leave it out.
	clock := n.cfg.Clock
	for ctx.Err() == nil {
		now := clock.Now()
		slot := p.SlotAt(now.UnixMilli())
		if duty, _ := n.miningDuty(); duty > 0 {
			n.produce(slot)
		}
		next := time.UnixMilli(p.SlotTime(slot + 1))
		select {
		case <-ctx.Done():
		case <-clock.After(next.Sub(clock.Now())): // now again: producing took time
		}
	}
	return ctx.Err()
}

// signedSlots remembers the highest slot a node signed.
type signedSlots struct {
	mu   sync.Mutex
	last uint64
}

// take reports whether slot is above every slot signed so far, and
// records it if so.
func (s *signedSlots) take(slot uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot <= s.last {
		return false
	}
	s.last = slot
	return true
}

// validatorFault returns the teacher's fault for this node's wallet when
// it is a genesis validator of the room, else "".
func (n *Node) validatorFault() string {
	ctl, _ := n.Control()
	if len(ctl.State.Faults) == 0 {
		return ""
	}
	keys, _ := n.chain.Params().ValidatorKeys()
	for i, k := range keys {
		if chain.AddressOf(k) == n.addr {
			return ctl.State.Faults[i]
		}
	}
	return ""
}

// produce signs and submits the block of slot if the node leads it.
func (n *Node) produce(slot uint64) {
	leader, ok := n.chain.SlotLeader(slot)
	fault := n.validatorFault()
	if !ok || leader != n.addr || fault == FaultCrash || !n.signed.take(slot) {
		return
	}
	txs := n.pool.Select(n.chain.Params().MaxBlockTxs - 1)
	b, err := n.slotBlock(slot, txs, n.cfg.Name)
	var twin *chain.Block
	if err == nil && fault == FaultDoubleSign {
		// A second block of the same slot, on the same parent, without
		// the transactions: another branch the validator "has nothing to
		// lose" by signing too. Both are built before either is stored.
		twin, err = n.slotBlock(slot, nil, "double-signed")
	}
	if err == nil {
		err = n.SubmitBlock(b)
	}
	if err == nil && twin != nil {
		if err = n.SubmitBlock(twin); err == nil {
			n.emit(Event{Kind: EventStatus, Code: CodeStatusDoubleSigned, Count: slot,
				Text: fmt.Sprintf("This validator signed two blocks of slot %d (the teacher's fault): whoever sees both can prove it, and a later leader's block takes its stake", slot)})
		}
	}
	if err != nil {
		reason := Code(err)
		if reason == "" {
			reason = err.Error()
		}
		n.emit(Event{Kind: EventStatus, Code: CodeStatusMineFailed, Reason: reason,
			Text: fmt.Sprintf("Signing the block of slot %d failed: %v", slot, err)})
	}
}

// slotBlock builds the block of slot with txs on the best tip, names
// name on its coinbase (when it fits) and signs it. It carries the
// double-sign proofs the chain has seen against others.
func (n *Node) slotBlock(slot uint64, txs []*chain.Tx, name string) (*chain.Block, error) {
	var proofs []*chain.DoubleSign
	for _, d := range n.chain.DoubleSigns() {
		if chain.AddressOf(d.Producer) != n.addr { // nobody reports itself
			proofs = append(proofs, d)
		}
	}
	b, err := n.chain.NewSlotBlock(n.cfg.Key, txs, slot, proofs)
	if err != nil {
		return nil, err
	}
	if name != "" && len(name) <= chain.MaxNameBytes {
		b.Txs[0].Name = name
		b.Header.MerkleRoot = b.ComputeMerkleRoot()
		chain.SignSeal(b, n.chain.ID(), n.cfg.Key)
	}
	return b, nil
}
