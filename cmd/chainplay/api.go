//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
)

// The room API. Every answer is JSON (internal/httpjson); an error is
// {"error": "…", "code": "…"} with a 4xx status and a stable code
// (httpjson's Code* constants) naming what was wrong, and a refused
// request changes nothing. A 500 says only "internal error"; the server's
// log has the cause.
//
//	POST /api/rooms                  create a room: {name, preset, engine, seats, checkpoint_interval, difficulty, block_time_ms,
//	                                 retarget_interval, subsidy, halving_interval,
//	                                 max_block_txs} (all optional: no name gets a new
//	                                 code, no preset is "classroom", the parameters
//	                                 change the preset's) → 201 roomInfo + url +
//	                                 teacher_token (+ seat_keys for engine pbft,
//	                                 pbft.go; validator_keys for engine pos or
//	                                 dpos, with validators, genesis_stake,
//	                                 epoch_slots, delegates: stake.go); 409 if a teacher created it
//	                                 already (a room only opened by URL is taken
//	                                 over: its peers are sent to the new room, its
//	                                 chain is dropped); 429 when this address
//	                                 created too many lately
//	GET  /api/presets                the lobby's presets: [{id, params}]
//	GET  /api/rooms/{room}           roomInfo (a room never created: the defaults)
//	POST /api/rooms/{room}/reset     teacher: wipe the chain, same parameters → roomInfo
//	POST /api/rooms/{room}/genesis   teacher: new genesis, parameters as for create
//	                                 (missing ones kept, no name) → roomInfo
//	POST /api/rooms/{room}/kick      teacher: {"peer": "p7"} → {"kicked": "p7",
//	                                 "banned": true}: the peer is disconnected and
//	                                 banned for the room's session (bans.go)
//
// Teacher requests carry "Authorization: Bearer TOKEN" (auth.go): 401
// unauthorized without one, 403 forbidden with a wrong one. Other codes:
// bad-room-name, bad-params (400), room-exists, reset-busy (409),
// unknown-peer (404), archive-not-kickable (400), rate-limited (429, with
// Retry-After), unavailable (503, the server is shutting down), and
// httpjson's for bad bodies (400, 413),
// unknown paths (404) and wrong methods (405). The reset endpoint takes
// no body or {}; genesis takes no body or its parameters.

// maxBody bounds a request body of the room API.
const maxBody = 64 << 10

// roomInfo describes a room.
type roomInfo struct {
	Room    string       `json:"room"`
	Params  chain.Params `json:"params"`
	Genesis chain.Hash   `json:"genesis"` // the chain id
	Epoch   uint64       `json:"epoch"`   // resets and new geneses so far
	// Created says whether the room was created with POST /api/rooms and
	// so has a teacher; a room opened by its URL has none.
	Created bool          `json:"created"`
	Peers   []peerInfo    `json:"peers"` // never null
	Archive archiveStatus `json:"archive"`
	// ControlKey is the public key the room's teacher controls are signed
	// with (hex; classroom.go): cmd/node reads it here. Empty without a
	// teacher.
	ControlKey string `json:"control_key,omitempty"`
	// BoardLang is the language the teacher fixed for the board, or "".
	BoardLang string `json:"board_lang,omitempty"`
}

// peerInfo is one peer of a room.
type peerInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Archive bool   `json:"archive,omitempty"` // the server's archive peer
}

// createdRoom is the answer to POST /api/rooms.
type createdRoom struct {
	roomInfo
	// URL is the address students open, as the room's QR code has it.
	URL string `json:"url"`
	// TeacherToken authorizes the admin requests. It is shown once: the
	// server keeps only its hash.
	TeacherToken string `json:"teacher_token"`
	// SeatKeys are a PBFT room's seat keys (pbft.go), shown once to the
	// teacher: the server keeps only the public keys, in the parameters.
	SeatKeys []string `json:"seat_keys,omitempty"`
	// ValidatorKeys are a PoS or DPoS room's genesis validator keys
	// (stake.go), shown once like SeatKeys.
	ValidatorKeys []string `json:"validator_keys,omitempty"`
}

// paramsRequest holds the parameters a teacher may choose; nil keeps the
// base value.
type paramsRequest struct {
	Difficulty       *uint64 `json:"difficulty"`
	BlockTimeMs      *int64  `json:"block_time_ms"`
	RetargetInterval *uint64 `json:"retarget_interval"`
	Subsidy          *uint64 `json:"subsidy"`
	HalvingInterval  *uint64 `json:"halving_interval"`
	MaxBlockTxs      *int    `json:"max_block_txs"`
}

// apply returns base with the chosen parameters set.
func (r paramsRequest) apply(base chain.Params) chain.Params {
	if r.Difficulty != nil {
		base.Difficulty = *r.Difficulty
	}
	if r.BlockTimeMs != nil {
		base.BlockTimeMs = *r.BlockTimeMs
	}
	if r.RetargetInterval != nil {
		base.RetargetInterval = *r.RetargetInterval
	}
	if r.Subsidy != nil {
		base.Subsidy = *r.Subsidy
	}
	if r.HalvingInterval != nil {
		base.HalvingInterval = *r.HalvingInterval
	}
	if r.MaxBlockTxs != nil {
		base.MaxBlockTxs = *r.MaxBlockTxs
	}
	return base
}

// maxTxJSON bounds the JSON of one transaction in a block announcement
// (a 280-byte memo and a 32-byte name, escaped, plus the hex fields).
const maxTxJSON = 2 << 10

// checkParams validates room parameters, and that a full block fits one
// relay frame: a block larger than the relay's read limit could never be
// announced.
func (s *server) checkParams(p chain.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	limit := int((s.cfg.Relay.ReadLimit - 16<<10) / maxTxJSON)
	if p.MaxBlockTxs > limit {
		return fmt.Errorf("max_block_txs %d: at most %d, so a full block fits the relay's %d-byte frame limit", p.MaxBlockTxs, limit, s.cfg.Relay.ReadLimit)
	}
	return nil
}

// createRequest is the body of POST /api/rooms.
type createRequest struct {
	Name   string `json:"name"`   // empty: a new code
	Preset string `json:"preset"` // empty: presetClassroom
	paramsRequest
	pbftRequest
	stakeRequest
}

// presetInfo is one preset of GET /api/presets.
type presetInfo struct {
	ID     string       `json:"id"`
	Params chain.Params `json:"params"`
}

// kickRequest is the body of POST /api/rooms/{room}/kick.
type kickRequest struct {
	Peer string `json:"peer"` // the relay's peer id, "p7"
}

// kickResponse is the answer to POST /api/rooms/{room}/kick.
type kickResponse struct {
	Kicked string `json:"kicked"` // the peer id disconnected
	// Banned says the peer's browser and address may not come back for
	// the room's session: until a reset, or the room is empty long enough
	// for its archive peer to stop.
	Banned bool `json:"banned"`
}

// routeAPI registers the room API on m.
func (s *server) routeAPI(m *httpjson.Mux) {
	m.Handle("POST /api/rooms", s.createRoom)
	m.Handle("GET /api/presets", s.getPresets)
	m.Handle("GET /api/rooms/{room}", s.withRoom(s.getRoom))
	m.Handle("POST /api/rooms/{room}/reset", s.withRoom(s.teacher(s.resetRoom)))
	m.Handle("POST /api/rooms/{room}/genesis", s.withRoom(s.teacher(s.newGenesis)))
	m.Handle("POST /api/rooms/{room}/kick", s.withRoom(s.teacher(s.atArchive(s.kickPeer))))
	m.Handle("POST /api/rooms/{room}/language", s.withRoom(s.teacher(s.setBoardLanguage)))
}

// roomHandler handles a request about one valid room name.
type roomHandler func(w http.ResponseWriter, r *http.Request, room string) error

// errBadRoomName is the answer to an invalid room name.
func errBadRoomName(field string) *httpjson.Error {
	return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadRoomName, field,
		field+": want 1 to 32 characters from a-z, 0-9, '-' and '_'")
}

// withRoom answers 400 bad-room-name to an invalid room name.
func (s *server) withRoom(h roomHandler) httpjson.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room := r.PathValue("room")
		if !relay.ValidRoomName(room) {
			return errBadRoomName("room")
		}
		return h(w, r, room)
	}
}

// badParams is the answer to parameters out of range.
func badParams(err error) *httpjson.Error {
	return httpjson.Wrap(http.StatusBadRequest, httpjson.CodeBadParams, err)
}

func (s *server) createRoom(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	named := req.Name != ""
	if named && !relay.ValidRoomName(req.Name) {
		return errBadRoomName("name")
	}
	base, ok := presetParams(req.Preset, s.cfg.Params)
	if !ok {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadParams, "preset",
			fmt.Sprintf("preset %q: want one of GET /api/presets", req.Preset))
	}
	base, seatKeys, validatorKeys, err := req.roomEngine(base)
	if err != nil {
		return badParams(err)
	}
	// Bad parameters and a name taken are refused before a token of the
	// rate limit is spent.
	if err := s.checkParams(req.apply(base)); err != nil {
		return badParams(err)
	}
	if named {
		if _, created, err := s.record(req.Name); err != nil {
			return err
		} else if created {
			return errRoomExists(req.Name)
		}
	}
	if ok, wait := s.creates.Allow(s.ids.clientIP(r), s.cfg.Clock.Now()); !ok {
		writeRateLimited(w, r, s.cfg.Logger, wait, "too many rooms created from this address: try again later")
		return nil
	}
	token, hash, err := newToken()
	if err != nil {
		return err
	}
	seed, err := newControlSeed()
	if err != nil {
		return err
	}
	// A room without a name gets a new code; a code taken already (rare)
	// is drawn again.
	for attempt := 0; ; attempt++ {
		if !named {
			if req.Name, err = newRoomCode(5); err != nil {
				return err
			}
		}
		p := req.apply(base)
		p.Name = req.Name
		p.GenesisTime = s.cfg.Clock.Now().UnixMilli()
		if err := s.checkParams(p); err != nil {
			return badParams(err)
		}
		rec, err := s.archives.Claim(r.Context(), req.Name, roomRecord{Params: p, TokenHash: hash, Created: p.GenesisTime, ControlSeed: seed})
		switch {
		case errors.Is(err, ErrRoomExists) && !named && attempt < 8:
			continue
		case errors.Is(err, ErrRoomExists):
			return errRoomExists(req.Name)
		case err != nil:
			return s.adminError(err)
		}
		s.cfg.Logger.Info("chainplay: room created", "room", req.Name, "epoch", rec.Epoch)
		return httpjson.Write(w, http.StatusCreated, createdRoom{roomInfo: s.info(req.Name, rec, true), URL: s.roomURL(r, req.Name), TeacherToken: token, SeatKeys: seatKeys, ValidatorKeys: validatorKeys})
	}
}

func (s *server) getPresets(w http.ResponseWriter, r *http.Request) error {
	out := make([]presetInfo, 0, len(presets))
	for _, p := range presets {
		out = append(out, presetInfo{ID: p.id, Params: p.apply(s.cfg.Params)})
	}
	return httpjson.Write(w, http.StatusOK, out)
}

func errRoomExists(room string) error {
	return httpjson.Errorf(http.StatusConflict, httpjson.CodeRoomExists, "room %q exists: pick another name", room)
}

// getRoom answers GET /api/rooms/{room}. A page of another process of
// the cluster may read it (CORS): a tab whose own process died reads the
// room's epoch here before it redials this process's relay.
func (s *server) getRoom(w http.ResponseWriter, r *http.Request, room string) error {
	if s.dir != nil {
		w.Header().Add("Vary", "Origin")
		if o := r.Header.Get("Origin"); s.dir.allows(o) {
			w.Header().Set("Access-Control-Allow-Origin", o)
		}
	}
	rec, created, err := s.record(room)
	if err != nil {
		return err
	}
	return httpjson.Write(w, http.StatusOK, s.info(room, rec, created))
}

// info builds a room's description.
func (s *server) info(room string, rec roomRecord, stored bool) roomInfo {
	arch := s.archives.Status(room)
	peers := []peerInfo{}
	for _, p := range s.relay.Peers(room) {
		peers = append(peers, peerInfo{ID: p.ID, Name: p.Name, Archive: arch.ID != "" && p.ID == arch.ID})
	}
	return roomInfo{
		Room:    room,
		Params:  rec.Params,
		Genesis: chain.GenesisBlock(rec.Params).Hash(),
		Epoch:   rec.Epoch,
		Created: stored && len(rec.TokenHash) > 0,
		Peers:   peers,
		Archive: arch,

		ControlKey: controlPublicHex(rec),
		BoardLang:  rec.BoardLang,
	}
}

func (s *server) resetRoom(w http.ResponseWriter, r *http.Request, room string) error {
	if _, err := httpjson.ReadOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	rec, err := s.archives.Reset(r.Context(), room, func(rec *roomRecord) error {
		rec.Epoch++
		return nil
	})
	return s.afterReset(w, room, rec, err)
}

func (s *server) newGenesis(w http.ResponseWriter, r *http.Request, room string) error {
	var req paramsRequest
	if _, err := httpjson.ReadOptional(w, r, &req); err != nil {
		return err
	}
	rec, err := s.newEpoch(r.Context(), room, req.apply)
	if err != nil {
		return err
	}
	return s.afterReset(w, room, rec, nil)
}

// newEpoch gives room a new genesis (a reset: a new epoch, every tab
// reloading onto the new chain) with the parameters change makes of the
// room's, and clears its controls. Parameters out of range are refused
// as bad-params and change nothing; archives.Reset's errors are answered
// by adminError. The teacher's new genesis, a lesson's rules and the
// timestamp scenario's weakened rules all come here.
func (s *server) newEpoch(ctx context.Context, room string, change func(chain.Params) chain.Params) (roomRecord, error) {
	var bad error
	rec, err := s.archives.Reset(ctx, room, func(rec *roomRecord) error {
		p := change(rec.Params)
		p.GenesisTime = s.cfg.Clock.Now().UnixMilli()
		if p.GenesisTime == rec.Params.GenesisTime {
			p.GenesisTime++ // a new genesis even within the same millisecond
		}
		if bad = s.checkParams(p); bad != nil {
			return bad
		}
		rec.Params = p
		rec.Epoch++
		return nil
	})
	switch {
	case bad != nil:
		return rec, badParams(bad)
	case err != nil:
		return rec, s.adminError(err)
	}
	s.class.clear(room)
	return rec, nil
}

// afterReset answers a reset or a new genesis.
func (s *server) afterReset(w http.ResponseWriter, room string, rec roomRecord, err error) error {
	if err != nil {
		return s.adminError(err)
	}
	s.class.clear(room)
	s.cfg.Logger.Info("chainplay: room reset", "room", room, "epoch", rec.Epoch)
	return httpjson.Write(w, http.StatusOK, s.info(room, rec, true))
}

// adminError answers the errors of archives.Reset and archives.Claim.
func (s *server) adminError(err error) error {
	switch {
	case errors.Is(err, errResetBusy):
		return httpjson.New(http.StatusConflict, httpjson.CodeResetBusy, "a reset of this room is under way: try again")
	case errors.Is(err, relay.ErrClosed):
		return httpjson.New(http.StatusServiceUnavailable, httpjson.CodeUnavailable, "the server is shutting down")
	}
	return err
}

func (s *server) kickPeer(w http.ResponseWriter, r *http.Request, room string) error {
	var req kickRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	if req.Peer == "" {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "peer", `peer: want a peer id such as "p7"`)
	}
	if id := s.archives.Status(room).ID; id != "" && req.Peer == id {
		return httpjson.New(http.StatusBadRequest, httpjson.CodeArchiveNotKickable, "the archive peer keeps the room's chain: it can't be kicked")
	}
	tag, ok := s.relay.Tag(room, req.Peer)
	if !ok || !s.relay.Kick(room, req.Peer) {
		return httpjson.Errorf(http.StatusNotFound, httpjson.CodeUnknownPeer, "no peer %q in room %q", req.Peer, room)
	}
	who := parseTag(tag)
	banned := who.id != "" || who.ip != ""
	if banned {
		s.bans.ban(room, who, s.cfg.Clock.Now())
	}
	s.cfg.Logger.Info("chainplay: peer kicked", "room", room, "peer", req.Peer, "banned", banned)
	s.noteTimeline(room, "kick", req.Peer, "")
	return httpjson.Write(w, http.StatusOK, kickResponse{Kicked: req.Peer, Banned: banned})
}
