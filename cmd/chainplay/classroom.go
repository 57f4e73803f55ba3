//go:build !js

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
)

// The classroom: the teacher's controls over the live room, the board
// and the lesson's timeline (DESIGN.md, "The classroom").
//
// One mechanism makes a control unforgeable: every created room has a
// control key (an ed25519 key whose seed the registry keeps beside the
// teacher token's hash; its public key is in the room's config, which the
// page and cmd/node read). A teacher request is checked against the
// token, the server applies what is the relay's to apply (groups and
// latency, so they hold against a modified tab), then signs the room's
// whole control state with the next sequence number (kept in the
// registry, so it only grows, restarts included) and the relay announces
// it to every peer of every group (relay.Server.Announce) and to every
// newcomer. Every peer verifies the signature, the room, the epoch and
// the sequence number (chain/node/control.go) and refuses, and reports,
// anything else: a student's forged control frame is refused by every
// peer with the rule code control-forged, a replayed one with
// control-stale.
//
//	POST /api/rooms/{room}/control   teacher: {"op": …} → {"control": the signed Control}
//	     pause | resume | clear
//	     throttle {"pct": 1…100}               every miner mines pct % of the time
//	     share    {"peer", "pct": 1…99}        the peer gets pct % of the room's measured
//	                                           hash rate; pct 0 lifts the share
//	     split    {"groups": {"p3": 2, …}}     the relay splits the room (peers not named:
//	                                           group 1); no groups: every other peer to group 2
//	     heal                                  the room is whole again
//	     latency  {"peer"?, "ms": 0…10000}     the relay delays the room's (or one peer's) frames
//	     rename   {"peer", "name"}             every page shows the peer by that name
//	     lesson   {"lesson", "step"}           the board shows a lesson's step
//	     fault    {"seat", "fault", "ms"?}     a PBFT replica misbehaves (pbft.go)
//	POST /api/rooms/{room}/lesson    teacher: {"lesson": id} start a lesson with its preset:
//	                                 a new genesis when its parameters differ, then its controls
//	GET  /api/lessons                the lessons the board can start: [{id, params, steps, …}]
//	GET  /api/rooms/{room}/board     the board (chain/node/view.BoardView); ?at=UNIXMS replays
//	                                 a past moment
//	GET  /api/rooms/{room}/timeline  teacher: the lesson's timeline as JSON
//	                                 (node.TimelineExport); ?format=csv as CSV
//
// Rule changes (the target block time, locking the difficulty) are a new
// genesis (POST /api/rooms/{room}/genesis), not a change announced for a
// future height: the rules are committed in the genesis block, every
// chain of the room is void after a change, and a student who joins later
// needs no history of rule changes to validate the chain. The board says
// so next to the form.

// controlRequest is the body of POST /api/rooms/{room}/control.
type controlRequest struct {
	Op     string         `json:"op"`
	Pct    *int           `json:"pct"`
	Peer   string         `json:"peer"`
	Groups map[string]int `json:"groups"`
	Ms     *int64         `json:"ms"`
	Name   string         `json:"name"`
	Lesson string         `json:"lesson"`
	Step   int            `json:"step"`
	Seat   *int           `json:"seat"`  // fault: the replica (pbft.go)
	Fault  string         `json:"fault"` // fault: node.Faults, "" for honest
}

// controlResponse answers a control.
type controlResponse struct {
	Control node.Control `json:"control"`
}

// classroom keeps each room's control state. Guarded by mu; a control is
// decided, signed and announced under it, so controls leave in the order
// of their sequence numbers.
type classroom struct {
	mu    sync.Mutex
	rooms map[string]*node.ControlState
}

func newClassroom() *classroom { return &classroom{rooms: make(map[string]*node.ControlState)} }

// stateLocked returns room's control state, creating it. c.mu must be held.
func (c *classroom) stateLocked(room string) *node.ControlState {
	st := c.rooms[room]
	if st == nil {
		st = &node.ControlState{}
		c.rooms[room] = st
	}
	return st
}

// clear forgets room's controls (after a reset).
func (c *classroom) clear(room string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rooms, room)
}

// newControlSeed returns a fresh seed for a room's control key.
func newControlSeed() ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	return seed, nil
}

// controlPublicHex is the room config's control_key: hex, "" without one.
func controlPublicHex(rec roomRecord) string {
	if k := rec.controlPublic(); k != nil {
		return hex.EncodeToString(k)
	}
	return ""
}

func (s *server) routeClassroom(m *httpjson.Mux) {
	// Served where the room's archive runs (archiveproxy.go): it keeps the
	// control state, the timeline and the node the board is drawn from.
	m.Handle("POST /api/rooms/{room}/control", s.withRoom(s.teacher(s.atArchive(s.postControl))))
	m.Handle("POST /api/rooms/{room}/lesson", s.withRoom(s.teacher(s.atArchive(s.startLesson))))
	m.Handle("GET /api/lessons", s.getLessons)
	m.Handle("GET /api/rooms/{room}/board", s.withRoom(s.atArchive(s.getBoard)))
	m.Handle("GET /api/rooms/{room}/timeline", s.withRoom(s.teacher(s.atArchive(s.getTimeline))))
}

func badControl(format string, args ...any) error {
	return httpjson.Errorf(http.StatusBadRequest, httpjson.CodeBadControl, format, args...)
}

func (s *server) postControl(w http.ResponseWriter, r *http.Request, room string) error {
	var req controlRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	c, err := s.control(room, req)
	if err != nil {
		return err
	}
	return httpjson.Write(w, http.StatusOK, controlResponse{Control: c})
}

// peerIn reports whether id is a peer of room other than its archive.
func (s *server) peerIn(room, id string) bool {
	if id == "" || id == s.archives.Status(room).ID {
		return false
	}
	return slices.ContainsFunc(s.relay.Peers(room), func(p relay.PeerInfo) bool { return p.ID == id })
}

// control applies one teacher control to room and announces the room's
// new control state, signed.
func (s *server) control(room string, req controlRequest) (node.Control, error) {
	s.class.mu.Lock()
	defer s.class.mu.Unlock()
	cur := s.class.stateLocked(room)
	st := cur.Clone()
	peer := req.Peer
	needPeer := func() error {
		if !s.peerIn(room, peer) {
			return httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownPeer, "no peer %q in room %q", peer, room)
		}
		return nil
	}
	pct := func(lo, hi int) (int, error) {
		if req.Pct == nil || *req.Pct < lo || *req.Pct > hi {
			return 0, badControl("%s: pct: want %d to %d", req.Op, lo, hi)
		}
		return *req.Pct, nil
	}
	switch req.Op {
	case node.CodeControlPause:
		st.Paused = true
	case node.CodeControlResume:
		st.Paused = false
	case node.CodeControlClear:
		st = node.ControlState{Lesson: st.Lesson, Step: st.Step}
		if err := s.relay.SetGroups(room, nil); err != nil {
			return node.Control{}, err
		}
		s.relay.SetLatency(room, "", 0)
		_, peers := s.relay.Latency(room)
		for id := range peers {
			s.relay.SetLatency(room, id, 0)
		}
	case node.CodeControlThrottle:
		p, err := pct(1, 100)
		if err != nil {
			return node.Control{}, err
		}
		st.Throttle = p
		if p == 100 {
			st.Throttle = 0
		}
	case node.CodeControlShare:
		p, err := pct(0, 99)
		if err != nil {
			return node.Control{}, err
		}
		if p == 0 {
			st.Share, st.Duty = nil, nil
			break
		}
		if err := needPeer(); err != nil {
			return node.Control{}, err
		}
		st.Share = &node.Share{Peer: peer, Pct: p}
		st.Duty = node.ShareDuties(s.fullRates(room), peer, p)
	case node.CodeControlSplit:
		groups := req.Groups
		if len(groups) == 0 {
			groups = s.halves(room)
		}
		for id, g := range groups {
			if g < 1 || g > 9 {
				return node.Control{}, badControl("split: peer %q in group %d: want 1 to 9", id, g)
			}
		}
		if err := s.relay.SetGroups(room, groups); err != nil {
			return node.Control{}, badControl("split: %v", err)
		}
		st.Groups = maps.Clone(groups)
	case node.CodeControlHeal:
		if err := s.relay.SetGroups(room, nil); err != nil {
			return node.Control{}, err
		}
		st.Groups = nil
	case node.CodeControlLatency:
		if req.Ms == nil || *req.Ms < 0 || *req.Ms > relay.MaxLatency.Milliseconds() {
			return node.Control{}, badControl("latency: ms: want 0 to %d", relay.MaxLatency.Milliseconds())
		}
		if peer != "" {
			if err := needPeer(); err != nil {
				return node.Control{}, err
			}
		}
		if err := s.relay.SetLatency(room, peer, time.Duration(*req.Ms)*time.Millisecond); err != nil {
			return node.Control{}, badControl("latency: %v", err)
		}
		if peer == "" {
			st.LatencyMs = *req.Ms
		} else {
			if st.PeerLatencyMs == nil {
				st.PeerLatencyMs = map[string]int64{}
			}
			st.PeerLatencyMs[peer] = *req.Ms
			if *req.Ms == 0 {
				delete(st.PeerLatencyMs, peer)
			}
		}
	case node.CodeControlRename:
		if err := needPeer(); err != nil {
			return node.Control{}, err
		}
		if req.Name == "" || len(req.Name) > relay.MaxNameLen || !utf8.ValidString(req.Name) {
			return node.Control{}, badControl("rename: name: want 1 to %d bytes of UTF-8", relay.MaxNameLen)
		}
		if st.Names == nil {
			st.Names = map[string]string{}
		}
		st.Names[peer] = req.Name
	case node.CodeControlLesson:
		if _, ok := lessonByID(req.Lesson); !ok {
			return node.Control{}, httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownLesson, "no lesson %q", req.Lesson)
		}
		if req.Step < 0 || req.Step >= 20 {
			return node.Control{}, badControl("lesson: step: want 0 to 19")
		}
		st.Lesson, st.Step = req.Lesson, req.Step
	case node.CodeControlFault:
		var err error
		if peer, err = s.faultControl(room, req, &st); err != nil {
			return node.Control{}, err
		}
	default:
		return node.Control{}, badControl("op %q: want one of %v", req.Op, node.ControlOps())
	}
	c, err := s.announceLocked(room, req.Op, peer, st)
	if err != nil {
		return c, err
	}
	*cur = st
	return c, nil
}

// announceLocked signs st as room's next control and has the relay
// announce it. s.class.mu must be held.
func (s *server) announceLocked(room, op, peer string, st node.ControlState) (node.Control, error) {
	rec, err := s.reg.update(room, func(rec *roomRecord) error {
		if len(rec.ControlSeed) != ed25519.SeedSize { // a room created before control keys existed
			seed, err := newControlSeed()
			if err != nil {
				return err
			}
			rec.ControlSeed = seed
		}
		rec.ControlSeq++
		return nil
	})
	if err != nil {
		return node.Control{}, fmt.Errorf("chainplay: control: %w", err)
	}
	c := node.Control{Room: room, Epoch: rec.Epoch, Seq: rec.ControlSeq, Time: s.cfg.Clock.Now().UnixMilli(), Op: op, Peer: peer, State: st}
	body, err := node.SignControl(rec.controlKey(), c)
	if err != nil {
		return c, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return c, err
	}
	if err := s.relay.Announce(room, node.TypeControl, raw); err != nil {
		return c, err
	}
	s.cfg.Logger.Info("chainplay: control", "room", room, "op", op, "peer", peer, "seq", c.Seq)
	return c, nil
}

// fullRates returns the room's peers' hash rates at full speed, as the
// archive heard them report (node.StatsBody.FullRate); a peer that does
// not mine is 0.
func (s *server) fullRates(room string) map[string]float64 {
	out := map[string]float64{}
	n, self := s.archives.Node(room)
	if n == nil {
		return out
	}
	for _, p := range n.PeerStates() {
		if p.ID != self && p.Stats.Mining {
			out[p.ID] = p.Stats.FullRate()
		}
	}
	return out
}

// halves splits room's peers (the archive aside) into two groups, every
// other one in join order to group 2.
func (s *server) halves(room string) map[string]int {
	arch := s.archives.Status(room).ID
	out := map[string]int{}
	i := 0
	for _, p := range s.relay.Peers(room) {
		if p.ID == arch {
			continue
		}
		out[p.ID] = 1 + i%2
		i++
	}
	return out
}

// reshare recomputes the duties of every room with a share from the
// peers' latest rates, and announces them when they moved by more than
// a twentieth: a share holds while peers join, leave or slow down.
func (s *server) reshare() {
	s.class.mu.Lock()
	defer s.class.mu.Unlock()
	for room, st := range s.class.rooms {
		if st.Share == nil {
			continue
		}
		duty := node.ShareDuties(s.fullRates(room), st.Share.Peer, st.Share.Pct)
		if duty == nil || sameDuties(duty, st.Duty) {
			continue
		}
		next := st.Clone()
		next.Duty = duty
		if _, err := s.announceLocked(room, node.CodeControlShare, st.Share.Peer, next); err != nil {
			s.cfg.Logger.Warn("chainplay: reshare", "room", room, "err", err)
			continue
		}
		*st = next
	}
}

func sameDuties(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for id, x := range a {
		y, ok := b[id]
		if !ok || x-y > 0.05*max(x, y) || y-x > 0.05*max(x, y) {
			return false
		}
	}
	return true
}

// runReshare calls reshare every node.StatsEvery until stop is closed.
func (s *server) runReshare(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-s.cfg.Clock.After(node.StatsEvery):
			s.reshare()
		}
	}
}

func (s *server) getBoard(w http.ResponseWriter, r *http.Request, room string) error {
	n, self := s.archives.Node(room)
	if n == nil {
		return httpjson.New(http.StatusConflict, httpjson.CodeNoArchive, "nobody is in the room: the board starts when the first peer joins")
	}
	var at int64
	if v := r.URL.Query().Get("at"); v != "" {
		var err error
		if at, err = strconv.ParseInt(v, 10, 64); err != nil || at < 0 {
			return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeWrongType, "at", "at: want a time in unix milliseconds")
		}
	}
	all, peers := s.relay.Latency(room)
	cfg := view.BoardConfig{Room: room, At: at, Groups: s.relay.Groups(room),
		Latency: all, LatencyPeers: peers, Skip: map[string]bool{self: true}, Clock: s.cfg.Clock}
	if tr, ok := n.PBFTTrace(); ok {
		cfg.PoW = s.powFigures(room, len(tr.Seats))
	}
	cfg.Engines = s.engineFigures(room)
	b := view.Board(n, s.archives.Timeline(room), cfg)
	return httpjson.Write(w, http.StatusOK, b)
}

func (s *server) getTimeline(w http.ResponseWriter, r *http.Request, room string) error {
	x := s.archives.Timeline(room).Export(room)
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		w.Header().Set("Content-Disposition", `attachment; filename="`+room+`-timeline.json"`)
		return httpjson.Write(w, http.StatusOK, x)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+room+`-timeline.csv"`)
		return x.WriteCSV(w)
	default:
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeWrongType, "format", "format: want json or csv")
	}
}

func (s *server) getLessons(w http.ResponseWriter, r *http.Request) error {
	out := make([]lessonInfo, 0, len(lessons))
	for _, l := range lessons {
		out = append(out, l.info(s.cfg.Params))
	}
	return httpjson.Write(w, http.StatusOK, out)
}

// lessonRequest is the body of POST /api/rooms/{room}/lesson.
type lessonRequest struct {
	Lesson string `json:"lesson"`
}

// lessonResponse answers it: whether the room got a new genesis, and the
// lesson's control.
type lessonResponse struct {
	Genesis bool         `json:"genesis"`
	Control node.Control `json:"control"`
}

func (s *server) startLesson(w http.ResponseWriter, r *http.Request, room string) error {
	var req lessonRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	l, ok := lessonByID(req.Lesson)
	if !ok {
		return httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownLesson, "no lesson %q", req.Lesson)
	}
	genesis, err := s.regenesis(r.Context(), room, l.params.apply)
	if err != nil {
		return err
	}
	s.class.mu.Lock()
	st := s.class.stateLocked(room)
	next := l.controls
	next.Lesson, next.Step = l.id, 0
	c, err := s.announceLocked(room, node.CodeControlLesson, "", next)
	if err == nil {
		*st = next
	}
	s.class.mu.Unlock()
	if err != nil {
		return err
	}
	if !genesis {
		_ = s.relay.SetGroups(room, nil)
	}
	return httpjson.Write(w, http.StatusOK, lessonResponse{Genesis: genesis, Control: c})
}

// regenesis gives room a new genesis with change's parameters
// (newEpoch) unless they are the room's already, and reports whether it
// did: a lesson's rules, the timestamp scenario's. A scenario running in
// the room stops first: its attacker's chain is void.
func (s *server) regenesis(ctx context.Context, room string, change func(chain.Params) chain.Params) (bool, error) {
	rec, _, err := s.reg.get(room)
	if err != nil {
		return false, err
	}
	if change(rec.Params) == rec.Params {
		return false, nil
	}
	s.stopScenario(room)
	if _, err := s.newEpoch(ctx, room, change); err != nil {
		return false, err
	}
	return true, nil
}

// noteTimeline records a server action in room's timeline.
func (s *server) noteTimeline(room, op, peer, name string) {
	s.archives.Timeline(room).Note(op, peer, name)
}

// lessonParams is what a lesson's preset sets; nil fields keep the
// room's.
type lessonParams = paramsRequest
