//go:build !js

package main

import (
	"bytes"
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
	o, err := parseFlags([]string{"-peers", "30", "-rooms", "4", "-hot", "6", "-frame", "4096", "-rounds", "2", "-announces", "5", "-interval", "20ms"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	figs, err := run(ctx, o, &out) // targets are not judged under -race on a shared machine
	require.NoError(t, err, out.String())
	require.Len(t, figs, 5)
	for _, f := range figs {
		require.True(t, f.Machine, f.Name)
	}
	require.Equal(t, 2, figs[3].Samples, "p99: one per measured round")
	require.Equal(t, memoryReadings, figs[0].Samples)
	require.Contains(t, out.String(), "BenchmarkRelayFanout 1 ")
	require.Contains(t, out.String(), "BenchmarkRelayIdle 1 ")
}

func TestParseFlagsRefusesBadLoads(t *testing.T) {
	for _, args := range [][]string{
		{"-peers", "1"},
		{"-rooms", "0"},
		{"-peers", "10", "-rooms", "5", "-hot", "7"},
		{"-frame", "10"},
		{"-interval", "1ms"},
		{"-rounds", "0"},
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
