//go:build !js

package main

import (
	"slices"
	"time"
)

// latency summarizes delivery times.
type latency struct {
	p50, p90, p99, max time.Duration
}

// summarize returns the percentiles of d (nearest rank); zero when empty.
func summarize(d []time.Duration) latency {
	if len(d) == 0 {
		return latency{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return latency{p50: rank(0.50), p90: rank(0.90), p99: rank(0.99), max: s[len(s)-1]}
}
