package sim

import (
	"math"
	"slices"
	"time"
)

// Report is what a run measured, as cmd/sim prints it.
type Report struct {
	Topology string `json:"topology"`
	Seed     uint64 `json:"seed"`
	Peers    int    `json:"peers"`
	// Blocks is how many blocks were mined; MainChain how many of them
	// are on the final best chain, and Stale the others.
	Blocks    int `json:"blocks"`
	MainChain int `json:"main_chain_blocks"`
	Stale     int `json:"stale_blocks"`
	// StaleRate is Stale / Blocks.
	StaleRate float64 `json:"stale_rate"`
	// Propagation is the time from a main-chain block's mining until each
	// other peer stored it, over every (block, peer) pair, in ms. For a
	// block an attacker withheld, that includes the time it was withheld.
	Propagation Percentiles `json:"propagation_ms"`
	// Reach50 and Reach90 are the median over main-chain blocks of the
	// time until half and nine tenths of the peers had the block, in ms
	// (Decker & Wattenhofer's measure).
	Reach50 float64 `json:"reach50_ms"`
	Reach90 float64 `json:"reach90_ms"`
	// Miners lists each miner's hash share against its share of the main
	// chain's blocks (peer order; miners with no hash share left out).
	Miners []MinerShare `json:"miners"`
	// Messages is how many messages the links delivered; VirtualSeconds
	// how much simulated time passed.
	Messages       int     `json:"messages"`
	VirtualSeconds float64 `json:"virtual_seconds"`
	// Converged is true when every peer ended on the same tip.
	Converged bool `json:"converged"`
}

// MinerShare is one miner's result.
type MinerShare struct {
	Peer      string  `json:"peer"`
	Name      string  `json:"name"`
	HashShare float64 `json:"hash_share"`
	Mined     int     `json:"mined"`
	MainChain int     `json:"main_chain"`
	// Share is MainChain over the main chain's length: the miner's share
	// of the revenue. The shares of all miners sum to 1.
	Share float64 `json:"share"`
}

// Percentiles summarises a distribution.
type Percentiles struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// percentiles of xs (sorted in place).
func percentiles(xs []float64) Percentiles {
	if len(xs) == 0 {
		return Percentiles{}
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	q := func(p float64) float64 { return round3(xs[min(int(p*float64(len(xs))), len(xs)-1)]) }
	return Percentiles{Count: len(xs), Mean: round3(sum / float64(len(xs))), P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), Max: round3(xs[len(xs)-1])}
}

// round3 rounds to 3 decimals, so a report's JSON is short and exact
// across platforms.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// round6 rounds to 6 decimals.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// best returns the reference chain's tip: the most work among the honest
// peers (the attacker's private view does not count), the lowest peer on
// a tie.
func (s *Sim) best() *blockInfo {
	var best *blockInfo
	for i, p := range s.peers {
		if s.cfg.Attacker != nil && i == 0 {
			continue
		}
		b := s.blocks[p.node.Chain().Tip().Hash]
		if best == nil || b.height > best.height {
			best = b
		}
	}
	return best
}

// mainChain returns the final best chain, genesis excluded, oldest first.
func (s *Sim) mainChain() []*blockInfo {
	var out []*blockInfo
	for b := s.best(); b != nil && b.height > 0; b = b.parent {
		out = append(out, b)
	}
	slices.Reverse(out)
	return out
}

// Report measures the finished run.
func (s *Sim) Report() Report {
	main := s.mainChain()
	r := Report{Topology: s.cfg.Topology.String(), Seed: s.cfg.Seed, Peers: len(s.peers), Blocks: len(s.list) - 1,
		MainChain: len(main), Messages: s.msgs, VirtualSeconds: round3(s.now.Seconds()), Converged: true}
	r.Stale = r.Blocks - r.MainChain
	if r.Blocks > 0 {
		r.StaleRate = round6(float64(r.Stale) / float64(r.Blocks))
	}
	tip := s.peers[len(s.peers)-1].node.Chain().Tip().Hash
	for i, p := range s.peers {
		if (s.cfg.Attacker == nil || i != 0) && p.node.Chain().Tip().Hash != tip {
			r.Converged = false
		}
	}
	var delays, reach50, reach90 []float64
	onMain := make([]int, len(s.peers))
	for _, b := range main {
		onMain[b.miner]++
		var at []float64
		for i, t := range b.arrive {
			if i == b.miner || t < 0 {
				continue
			}
			d := ms(t - b.minedAt)
			delays = append(delays, d)
			at = append(at, d)
		}
		if len(at) > 0 {
			slices.Sort(at)
			others := len(s.peers) - 1
			if k := (others+1)/2 - 1; k < len(at) {
				reach50 = append(reach50, at[max(k, 0)])
			}
			if k := int(math.Ceil(0.9*float64(others))) - 1; k < len(at) {
				reach90 = append(reach90, at[max(k, 0)])
			}
		}
	}
	r.Propagation = percentiles(delays)
	r.Reach50 = percentiles(reach50).P50
	r.Reach90 = percentiles(reach90).P50
	mined := make([]int, len(s.peers))
	for _, b := range s.list[1:] {
		mined[b.miner]++
	}
	for i, p := range s.peers {
		if p.share == 0 {
			continue
		}
		ms := MinerShare{Peer: p.id, Name: p.node.Name(), HashShare: round6(p.share), Mined: mined[i], MainChain: onMain[i]}
		if len(main) > 0 {
			ms.Share = round6(float64(onMain[i]) / float64(len(main)))
		}
		r.Miners = append(r.Miners, ms)
	}
	return r
}
