//go:build !js

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

// The room API. Every answer is JSON; an error is {"error": "…"} with a
// 4xx status naming what was wrong, and a refused request changes nothing.
//
//	POST /api/rooms                  create a room: {name, difficulty, block_time_ms,
//	                                 retarget_interval, subsidy, halving_interval,
//	                                 max_block_txs} (all but name optional) → 201
//	                                 roomInfo + teacher_token; 409 if it exists
//	GET  /api/rooms/{room}           roomInfo (a room never created: the defaults)
//	POST /api/rooms/{room}/reset     teacher: wipe the chain, same parameters → roomInfo
//	POST /api/rooms/{room}/genesis   teacher: new genesis, parameters as for create
//	                                 (missing ones kept, no name) → roomInfo
//	POST /api/rooms/{room}/kick      teacher: {"peer": "p7"} → {"kicked": "p7"}
//
// Teacher requests carry "Authorization: Bearer TOKEN" (auth.go).

// maxBody bounds a request body.
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
	// TeacherToken authorizes the admin requests. It is shown once: the
	// server keeps only its hash.
	TeacherToken string `json:"teacher_token"`
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
	Name string `json:"name"`
	paramsRequest
}

// kickRequest is the body of POST /api/rooms/{room}/kick.
type kickRequest struct {
	Peer string `json:"peer"`
}

func (s *server) routeAPI(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/rooms", s.createRoom)
	mux.HandleFunc("GET /api/rooms/{room}", s.withRoom(s.getRoom))
	mux.HandleFunc("POST /api/rooms/{room}/reset", s.withRoom(s.teacher(s.resetRoom)))
	mux.HandleFunc("POST /api/rooms/{room}/genesis", s.withRoom(s.teacher(s.newGenesis)))
	mux.HandleFunc("POST /api/rooms/{room}/kick", s.withRoom(s.teacher(s.kickPeer)))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API endpoint: see cmd/chainplay/api.go")
	})
}

// roomHandler handles a request about one valid room name.
type roomHandler func(w http.ResponseWriter, r *http.Request, room string)

// withRoom answers 400 to an invalid room name.
func (s *server) withRoom(h roomHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if !relay.ValidRoomName(room) {
			writeError(w, http.StatusBadRequest, "invalid room name: want 1 to 32 characters from a-z, 0-9, '-' and '_'")
			return
		}
		h(w, r, room)
	}
}

func (s *server) createRoom(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if !readJSON(w, r, &req) {
		return
	}
	if !relay.ValidRoomName(req.Name) {
		writeError(w, http.StatusBadRequest, "name: want 1 to 32 characters from a-z, 0-9, '-' and '_'")
		return
	}
	p := req.apply(s.cfg.Params)
	p.Name = req.Name
	p.GenesisTime = s.cfg.Clock.Now().UnixMilli()
	if err := s.checkParams(p); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	token, hash, err := newToken()
	if err != nil {
		s.internalError(w, err)
		return
	}
	rec := roomRecord{Params: p, TokenHash: hash, Created: p.GenesisTime}
	if err := s.reg.create(req.Name, rec); err != nil {
		if errors.Is(err, ErrRoomExists) {
			writeError(w, http.StatusConflict, fmt.Sprintf("room %q exists: pick another name", req.Name))
			return
		}
		s.internalError(w, err)
		return
	}
	s.cfg.Logger.Info("chainplay: room created", "room", req.Name)
	writeJSON(w, http.StatusCreated, createdRoom{roomInfo: s.info(req.Name, rec, true), TeacherToken: token})
}

func (s *server) getRoom(w http.ResponseWriter, r *http.Request, room string) {
	rec, created, err := s.record(room)
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.info(room, rec, created))
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
	}
}

func (s *server) resetRoom(w http.ResponseWriter, r *http.Request, room string) {
	if !readJSON(w, r, &struct{}{}) {
		return
	}
	rec, err := s.archives.Reset(r.Context(), room, func(rec *roomRecord) error {
		rec.Epoch++
		return nil
	})
	s.afterReset(w, room, rec, err)
}

func (s *server) newGenesis(w http.ResponseWriter, r *http.Request, room string) {
	var req paramsRequest
	if !readJSON(w, r, &req) {
		return
	}
	var bad error
	rec, err := s.archives.Reset(r.Context(), room, func(rec *roomRecord) error {
		p := req.apply(rec.Params)
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
	if bad != nil {
		writeError(w, http.StatusBadRequest, bad.Error())
		return
	}
	s.afterReset(w, room, rec, err)
}

// afterReset answers a reset or a new genesis.
func (s *server) afterReset(w http.ResponseWriter, room string, rec roomRecord, err error) {
	switch {
	case errors.Is(err, errResetBusy):
		writeError(w, http.StatusConflict, "a reset of this room is under way: try again")
	case errors.Is(err, relay.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
	case err != nil:
		s.internalError(w, err)
	default:
		s.cfg.Logger.Info("chainplay: room reset", "room", room, "epoch", rec.Epoch)
		writeJSON(w, http.StatusOK, s.info(room, rec, true))
	}
}

func (s *server) kickPeer(w http.ResponseWriter, r *http.Request, room string) {
	var req kickRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.Peer == "" {
		writeError(w, http.StatusBadRequest, `peer: want a peer id such as "p7"`)
		return
	}
	if id := s.archives.Status(room).ID; id != "" && req.Peer == id {
		writeError(w, http.StatusBadRequest, "the archive peer keeps the room's chain: it can't be kicked")
		return
	}
	if !s.relay.Kick(room, req.Peer) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no peer %q in room %q", req.Peer, room))
		return
	}
	s.cfg.Logger.Info("chainplay: peer kicked", "room", room, "peer", req.Peer)
	writeJSON(w, http.StatusOK, map[string]string{"kicked": req.Peer})
}

// readJSON decodes the request body into v: one JSON object, no unknown
// fields, at most maxBody bytes; an empty body counts as {}. It answers
// 400 (or 413) and reports false when the body is bad.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return true // no body
	}
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("data after the JSON object")
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBody))
			return false
		}
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// writeError sends {"error": msg} with status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// internalError logs err and sends a generic 500.
func (s *server) internalError(w http.ResponseWriter, err error) {
	s.cfg.Logger.Error("chainplay: api", "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}
