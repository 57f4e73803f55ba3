package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// runJSON runs the command and decodes its one line of JSON.
func runJSON(t *testing.T, args ...string) (map[string]any, string) {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(append(args, "-json"), &out))
	var m map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &m), out.String())
	return m, out.String()
}

func TestSelfishJSON(t *testing.T) {
	m, raw := runJSON(t, "-scenario", "selfish", "-alpha", "0.35", "-gamma", "0.5", "-blocks", "20000", "-seed", "3")
	for _, k := range []string{"alpha", "gamma", "blocks", "selfish_revenue_share"} {
		require.Contains(t, m, k)
	}
	require.Equal(t, 0.35, m["alpha"])
	require.InDelta(t, 0.416, m["selfish_revenue_share"], 0.03)
	_, again := runJSON(t, "-scenario", "selfish", "-alpha", "0.35", "-gamma", "0.5", "-blocks", "20000", "-seed", "3")
	require.Equal(t, raw, again, "same seed, same JSON")
}

func TestDoubleSpendJSON(t *testing.T) {
	m, _ := runJSON(t, "-scenario", "doublespend", "-q", "0.3", "-z", "2", "-trials", "20000", "-seed", "1")
	for _, k := range []string{"q", "z", "trials", "success_rate"} {
		require.Contains(t, m, k)
	}
	require.InDelta(t, 0.432, m["success_rate"], 0.02)
}

func TestNetworkJSON(t *testing.T) {
	m, _ := runJSON(t, "-scenario", "network", "-peers", "20", "-blocks", "10", "-degree", "4")
	for _, k := range []string{"stale_rate", "propagation_ms", "miners"} {
		require.Contains(t, m, k)
	}
}

func TestBadInput(t *testing.T) {
	var out bytes.Buffer
	require.ErrorIs(t, run([]string{"-scenario", "nope"}, &out), errUsage)
	require.ErrorIs(t, run([]string{"-model", "x", "-scenario", "selfish"}, &out), errUsage)
	require.ErrorIs(t, run([]string{"-regions", "1999"}, &out), errUsage)
	require.ErrorIs(t, run([]string{"extra"}, &out), errUsage)
	require.Error(t, run([]string{"-scenario", "selfish", "-alpha", "0.7"}, &out), "α ≥ ½ is refused")
}
