package relay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"nhooyr.io/websocket"
)

// Reasons for refusing a connection. JoinLocal returns them; ServeHTTP
// answers the last three with HTTP 503 and the first with 400, the body
// being the code alone (Code gives it: CodeRoomFull, CodeTooManyRooms,
// CodeShuttingDown, CodeInvalidRoom).
var (
	// ErrInvalidRoom: the room name fails ValidRoomName.
	ErrInvalidRoom = errors.New("relay: invalid room name")
	// ErrRoomFull: the room has Config.MaxPeersPerRoom peers.
	ErrRoomFull = errors.New("relay: room full")
	// ErrTooManyRooms: Config.MaxRooms rooms have websocket peers and this
	// would be one more (for a local client: 2×MaxRooms rooms exist).
	ErrTooManyRooms = errors.New("relay: too many rooms")
	// ErrClosed: Close has been called.
	ErrClosed = errors.New("relay: relay is shutting down")
)

// Server is the relay: an http.Handler that upgrades GET requests to
// websockets and joins each connection to the room named in the path. Create
// it with New, mount it with mux.Handle("GET /ws/{room}", srv), and call Close
// when done. Its methods are safe for concurrent use.
type Server struct {
	cfg    Config
	accept websocket.AcceptOptions
	log    *slog.Logger
	hooks  *hooks // nil without OnRoomActive/OnRoomEmpty
	seq    atomic.Uint64

	mu     sync.Mutex
	rooms  map[string]*room // guarded by mu
	closed bool             // guarded by mu
	// policies holds each room's groups, latency and notice (policy.go),
	// kept while the room is empty too. Guarded by mu.
	policies map[string]*policy

	// handlers counts the ServeHTTP calls past reserve; Add happens under
	// mu while !closed, so it never races with Close's Wait.
	handlers sync.WaitGroup

	// With a Bus (bus.go): pres numbers the presence changes of this
	// process, stamp is the last policy stamp made or seen, links counts
	// the goroutines of the bus (runBus and the subscriptions under way),
	// and busStop ends runBus.
	pres    atomic.Uint64
	stamp   atomic.Uint64
	links   sync.WaitGroup
	busStop chan struct{}
}

// New returns a Server with the given configuration, or an error wrapping
// ErrInvalidConfig. The caller must call Close when done.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:    cfg,
		accept: websocket.AcceptOptions{OriginPatterns: slices.Clone(cfg.OriginPatterns)},
		log:    log,
		hooks:  newHooks(cfg.OnRoomActive, cfg.OnRoomEmpty),
		rooms:  make(map[string]*room),

		policies: make(map[string]*policy),
	}
	if cfg.Bus != nil {
		s.busStop = make(chan struct{})
		s.links.Add(1)
		go s.runBus(s.busStop)
	}
	return s, nil
}

// newClient returns a new client with the next peer id: "p7", or
// "k3x9-p7" with Config.ProcessID "k3x9".
func (s *Server) newClient(ctx context.Context, name string, local bool) *client {
	cl := newClient(ctx, s.seq.Add(1), name, s.cfg.SendQueue, local)
	if s.cfg.ProcessID != "" {
		cl.id = s.cfg.ProcessID + "-" + cl.id
	}
	return cl
}

// ServeHTTP upgrades a GET request to a websocket and returns; the
// connection is served on a goroutine of its own until it ends, and Close
// waits for it. (net/http's goroutine for the request, with its deep stack
// and the request itself, would otherwise stay for the whole life of the
// connection: most of what an idle peer costs.) The room is
// r.PathValue("room"), or else the last element of the path. It answers
// 405 to other methods, 400 to an invalid room name, 503 when the room is
// full, when there are too many rooms or after Close, and whatever
// websocket.Accept answers to a bad upgrade (403 for a cross-origin
// request that Config.OriginPatterns does not allow). The connection
// keeps the values of r's context (WithTag), not its end.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := r.PathValue("room")
	if name == "" {
		name = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	if !ValidRoomName(name) {
		http.Error(w, CodeInvalidRoom, http.StatusBadRequest)
		return
	}
	rm, err := s.reserve(name, false)
	if err != nil {
		http.Error(w, Code(err), http.StatusServiceUnavailable)
		return
	}
	accept := &s.accept
	if r.Context().Value(originKey{}) != nil {
		trusted := s.accept
		trusted.InsecureSkipVerify = true // the handler in front checked the origin (WithOriginChecked)
		accept = &trusted
	}
	c, err := websocket.Accept(withSmallBuffers(w), r, accept) // on error it has answered
	if err != nil {
		s.release(rm, false)
		s.handlers.Done()
		s.log.Debug("relay: upgrade refused", "room", name, "err", err)
		return
	}
	// The request's context ends when ServeHTTP returns; the connection
	// keeps its values only.
	ctx := context.WithoutCancel(r.Context())
	cl := s.newClient(ctx, cleanName(r.URL.Query().Get("name")), false)
	cl.tag, _ = ctx.Value(tagKey{}).(string)
	c.SetReadLimit(-1) // readFrame bounds frames to s.cfg.ReadLimit
	// Joining (the peers frame's JSON) runs here, on net/http's goroutine,
	// which ends with this call; the connection's own goroutine starts
	// with a small stack and never needs more than its read loop does.
	if !s.join(rm, cl) {
		s.handlers.Done()
		cl.abort()
		c.Close(websocket.StatusGoingAway, CodeShuttingDown)
		return
	}
	s.log.Debug("relay: peer joined", "room", name, "peer", cl.id, "name", cl.name)
	go s.run(c, rm, cl, name) // owned by s.handlers
}

// run serves a joined connection until it ends. It is ServeHTTP's second
// half, on a goroutine counted in s.handlers.
func (s *Server) run(c *websocket.Conn, rm *room, cl *client, name string) {
	defer s.handlers.Done()
	defer c.CloseNow()
	defer cl.abort()
	err := s.serve(c, rm, cl)
	if code, reason := cl.status(); code != 0 && code != websocket.StatusGoingAway {
		s.log.Info("relay: peer closed by relay", "room", name, "peer", cl.id, "code", code, "reason", reason)
	} else if !expectedClose(err) {
		s.log.Debug("relay: peer dropped", "room", name, "peer", cl.id, "err", err)
	}
}

// serve runs one joined connection: the calling goroutine reads; a writer
// goroutine runs while frames wait for it, and a goroutine per ping while
// it waits for its pong (client.attach). serve waits for them before
// returning, and the client has left the room by then.
func (s *Server) serve(c *websocket.Conn, rm *room, cl *client) error {
	var tasks sync.WaitGroup
	cl.attach(c, &tasks, s.cfg.WriteTimeout, s.cfg.PingInterval)

	err := cl.readLoop(c, rm, s.newInflow(), s.cfg.ReadLimit)

	s.leave(rm, cl)
	cl.abort()
	cl.detach()
	tasks.Wait()
	if pingErr := cl.pingError(); pingErr != nil {
		return pingErr
	}
	return err
}

// newInflow returns the rate limiter state of one new connection.
func (s *Server) newInflow() *inflow {
	limit := rate.Limit(s.cfg.RatePerSec)
	if math.IsInf(s.cfg.RatePerSec, 1) {
		limit = rate.Inf
	}
	return &inflow{lim: rate.NewLimiter(limit, s.cfg.RateBurst)}
}

// expectedClose reports whether err is an ordinary end of a connection.
func expectedClose(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		return true
	}
	return err == nil || errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF)
}

// reserve takes a place in the named room, creating the room if needed.
// On success the caller must call s.handlers.Done when it returns, and either
// join or release. Config.MaxRooms counts the rooms that have websocket
// members: a room kept only by local clients (an archive peer waiting for
// its room's idle timeout) takes no slot, so a websocket peer that makes a
// room non-local is refused when the slots are taken. As a backstop, a
// local client may open a room only while fewer than 2×MaxRooms rooms
// exist.
func (s *Server) reserve(name string, local bool) (*room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	rm := s.rooms[name]
	switch {
	case !local && (rm == nil || rm.sockets == 0) && s.remoteRoomsLocked() >= s.cfg.MaxRooms,
		local && rm == nil && len(s.rooms) >= 2*s.cfg.MaxRooms:
		return nil, ErrTooManyRooms
	}
	if rm == nil {
		rm = newRoom(name, s.policyLocked(name))
		s.rooms[name] = rm
		if s.cfg.Bus != nil {
			s.newLinkLocked(rm)
		}
	}
	if rm.members >= s.cfg.MaxPeersPerRoom {
		return nil, ErrRoomFull
	}
	rm.members++
	if !local {
		rm.sockets++
	}
	s.handlers.Add(1)
	return rm, nil
}

// remoteRoomsLocked counts the rooms with websocket members (joined or
// upgrading). s.mu must be held.
func (s *Server) remoteRoomsLocked() int {
	n := 0
	for _, rm := range s.rooms {
		if rm.sockets > 0 {
			n++
		}
	}
	return n
}

// limits are the limits every connection gets, as its welcome says.
func (s *Server) limits() Limits {
	l := Limits{RatePerSec: s.cfg.RatePerSec, RateBurst: s.cfg.RateBurst, SendQueue: s.cfg.SendQueue, ReadLimit: s.cfg.ReadLimit}
	if math.IsInf(l.RatePerSec, 1) {
		l.RatePerSec = 0
	}
	return l
}

// release gives back a place taken by reserve.
func (s *Server) release(rm *room, local bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(rm, local)
}

// releaseLocked gives back a place and removes the room when nobody is left.
// s.mu must be held.
func (s *Server) releaseLocked(rm *room, local bool) {
	rm.members--
	if !local {
		rm.sockets--
	}
	if rm.members > 0 {
		return
	}
	delete(s.rooms, rm.name)
	if rm.link != nil {
		rm.link.stop()
	}
	if rm.pol.zero() {
		delete(s.policies, rm.name)
	}
}

// join turns a reserved place into membership. It reports false, and gives
// the place back, if the Server is closed. The first websocket peer makes
// the room active; local clients do not count.
func (s *Server) join(rm *room, cl *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.releaseLocked(rm, cl.local)
		return false
	}
	if ver := rm.add(cl, s.limits()); rm.link != nil {
		rm.link.presence(busJoin, cl, ver)
	}
	if !cl.local {
		rm.remote++
		if !rm.active {
			rm.active = true
			s.hooks.emit(rm.name, true)
		}
	}
	return true
}

// leave takes cl out of its room and gives its place back. The last
// websocket peer to leave makes the room empty, even if local clients stay.
func (s *Server) leave(rm *room, cl *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ver := rm.remove(cl); rm.link != nil && ver != 0 {
		rm.link.presence(busLeave, cl, ver)
	}
	if !cl.local {
		rm.remote--
		if rm.remote == 0 && rm.active {
			rm.active = false
			s.hooks.emit(rm.name, false)
		}
	}
	s.releaseLocked(rm, cl.local)
}

// Rooms returns the rooms that have peers, local clients included, sorted
// by name.
func (s *Server) Rooms() []RoomInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RoomInfo, 0, len(s.rooms))
	for name, rm := range s.rooms {
		if n, local, remote := rm.size(); n > 0 {
			out = append(out, RoomInfo{Name: name, Peers: n, Local: local, Remote: remote})
		}
	}
	slices.SortFunc(out, func(a, b RoomInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Peers returns the peers of room, local clients included, in the order
// they joined; nil if the room has none. With a Bus, the peers of other
// processes are included while this process has peers in the room too.
func (s *Server) Peers(room string) []PeerInfo {
	s.mu.Lock()
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm == nil {
		return nil
	}
	return rm.peers()
}

// tagKey is the context key of WithTag.
type tagKey struct{}

// WithTag returns a copy of ctx carrying tag. ServeHTTP keeps the tag of
// its request's context with the connection it serves and Tag returns it:
// a handler in front of the relay labels each websocket (cmd/chainplay
// labels it with what it bans a kicked peer by) and reads the label back
// by peer id. The relay never looks at it.
func WithTag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, tagKey{}, tag)
}

// originKey is the context key of WithOriginChecked.
type originKey struct{}

// WithOriginChecked returns a copy of ctx that tells ServeHTTP the
// request's Origin was checked by the handler in front of the relay, so
// it accepts the websocket without its own cross-origin check
// (Config.OriginPatterns): cmd/chainplay admits the pages of the other
// processes of its cluster, which it learns while it runs. Only a
// handler that did check the Origin may use it.
func WithOriginChecked(ctx context.Context) context.Context {
	return context.WithValue(ctx, originKey{}, true)
}

// Tag returns the tag (WithTag) of the connection of peer peerID in room,
// "" for a local client or one whose request had none, and whether there
// is such a peer.
func (s *Server) Tag(room, peerID string) (string, bool) {
	s.mu.Lock()
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm == nil {
		return "", false
	}
	cl := rm.lookup(peerID)
	if cl == nil {
		if rp := rm.lookupRemote(peerID); rp != nil {
			return rp.tag, true
		}
		return "", false
	}
	return cl.tag, true
}

// Kick closes the connection of peer peerID in room with
// StatusPolicyViolation and CodeKicked, and reports whether there was such a
// peer, websocket or local. It does not wait for the connection to end; the others get a
// TypeLeave frame when it does.
func (s *Server) Kick(room, peerID string) bool {
	s.mu.Lock()
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm == nil {
		return false
	}
	cl := rm.lookup(peerID)
	if cl == nil {
		return s.kickRemote(rm, peerID, false)
	}
	cl.close(websocket.StatusPolicyViolation, CodeKicked)
	return true
}

// kickRemote asks the process of peer peerID, if it is another one's, to
// kick it (or drop it), and reports whether there is such a peer.
func (s *Server) kickRemote(rm *room, peerID string, drop bool) bool {
	if rm.link == nil || rm.lookupRemote(peerID) == nil {
		return false
	}
	s.publish(rm.name, &envelope{Kind: busKick, To: peerID, Drop: drop}, nil)
	return true
}

// Drop ends the connection of peer peerID in room at once, without a
// close handshake (a websocket client sees its connection break; a local
// one ends with CodeKicked), and reports whether there was such a peer:
// for a peer that does not answer a Kick's close frame, which would
// otherwise stay in the room for the handshake's timeout. The others get
// a TypeLeave frame.
func (s *Server) Drop(room, peerID string) bool {
	s.mu.Lock()
	rm := s.rooms[room]
	s.mu.Unlock()
	if rm == nil {
		return false
	}
	cl := rm.lookup(peerID)
	if cl == nil {
		return s.kickRemote(rm, peerID, true)
	}
	cl.close(websocket.StatusPolicyViolation, CodeKicked)
	cl.abort()
	return true
}

// Close refuses new connections, closes every connection with
// StatusGoingAway and CodeShuttingDown, and waits until all of them have ended, their goroutines
// included, and every OnRoomEmpty hook has returned. A connection that has
// not finished its close handshake within Config.WriteTimeout is dropped.
// Close is idempotent. http.Server.Shutdown does not wait for websockets
// (they are hijacked connections), so call Close too.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	var all []*client
	for _, rm := range s.rooms {
		all = append(all, rm.snapshot()...)
	}
	s.mu.Unlock()

	for _, cl := range all {
		cl.close(websocket.StatusGoingAway, CodeShuttingDown)
	}
	aborted := make(chan struct{})
	grace := time.AfterFunc(s.cfg.WriteTimeout, func() {
		defer close(aborted)
		for _, cl := range all {
			cl.abort()
		}
	})
	s.handlers.Wait()
	if !grace.Stop() {
		<-aborted // the timer's goroutine has started: wait for it
	}
	s.hooks.stop()
	if s.busStop != nil {
		s.mu.Lock()
		select {
		case <-s.busStop:
		default:
			close(s.busStop)
		}
		s.mu.Unlock()
		s.links.Wait()
	}
}
