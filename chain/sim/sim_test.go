package sim_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/sim"
)

// run builds and runs cfg and returns its report.
func run(t *testing.T, cfg sim.Config) sim.Report {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Run())
	return s.Report()
}

func reportJSON(t *testing.T, r any) string {
	t.Helper()
	b, err := json.Marshal(r)
	require.NoError(t, err)
	return string(b)
}

func TestSameSeedSameReport(t *testing.T) {
	cfg := sim.Config{Seed: 7, Peers: 20, Blocks: 30, Topology: sim.Mesh, Degree: 4, Regions: &sim.BitcoinNet2015, BlockSize: 1_000_000, BlockInterval: 30 * time.Second}
	a, b := run(t, cfg), run(t, cfg)
	require.Equal(t, reportJSON(t, a), reportJSON(t, b), "the same seed gives the same JSON")
	require.True(t, a.Converged, "every peer ends on the same tip")
	require.Equal(t, 19*a.MainChain, a.Propagation.Count, "every main-chain block reached every other peer")
	require.Positive(t, a.Stale, "30-second blocks of 1 MB over these links fork now and then")

	cfg.Seed = 8
	require.NotEqual(t, reportJSON(t, a), reportJSON(t, run(t, cfg)), "another seed, another run")

	s1, err := sim.SelfishNodes(0.3, 0.5, 200, 3, 100*time.Millisecond, 3)
	require.NoError(t, err)
	s2, err := sim.SelfishNodes(0.3, 0.5, 200, 3, 100*time.Millisecond, 3)
	require.NoError(t, err)
	require.Equal(t, reportJSON(t, s1), reportJSON(t, s2))
	d1, err := sim.DoubleSpendNodes(0.3, 1, 10, 20, 2, 50*time.Millisecond, 3)
	require.NoError(t, err)
	d2, err := sim.DoubleSpendNodes(0.3, 1, 10, 20, 2, 50*time.Millisecond, 3)
	require.NoError(t, err)
	require.Equal(t, reportJSON(t, d1), reportJSON(t, d2))
}

// TestHonestMinersGetTheirHashShare: with honest miners only, shares sum
// to 1 and each miner's share of the main chain is its hash share within
// sampling error (4 standard deviations of a binomial share).
func TestHonestMinersGetTheirHashShare(t *testing.T) {
	shares := []float64{0.1, 0.2, 0.3, 0.4}
	r := run(t, sim.Config{Seed: 1, Peers: 4, Blocks: 1000, Shares: shares, Latency: 10 * time.Millisecond})
	require.True(t, r.Converged)
	require.Equal(t, r.Blocks, r.MainChain+r.Stale)
	require.Len(t, r.Miners, 4)
	sum, mined := 0.0, 0
	for i, m := range r.Miners {
		sum += m.Share
		mined += m.Mined
		sd := math.Sqrt(shares[i] * (1 - shares[i]) / float64(r.MainChain))
		require.InDelta(t, shares[i], m.Share, 4*sd, "miner %s", m.Peer)
	}
	require.InDelta(t, 1, sum, 1e-5, "main-chain shares sum to 1")
	require.Equal(t, r.Blocks, mined)
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]sim.Config{
		"one peer":       {Peers: 1, Blocks: 1},
		"no blocks":      {Peers: 2},
		"degree":         {Peers: 3, Blocks: 1, Topology: sim.Mesh, Degree: 3},
		"shares length":  {Peers: 3, Blocks: 1, Shares: []float64{1}},
		"shares sum":     {Peers: 2, Blocks: 1, Shares: []float64{0.5, 0.6}},
		"attacker share": {Peers: 2, Blocks: 1, Attacker: &sim.Selfish{Alpha: 1}},
		"regions":        {Peers: 2, Blocks: 1, Regions: &sim.Regions{Names: []string{"x"}}},
	} {
		_, err := sim.New(cfg)
		require.ErrorIs(t, err, sim.ErrConfig, name)
	}
	for _, err := range []error{
		func() error { _, err := sim.SelfishMarkov(0.5, 0, 10, 1); return err }(),
		func() error { _, err := sim.SelfishMarkov(0.3, 1.5, 10, 1); return err }(),
		func() error { _, err := sim.DoubleSpendRace(0, 1, 10, 10, 1); return err }(),
		func() error { _, err := sim.DoubleSpendRace(0.3, -1, 10, 10, 1); return err }(),
		func() error { _, err := sim.DoubleSpendNodes(0.3, 1, 10, 10, 0, 0, 1); return err }(),
	} {
		require.ErrorIs(t, err, sim.ErrConfig)
	}
}
