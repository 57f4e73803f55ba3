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
	Peers int    // how many peers are connected to it, local clients and other processes' peers included
	Local int    // how many of those joined in-process with JoinLocal
	// Remote is how many of Peers are on other processes (Config.Bus);
	// always 0 without a Bus.
	Remote int
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

	// With a Bus (bus.go): link is the room's subscription, nil without
	// one; the rest is guarded by mu.
	link    *link
	remotes map[string]*remotePeer // the peers of other processes by id
	procs   map[string]*procState  // the other processes sharing the room
	pver    uint64                 // the presence version of the last join or leave here
}

func newRoom(name string, pol *policy) *room {
	return &room{name: name, pol: pol, clients: make(map[string]*client)}
}

// add puts cl in the room, sends it the TypePeers frame and tells the others
// with a TypeJoin frame. Because both happen under mu, the newcomer gets
// "peers" before any broadcast and the others get "join" before any frame of
// the newcomer. With a Bus it returns the join's presence version, for
// the other processes.
func (rm *room) add(cl *client, limits Limits) (ver uint64) {
	rm.mu.Lock()
	defer rm.mu.Unlock()

	others := make([]*client, 0, len(rm.clients))
	for _, o := range rm.clients {
		others = append(others, o)
	}
	slices.SortFunc(others, func(a, b *client) int { return cmp.Compare(a.seq, b.seq) })
	body := PeersBody{You: cl.id, Room: rm.name, Peers: make([]PeerInfo, 0, len(others)+len(rm.remotes)), Limits: limits}
	for _, o := range others {
		body.Peers = append(body.Peers, o.info())
	}
	if len(rm.remotes) > 0 {
		body.Peers = rm.mergeRemoteLocked(others, body.Peers[:0])
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
	if rm.link != nil {
		rm.pver = rm.link.s.pres.Add(1)
	}
	return rm.pver
}

// mergeRemoteLocked appends the local clients (sorted) and the remote
// peers to out in the order they joined. rm.mu must be held.
func (rm *room) mergeRemoteLocked(local []*client, out []PeerInfo) []PeerInfo {
	remote := make([]*remotePeer, 0, len(rm.remotes))
	for _, rp := range rm.remotes {
		remote = append(remote, rp)
	}
	slices.SortFunc(remote, func(a, b *remotePeer) int { return cmp.Compare(a.seq, b.seq) })
	i, j := 0, 0
	for i < len(local) || j < len(remote) {
		if j == len(remote) || i < len(local) && local[i].seq < remote[j].seq {
			out = append(out, local[i].info())
			i++
		} else {
			out = append(out, remote[j].info)
			j++
		}
	}
	return out
}

// remove takes cl out of the room and tells the others with a TypeLeave
// frame. It does nothing if cl is not in the room. With a Bus it returns
// the leave's presence version (0 if cl was not there).
func (rm *room) remove(cl *client) (ver uint64) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	if rm.clients[cl.id] != cl {
		return 0
	}
	delete(rm.clients, cl.id)
	leave := relayFrame(TypeLeave, LeaveBody{ID: cl.id})
	for _, o := range rm.clients {
		o.enqueue(leave)
	}
	if rm.link != nil {
		rm.pver = rm.link.s.pres.Add(1)
	}
	return rm.pver
}

// broadcast hands msg to every client but from that hears from (the
// room's groups), after the room's latency, and to the other processes
// sharing the room. It never blocks; msg is shared, read-only, by all
// the queues.
func (rm *room) broadcast(from *client, msg []byte) {
	rm.mu.Lock()
	for _, cl := range rm.clients {
		if cl == from {
			continue
		}
		if ok, delay := rm.pol.route(from, cl); ok {
			cl.deliver(msg, delay)
		}
	}
	rm.mu.Unlock()
	if rm.link != nil {
		rm.link.frame(from, "", msg)
	}
}

// direct hands msg from from to the client with the given id and reports
// whether there is one, here or on another process sharing the room. A
// client of another group (the room is split) exists but does not get
// it: the frame is lost, as on a broken network. It never blocks.
func (rm *room) direct(from *client, to string, msg []byte) bool {
	rm.mu.Lock()
	cl, ok := rm.clients[to]
	if ok {
		if hears, delay := rm.pol.route(from, cl); hears {
			cl.deliver(msg, delay)
		}
	}
	remote := !ok && rm.remotes[to] != nil
	rm.mu.Unlock()
	if remote {
		rm.link.frame(from, to, msg)
	}
	return ok || remote
}

// lookupRemote returns the peer of another process with the given id, or
// nil.
func (rm *room) lookupRemote(id string) *remotePeer {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.remotes[id]
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

// size returns how many clients have joined, how many of them are local
// and how many peers other processes have in the room.
func (rm *room) size() (n, local, remote int) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for _, cl := range rm.clients {
		if cl.local {
			local++
		}
	}
	return len(rm.clients) + len(rm.remotes), local, len(rm.remotes)
}

// peers describes the joined clients, and the other processes' peers, in
// the order they joined.
func (rm *room) peers() []PeerInfo {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	cls := make([]*client, 0, len(rm.clients))
	for _, cl := range rm.clients {
		cls = append(cls, cl)
	}
	slices.SortFunc(cls, func(a, b *client) int { return cmp.Compare(a.seq, b.seq) })
	return rm.mergeRemoteLocked(cls, make([]PeerInfo, 0, len(cls)+len(rm.remotes)))
}
