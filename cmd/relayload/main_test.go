//go:build !js

package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary be the server child, as the command is.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		main()
		return
	}
	os.Exit(m.Run())
}

// A small run of the whole benchmark: every frame arrives.
func TestSmallLoad(t *testing.T) {
	o, err := parseFlags([]string{"-peers", "30", "-rooms", "4", "-hot", "6", "-frame", "4096", "-announces", "10", "-interval", "20ms"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = run(ctx, o) // targets are not judged under -race on a shared machine
	require.NoError(t, err)
}

// A small run of the cluster benchmark: three relay processes over
// NATS, then one; every frame arrives in both.
func TestSmallClusterLoad(t *testing.T) {
	o, err := parseFlags([]string{"-cluster", "3", "-peers", "30", "-rooms", "4", "-hot", "9", "-frame", "4096", "-announces", "10", "-interval", "20ms"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := phase(ctx, o, 3)
	require.NoError(t, err)
	require.Zero(t, rc.lost, "every frame reaches every peer of the hot room, on every process")
	require.Len(t, rc.mem, 3)
	require.Equal(t, 8*10, rc.samples)
	for _, m := range rc.mem {
		require.Equal(t, 10, m.peers, "peer i on process i mod 3")
		require.Positive(t, m.after.Goroutines, "each process reports its own figures")
	}
}

func TestParseFlagsRefusesBadLoads(t *testing.T) {
	for _, args := range [][]string{
		{"-peers", "1"},
		{"-rooms", "0"},
		{"-peers", "10", "-rooms", "5", "-hot", "7"},
		{"-frame", "10"},
		{"-interval", "1ms"},
		{"-cluster", "1"},
		{"-cluster", "9"},
	} {
		_, err := parseFlags(args)
		require.Error(t, err, "%v", args)
	}
}

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	s := summarize(d)
	require.Equal(t, latency{p50: 50 * time.Millisecond, p90: 90 * time.Millisecond, p99: 99 * time.Millisecond, max: 100 * time.Millisecond}, s)
	require.Equal(t, latency{}, summarize(nil))
}
