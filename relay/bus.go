package relay

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"nhooyr.io/websocket"
)

// Bus carries rooms between relay processes (Config.Bus), so that one
// room can have its peers on several processes behind a load balancer.
// The relay publishes on a room what the other processes need to act as
// one relay (its peers' frames, their arrivals and departures, a beat,
// the room's policy, kicks) and subscribes to a room while it has peers
// in it. Messages are opaque bytes to the Bus: an envelope of the
// relay's own (a line of JSON) followed by a frame's bytes exactly as
// the relay encoded them, so a block is never parsed, here or anywhere.
// relay/natsbus implements it over NATS; docs/cluster.md has the design.
//
// Implementations must be safe for concurrent use, and neither Publish,
// Subscribe nor unsubscribe may block for long: the relay calls them on a
// peer's reader goroutine and with its own locks held.
type Bus interface {
	// Publish sends msg to every process subscribed to room (this one may
	// hear it too; the relay ignores its own). Delivery is at most once
	// and in order per publisher. Publish does not keep msg.
	Publish(room string, msg []byte) error
	// Subscribe calls deliver with every message published on room, one
	// at a time, until unsubscribe is called; msg belongs to the relay
	// from then on.
	Subscribe(room string, deliver func(msg []byte)) (unsubscribe func(), err error)
}

// The kinds of bus messages (envelope.Kind).
const (
	busFrame  = "frame"  // a peer's frame: From, Obs, To; the payload is the encoded frame
	busJoin   = "join"   // Peers joined the publisher at version Ver
	busLeave  = "leave"  // Peers left the publisher at version Ver
	busBeat   = "beat"   // the publisher's peers of the room at version Ver: it lives
	busHello  = "hello"  // a beat from a process that just subscribed: answer with yours
	busPolicy = "policy" // the room's policy as of Policy.Stamp; the payload is its notice
	busKick   = "kick"   // close peer To (Drop: at once)
)

// envelope is the relay's header of a bus message, one line of JSON
// before the payload.
type envelope struct {
	Kind string `json:"k"`
	Proc string `json:"p"` // the publishing process
	// Ver orders a process's presence messages of a room: one that is
	// older than the last applied is stale and ignored.
	Ver      uint64      `json:"v,omitempty"`
	From     string      `json:"f,omitempty"`
	Obs      bool        `json:"o,omitempty"` // the sender is an observer (JoinObserver)
	To       string      `json:"t,omitempty"`
	Drop     bool        `json:"d,omitempty"`
	Peers    []wirePeer  `json:"peers,omitempty"`
	Policy   *wirePolicy `json:"pol,omitempty"`
	Announce bool        `json:"a,omitempty"` // a policy message that announces its notice now
}

// wirePeer is a peer as the bus describes it.
type wirePeer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Tag  string `json:"tag,omitempty"`
	Obs  bool   `json:"obs,omitempty"`
}

// wirePolicy is a room's policy on the bus. Stamp orders the changes
// room-wide (the latest, with the process id as tie-break, wins).
type wirePolicy struct {
	Stamp     uint64                   `json:"stamp"`
	Origin    string                   `json:"origin"` // the process that made the change
	Groups    map[string]int           `json:"groups,omitempty"`
	Latency   time.Duration            `json:"latency,omitempty"`
	PeerDelay map[string]time.Duration `json:"peer_delay,omitempty"`
}

var errBadEnvelope = errors.New("relay: bad bus message")

// encodeBus joins env and payload into one bus message.
func encodeBus(env *envelope, payload []byte) []byte {
	h, err := json.Marshal(env)
	if err != nil {
		panic("relay: marshal bus envelope: " + err.Error()) // plain struct
	}
	msg := make([]byte, 0, len(h)+1+len(payload))
	msg = append(msg, h...)
	msg = append(msg, '\n')
	return append(msg, payload...)
}

// decodeBus splits a bus message into its envelope and payload.
func decodeBus(msg []byte) (envelope, []byte, error) {
	var env envelope
	i := bytes.IndexByte(msg, '\n')
	if i < 0 {
		return env, nil, errBadEnvelope
	}
	if err := json.Unmarshal(msg[:i], &env); err != nil || env.Proc == "" {
		return env, nil, errBadEnvelope
	}
	return env, msg[i+1:], nil
}

// remotePeer is a peer of the room on another process.
type remotePeer struct {
	info PeerInfo
	proc string
	tag  string
	obs  bool
	seq  uint64 // when this process learned of it, in the order of Server.seq
}

// procState is what a room knows of another process sharing it.
type procState struct {
	ver  uint64    // the last presence version applied
	seen time.Time // when it was last heard from
}

// link is a room's connection to the bus, from its creation in this
// process to its removal.
type link struct {
	s  *Server
	rm *room

	mu    sync.Mutex
	unsub func() // nil until subscribed
	gone  bool   // the room was removed: unsubscribe at once
}

// subscribed reports whether the room hears the bus yet.
func (l *link) subscribed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unsub != nil
}

// newLinkLocked connects a new room to the bus: it subscribes on a
// goroutine of its own, then says hello. s.mu must be held.
func (s *Server) newLinkLocked(rm *room) {
	l := &link{s: s, rm: rm}
	rm.link = l
	rm.remotes = make(map[string]*remotePeer)
	rm.procs = make(map[string]*procState)
	rm.pver = s.pres.Add(1)
	s.links.Add(1)
	go func() {
		defer s.links.Done()
		unsub, err := s.cfg.Bus.Subscribe(rm.name, l.deliver)
		if err != nil {
			s.log.Warn("relay: bus: subscribe failed: the room stays in this process", "room", rm.name, "err", err)
			return
		}
		l.mu.Lock()
		if l.gone {
			l.mu.Unlock()
			unsub()
			return
		}
		l.unsub = unsub
		l.mu.Unlock()
		l.beat(busHello)
	}()
}

// stop unsubscribes: the room was removed from this process.
func (l *link) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gone = true
	if l.unsub != nil {
		l.unsub()
		l.unsub = nil
	}
}

func (l *link) isGone() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gone
}

// publish sends env and payload on the room.
func (s *Server) publish(room string, env *envelope, payload []byte) {
	env.Proc = s.cfg.ProcessID
	if err := s.cfg.Bus.Publish(room, encodeBus(env, payload)); err != nil {
		s.log.Debug("relay: bus: publish failed", "room", room, "kind", env.Kind, "err", err)
	}
}

// frame publishes a frame of from's (to one peer if to is set).
func (l *link) frame(from *client, to string, msg []byte) {
	l.s.publish(l.rm.name, &envelope{Kind: busFrame, From: from.id, Obs: from.observer, To: to}, msg)
}

// presence publishes that cl joined or left (kind) at version ver. Until
// the room hears the bus it publishes nothing: the other processes must
// not learn of a peer here (and address frames or a kick to it) before
// this process can hear them — what they sent was lost. The hello that
// follows the subscription names the room's peers as they are then.
func (l *link) presence(kind string, cl *client, ver uint64) {
	if !l.subscribed() {
		return
	}
	l.s.publish(l.rm.name, &envelope{Kind: kind, Ver: ver, Peers: []wirePeer{cl.wire()}}, nil)
}

// beat publishes the room's peers in this process (kind busBeat or
// busHello).
func (l *link) beat(kind string) {
	rm := l.rm
	rm.mu.Lock()
	cls := make([]*client, 0, len(rm.clients))
	for _, cl := range rm.clients {
		cls = append(cls, cl)
	}
	ver := rm.pver
	rm.mu.Unlock()
	slices.SortFunc(cls, func(a, b *client) int { return cmp.Compare(a.seq, b.seq) })
	peers := make([]wirePeer, len(cls))
	for i, cl := range cls {
		peers[i] = cl.wire()
	}
	l.s.publish(rm.name, &envelope{Kind: kind, Ver: ver, Peers: peers}, nil)
}

func (cl *client) wire() wirePeer {
	return wirePeer{ID: cl.id, Name: cl.name, Tag: cl.tag, Obs: cl.observer}
}

// deliver handles one message from the bus.
func (l *link) deliver(msg []byte) {
	env, payload, err := decodeBus(msg)
	if err != nil || env.Proc == l.s.cfg.ProcessID {
		return
	}
	if env.Kind == busPolicy {
		l.s.applyPolicy(l.rm.name, env, payload)
	}
	if l.isGone() {
		return
	}
	rm := l.rm
	rm.mu.Lock()
	ps := rm.procs[env.Proc]
	if ps == nil {
		ps = &procState{}
		rm.procs[env.Proc] = ps
	}
	ps.seen = time.Now()
	switch env.Kind {
	case busFrame:
		rm.remoteFrameLocked(env, payload)
	case busJoin, busLeave:
		if env.Ver > ps.ver {
			ps.ver = env.Ver
			for _, p := range env.Peers {
				if env.Kind == busJoin {
					rm.addRemoteLocked(env.Proc, p)
				} else if rp := rm.remotes[p.ID]; rp != nil && rp.proc == env.Proc {
					rm.removeRemoteLocked(p.ID)
				}
			}
		}
	case busBeat, busHello:
		if env.Ver >= ps.ver {
			ps.ver = env.Ver
			rm.reconcileLocked(env.Proc, env.Peers)
		}
	case busKick:
		if cl := rm.clients[env.To]; cl != nil {
			cl.close(websocket.StatusPolicyViolation, CodeKicked)
			if env.Drop {
				cl.abort()
			}
		}
	}
	rm.mu.Unlock()
	if env.Kind == busHello {
		l.beat(busBeat)
		l.s.sharePolicy(rm.name, false, false)
	}
}

// remoteFrameLocked hands a frame from another process to the room's
// peers here, by the room's policy. rm.mu must be held.
func (rm *room) remoteFrameLocked(env envelope, msg []byte) {
	if env.To != "" {
		if cl := rm.clients[env.To]; cl != nil {
			if ok, delay := rm.pol.routeIDs(env.From, env.Obs, cl); ok {
				cl.deliver(msg, delay)
			}
		}
		return
	}
	for _, cl := range rm.clients {
		if ok, delay := rm.pol.routeIDs(env.From, env.Obs, cl); ok {
			cl.deliver(msg, delay)
		}
	}
}

// addRemoteLocked records a peer of another process and tells the local
// peers it joined. rm.mu must be held.
func (rm *room) addRemoteLocked(proc string, p wirePeer) {
	if _, ok := rm.remotes[p.ID]; ok || rm.clients[p.ID] != nil || p.ID == "" {
		return
	}
	rp := &remotePeer{info: PeerInfo{ID: p.ID, Name: p.Name}, proc: proc, tag: p.Tag, obs: p.Obs, seq: rm.link.s.seq.Add(1)}
	rm.remotes[p.ID] = rp
	join := relayFrame(TypeJoin, rp.info)
	for _, cl := range rm.clients {
		cl.enqueue(join)
	}
}

// removeRemoteLocked forgets a peer of another process and tells the
// local peers it left. rm.mu must be held.
func (rm *room) removeRemoteLocked(id string) {
	if _, ok := rm.remotes[id]; !ok {
		return
	}
	delete(rm.remotes, id)
	leave := relayFrame(TypeLeave, LeaveBody{ID: id})
	for _, cl := range rm.clients {
		cl.enqueue(leave)
	}
}

// reconcileLocked makes proc's peers of the room those of a beat: the
// missing ones join, the absent ones leave. rm.mu must be held.
func (rm *room) reconcileLocked(proc string, peers []wirePeer) {
	in := make(map[string]bool, len(peers))
	for _, p := range peers {
		in[p.ID] = true
	}
	var gone []string
	for id, rp := range rm.remotes {
		if rp.proc == proc && !in[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		rm.removeRemoteLocked(id)
	}
	for _, p := range peers {
		rm.addRemoteLocked(proc, p)
	}
}

// expireLocked forgets the processes not heard from since before cutoff,
// and their peers. rm.mu must be held.
func (rm *room) expireLocked(cutoff time.Time) {
	for proc, ps := range rm.procs {
		if !ps.seen.Before(cutoff) {
			continue
		}
		delete(rm.procs, proc)
		rm.reconcileLocked(proc, nil)
	}
}

// runBus beats for every room this process shares and times out the
// processes that went silent, every BusBeat until stop is closed.
func (s *Server) runBus(stop <-chan struct{}) {
	defer s.links.Done()
	beat, timeout := s.cfg.busTimes()
	t := time.NewTicker(beat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			s.mu.Lock()
			rooms := make([]*room, 0, len(s.rooms))
			for _, rm := range s.rooms {
				if rm.link != nil {
					rooms = append(rooms, rm)
				}
			}
			s.mu.Unlock()
			for _, rm := range rooms {
				rm.mu.Lock()
				rm.expireLocked(now.Add(-timeout))
				rm.mu.Unlock()
				if !rm.link.isGone() && rm.link.subscribed() { // its first beat is the hello after subscribing
					rm.link.beat(busBeat)
				}
			}
		}
	}
}

// nextStamp returns a policy stamp later than any this process has made
// or seen: the wall clock in nanoseconds, or one more than the last.
func (s *Server) nextStamp() uint64 {
	for {
		last := s.stamp.Load()
		next := max(uint64(time.Now().UnixNano()), last+1)
		if s.stamp.CompareAndSwap(last, next) {
			return next
		}
	}
}

// seeStamp makes later stamps of this process come after st.
func (s *Server) seeStamp(st uint64) {
	for {
		last := s.stamp.Load()
		if st <= last || s.stamp.CompareAndSwap(last, st) {
			return
		}
	}
}

// sharePolicy publishes room's policy: stamped anew when it changed here
// (changed), with its notice announced to every peer when announce is
// set. It does nothing without a Bus, or for a policy never set.
func (s *Server) sharePolicy(room string, changed, announce bool) {
	if s.cfg.Bus == nil {
		return
	}
	s.mu.Lock()
	p := s.policyLocked(room)
	s.mu.Unlock()
	p.mu.Lock()
	if changed {
		p.stamp, p.stampProc = s.nextStamp(), s.cfg.ProcessID
	}
	if p.stamp == 0 {
		p.mu.Unlock()
		return
	}
	env := &envelope{Kind: busPolicy, Announce: announce, Policy: &wirePolicy{Stamp: p.stamp, Origin: p.stampProc,
		Groups: maps.Clone(p.groups), Latency: p.latency, PeerDelay: maps.Clone(p.peerDelay)}}
	notice := p.notice
	p.mu.Unlock()
	s.publish(room, env, notice)
}

// applyPolicy takes a room's policy from the bus if it is later than the
// one here, and announces its notice to the local peers if asked to.
func (s *Server) applyPolicy(room string, env envelope, notice []byte) {
	if env.Policy == nil {
		return
	}
	s.seeStamp(env.Policy.Stamp)
	s.mu.Lock()
	p := s.policyLocked(room)
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm != nil {
		rm.mu.Lock() // the notice and its announcement under one lock, as Announce
		defer rm.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if pol := env.Policy; pol.Stamp < p.stamp || pol.Stamp == p.stamp && pol.Origin <= p.stampProc {
		return
	}
	p.stamp, p.stampProc = env.Policy.Stamp, env.Policy.Origin
	p.groups, p.latency, p.peerDelay = env.Policy.Groups, env.Policy.Latency, env.Policy.PeerDelay
	p.notice = nil
	if len(notice) > 0 {
		p.notice = notice
	}
	if env.Announce && rm != nil && p.notice != nil {
		for _, cl := range rm.clients {
			cl.enqueue(p.notice)
		}
	}
}
