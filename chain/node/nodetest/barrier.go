package nodetest

import (
	"context"
	"fmt"

	"github.com/chainplay/chainplay/chain/node"
)

// pongWaiter is a barrier waiting for the pong of its ping.
type pongWaiter struct {
	from, to string        // the pinging peer and the peer pinged
	done     chan struct{} // closed when the pong arrives
}

// Barrier sends a ping from c to the peer with id to and waits for its
// pong, or returns an error when ctx ends first. The peer must be a node
// (a raw Conn answers nothing) that has not banned c.
//
// When Barrier returns nil, the node has handled every message delivered
// to its inbox before the ping (c's own earlier messages among them), and
// every message it sent while handling them has been delivered and
// counted by Sent: what it would have done by now, it has done. The pong
// itself is kept from c's inbox.
func (c *Conn) Barrier(ctx context.Context, to string) error {
	mn := c.net
	mn.mu.Lock()
	if !mn.reachableLocked(c.id, to) {
		mn.mu.Unlock()
		return fmt.Errorf("nodetest: barrier: %s cannot reach %s (not in the room, or across a partition)", c.id, to)
	}
	mn.nonce++
	nonce := mn.nonce
	w := &pongWaiter{from: c.id, to: to, done: make(chan struct{})}
	mn.waiting[nonce] = w
	mn.mu.Unlock()
	forget := func() {
		mn.mu.Lock()
		delete(mn.waiting, nonce)
		mn.mu.Unlock()
	}

	m, err := node.NewMessage(node.TypePing, to, node.PingBody{Nonce: nonce})
	if err == nil {
		err = c.Send(ctx, m)
	}
	if err != nil {
		forget()
		return fmt.Errorf("nodetest: barrier: ping %s: %w", to, err)
	}
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		forget()
		return fmt.Errorf("nodetest: barrier: %s did not answer the ping from %s: %w", to, c.id, ctx.Err())
	}
}

// answerLocked ends the barrier that pong answers, if any, and reports
// whether it did. MUST be called with mn.mu held.
func (mn *MemNetwork) answerLocked(pong node.Message) bool {
	nonce, ok := decodePing(pong)
	if !ok {
		return false
	}
	w, ok := mn.waiting[nonce]
	if !ok || w.from != pong.To || w.to != pong.From {
		return false
	}
	delete(mn.waiting, nonce)
	close(w.done)
	return true
}
