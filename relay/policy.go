package relay

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"sync"
	"time"

	"nhooyr.io/websocket"
)

// DefaultGroup is the group of a peer that SetGroups did not name: a peer
// that joins a split room lands in it.
const DefaultGroup = 1

// MaxLatency is the most artificial latency SetLatency adds to a frame,
// for the room or for one peer.
const MaxLatency = 10 * time.Second

// ErrBadPolicy is returned by SetGroups, SetLatency and Announce for an
// argument out of range.
var ErrBadPolicy = errors.New("relay: bad room policy")

// policy is what the server set for one room: partitions, latency and
// the notice every newcomer gets. It outlives the room's connections
// (the room object goes when its last peer leaves; a policy stays until
// ClearPolicy or until it is back to the default). Lock order: room.mu,
// then policy.mu.
type policy struct {
	mu sync.Mutex
	// groups maps peer ids to their group while the room is split; nil
	// when it is not. A peer it does not name is in DefaultGroup.
	groups map[string]int
	// latency delays every forwarded frame of the room; peerDelay adds to
	// the frames from and to one peer.
	latency   time.Duration
	peerDelay map[string]time.Duration
	// notice is the last frame of Announce, sent to every newcomer right
	// after its peers frame; nil before.
	notice []byte
	// stamp and stampProc order the policy's changes across the processes
	// of a Bus (bus.go): 0 and "" for a policy never changed since.
	stamp     uint64
	stampProc string
}

// zero reports whether p is the default policy (nothing set).
func (p *policy) zero() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.groups == nil && p.latency == 0 && len(p.peerDelay) == 0 && p.notice == nil && p.stamp == 0
}

// route says whether a frame from one client reaches another, and after
// how long. While the room is split a frame reaches only the peers of its
// sender's group; an observer hears every group, and what it sends
// reaches nobody (it would join the groups up: see JoinObserver).
func (p *policy) route(from, to *client) (ok bool, delay time.Duration) {
	return p.routeIDs(from.id, from.observer, to)
}

// routeIDs is route for a sender known by its id and whether it is an
// observer: one of another process's (bus.go).
func (p *policy) routeIDs(from string, fromObserver bool, to *client) (ok bool, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groups != nil && !to.observer {
		if fromObserver || p.groupLocked(from) != p.groupLocked(to.id) {
			return false, 0
		}
	}
	return true, p.latency + p.peerDelay[from] + p.peerDelay[to.id]
}

func (p *policy) groupLocked(id string) int {
	if g, ok := p.groups[id]; ok {
		return g
	}
	return DefaultGroup
}

func (p *policy) getNotice() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notice
}

// policyLocked returns room's policy, creating it. s.mu must be held.
func (s *Server) policyLocked(room string) *policy {
	p := s.policies[room]
	if p == nil {
		p = &policy{}
		s.policies[room] = p
	}
	return p
}

// SetGroups splits room into groups that no longer hear each other:
// groups maps peer ids to a group number (1 or more); a peer it does not
// name, and every peer that joins later, is in DefaultGroup. While the
// room is split, a forwarded frame (a broadcast or a direct one) reaches
// only the peers of its sender's group and is dropped silently for the
// others, as on a broken network; the relay's own frames (peers, join,
// leave) and Announce still reach everyone. An observer (JoinObserver)
// hears every group. An empty or nil map heals the room: every peer hears
// every other again. SetGroups works whether or not the room has peers.
// A group number below 1 is refused with ErrBadPolicy.
func (s *Server) SetGroups(room string, groups map[string]int) error {
	for id, g := range groups {
		if g < 1 {
			return fmt.Errorf("%w: peer %q in group %d: groups are numbered from 1", ErrBadPolicy, id, g)
		}
	}
	s.mu.Lock()
	p := s.policyLocked(room)
	s.mu.Unlock()
	p.mu.Lock()
	if len(groups) == 0 {
		p.groups = nil
	} else {
		p.groups = maps.Clone(groups)
	}
	p.mu.Unlock()
	s.sharePolicy(room, true, false)
	return nil
}

// Groups returns room's groups as SetGroups set them (peer id → group),
// or nil when the room is not split.
func (s *Server) Groups(room string) map[string]int {
	s.mu.Lock()
	p := s.policies[room]
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.groups)
}

// SetLatency delays the frames the relay forwards in room: with peer ""
// every frame of the room by d, else every frame from or to that peer by
// d more. A frame from A to B waits the room's latency plus A's plus B's;
// frames to one peer keep their order when their delays are equal, and a
// frame that waits still counts against its recipient's SendQueue. d = 0
// removes the latency. d outside 0 … MaxLatency is refused with
// ErrBadPolicy. The relay's own frames and Announce are not delayed.
func (s *Server) SetLatency(room, peer string, d time.Duration) error {
	if d < 0 || d > MaxLatency {
		return fmt.Errorf("%w: latency %v: want 0 to %v", ErrBadPolicy, d, MaxLatency)
	}
	s.mu.Lock()
	p := s.policyLocked(room)
	s.mu.Unlock()
	p.mu.Lock()
	switch {
	case peer == "":
		p.latency = d
	case d == 0:
		delete(p.peerDelay, peer)
	default:
		if p.peerDelay == nil {
			p.peerDelay = make(map[string]time.Duration)
		}
		p.peerDelay[peer] = d
	}
	p.mu.Unlock()
	s.sharePolicy(room, true, false)
	return nil
}

// Latency returns room's latency and each peer's extra latency.
func (s *Server) Latency(room string) (all time.Duration, peers map[string]time.Duration) {
	s.mu.Lock()
	p := s.policies[room]
	s.mu.Unlock()
	if p == nil {
		return 0, map[string]time.Duration{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latency, maps.Clone(p.peerDelay)
}

// Announce sends every peer of room, whatever its group, at once, a frame
// of type typ with body and no "from": a frame of the server's own, which
// no client can send (the relay fills in every client frame's "from"). It
// keeps the frame as the room's notice: every peer that joins later gets
// it right after its peers frame, until the next Announce or ClearPolicy.
// The relay does not read body, which must be valid JSON; typ follows the
// rules of a client's type (not empty, at most MaxTypeLen bytes, not one
// of the relay's own). It fails with ErrBadPolicy otherwise.
func (s *Server) Announce(room, typ string, body json.RawMessage) error {
	switch {
	case typ == "" || len(typ) > MaxTypeLen:
		return fmt.Errorf("%w: frame type %q", ErrBadPolicy, typ)
	case typ == TypePeers || typ == TypeJoin || typ == TypeLeave || typ == TypeError:
		return fmt.Errorf("%w: frame type %q is the relay's", ErrBadPolicy, typ)
	case !json.Valid(body):
		return fmt.Errorf("%w: body is not JSON", ErrBadPolicy)
	}
	f := Frame{Type: typ, Body: body}
	msg := f.encode()
	s.mu.Lock()
	p := s.policyLocked(room)
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm == nil {
		p.mu.Lock()
		p.notice = msg
		p.mu.Unlock()
	} else {
		rm.mu.Lock() // the notice and the broadcast under one lock: a newcomer gets it once
		p.mu.Lock()
		p.notice = msg
		p.mu.Unlock()
		for _, cl := range rm.clients {
			cl.enqueue(msg)
		}
		rm.mu.Unlock()
	}
	s.sharePolicy(room, true, true)
	return nil
}

// ClearPolicy forgets room's groups, latency and notice (a reset starts
// the room afresh).
//
// With a Bus the other processes forget it too, and the cleared policy
// stays here (a few bytes) to keep its order among later changes.
func (s *Server) ClearPolicy(room string) {
	s.mu.Lock()
	p := s.policies[room]
	if p == nil && s.cfg.Bus == nil {
		s.mu.Unlock()
		return
	}
	if p == nil {
		p = s.policyLocked(room)
	}
	p.mu.Lock()
	p.groups, p.latency, p.peerDelay, p.notice = nil, 0, nil, nil
	p.mu.Unlock()
	if s.rooms[room] == nil && s.cfg.Bus == nil {
		delete(s.policies, room)
	}
	s.mu.Unlock()
	s.sharePolicy(room, true, false)
}

// delayLine holds the frames to one client that wait for their latency,
// by due time (then arrival), and hands each to the client's queue when
// it is due. One timer per line, armed for the first frame.
type delayLine struct {
	cl *client

	mu    sync.Mutex
	items []delayed
	seq   uint64
	timer *time.Timer
}

type delayed struct {
	at  time.Time
	seq uint64
	msg []byte
}

// add queues msg for delivery at at. A client whose queue and line
// together hold SendQueue frames is too slow: it is closed, as enqueue
// does.
func (l *delayLine) add(msg []byte, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cl.conn.Err() != nil {
		return
	}
	if len(l.items)+l.cl.queue.len() >= l.cl.queue.max {
		l.cl.closeNow(websocket.StatusPolicyViolation, CodeSendQueueFull)
		return
	}
	l.seq++
	d := delayed{at: at, seq: l.seq, msg: msg}
	i := sort.Search(len(l.items), func(i int) bool { return l.items[i].at.After(at) })
	l.items = append(l.items, delayed{})
	copy(l.items[i+1:], l.items[i:])
	l.items[i] = d
	if i == 0 {
		l.armLocked()
	}
}

// armLocked sets the timer for the first frame. l.mu must be held.
func (l *delayLine) armLocked() {
	if len(l.items) == 0 {
		return
	}
	wait := time.Until(l.items[0].at)
	if l.timer == nil {
		l.timer = time.AfterFunc(wait, l.fire)
		return
	}
	l.timer.Reset(wait)
}

// fire hands every due frame to the client's queue and re-arms.
func (l *delayLine) fire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cl.conn.Err() != nil {
		l.items = nil
		return
	}
	now := time.Now()
	n := 0
	for n < len(l.items) && !l.items[n].at.After(now) {
		l.cl.enqueue(l.items[n].msg)
		n++
	}
	l.items = append(l.items[:0], l.items[n:]...)
	l.armLocked()
}
