package sim

import (
	"errors"
	"fmt"
)

// Curves: a scenario run over a range of one parameter, each point beside
// the papers' formulas — what a page plots (the /sim page, in a Web
// Worker; wasm/sim). They use the fast models (SelfishMarkov,
// DoubleSpendRace), so a curve of thousands of blocks per point takes a
// fraction of a second; deterministic for a seed (point i uses seed+i).

// MaxCurvePoints bounds a curve, and MaxCurveWork its points × blocks (or
// × trials), so a page cannot ask a tab for minutes of work.
const (
	MaxCurvePoints = 50
	MaxCurveWork   = 20_000_000
)

// ErrCurve reports a curve that asks for too much or for nothing.
var ErrCurve = errors.New("sim: curve")

// SelfishPoint is one point of a selfish-mining curve: the pool's share
// of the main chain's blocks, simulated and by Eyal & Sirer's equation.
type SelfishPoint struct {
	Alpha     float64 `json:"alpha"`
	Simulated float64 `json:"simulated"`
	Paper     float64 `json:"paper"`
}

// SelfishCurve is the selfish pool's revenue share for each α in alphas at
// one γ, over blocks blocks per point, beside SelfishRevenue; Threshold is
// the α above which selfish mining pays (SelfishThreshold(γ)).
type SelfishCurve struct {
	Gamma     float64        `json:"gamma"`
	Blocks    int            `json:"blocks"`
	Seed      uint64         `json:"seed"`
	Threshold float64        `json:"threshold"`
	Points    []SelfishPoint `json:"points"`
}

// SelfishCurveOf runs SelfishMarkov at every α of alphas.
func SelfishCurveOf(gamma float64, alphas []float64, blocks int, seed uint64) (SelfishCurve, error) {
	if err := checkCurve(len(alphas), blocks); err != nil {
		return SelfishCurve{}, err
	}
	c := SelfishCurve{Gamma: gamma, Blocks: blocks, Seed: seed, Threshold: SelfishThreshold(gamma)}
	for i, a := range alphas {
		r, err := SelfishMarkov(a, gamma, blocks, seed+uint64(i))
		if err != nil {
			return SelfishCurve{}, err
		}
		c.Points = append(c.Points, SelfishPoint{Alpha: a, Simulated: r.RevenueShare, Paper: SelfishRevenue(a, gamma)})
	}
	return c, nil
}

// DoubleSpendPoint is one point of a double-spend curve: the attacker's
// success rate after the merchant waits z confirmations, simulated, by
// Rosenfeld's exact formula and by Nakamoto's §11 approximation.
type DoubleSpendPoint struct {
	Z         int     `json:"z"`
	Simulated float64 `json:"simulated"`
	Rosenfeld float64 `json:"rosenfeld"`
	Nakamoto  float64 `json:"nakamoto"`
}

// DoubleSpendCurve is an attacker of share q racing at each z of zs.
type DoubleSpendCurve struct {
	Q      float64            `json:"q"`
	Trials int                `json:"trials"`
	Seed   uint64             `json:"seed"`
	Points []DoubleSpendPoint `json:"points"`
}

// DoubleSpendCurveOf runs DoubleSpendRace at every z of zs.
func DoubleSpendCurveOf(q float64, zs []int, trials int, seed uint64) (DoubleSpendCurve, error) {
	if err := checkCurve(len(zs), trials); err != nil {
		return DoubleSpendCurve{}, err
	}
	c := DoubleSpendCurve{Q: q, Trials: trials, Seed: seed}
	for i, z := range zs {
		r, err := DoubleSpendRace(q, z, trials, DefaultGiveUp, seed+uint64(i))
		if err != nil {
			return DoubleSpendCurve{}, err
		}
		c.Points = append(c.Points, DoubleSpendPoint{Z: z, Simulated: r.SuccessRate, Rosenfeld: Rosenfeld(q, z), Nakamoto: Nakamoto(q, z)})
	}
	return c, nil
}

func checkCurve(points, each int) error {
	switch {
	case points == 0:
		return fmt.Errorf("%w: no points", ErrCurve)
	case points > MaxCurvePoints:
		return fmt.Errorf("%w: %d points, at most %d", ErrCurve, points, MaxCurvePoints)
	case each <= 0:
		return fmt.Errorf("%w: %d blocks or trials per point: want at least 1", ErrCurve, each)
	case points*each > MaxCurveWork:
		return fmt.Errorf("%w: %d points × %d is more than %d runs", ErrCurve, points, each, MaxCurveWork)
	}
	return nil
}
