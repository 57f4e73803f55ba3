//go:build !js

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/internal/benchrun"
)

var at = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

func TestParseBench(t *testing.T) {
	out := `goos: linux
BenchmarkImport10k/json-2         	       3	3906592628 ns/op	   8.28 MB/s
BenchmarkImport10k/blocks-2       	       3	3715214372 ns/op
BenchmarkRelayFanout 1 4.5 p50-ms 12.25 p99-ms
PASS
`
	s := parseBench(strings.NewReader(out))
	require.Equal(t, benchrun.Sample{
		"BenchmarkImport10k/json ns/op":   3906592628,
		"BenchmarkImport10k/json MB/s":    8.28,
		"BenchmarkImport10k/blocks ns/op": 3715214372,
		"BenchmarkRelayFanout p50-ms":     4.5,
		"BenchmarkRelayFanout p99-ms":     12.25,
	}, s)
}

func TestABRunsBothCommandsAndReportsRatios(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(benchrun.DirEnv, dir)
	var out bytes.Buffer
	err := run([]string{"ab", "-name", "ab", "-a", "echo 'BenchmarkX-2 1 100 ns/op'", "-b", "echo 'BenchmarkX-2 1 50 ns/op'"}, &out, at)
	require.NoError(t, err)
	require.Contains(t, out.String(), "| BenchmarkX ns/op: B/A | 0.500 × | 0.500–0.500 | 5 |")
	require.Contains(t, out.String(), "| BenchmarkX ns/op: A * | 100.0 ns/op |")
	_, err = os.Stat(filepath.Join(dir, "fragments", "ab.json"))
	require.NoError(t, err)

	err = run([]string{"ab", "-a", "echo nothing", "-b", "true"}, &out, at)
	require.ErrorContains(t, err, "printed no benchmark line")
	err = run([]string{"ab", "-a", "exit 3", "-b", "true"}, &out, at)
	require.ErrorContains(t, err, "warm-up 1 of A")
}

func TestReportAndCompare(t *testing.T) {
	root := t.TempDir()
	oldDir, newDir := filepath.Join(root, "20261201-090000"), filepath.Join(root, "20261201-100000")
	require.NoError(t, benchrun.WriteFragment(oldDir, "import", []benchrun.Figure{benchrun.Absolute("import", "s", []float64{1.7, 1.8, 1.9}, benchrun.Below(1))}, at))
	require.NoError(t, benchrun.WriteFragment(newDir, "import", []benchrun.Figure{benchrun.Absolute("import", "s", []float64{0.8, 0.9, 1}, benchrun.Below(1))}, at))
	var out bytes.Buffer
	require.NoError(t, run([]string{"report", oldDir}, &out, at))
	require.NoError(t, run([]string{"report", newDir}, &out, at))
	require.Contains(t, out.String(), "| import * | 0.900 s | 0.800–1.00 | 3 | < 1 s | ✓ |")

	out.Reset()
	require.NoError(t, run([]string{"compare", oldDir, newDir}, &out, at))
	require.Contains(t, out.String(), "| import | 1.80 s (1.70–1.90) | 0.900 s (0.800–1.00) | -50.0 % | no |")

	require.ErrorIs(t, run([]string{"compare", oldDir}, &out, at), errUsage)
	require.ErrorIs(t, run(nil, &out, at), errUsage)
}
