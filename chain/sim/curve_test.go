package sim

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// A selfish curve follows Eyal & Sirer's equation point by point and
// crosses "honest" (share = α) near the threshold; a double-spend curve
// follows Rosenfeld's formula and falls with z; both repeat for a seed.
func TestCurves(t *testing.T) {
	alphas := []float64{0.1, 0.2, 0.3, 0.4, 0.45}
	c, err := SelfishCurveOf(0.5, alphas, 30_000, 7)
	require.NoError(t, err)
	require.InDelta(t, 0.25, c.Threshold, 1e-9)
	require.Len(t, c.Points, len(alphas))
	for _, p := range c.Points {
		require.InDelta(t, p.Paper, p.Simulated, 0.02, "α=%v", p.Alpha)
		require.Equal(t, p.Alpha > c.Threshold+0.02, p.Simulated > p.Alpha, "α=%v: pays only above the threshold", p.Alpha)
	}
	again, err := SelfishCurveOf(0.5, alphas, 30_000, 7)
	require.NoError(t, err)
	require.Equal(t, c, again)

	d, err := DoubleSpendCurveOf(0.3, []int{0, 1, 2, 4, 6}, 30_000, 7)
	require.NoError(t, err)
	for i, p := range d.Points {
		require.InDelta(t, p.Rosenfeld, p.Simulated, 0.01, "z=%d", p.Z)
		if i > 0 {
			require.Less(t, p.Simulated, d.Points[i-1].Simulated, "more confirmations, less success")
		}
	}
}

// A curve that asks for nothing or for too much is refused.
func TestCurveBounds(t *testing.T) {
	for _, tc := range []struct {
		points, each int
	}{{0, 10}, {MaxCurvePoints + 1, 10}, {3, 0}, {20, MaxCurveWork}} {
		alphas := make([]float64, tc.points)
		for i := range alphas {
			alphas[i] = 0.3
		}
		_, err := SelfishCurveOf(0, alphas, tc.each, 1)
		require.True(t, errors.Is(err, ErrCurve), "%+v: %v", tc, err)
		zs := make([]int, tc.points)
		_, err = DoubleSpendCurveOf(0.3, zs, tc.each, 1)
		require.True(t, errors.Is(err, ErrCurve), "%+v: %v", tc, err)
	}
}
