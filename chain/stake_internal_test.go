package chain

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeaderFrequencyMatchesStake: over 10,000 seeded slots each
// validator leads a share of the slots within four standard deviations
// of its share of the stake (a binomial: sd = √(n·p·(1−p))).
func TestLeaderFrequencyMatchesStake(t *testing.T) {
	stakes := map[Address]uint64{{1}: 10, {2}: 20, {3}: 30, {4}: 40, {5}: 900}
	s := &stakeState{accts: map[Address]StakeAccount{}}
	var total uint64
	for a, v := range stakes {
		s.accts[a] = StakeAccount{Stake: v}
		total += v
	}
	s.accts[Address{6}] = StakeAccount{Slashed: true} // no stake: never drawn
	const n = 10_000
	seed := HashBytes([]byte("TestLeaderFrequencyMatchesStake"))
	count := map[Address]int{}
	for slot := uint64(1); slot <= n; slot++ {
		a, ok := drawLeader(s, seed, slot)
		require.True(t, ok)
		count[a]++
	}
	require.Zero(t, count[Address{6}])
	for a, v := range stakes {
		p := float64(v) / float64(total)
		sd := math.Sqrt(n * p * (1 - p))
		require.InDelta(t, n*p, float64(count[a]), 4*sd, "validator %x: stake %d of %d", a[:1], v, total)
	}
	_, ok := drawLeader(&stakeState{}, seed, 1)
	require.False(t, ok, "nobody has stake")
}

// TestLeaderFrequencyDependsOnTheDraw guards the test above: a draw that
// ignores the stake (uniform over validators) fails it.
func TestLeaderFrequencyDependsOnTheDraw(t *testing.T) {
	s := &stakeState{accts: map[Address]StakeAccount{{1}: {Stake: 1}, {2}: {Stake: 99}}}
	seed := HashBytes([]byte("x"))
	first := 0
	for slot := uint64(1); slot <= 10_000; slot++ {
		if a, _ := drawLeader(s, seed, slot); a == (Address{1}) {
			first++
		}
	}
	require.Less(t, first, 200, "1 % of the stake leads about 100 of 10,000 slots, not half")
}
