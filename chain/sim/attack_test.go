package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/sim"
)

func TestFormulas(t *testing.T) {
	// Nakamoto's §11 table.
	for _, c := range []struct {
		q    float64
		z    int
		want float64
	}{{0.1, 0, 1}, {0.1, 1, 0.2045873}, {0.1, 5, 0.0009137}, {0.1, 10, 0.0000012}, {0.3, 5, 0.1773523}, {0.3, 10, 0.0416605}, {0.3, 50, 0.0000006}} {
		require.InDelta(t, c.want, sim.Nakamoto(c.q, c.z), 5e-8, "Nakamoto q=%v z=%d", c.q, c.z)
	}
	// Rosenfeld: 2q for one confirmation, and his table's q=0.3, z=2.
	require.InDelta(t, 0.2, sim.Rosenfeld(0.1, 1), 1e-12)
	require.InDelta(t, 0.6, sim.Rosenfeld(0.3, 1), 1e-12)
	require.InDelta(t, 0.432, sim.Rosenfeld(0.3, 2), 1e-12)
	require.Equal(t, 1.0, sim.Rosenfeld(0.6, 6), "a majority always wins")
	// Eyal & Sirer: the thresholds, and revenue above α exactly beyond them.
	require.InDelta(t, 1.0/3, sim.SelfishThreshold(0), 1e-12)
	require.InDelta(t, 0.25, sim.SelfishThreshold(0.5), 1e-12)
	for _, g := range []float64{0, 0.5, 1} {
		th := sim.SelfishThreshold(g)
		require.InDelta(t, th, sim.SelfishRevenue(th, g), 1e-9, "at the threshold revenue = α")
		if th > 0.01 {
			require.Less(t, sim.SelfishRevenue(th-0.01, g), th-0.01)
		}
		if th+0.01 < 0.5 {
			require.Greater(t, sim.SelfishRevenue(th+0.01, g), th+0.01)
		}
	}
}

// TestSelfishThresholds: the state machine pays less than honest mining
// just below (1-γ)/(3-2γ) and more just above it.
func TestSelfishThresholds(t *testing.T) {
	for _, c := range []struct {
		gamma, below, above float64
	}{{0, 0.30, 0.37}, {0.5, 0.21, 0.29}} {
		lo, err := sim.SelfishMarkov(c.below, c.gamma, 400_000, 1)
		require.NoError(t, err)
		hi, err := sim.SelfishMarkov(c.above, c.gamma, 400_000, 1)
		require.NoError(t, err)
		require.False(t, lo.Profitable, "γ=%v α=%v: %v", c.gamma, c.below, lo.RevenueShare)
		require.True(t, hi.Profitable, "γ=%v α=%v: %v", c.gamma, c.above, hi.RevenueShare)
		require.InDelta(t, hi.Expected, hi.RevenueShare, 0.01)
	}
}

// sd returns the standard deviation of the markov model's revenue share
// over seeds at blocks blocks.
func selfishSD(t *testing.T, alpha, gamma float64, blocks int) float64 {
	var xs []float64
	for seed := range uint64(60) {
		r, err := sim.SelfishMarkov(alpha, gamma, blocks, 1000+seed)
		require.NoError(t, err)
		xs = append(xs, r.RevenueShare)
	}
	m, v := 0.0, 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return math.Sqrt(v / float64(len(xs)-1))
}

// TestSelfishNodesAgreeWithModel: the full nodes playing Algorithm 1 earn
// what the state machine and the formula say, within sampling error.
func TestSelfishNodesAgreeWithModel(t *testing.T) {
	for _, g := range []float64{0, 0.5} {
		const alpha, blocks = 0.4, 700
		r, err := sim.SelfishNodes(alpha, g, blocks, 3, 100*time.Millisecond, 1)
		require.NoError(t, err)
		sd := selfishSD(t, alpha, g, blocks)
		require.InDelta(t, sim.SelfishRevenue(alpha, g), r.RevenueShare, 4*sd, "γ=%v", g)
		require.True(t, r.Profitable)
		require.True(t, r.Network.Converged)
		// γ itself: the share of the ties the honest miners decided on the pool's block.
		require.Greater(t, r.TieHonest, 30)
		got := float64(r.TieOnPool) / float64(r.TieHonest)
		require.InDelta(t, g, got, 4*math.Sqrt(max(g*(1-g), 0.01)/float64(r.TieHonest)), "γ=%v: %d of %d ties", g, r.TieOnPool, r.TieHonest)
		pool := r.Network.Miners[0]
		require.Equal(t, "attacker", pool.Name)
		require.InDelta(t, r.RevenueShare, pool.Share, 1e-6, "the report's share and the result's agree")
	}
}

// TestDoubleSpendRaceMatchesRosenfeld: the abstract race follows
// Rosenfeld's exact formula, not Nakamoto's Poisson approximation.
func TestDoubleSpendRaceMatchesRosenfeld(t *testing.T) {
	const trials = 50_000
	for _, z := range []int{1, 3} {
		r, err := sim.DoubleSpendRace(0.3, z, trials, sim.DefaultGiveUp, 1)
		require.NoError(t, err)
		p := r.Rosenfeld
		require.InDelta(t, p, r.SuccessRate, 4*math.Sqrt(p*(1-p)/trials), "z=%d", z)
	}
	r, err := sim.DoubleSpendRace(0.3, 1, trials, sim.DefaultGiveUp, 1)
	require.NoError(t, err)
	require.Greater(t, math.Abs(r.SuccessRate-r.Nakamoto), 6*math.Sqrt(0.24/trials), "Nakamoto's 0.6277 is off the exact 0.6")
}

// TestDoubleSpendNodesAgreeWithModel: full nodes running the race reverse
// the merchant's payment as often as the formula says, and every race
// won is a payment gone from the merchant's chain.
func TestDoubleSpendNodesAgreeWithModel(t *testing.T) {
	const trials = 60
	r, err := sim.DoubleSpendNodes(0.3, 2, trials, 30, 2, 50*time.Millisecond, 1)
	require.NoError(t, err)
	p := sim.Rosenfeld(0.3, 2)
	require.InDelta(t, p, r.SuccessRate, 4*math.Sqrt(p*(1-p)/trials))
	require.Equal(t, r.Successes, r.Reverted, "each race won took the payment off the merchant's chain")
	require.True(t, r.Network.Converged)

	z0, err := sim.DoubleSpendNodes(0.3, 0, 5, 30, 2, 50*time.Millisecond, 1)
	require.NoError(t, err)
	require.Equal(t, 1.0, z0.SuccessRate, "a payment taken with no confirmation is always lost")
}
