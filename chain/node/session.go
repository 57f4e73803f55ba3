package node

import (
	"encoding/json"
	"errors"
)

// ErrConnected is returned by Attach when the node is already connected
// (Run, or another Session, is serving it).
var ErrConnected = errors.New("node: already connected")

// Session is a connection to a room driven by hand instead of by Run: the
// caller hands the node each message from the room (Handle) and collects
// what the node sent in answer (Drain), on its own schedule, with no
// goroutine, no timer and no pacing. It is the seam of the simulator
// (package chain/sim), which runs many nodes on one virtual clock and needs
// each node's reaction to a message to happen at once and in a
// reproducible order.
//
// A Session runs the same handlers as Run but not Run's one-second timer
// (retrying blocks held from the future, failing a stalled sync over at
// that moment rather than at the next message, the periodic resync and
// hello): a caller whose clocks agree and whose links lose nothing, as
// the simulator's, does not need it.
//
// A Session is not safe for concurrent use: one goroutine drives it. The
// node's other methods (SubmitBlock, Template, Chain, …) may be called
// between two calls of the session's.
type Session struct {
	n   *Node
	out *outbox
}

// Attach connects n to a hand-driven Session. The first message handed to
// it is normally the room's welcome (TypePeers), as the relay sends first.
// It returns ErrConnected while n is connected elsewhere.
func (n *Node) Attach() (*Session, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.out != nil {
		return nil, ErrConnected
	}
	n.out = newOutbox(n.cfg.SendQueue, n.cfg.Clock)
	return &Session{n: n, out: n.out}, nil
}

// Handle processes one message from the room, as Run's reader does; the
// messages the node sends meanwhile wait for Drain.
func (s *Session) Handle(m Message) { s.n.handle(m) }

// Drain appends to dst what the node has sent since the last Drain, as
// Run's writer would put it on the wire: the queued messages in the order
// they were sent, then the announcement of the newest block this node
// made (one TypeBlock message, the block as JSON), if any. A message the
// node dropped because its queue (Config.SendQueue) was full is not
// there, as it would not be on the wire.
func (s *Session) Drain(dst []Message) []Message {
	for {
		select {
		case m := <-s.out.queue:
			dst = append(dst, m)
			continue
		default:
		}
		break
	}
	select {
	case <-s.out.tipWake:
	default:
	}
	if b := s.out.takeTip(); b != nil {
		if body, err := json.Marshal(b); err == nil {
			dst = append(dst, Message{Type: TypeBlock, Body: body})
		}
	}
	return dst
}

// Close disconnects the session as the end of Run does: the node forgets
// its peers and may be attached or run again.
func (s *Session) Close() {
	s.n.mu.Lock()
	defer s.n.mu.Unlock()
	if s.n.out == s.out {
		s.n.out = nil
		s.n.peers = make(map[string]*peer)
	}
}
