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
// paused the room it produces nothing. A block the chain refuses is
// reported as an EventStatus with CodeStatusMineFailed. It returns ctx's
// error, or ErrNotStakeRoom at once in another room.
func (n *Node) ValidatorLoop(ctx context.Context) error {
	p := n.chain.Params()
	if !p.IsStake() {
		return ErrNotStakeRoom
	}
	n.mining.Add(1)
	defer n.mining.Add(-1)
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

// produce signs and submits the block of slot if the node leads it.
func (n *Node) produce(slot uint64) {
	leader, ok := n.chain.SlotLeader(slot)
	if !ok || leader != n.addr || !n.signed.take(slot) {
		return
	}
	txs := n.pool.Select(n.chain.Params().MaxBlockTxs - 1)
	b, err := n.chain.NewSlotBlock(n.cfg.Key, txs, slot, n.chain.DoubleSigns())
	if err == nil {
		if n.cfg.Name != "" && len(n.cfg.Name) <= chain.MaxNameBytes {
			b.Txs[0].Name = n.cfg.Name
			b.Header.MerkleRoot = b.ComputeMerkleRoot()
			chain.SignSeal(b, n.chain.ID(), n.cfg.Key)
		}
		err = n.SubmitBlock(b)
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
