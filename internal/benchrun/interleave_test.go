package benchrun

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInterleaveAlternatesAfterTheWarmUp(t *testing.T) {
	var log []string
	run := func(side string) Run {
		n := 0
		return func() (Sample, error) {
			n++
			log = append(log, fmt.Sprint(side, n))
			return Sample{"value": float64(n)}, nil
		}
	}
	p, err := Interleave(1, 5, run("A"), run("B"))
	require.NoError(t, err)
	require.Equal(t, []string{"A1", "B1", "A2", "B2", "A3", "B3", "A4", "B4", "A5", "B5", "A6", "B6"}, log)
	require.Len(t, p.A, 5, "the warm-up is not kept")
	require.Equal(t, []float64{2, 3, 4, 5, 6}, p.Values('A', "value"))
	require.Equal(t, []float64{2, 3, 4, 5, 6}, p.Values('B', "value"))
}

// The point of pairs: when other work on the machine slows both sides of
// a pair alike, the ratio within each pair holds while the absolute
// figures swing with the load.
func TestRatiosWithinPairsCancelTheLoad(t *testing.T) {
	loads := []float64{1, 1, 3, 1.5, 0.7, 2.2, 1} // the machine's load during each pair (warm-up first)
	i, side := 0, 0
	measure := func(speed float64) Run {
		return func() (Sample, error) {
			v := speed / loads[i]
			if side++; side == 2 {
				side, i = 0, i+1
			}
			return Sample{"MH/s": v}, nil
		}
	}
	p, err := Interleave(1, 6, measure(10), measure(25))
	require.NoError(t, err)
	r := Ratio("candidate / baseline", p, "MH/s", AtLeast(2.5))
	require.InDelta(t, 2.5, r.Median, 1e-12)
	require.InDelta(t, 2.5, r.Min, 1e-12)
	require.InDelta(t, 2.5, r.Max, 1e-12)
	require.Equal(t, 6, r.Samples)
	require.True(t, *r.Pass)
	require.False(t, r.Machine, "a ratio is not a figure of this machine")

	abs := Absolute("candidate", "MH/s", p.Values('B', "MH/s"), nil)
	require.True(t, abs.Machine)
	require.Greater(t, abs.Max/abs.Min, 4.0, "the absolute figures swing with the load")
}

func TestInterleaveStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	a := One(func() (float64, error) { return 1, nil })
	b := One(func() (float64, error) {
		if n++; n == 3 {
			return 0, boom
		}
		return 2, nil
	})
	_, err := Interleave(1, 5, a, b)
	require.ErrorIs(t, err, boom)
	require.ErrorContains(t, err, "pair 2, B")

	_, err = Interleave(1, 5, One(func() (float64, error) { return 0, boom }), b)
	require.ErrorContains(t, err, "warm-up 1 of A")
}

func TestInterleaveWantsEnoughPairs(t *testing.T) {
	one := One(func() (float64, error) { return 1, nil })
	_, err := Interleave(0, MinPairs-1, one, one)
	require.ErrorContains(t, err, "at least 5")
}

func TestRatiosOfMissingOrZeroBaselinesAreLeftOut(t *testing.T) {
	p := Pairs{
		A: []Sample{{"x": 2}, {"x": 0}, {}, {"x": 4}},
		B: []Sample{{"x": 4}, {"x": 1}, {"x": 1}, {"x": 4}},
	}
	r := p.Ratios("x")
	require.Equal(t, 2.0, r[0])
	require.True(t, math.IsNaN(r[1]))
	require.True(t, math.IsNaN(r[2]))
	require.Equal(t, 1.0, r[3])
	f := Ratio("x", p, "x", nil)
	require.Equal(t, 2, f.Samples)
	require.Equal(t, 1.5, f.Median)
	require.Nil(t, f.Pass, "no target, no verdict")
}

func TestRepeat(t *testing.T) {
	n := 0
	ss, err := Repeat(2, 3, One(func() (float64, error) { n++; return float64(n), nil }))
	require.NoError(t, err)
	require.Equal(t, []float64{3, 4, 5}, Column(ss, "value"))
}
