package minerpool

import "github.com/chainplay/chainplay/chain"

// WorkerStats is one worker in Stats.
type WorkerStats struct {
	Index    int     `json:"index"`     // 0-based
	State    string  `json:"state"`     // StateLoading, StateIdle, StateMining, StateRestarting or StateDormant
	HashRate float64 `json:"hash_rate"` // hashes per second while mining, throttle included; 0 when not
	Hashes   uint64  `json:"hashes"`    // nonces hashed since the pool started
	Crashes  int     `json:"crashes"`   // times this worker was restarted
	// Kernel is the nonce kernel the worker runs once ready: "simd" or
	// "scalar" (the wasm kernels) or "go"; empty before.
	Kernel string `json:"kernel,omitempty"`
}

// RoundStats is the mining of the current block: every template on the same
// parent, height and difficulty counts as one round.
type RoundStats struct {
	Height         uint64 `json:"height"`           // of the block being mined
	Difficulty     uint64 `json:"difficulty"`       // the expected number of hashes
	TargetZeroBits int    `json:"target_zero_bits"` // leading zero bits of the target
	Tried          uint64 `json:"tried"`            // hashes tried so far
	Best           string `json:"best,omitempty"`   // lowest hash seen, hex; empty before the first report
	BestZeroBits   int    `json:"best_zero_bits"`   // its leading zero bits
	BestNonce      uint64 `json:"best_nonce"`
}

// Stats is what the miner panel shows.
type Stats struct {
	Mining     bool          `json:"mining"`      // a search runs
	Workers    []WorkerStats `json:"workers"`     // one per worker
	MaxWorkers int           `json:"max_workers"` // SetWorkers' limit
	Duty       float64       `json:"duty"`        // the throttle, 0.1 … 1
	HashRate   float64       `json:"hash_rate"`   // hashes per second, all workers
	// ExpectedSeconds is the round's difficulty divided by HashRate: the
	// mean time to a block at this rate. 0 when either is unknown.
	ExpectedSeconds float64     `json:"expected_seconds"`
	Round           *RoundStats `json:"round,omitempty"` // nil before the first search
	Crashes         int         `json:"crashes"`         // worker restarts
	Refused         int         `json:"refused"`         // nonces refused for failing the proof of work
}

// Stats returns the pool's figures.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{Mining: p.cur != nil, MaxWorkers: p.cfg.MaxWorkers, Duty: p.duty,
		Crashes: p.crashes, Refused: p.refused, Workers: make([]WorkerStats, 0, len(p.slots))}
	for _, sl := range p.slots {
		ws := WorkerStats{Index: sl.index, Hashes: sl.total, Crashes: sl.crashes, Kernel: sl.kernel}
		switch {
		case p.dormant:
			ws.State = StateDormant
		case sl.w == nil:
			ws.State = StateRestarting
		case !sl.ready:
			ws.State = StateLoading
		case sl.search != nil && !sl.done:
			ws.State = StateMining
			ws.HashRate = sl.rate
		default:
			ws.State = StateIdle
		}
		st.HashRate += ws.HashRate
		st.Workers = append(st.Workers, ws)
	}
	if r := p.round; r != nil {
		rs := &RoundStats{Height: r.height, Difficulty: r.difficulty, Tried: r.tried, BestNonce: r.bestNonce,
			TargetZeroBits: chain.Hash(chain.Target(r.difficulty)).LeadingZeroBits()}
		if r.hasBest {
			rs.Best = chain.Hash(r.best).String()
			rs.BestZeroBits = chain.Hash(r.best).LeadingZeroBits()
		}
		st.Round = rs
		if st.HashRate > 0 {
			st.ExpectedSeconds = float64(r.difficulty) / st.HashRate
		}
	}
	return st
}

// Hashes returns the hashes the pool's workers tried since they started
// (node.HashCounter: the node reports its hash rate from it).
func (p *Pool) Hashes() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n uint64
	for _, sl := range p.slots {
		n += sl.total
	}
	return n
}
