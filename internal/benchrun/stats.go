package benchrun

import (
	"math"
	"slices"
)

// Summary is the median, min and max of a set of samples.
type Summary struct {
	Median, Min, Max float64
	N                int // how many samples
}

// Summarize returns the Summary of xs; the median of an even count is the
// mean of the middle two. NaN samples are left out. The zero Summary
// (N = 0) means there was no sample.
func Summarize(xs []float64) Summary {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return Summary{}
	}
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Summary{Median: med, Min: s[0], Max: s[n-1], N: n}
}

// Overlap reports whether the min–max ranges of a and b share a point.
func (a Summary) Overlap(b Summary) bool { return a.Min <= b.Max && b.Min <= a.Max }
