package benchrun

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want Summary
	}{
		{"odd count: the middle one", []float64{5, 1, 3}, Summary{Median: 3, Min: 1, Max: 5, N: 3}},
		{"even count: mean of the middle two", []float64{4, 1, 3, 10}, Summary{Median: 3.5, Min: 1, Max: 10, N: 4}},
		{"one sample", []float64{7}, Summary{Median: 7, Min: 7, Max: 7, N: 1}},
		{"NaN left out", []float64{math.NaN(), 2, 9, math.NaN(), 4}, Summary{Median: 4, Min: 2, Max: 9, N: 3}},
		{"nothing", nil, Summary{}},
		{"only NaN", []float64{math.NaN()}, Summary{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Summarize(tc.xs))
		})
	}
}

func TestSummarizeLeavesItsInputAlone(t *testing.T) {
	xs := []float64{3, 1, 2}
	Summarize(xs)
	require.Equal(t, []float64{3, 1, 2}, xs)
}

func TestOverlap(t *testing.T) {
	a := Summary{Min: 1, Max: 2}
	require.True(t, a.Overlap(Summary{Min: 2, Max: 3}), "touching ranges overlap")
	require.True(t, a.Overlap(Summary{Min: 0, Max: 5}), "a range inside another")
	require.False(t, a.Overlap(Summary{Min: 2.01, Max: 3}))
	require.False(t, Summary{Min: 2.01, Max: 3}.Overlap(a))
}
