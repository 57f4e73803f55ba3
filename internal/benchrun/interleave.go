package benchrun

import (
	"fmt"
	"math"
)

// MinPairs is the fewest pairs Interleave accepts.
const MinPairs = 5

// Sample is one run's measurements, by metric name (a run may measure
// several things at once: p50 and p99, or ns/op and MB/s).
type Sample map[string]float64

// Run measures once.
type Run func() (Sample, error)

// Pairs is what Interleave measured: A[i] and B[i] ran one after the
// other, as pair i.
type Pairs struct{ A, B []Sample }

// Interleave runs a and b warmup times each (measurements discarded),
// then pairs times in alternation, a first: A B A B …. pairs must be at
// least MinPairs. It stops at the first error.
func Interleave(warmup, pairs int, a, b Run) (Pairs, error) {
	var p Pairs
	if pairs < MinPairs {
		return p, fmt.Errorf("benchrun: %d pairs, want at least %d", pairs, MinPairs)
	}
	for i := range warmup {
		if _, err := a(); err != nil {
			return p, fmt.Errorf("benchrun: warm-up %d of A: %w", i+1, err)
		}
		if _, err := b(); err != nil {
			return p, fmt.Errorf("benchrun: warm-up %d of B: %w", i+1, err)
		}
	}
	for i := range pairs {
		sa, err := a()
		if err != nil {
			return p, fmt.Errorf("benchrun: pair %d, A: %w", i+1, err)
		}
		sb, err := b()
		if err != nil {
			return p, fmt.Errorf("benchrun: pair %d, B: %w", i+1, err)
		}
		p.A, p.B = append(p.A, sa), append(p.B, sb)
	}
	return p, nil
}

// Ratios returns B/A of metric within each pair; a pair where A is zero
// or either side lacks the metric gives NaN (Summarize leaves it out).
func (p Pairs) Ratios(metric string) []float64 {
	out := make([]float64, len(p.A))
	for i := range p.A {
		a, okA := p.A[i][metric]
		b, okB := p.B[i][metric]
		if !okA || !okB || a == 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = b / a
	}
	return out
}

// Values returns one side's values of metric ('A' or 'B'); a sample that
// lacks it gives NaN.
func (p Pairs) Values(side byte, metric string) []float64 {
	ss := p.A
	if side == 'B' {
		ss = p.B
	}
	out := make([]float64, len(ss))
	for i, s := range ss {
		v, ok := s[metric]
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// One wraps a run of a single figure as a Run whose metric is "value".
func One(f func() (float64, error)) Run {
	return func() (Sample, error) {
		v, err := f()
		if err != nil {
			return nil, err
		}
		return Sample{"value": v}, nil
	}
}

// Repeat runs r warmup times, then n times, and returns the n samples:
// for an absolute figure that has no baseline to pair with.
func Repeat(warmup, n int, r Run) ([]Sample, error) {
	for i := range warmup {
		if _, err := r(); err != nil {
			return nil, fmt.Errorf("benchrun: warm-up %d: %w", i+1, err)
		}
	}
	out := make([]Sample, 0, n)
	for i := range n {
		s, err := r()
		if err != nil {
			return nil, fmt.Errorf("benchrun: run %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// Column returns metric from each sample (NaN where it is missing).
func Column(ss []Sample, metric string) []float64 {
	return Pairs{A: ss}.Values('A', metric)
}
