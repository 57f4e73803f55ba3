//go:build !js

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/internal/benchrun"
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
	require.NotNil(t, figs[3].Target, "one process: the targets")
	require.Equal(t, memoryReadings, figs[0].Samples)
	require.Contains(t, out.String(), "BenchmarkRelayFanout 1 ")
	require.Contains(t, out.String(), "BenchmarkRelayIdle 1 ")
	require.Equal(t, "loadtest", fragmentName(o))
}

// A small run of the cluster benchmark: three relay processes over
// NATS, then one, in rounds after a warm-up; every frame arrives in
// both, each process reports its own figures, and the delivery to the
// announcer's process and to the others is apart.
func TestSmallClusterLoad(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "relay.cpu")
	o, err := parseFlags([]string{"-cluster", "3", "-peers", "30", "-rooms", "4", "-hot", "9", "-frame", "4096",
		"-rounds", "2", "-announces", "5", "-interval", "20ms", "-cpuprofile", prof})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	pc, err := runPhase(ctx, o, 3, &out) // a lost delivery is an error
	require.NoError(t, err, out.String())
	require.Len(t, pc.mem, 3)
	for _, m := range pc.mem {
		require.Equal(t, 10, m.peers, "peer i on process i mod 3")
		require.Positive(t, m.after.Goroutines, "each process reports its own figures")
		require.Len(t, m.perPeer, memoryReadings)
		require.GreaterOrEqual(t, benchrun.Summarize(m.goroutines).Median, 1.0, "the process serves its own peers: peer i dials process i mod 3")
	}
	require.Len(t, pc.p99, 2, "one per measured round")
	require.Len(t, pc.sameP99, 2)
	require.Len(t, pc.crossP99, 2)
	require.Equal(t, 2, pc.sameReceivers, "peers 3 and 6 are on the announcer's process")
	require.Equal(t, 6, pc.crossReceivers)
	for k := range 3 {
		require.FileExists(t, profilePath(prof, 3, k), "each process writes its CPU profile")
	}

	out.Reset()
	figs, err := run(ctx, o, &out)
	require.NoError(t, err, out.String())
	require.Equal(t, "loadtest-cluster", fragmentName(o))
	require.Len(t, figs, 3*2+3+4+5, "per process memory and goroutines, all/same/cross delivery; then the one process's figures")
	for _, f := range figs {
		require.True(t, f.Machine, f.Name)
		require.Nil(t, f.Target, "no target judged in a cluster run: %s", f.Name)
	}
	require.Equal(t, "relay over NATS, 3 processes: process 3 memory per idle peer (10 peers)", figs[4].Name)
	require.Equal(t, "relay, one process: server memory per idle peer (30 peers)", figs[13].Name)
	require.Equal(t, 2, figs[13+3].Samples, "the one process's p99: one per measured round")
	require.FileExists(t, prof, "the one process writes its CPU profile")
	for _, s := range []string{"== the same peers on one relay process", "summary (medians):", "on the announcer's process",
		"BenchmarkRelayFanout/nats 1 ", "BenchmarkRelayFanout/one 1 ", "BenchmarkRelayIdle/nats/process3 1 ", "BenchmarkRelayIdle/one 1 "} {
		require.Contains(t, out.String(), s)
	}
	require.Equal(t, 2, strings.Count(out.String(), "  warm-up 1: "), "a warm-up round in each run")
}

func TestParseFlagsRefusesBadLoads(t *testing.T) {
	for _, args := range [][]string{
		{"-peers", "1"},
		{"-rooms", "0"},
		{"-peers", "10", "-rooms", "5", "-hot", "7"},
		{"-frame", "10"},
		{"-interval", "1ms"},
		{"-rounds", "0"},
		{"-cluster", "1"},
		{"-cluster", "9"},
		{"-cluster", "3", "-hot", "3"},
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
