package nodetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/chainplay/chainplay/chain/node"
)

// ErrClosed is returned by a Conn's Send and Recv once it is closed.
var ErrClosed = errors.New("nodetest: connection closed")

// InboxSize is how many messages a peer's inbox holds; a message to a
// full inbox is lost, as the relay drops what a slow peer cannot take.
const InboxSize = 4096

// MemNetwork is an in-memory room: it behaves like the websocket relay
// (ids, presence, fan-out without echo, direct messages) without any
// networking. The zero value is not usable; call NewMemNetwork. All
// methods are safe for concurrent use.
type MemNetwork struct {
	mu      sync.Mutex
	next    int
	peers   map[string]*Conn
	side    map[string]int         // partition side of each peer; all 0 when healed
	sent    map[string]int         // messages sent by type
	drop    map[string]int         // messages of a type still to be lost
	nonce   uint64                 // the last barrier nonce handed out
	waiting map[uint64]*pongWaiter // barriers waiting for their pong, by nonce
}

// NewMemNetwork returns an empty in-memory room.
func NewMemNetwork() *MemNetwork {
	return &MemNetwork{
		peers:   make(map[string]*Conn),
		side:    make(map[string]int),
		sent:    make(map[string]int),
		drop:    make(map[string]int),
		waiting: make(map[uint64]*pongWaiter),
	}
}

// Drop makes the network lose the next k messages of type typ, as a
// congested relay would. They are still counted by Sent.
func (mn *MemNetwork) Drop(typ string, k int) {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.drop[typ] += k
}

// Sent returns how many messages of type typ the peers have sent, lost
// ones included. Read it after a barrier (Conn.Barrier, Net.Settle), not
// after a sleep.
func (mn *MemNetwork) Sent(typ string) int {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	return mn.sent[typ]
}

// traffic is the number of messages sent so far, barrier pings and pongs
// left out.
func (mn *MemNetwork) traffic() int {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	total := 0
	for typ, k := range mn.sent {
		if typ != node.TypePing && typ != node.TypePong {
			total += k
		}
	}
	return total
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
				a.deliver(relayMessage(node.TypeLeave, node.PeerInfo{ID: b.id}))
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
				a.deliver(relayMessage(node.TypeJoin, node.PeerInfo{ID: b.id, Name: b.name}))
			}
		}
	}
	clear(mn.side)
}

// Reachable reports whether a message can pass between the peers with
// ids a and b: both are in the room, on the same side of any partition.
func (mn *MemNetwork) Reachable(a, b string) bool {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	return mn.reachableLocked(a, b)
}

// reachableLocked is Reachable. MUST be called with mn.mu held.
func (mn *MemNetwork) reachableLocked(a, b string) bool {
	_, okA := mn.peers[a]
	_, okB := mn.peers[b]
	return okA && okB && mn.side[a] == mn.side[b]
}

// Join connects a new peer named name and returns its connection. The
// peer receives a peers message first, and the others a join.
func (mn *MemNetwork) Join(name string) *Conn {
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.next++
	c := &Conn{net: mn, id: fmt.Sprintf("p%d", mn.next), name: name,
		in: make(chan node.Message, InboxSize), closed: make(chan struct{}), sent: make(map[string]int)}
	body := node.PeersBody{You: c.id, Room: "mem"}
	for _, p := range mn.peers {
		body.Peers = append(body.Peers, node.PeerInfo{ID: p.id, Name: p.name})
		p.deliver(relayMessage(node.TypeJoin, node.PeerInfo{ID: c.id, Name: name}))
	}
	c.deliver(relayMessage(node.TypePeers, body))
	mn.peers[c.id] = c
	return c
}

// Announce delivers m to every peer, whatever the partition, with no
// From: a frame of the server's own, as relay.Server.Announce sends the
// teacher's controls.
func (mn *MemNetwork) Announce(m node.Message) {
	m.From = ""
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.sent[m.Type]++
	for _, p := range mn.peers {
		p.deliver(m)
	}
}

// relayMessage is a message from the relay itself (no From).
func relayMessage(typ string, body any) node.Message {
	m, err := node.NewMessage(typ, "", body)
	if err != nil {
		panic(err) // the relay's own bodies always encode
	}
	return m
}

// Conn is one peer's connection to a MemNetwork. It implements
// node.Transport; a test may also use it directly as a raw peer that
// sends whatever it likes. All methods are safe for concurrent use.
type Conn struct {
	net    *MemNetwork
	id     string
	name   string
	in     chan node.Message
	closed chan struct{}
	once   sync.Once
	sent   map[string]int // messages this peer sent, by type; guarded by net.mu
}

var _ node.Transport = (*Conn)(nil)

// ID returns the peer's relay id ("p1", "p2", …).
func (c *Conn) ID() string { return c.id }

// Name returns the nickname the peer joined with.
func (c *Conn) Name() string { return c.name }

// deliver puts m in c's inbox; a full inbox loses it.
func (c *Conn) deliver(m node.Message) {
	select {
	case c.in <- m:
	case <-c.closed:
	default: // a full queue drops, as the relay closes slow peers
	}
}

// Send implements node.Transport: it stamps m.From and delivers m to m.To,
// or to every other peer on the same side of a partition, before it
// returns. A pong that answers one of this network's barriers goes to the
// barrier, not to the peer's inbox.
func (c *Conn) Send(ctx context.Context, m node.Message) error {
	select {
	case <-c.closed:
		return ErrClosed
	default:
	}
	m.From = c.id
	mn := c.net
	mn.mu.Lock()
	defer mn.mu.Unlock()
	mn.sent[m.Type]++
	c.sent[m.Type]++
	if mn.drop[m.Type] > 0 {
		mn.drop[m.Type]--
		return nil
	}
	if m.Type == node.TypePong && mn.answerLocked(m) {
		return nil
	}
	if m.To != "" {
		if p, ok := mn.peers[m.To]; ok && mn.reachableLocked(c.id, m.To) {
			p.deliver(m)
		}
		return nil
	}
	for id, p := range mn.peers {
		if id != c.id && mn.reachableLocked(c.id, id) {
			p.deliver(m)
		}
	}
	return nil
}

// Recv implements node.Transport: it returns the next message of c's
// inbox.
func (c *Conn) Recv(ctx context.Context) (node.Message, error) {
	select {
	case m := <-c.in:
		return m, nil
	case <-c.closed:
		return node.Message{}, ErrClosed
	case <-ctx.Done():
		return node.Message{}, ctx.Err()
	}
}

// Close implements node.Transport: the peer leaves the room and the
// others see it leave. Closing twice is a no-op.
func (c *Conn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		mn := c.net
		mn.mu.Lock()
		defer mn.mu.Unlock()
		delete(mn.peers, c.id)
		for _, p := range mn.peers {
			p.deliver(relayMessage(node.TypeLeave, node.PeerInfo{ID: c.id}))
		}
	})
	return nil
}

// Pending returns how many messages wait in c's inbox.
func (c *Conn) Pending() int { return len(c.in) }

// Sent returns how many messages of type typ this peer has sent, lost
// ones included.
func (c *Conn) Sent(typ string) int {
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	return c.sent[typ]
}

// decodePing returns the nonce of a ping or pong, if its body has one.
func decodePing(m node.Message) (uint64, bool) {
	var b node.PingBody
	if json.Unmarshal(m.Body, &b) != nil || b.Nonce == 0 {
		return 0, false
	}
	return b.Nonce, true
}
