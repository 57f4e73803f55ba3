//go:build !js

package main

import (
	"net/http"
	"slices"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
)

// Faults on the board. POST /api/rooms/{room}/control with
//
//	{"op": "fault", "seat": i, "fault": "crash" | "slow" | "equivocate" | "wrong-vote" | "", "ms"?: 0…10000}
//
// switches replica i's fault ("" makes it honest again): the room's
// control state names it (node.ControlState.Faults) and is signed and
// announced like every control, and every seat obeys only a signed
// control (node.Seat). A slow replica is the relay's latency on the
// frames of the peer that holds the seat (its last verified message came
// from it: the archive's trace), ms (default defaultSlowMs); switching it
// to another fault lifts that latency.

// defaultSlowMs is a slow replica's latency when the teacher gives none.
const defaultSlowMs = 1500

// faultControl applies a fault request to st. s.class.mu is held.
func (s *server) faultControl(room string, req controlRequest, st *node.ControlState) (peer string, err error) {
	n, _ := s.archives.Node(room)
	if n == nil {
		return "", httpjson.New(http.StatusConflict, httpjson.CodeNoArchive, "nobody is in the room yet")
	}
	p := n.Chain().Params()
	if p.IsStake() {
		return "", stakeFault(p, req, st)
	}
	if p.Engine != chain.EnginePBFT {
		return "", badControl("fault: room %q is not a PBFT, PoS or DPoS room", room)
	}
	tr, _ := n.PBFTTrace()
	if req.Seat == nil || *req.Seat < 0 || *req.Seat >= len(tr.Seats) {
		return "", badControl("fault: seat: want 0 to %d", len(tr.Seats)-1)
	}
	seat := *req.Seat
	if req.Fault != "" && !slices.Contains(node.Faults(), req.Fault) {
		return "", badControl("fault %q: want one of %v, or \"\" for an honest replica", req.Fault, node.Faults())
	}
	peer = tr.Seats[seat].Peer
	was := st.Faults[seat]
	if req.Fault == node.FaultSlow || was == node.FaultSlow {
		ms := int64(0)
		if req.Fault == node.FaultSlow {
			ms = defaultSlowMs
			if req.Ms != nil {
				ms = *req.Ms
			}
			if ms < 0 || ms > relay.MaxLatency.Milliseconds() {
				return "", badControl("fault: ms: want 0 to %d", relay.MaxLatency.Milliseconds())
			}
			if peer == "" {
				return "", httpjson.Errorf(http.StatusConflict, httpjson.CodeUnknownPeer, "fault: seat %d has sent nothing yet: no peer to slow down", seat)
			}
		}
		if peer != "" {
			if err := s.relay.SetLatency(room, peer, time.Duration(ms)*time.Millisecond); err != nil {
				return "", badControl("fault: %v", err)
			}
			if st.PeerLatencyMs == nil {
				st.PeerLatencyMs = map[string]int64{}
			}
			st.PeerLatencyMs[peer] = ms
			if ms == 0 {
				delete(st.PeerLatencyMs, peer)
			}
		}
	}
	if st.Faults == nil {
		st.Faults = map[int]string{}
	}
	st.Faults[seat] = req.Fault
	if req.Fault == "" {
		delete(st.Faults, seat)
	}
	return peer, nil
}

// stakeFault applies a fault request of a stake room to st: seat is the
// genesis validator's index in the room's validators, fault one of
// node.ValidatorFaults (crash: it signs nothing; double-sign: it signs
// two blocks of each slot it leads), "" for an honest validator.
func stakeFault(p chain.Params, req controlRequest, st *node.ControlState) error {
	keys, _ := p.ValidatorKeys()
	if req.Seat == nil || *req.Seat < 0 || *req.Seat >= len(keys) {
		return badControl("fault: seat: want a validator, 0 to %d", len(keys)-1)
	}
	if req.Fault != "" && !slices.Contains(node.ValidatorFaults(), req.Fault) {
		return badControl("fault %q: want one of %v, or \"\" for an honest validator", req.Fault, node.ValidatorFaults())
	}
	if st.Faults == nil {
		st.Faults = map[int]string{}
	}
	st.Faults[*req.Seat] = req.Fault
	if req.Fault == "" {
		delete(st.Faults, *req.Seat)
	}
	return nil
}

// powFigures are the proof-of-work figures a PBFT room's board compares
// with: the busiest other proof-of-work room's (its archive's board),
// else the classroom preset's expectation, for a class of seats peers.
func (s *server) powFigures(self string, seats int) *view.PoWFigures {
	s.archives.mu.Lock()
	rooms := make([]string, 0, len(s.archives.rooms))
	for r := range s.archives.rooms {
		if r != self {
			rooms = append(rooms, r)
		}
	}
	s.archives.mu.Unlock()
	slices.Sort(rooms)
	var best *view.PoWFigures
	bestBlocks := 0
	for _, r := range rooms {
		n, id := s.archives.Node(r)
		if n == nil || n.Chain().Params().Engine != "" {
			continue
		}
		b := view.Board(n, s.archives.Timeline(r), view.BoardConfig{Room: r, Skip: map[string]bool{id: true}, Clock: s.cfg.Clock})
		if len(b.Blocks) >= 3 && len(b.Blocks) > bestBlocks {
			bestBlocks = len(b.Blocks)
			best = view.PoWFiguresOf(r, b.Blocks, max(len(b.Peers), seats))
		}
	}
	if best != nil {
		return best
	}
	p, _ := presetParams(presetClassroom, s.cfg.Params)
	return view.PoWFiguresOf("", []view.BoardBlock{{Interval: p.BlockTimeMs, Difficulty: p.Difficulty}}, seats)
}
