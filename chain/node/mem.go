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
	side  map[string]int // partition side of each peer; all 0 when healed
	sent  map[string]int // messages sent by type, for tests of gossip
	drop  map[string]int // messages of a type still to be lost, for tests
}

// Drop makes the network lose the next k messages of type typ, as a
// congested relay would.
func (mn *MemNetwork) Drop(typ string, k int) {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.drop[typ] += k
}

// Sent returns how many messages of type typ the peers have sent.
func (mn *MemNetwork) Sent(typ string) int {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	return mn.sent[typ]
}

// NewMemNetwork returns an empty in-memory room.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{peers: make(map[string]*memTransport), side: make(map[string]int), sent: make(map[string]int), drop: make(map[string]int)}
}

// ID returns the relay id of a transport made by Join.
func ID(t Transport) string {
	if mt, ok := t.(*memTransport); ok {
		return mt.id
	}
	return ""
}

// Partition cuts the room in two: the peers with the given ids on one
// side, everybody else on the other. Each side sees the others leave, as
// when a classroom's Wi-Fi splits.
func (mn *MemNetwork) Partition(ids ...string) {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	for _, id := range ids {
		mn.side[id] = 1
	}
	for _, a := range mn.peers {
		for _, b := range mn.peers {
			if mn.side[a.id] != mn.side[b.id] {
				m, _ := NewMessage(TypeLeave, "", PeerInfo{ID: b.id})
				a.deliver(m)
			}
		}
	}
}

// Heal joins the two sides again: each peer sees the others join.
func (mn *MemNetwork) Heal() {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	for _, a := range mn.peers {
		for _, b := range mn.peers {
			if mn.side[a.id] != mn.side[b.id] {
				m, _ := NewMessage(TypeJoin, "", PeerInfo{ID: b.id, Name: b.name})
				a.deliver(m)
			}
		}
	}
	clear(mn.side)
}

// reachable reports whether a message can pass from a to b.
// MUST be called with mn.mu held.
func (mn *MemNetwork) reachable(a, b string) bool { return mn.side[a] == mn.side[b] }

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
	t.net.sent[m.Type]++
	if t.net.drop[m.Type] > 0 {
		t.net.drop[m.Type]--
		return nil
	}
	if m.To != "" {
		if p, ok := t.net.peers[m.To]; ok && t.net.reachable(t.id, m.To) {
			p.deliver(m)
		}
		return nil
	}
	for id, p := range t.net.peers {
		if id != t.id && t.net.reachable(t.id, id) {
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
