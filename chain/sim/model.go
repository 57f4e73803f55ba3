package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// The abstract models below play the same strategies as the full-node
// simulation (Selfish, DoubleSpend) on the same process — blocks of the
// whole network as a Poisson process on a virtual clock, each found by
// the attacker with probability equal to its hash share — but keep only
// the state the strategy needs (the private lead, the race's deficit)
// instead of running nodes. They run millions of blocks a second, for
// the large trial counts the papers' curves need; a test checks that they
// agree with the full-node runs within sampling error.

// SelfishResult is the outcome of a selfish-mining run.
type SelfishResult struct {
	Model  string  `json:"model"` // "markov" or "nodes"
	Alpha  float64 `json:"alpha"`
	Gamma  float64 `json:"gamma"`
	Blocks int     `json:"blocks"`
	Seed   uint64  `json:"seed"`
	// AttackerBlocks and HonestBlocks are the main-chain blocks of each.
	AttackerBlocks int `json:"attacker_blocks"`
	HonestBlocks   int `json:"honest_blocks"`
	// RevenueShare is the attacker's share of the main chain's blocks;
	// Expected is SelfishRevenue(α, γ), and Threshold SelfishThreshold(γ).
	RevenueShare float64 `json:"selfish_revenue_share"`
	Expected     float64 `json:"expected_revenue_share"`
	Threshold    float64 `json:"threshold"`
	// Profitable is RevenueShare > Alpha: selfish mining paid more than
	// honest mining would have.
	Profitable bool `json:"profitable"`
	// TieHonest is how many ties (the pool matched an honest block) the
	// honest miners decided, and TieOnPool how many of those they decided
	// by mining on the pool's block: about Gamma of them.
	TieHonest int `json:"tie_honest"`
	TieOnPool int `json:"tie_on_pool"`
	// StaleRate is the share of mined blocks off the main chain.
	StaleRate      float64 `json:"stale_rate"`
	VirtualSeconds float64 `json:"virtual_seconds"`
	// Network is the full-node run's report (Model "nodes" only).
	Network *Report `json:"network,omitempty"`
}

// checkSelfish validates α and γ.
func checkSelfish(alpha, gamma float64, blocks int) error {
	switch {
	case !(alpha > 0 && alpha < 0.5):
		return fmt.Errorf("%w: alpha %g: want 0 < α < 0.5", ErrConfig, alpha)
	case !(gamma >= 0 && gamma <= 1):
		return fmt.Errorf("%w: gamma %g: want 0 ≤ γ ≤ 1", ErrConfig, gamma)
	case blocks < 1:
		return fmt.Errorf("%w: %d blocks, want at least 1", ErrConfig, blocks)
	}
	return nil
}

// SelfishMarkov runs Eyal & Sirer's selfish-mining state machine for
// blocks blocks: the state is the private chain's lead (0' is a tie the
// pool published into), and each block found goes to the pool with
// probability alpha; in a tie, the next honest block lands on the pool's
// branch with probability gamma.
func SelfishMarkov(alpha, gamma float64, blocks int, seed uint64) (SelfishResult, error) {
	if err := checkSelfish(alpha, gamma, blocks); err != nil {
		return SelfishResult{}, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x5e1f15))
	var pool, honest, lead, tieHonest, tieOnPool int
	tie := false
	var now time.Duration
	for range blocks {
		now += time.Duration(rng.ExpFloat64() * float64(10*time.Minute))
		if rng.Float64() < alpha { // the pool finds one
			switch {
			case tie: // it wins the race: its two blocks
				pool += 2
				tie, lead = false, 0
			default:
				lead++
			}
			continue
		}
		switch { // the honest miners find one
		case tie:
			tieHonest++
			if rng.Float64() < gamma { // on the pool's block
				tieOnPool++
				pool++
				honest++
			} else {
				honest += 2
			}
			tie = false
		case lead == 0:
			honest++
		case lead == 1: // publish: a tie
			tie, lead = true, 0
		case lead == 2: // publish all: the pool's branch is longer
			pool += 2
			lead = 0
		default: // publish the first unpublished: it will win
			pool++
			lead--
		}
	}
	pool += lead // the end: the pool publishes what it holds
	if tie {
		honest++ // an undecided tie: count the honest block
	}
	r := selfishResult("markov", alpha, gamma, blocks, seed, pool, honest, now)
	r.TieHonest, r.TieOnPool = tieHonest, tieOnPool
	return r, nil
}

func selfishResult(model string, alpha, gamma float64, blocks int, seed uint64, pool, honest int, now time.Duration) SelfishResult {
	r := SelfishResult{Model: model, Alpha: alpha, Gamma: gamma, Blocks: blocks, Seed: seed, AttackerBlocks: pool, HonestBlocks: honest,
		Expected: round6(SelfishRevenue(alpha, gamma)), Threshold: round6(SelfishThreshold(gamma)), VirtualSeconds: round3(now.Seconds())}
	if pool+honest > 0 {
		r.RevenueShare = round6(float64(pool) / float64(pool+honest))
		r.StaleRate = round6(float64(blocks-pool-honest) / float64(blocks))
	}
	r.Profitable = r.RevenueShare > alpha
	return r
}

// DoubleSpendResult is the outcome of a double-spend run.
type DoubleSpendResult struct {
	Model     string  `json:"model"` // "race" or "nodes"
	Q         float64 `json:"q"`
	Z         int     `json:"z"`
	Trials    int     `json:"trials"`
	Seed      uint64  `json:"seed"`
	Successes int     `json:"successes"`
	// SuccessRate is Successes / Trials; Rosenfeld and Nakamoto are the
	// two formulas for it.
	SuccessRate float64 `json:"success_rate"`
	Rosenfeld   float64 `json:"rosenfeld"`
	Nakamoto    float64 `json:"nakamoto"`
	// GiveUp is the deficit at which the attacker abandons a race.
	GiveUp int `json:"give_up_behind"`
	// Blocks is how many blocks the trials took in all.
	Blocks         int     `json:"blocks"`
	VirtualSeconds float64 `json:"virtual_seconds"`
	// Reverted is how many of the merchant's payments its own node saw
	// confirmed z times and then leave its best chain (Model "nodes"
	// only; it equals Successes when the nodes behave as the model says).
	Reverted int `json:"reverted,omitempty"`
	// Network is the full-node run's report (Model "nodes" only).
	Network *Report `json:"network,omitempty"`
}

// DefaultGiveUp is how many blocks behind an attacker abandons the race:
// from there it would catch up with probability (q/p)^50, below 10⁻⁴ for
// every q ≤ 0.45.
const DefaultGiveUp = 50

// checkDoubleSpend validates q, z and the trials.
func checkDoubleSpend(q float64, z, trials, giveUp int) error {
	switch {
	case !(q > 0 && q < 1):
		return fmt.Errorf("%w: q %g: want 0 < q < 1", ErrConfig, q)
	case z < 0 || z > 1000:
		return fmt.Errorf("%w: z %d: want 0 to 1000", ErrConfig, z)
	case trials < 1:
		return fmt.Errorf("%w: %d trials, want at least 1", ErrConfig, trials)
	case giveUp < 1:
		return fmt.Errorf("%w: give up at %d behind, want at least 1", ErrConfig, giveUp)
	}
	return nil
}

// DoubleSpendRace runs trials double-spend races. In each, the merchant
// waits for z confirmations while the attacker (hash share q) mines a
// secret branch from the payment's parent; the attacker has pre-mined one
// block before paying (Rosenfeld's assumption), so it wins once its branch
// is as long as the honest one — its own node would then hold one block
// more — and it gives up giveUp blocks behind. Each block found is the
// attacker's with probability q.
func DoubleSpendRace(q float64, z, trials, giveUp int, seed uint64) (DoubleSpendResult, error) {
	if err := checkDoubleSpend(q, z, trials, giveUp); err != nil {
		return DoubleSpendResult{}, err
	}
	rng := rand.New(rand.NewPCG(seed, seed^0xd0b1e5))
	var now time.Duration
	wins, blocks := 0, 0
	step := func() bool {
		blocks++
		now += time.Duration(rng.ExpFloat64() * float64(10*time.Minute))
		return rng.Float64() < q
	}
	for range trials {
		honest, attacker := 0, 0
		for honest < z { // the merchant waits for z confirmations
			if step() {
				attacker++
			} else {
				honest++
			}
		}
		for deficit := honest - attacker; ; { // then the race
			if deficit <= 0 {
				wins++
				break
			}
			if deficit > giveUp {
				break
			}
			if step() {
				deficit--
			} else {
				deficit++
			}
		}
	}
	return doubleSpendResult("race", q, z, trials, giveUp, seed, wins, blocks, now), nil
}

func doubleSpendResult(model string, q float64, z, trials, giveUp int, seed uint64, wins, blocks int, now time.Duration) DoubleSpendResult {
	return DoubleSpendResult{Model: model, Q: q, Z: z, Trials: trials, Seed: seed, Successes: wins,
		SuccessRate: round6(float64(wins) / float64(trials)), Rosenfeld: round6(Rosenfeld(q, z)), Nakamoto: round6(Nakamoto(q, z)),
		GiveUp: giveUp, Blocks: blocks, VirtualSeconds: round3(now.Seconds())}
}
