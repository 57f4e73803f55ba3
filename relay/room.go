package relay

import (
	"cmp"
	"slices"
	"sync"
)

// MaxRoomLen is the longest room name, in bytes.
const MaxRoomLen = 32

// ValidRoomName reports whether name can name a room: 1 to MaxRoomLen
// characters, each a lowercase ASCII letter, a digit, '-' or '_'.
func ValidRoomName(name string) bool {
	if len(name) == 0 || len(name) > MaxRoomLen {
		return false
	}
	for i := range len(name) {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// RoomInfo describes one room, as returned by Server.Rooms.
type RoomInfo struct {
	Name  string // the room's name
	Peers int    // how many peers are connected to it, local clients included
	Local int    // how many of those joined in-process with JoinLocal
}

// room is a set of clients that see each other's frames.
//
// Membership changes (add, remove) are made with Server.mu held, so that
// creating and removing rooms, counting them and firing hooks stay
// consistent; the clients map itself is guarded by room.mu, which is all
// that broadcast and direct take. Nothing under room.mu blocks: frames are
// handed to clients with client.enqueue, which never waits.
type room struct {
	name string
	pol  *policy // the room's groups, latency and notice (policy.go); never nil

	// Guarded by Server.mu.
	members int  // connections that reserved a place: joined or upgrading
	sockets int  // those of members that are websockets (not JoinLocal)
	remote  int  // joined websocket clients (local clients excluded)
	active  bool // OnRoomActive was fired and OnRoomEmpty not yet

	mu      sync.Mutex
	clients map[string]*client // joined clients by id; guarded by mu
}

func newRoom(name string, pol *policy) *room {
	return &room{name: name, pol: pol, clients: make(map[string]*client)}
}

// add puts cl in the room, sends it the TypePeers frame and tells the others
// with a TypeJoin frame. Because both happen under mu, the newcomer gets
// "peers" before any broadcast and the others get "join" before any frame of
// the newcomer.
func (rm *room) add(cl *client, limits Limits) {
	rm.mu.Lock()
	defer rm.mu.Unlock()

	others := make([]*client, 0, len(rm.clients))
	for _, o := range rm.clients {
		others = append(others, o)
	}
	slices.SortFunc(others, func(a, b *client) int { return cmp.Compare(a.seq, b.seq) })
	body := PeersBody{You: cl.id, Room: rm.name, Peers: make([]PeerInfo, 0, len(others)), Limits: limits}
	for _, o := range others {
		body.Peers = append(body.Peers, o.info())
	}
	cl.enqueue(relayFrame(TypePeers, body))
	if notice := rm.pol.getNotice(); notice != nil {
		cl.enqueue(notice)
	}

	join := relayFrame(TypeJoin, cl.info())
	for _, o := range others {
		o.enqueue(join)
	}
	rm.clients[cl.id] = cl
}

// remove takes cl out of the room and tells the others with a TypeLeave
// frame. It does nothing if cl is not in the room.
func (rm *room) remove(cl *client) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.clients[cl.id] != cl {
		return
	}
	delete(rm.clients, cl.id)
	leave := relayFrame(TypeLeave, LeaveBody{ID: cl.id})
	for _, o := range rm.clients {
		o.enqueue(leave)
	}
}

// broadcast hands msg to every client but from that hears from (the
// room's groups), after the room's latency. It never blocks; msg is
// shared, read-only, by all the queues.
func (rm *room) broadcast(from *client, msg []byte) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, cl := range rm.clients {
		if cl == from {
			continue
		}
		if ok, delay := rm.pol.route(from, cl); ok {
			cl.deliver(msg, delay)
		}
	}
}

// direct hands msg from from to the client with the given id and reports
// whether there is one. A client of another group (the room is split)
// exists but does not get it: the frame is lost, as on a broken network.
// It never blocks.
func (rm *room) direct(from *client, to string, msg []byte) bool {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	cl, ok := rm.clients[to]
	if ok {
		if hears, delay := rm.pol.route(from, cl); hears {
			cl.deliver(msg, delay)
		}
	}
	return ok
}

// lookup returns the client with the given id, or nil.
func (rm *room) lookup(id string) *client {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.clients[id]
}

// snapshot returns the room's clients.
func (rm *room) snapshot() []*client {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	out := make([]*client, 0, len(rm.clients))
	for _, cl := range rm.clients {
		out = append(out, cl)
	}
	return out
}

// size returns how many clients have joined, and how many of them are local.
func (rm *room) size() (n, local int) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, cl := range rm.clients {
		if cl.local {
			local++
		}
	}
	return len(rm.clients), local
}

// peers describes the joined clients in the order they joined.
func (rm *room) peers() []PeerInfo {
	cls := rm.snapshot()
	slices.SortFunc(cls, func(a, b *client) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]PeerInfo, len(cls))
	for i, cl := range cls {
		out[i] = cl.info()
	}
	return out
}
