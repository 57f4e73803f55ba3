//go:build !js

package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// PBFT rooms. POST /api/rooms with "engine": "pbft" creates a room whose
// blocks are committed by n replica seats (PBFT, chain/pbft) instead of
// mined: "seats" n is 4, 7 or 10 (f = 1, 2, 3 faulty tolerated) and
// "checkpoint_interval" K defaults to 10. The server draws a key per seat,
// puts the public keys in the room's parameters (so the genesis commits
// to them) and answers the private keys once, in "seat_keys" (seat
// order, each the 64-hex-character seed a cmd/node -seat file holds),
// beside the teacher token: it keeps none of them.

// pbftSeatCounts are the seat counts a teacher may choose.
var pbftSeatCounts = []int{4, 7, 10}

// defaultCheckpointInterval is K when the teacher does not choose one.
const defaultCheckpointInterval = 10

// pbftRequest is the part of POST /api/rooms that makes a PBFT room.
type pbftRequest struct {
	Engine             string  `json:"engine"`              // "" (proof of work) or "pbft"
	Seats              int     `json:"seats"`               // pbft: 4, 7 or 10
	CheckpointInterval *uint64 `json:"checkpoint_interval"` // pbft: K, default 10
}

// engineParams returns base as the requested engine's parameters and, for a
// PBFT room, the seats' private keys (seeds in hex, seat order).
func (r pbftRequest) engineParams(base chain.Params) (chain.Params, []string, error) {
	switch r.Engine {
	case "":
		if r.Seats != 0 || r.CheckpointInterval != nil {
			return base, nil, fmt.Errorf("seats and checkpoint_interval are for engine %q", chain.EnginePBFT)
		}
		return base, nil, nil
	case chain.EnginePBFT:
	default:
		return base, nil, fmt.Errorf("engine %q: want \"\" (proof of work) or %q", r.Engine, chain.EnginePBFT)
	}
	ok := false
	for _, n := range pbftSeatCounts {
		ok = ok || r.Seats == n
	}
	if !ok {
		return base, nil, fmt.Errorf("seats %d: want 4, 7 or 10 (3f+1 replicas for f = 1, 2, 3)", r.Seats)
	}
	k := uint64(defaultCheckpointInterval)
	if r.CheckpointInterval != nil {
		k = *r.CheckpointInterval
	}
	pubs := make([]ed25519.PublicKey, r.Seats)
	seeds := make([]string, r.Seats)
	for i := range pubs {
		key := chain.GenerateKey()
		pubs[i] = key.Public().(ed25519.PublicKey)
		seeds[i] = hex.EncodeToString(key.Seed())
	}
	base.Engine, base.Seats, base.CheckpointInterval = chain.EnginePBFT, chain.SeatsOf(pubs), k
	base.Difficulty, base.RetargetInterval = 1, 0
	return base, seeds, nil
}
