package node

import (
	"fmt"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// Clients of a PBFT room. A transaction submitted to a node (its wallet's,
// or one posted to its REST API) goes to the whole room at once, so every
// replica has it in its mempool and the primary proposes it. As in
// Castro & Liskov's paper, a client whose request is not answered in
// time sends it again to all replicas: a primary that crashed, lied or
// lost it is then replaced by a view change (the backups wait for it)
// and the next primary has it. The node keeps the transactions it
// submitted; every DefaultTxResend that one of them is still pending it
// sends them again, in one txs message to the room, and says so
// (EventStatus CodeStatusTxResent, Count transactions). A transaction
// that left the mempool (committed, or dropped) is forgotten. Only PBFT
// rooms resend (in a proof-of-work room a pending transaction waits for
// a miner, not for an answer).

// DefaultTxResend is how long a node waits for its submitted transaction
// to be committed before it sends it to all replicas again.
const DefaultTxResend = 5 * time.Second

// maxResendTracked bounds the submitted transactions a node remembers.
const maxResendTracked = 1024

// resendState is the node's submitted transactions (under Node.mu).
type resendState struct {
	sent map[chain.Hash]time.Time // tx id → when it was (last) sent
}

// trackSubmitted remembers tx, sent at now, for resending.
func (n *Node) trackSubmitted(tx *chain.Tx, now time.Time) {
	if n.trace == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.resend.sent == nil {
		n.resend.sent = map[chain.Hash]time.Time{}
	}
	if len(n.resend.sent) < maxResendTracked {
		n.resend.sent[tx.ID()] = now
	}
}

// resendPending sends again, to the whole room, the submitted
// transactions still pending after n.cfg.TxResend, and returns how many.
func (n *Node) resendPending(now time.Time) int {
	if n.trace == nil {
		return 0
	}
	after := n.cfg.TxResend
	if after <= 0 {
		after = DefaultTxResend
	}
	n.mu.Lock()
	var due []*chain.Tx
	for id, at := range n.resend.sent {
		tx, ok := n.pool.Get(id)
		if !ok {
			delete(n.resend.sent, id)
			continue
		}
		if now.Sub(at) >= after && len(due) < MaxTxsPerBatch {
			due = append(due, tx)
			n.resend.sent[id] = now
		}
	}
	n.mu.Unlock()
	if len(due) == 0 {
		return 0
	}
	n.send(TypeTxs, "", TxsBody{Txs: due})
	n.emit(Event{Kind: EventStatus, Code: CodeStatusTxResent, Count: uint64(len(due)),
		Text: fmt.Sprintf("No commit after %v: sent %d pending transaction(s) again to all replicas", after, len(due))})
	return len(due)
}
