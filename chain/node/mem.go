package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// MemNetwork is an in-memory relay for tests: it behaves like the
// websocket relay (ids, presence, fan-out without echo, direct messages)
// without any networking.
type MemNetwork struct {
	mu    sync.Mutex
	next  int
	peers map[string]*memTransport
}

// NewMemNetwork returns an empty in-memory room.
func NewMemNetwork() *MemNetwork { return &MemNetwork{peers: make(map[string]*memTransport)} }

type memTransport struct {
	net    *MemNetwork
	id     string
	name   string
	in     chan Message
	closed chan struct{}
	once   sync.Once
}

// Join connects a new peer named name and returns its transport. The peer
// receives a peers message first, and the others a join.
func (mn *MemNetwork) Join(name string) Transport {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.next++
	t := &memTransport{net: mn, id: fmt.Sprintf("p%d", mn.next), name: name, in: make(chan Message, 4096), closed: make(chan struct{})}
	body := PeersBody{You: t.id, Room: "mem"}
	for _, p := range mn.peers {
		body.Peers = append(body.Peers, PeerInfo{ID: p.id, Name: p.name})
		m, _ := NewMessage(TypeJoin, "", PeerInfo{ID: t.id, Name: name})
		p.deliver(m)
	}
	m, _ := NewMessage(TypePeers, "", body)
	t.deliver(m)
	mn.peers[t.id] = t
	return t
}

func (t *memTransport) deliver(m Message) {
	select {
	case t.in <- m:
	case <-t.closed:
	default: // a full queue drops, as the relay closes slow peers
	}
}

func (t *memTransport) Send(ctx context.Context, m Message) error {
	select {
	case <-t.closed:
		return errors.New("node: mem transport closed")
	default:
	}
	m.From = t.id
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	if m.To != "" {
		if p, ok := t.net.peers[m.To]; ok {
			p.deliver(m)
		}
		return nil
	}
	for id, p := range t.net.peers {
		if id != t.id {
			p.deliver(m)
		}
	}
	return nil
}

func (t *memTransport) Recv(ctx context.Context) (Message, error) {
	select {
	case m := <-t.in:
		return m, nil
	case <-t.closed:
		return Message{}, errors.New("node: mem transport closed")
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

func (t *memTransport) Close() error {
	t.once.Do(func() {
		close(t.closed)
		t.net.mu.Lock()
		delete(t.net.peers, t.id)
		for _, p := range t.net.peers {
			m, _ := NewMessage(TypeLeave, "", PeerInfo{ID: t.id})
			p.deliver(m)
		}
		t.net.mu.Unlock()
	})
	return nil
}
