//go:build !js

package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// PoS and DPoS rooms. POST /api/rooms with "engine": "pos" or "dpos"
// creates a room whose blocks are signed by the slots' leaders instead of
// mined (chain.StakeEngine). "validators" genesis validators (1 to 10,
// default 3 for PoS; for DPoS 2N+1 up to 10, so that the stakeholders who
// don't produce can outvote a lazy delegate) start with "genesis_stake"
// coins of stake each (default 100); a PoS epoch is "epoch_slots" slots
// (default 8); a DPoS round is produced by the top "delegates" (default
// 5) candidates. The server draws the validators' keys, puts the public
// keys in the parameters and answers the private keys once, in
// "validator_keys" (each the 64-hex-character seed a cmd/node -validator
// file holds): it keeps none of them. Slots are the preset's block time;
// a block may arrive at most one slot early (max_future_drift_ms).

// Defaults of a stake room.
const (
	defaultGenesisStake = 100
	defaultEpochSlots   = 8
	defaultDelegates    = 5
	// defaultPoSValidators: enough for the leaders to vary, few enough
	// that every link finds a student.
	defaultPoSValidators = 3
)

// stakeRequest is the part of POST /api/rooms that makes a stake room.
type stakeRequest struct {
	Validators   int     `json:"validators"`    // genesis validators, 1 to 10
	GenesisStake *uint64 `json:"genesis_stake"` // each one's stake
	EpochSlots   *uint64 `json:"epoch_slots"`   // pos
	Delegates    int     `json:"delegates"`     // dpos: N
}

// roomEngine returns base as the requested engine's parameters and the
// keys to show once: a PBFT room's seat keys (pbft.go) or a stake room's
// validator keys.
func (r createRequest) roomEngine(base chain.Params) (chain.Params, []string, []string, error) {
	if r.Engine != chain.EnginePoS && r.Engine != chain.EngineDPoS {
		if r.stakeRequest != (stakeRequest{}) {
			return base, nil, nil, fmt.Errorf("validators, genesis_stake, epoch_slots and delegates are for engine %q or %q", chain.EnginePoS, chain.EngineDPoS)
		}
		p, seats, err := r.engineParams(base)
		return p, seats, nil, err
	}
	if r.Seats != 0 || r.CheckpointInterval != nil {
		return base, nil, nil, fmt.Errorf("seats and checkpoint_interval are for engine %q", chain.EnginePBFT)
	}
	s := r.stakeRequest
	base.Engine = r.Engine
	if r.Engine == chain.EngineDPoS {
		if s.Delegates == 0 {
			s.Delegates = defaultDelegates
		}
		if s.EpochSlots != nil {
			return base, nil, nil, fmt.Errorf("epoch_slots is for engine %q", chain.EnginePoS)
		}
		base.Delegates = s.Delegates
		if s.Validators == 0 {
			s.Validators = min(2*s.Delegates+1, chain.MaxSeats)
		}
	} else {
		if s.Delegates != 0 {
			return base, nil, nil, fmt.Errorf("delegates is for engine %q", chain.EngineDPoS)
		}
		base.EpochSlots = defaultEpochSlots
		if s.EpochSlots != nil {
			base.EpochSlots = *s.EpochSlots
		}
		if s.Validators == 0 {
			s.Validators = defaultPoSValidators
		}
	}
	if s.Validators < 1 || s.Validators > chain.MaxSeats {
		return base, nil, nil, fmt.Errorf("validators %d: want 1 to %d", s.Validators, chain.MaxSeats)
	}
	base.GenesisStake = defaultGenesisStake
	if s.GenesisStake != nil {
		base.GenesisStake = *s.GenesisStake
	}
	pubs := make([]ed25519.PublicKey, s.Validators)
	seeds := make([]string, s.Validators)
	for i := range pubs {
		key := chain.GenerateKey()
		pubs[i] = key.Public().(ed25519.PublicKey)
		seeds[i] = hex.EncodeToString(key.Seed())
	}
	base.Validators = chain.SeatsOf(pubs)
	base.Difficulty, base.RetargetInterval = 1, 0
	base.MaxFutureDriftMs = min(base.MaxFutureDriftMs, base.BlockTimeMs)
	return base, nil, seeds, nil
}
