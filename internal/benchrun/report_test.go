package benchrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var at = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

func TestFragmentsMakeOneReport(t *testing.T) {
	dir := t.TempDir()
	mining := []Figure{
		NewFigure("wasm SIMD / sha256.Sum256", "×", []float64{2.4, 2.6, 2.5, 2.7, 2.55}, AtLeast(2.5)),
		Absolute("native sha256.Sum256", "MH/s", []float64{7, 6.5, 7.2, 6.9, 7.1}, nil),
	}
	relay := []Figure{Absolute("fan-out p99", "ms", []float64{4, 3, 6, 4.5, 3.9}, Below(5))}
	require.NoError(t, WriteFragment(dir, "mining", mining, at))
	require.NoError(t, WriteFragment(dir, "loadtest", relay, at))

	r, err := Collect(dir, at)
	require.NoError(t, err)
	require.Equal(t, "2026-12-01T18:00:00Z", r.Time)
	names := []string{}
	for _, f := range r.Figures {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"fan-out p99", "wasm SIMD / sha256.Sum256", "native sha256.Sum256"}, names, "fragments in name order")

	require.NoError(t, r.Write(dir))
	back, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, r, back, "report.json reads back as written")

	md, err := os.ReadFile(filepath.Join(dir, ReportMD))
	require.NoError(t, err)
	require.Contains(t, string(md), "| figure | median | min–max | samples | target | pass |")
	require.Contains(t, string(md), "| wasm SIMD / sha256.Sum256 | 2.55 × | 2.40–2.70 | 5 | ≥ 2.5 × | ✓ |")
	require.Contains(t, string(md), "| native sha256.Sum256 * | 7.00 MH/s | 6.50–7.20 | 5 |  |  |")
	require.Contains(t, string(md), "| fan-out p99 * | 4.00 ms | 3.00–6.00 | 5 | < 5 ms | ✓ |")
}

func TestCollectWantsFragments(t *testing.T) {
	_, err := Collect(t.TempDir(), at)
	require.ErrorContains(t, err, "no fragments")
}

func TestTableEscapesPipes(t *testing.T) {
	tab := Table([]Figure{NewFigure("a | b", "×", []float64{1}, nil)})
	require.Contains(t, tab, `| a \| b |`)
}

func TestCompare(t *testing.T) {
	old := Report{Figures: []Figure{
		NewFigure("import", "s", []float64{1.7, 1.8, 1.9}, Below(1)),
		NewFigure("p99", "ms", []float64{15, 17, 20}, Below(5)),
		NewFigure("gone", "ms", []float64{1}, nil),
	}}
	new := Report{Figures: []Figure{
		NewFigure("p99", "ms", []float64{3, 4, 16}, Below(5)),
		NewFigure("import", "s", []float64{0.8, 0.9, 1.0}, Below(1)),
		NewFigure("fresh", "×", []float64{2}, nil),
	}}
	cs := Compare(old, new)
	require.Len(t, cs, 4)
	require.Equal(t, "p99", cs[0].Figure)
	require.InDelta(t, 4.0/17-1, cs[0].Change, 1e-12)
	require.True(t, cs[0].Overlap, "16 ms is inside 15–20")
	require.Equal(t, "import", cs[1].Figure)
	require.InDelta(t, 0.9/1.8-1, cs[1].Change, 1e-12)
	require.False(t, cs[1].Overlap)
	require.Equal(t, "fresh", cs[2].Figure)
	require.Nil(t, cs[2].Old)
	require.Equal(t, "gone", cs[3].Figure)
	require.Nil(t, cs[3].New)

	tab := CompareTable(cs)
	require.Contains(t, tab, "| figure | old median | new median | change | ranges overlap |")
	require.Contains(t, tab, "| import | 1.80 s (1.70–1.90) | 0.900 s (0.800–1.00) | -50.0 % | no |")
	require.Contains(t, tab, "| p99 | 17.00 ms (15.00–20.00) | 4.00 ms (3.00–16.00) | -76.5 % | yes |")
	require.Contains(t, tab, "| fresh | – | 2.00 × (2.00–2.00) | – | – |")
	require.Contains(t, tab, "| gone | 1.00 ms (1.00–1.00) | – | – | – |")
}

func TestLatest(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"20261201-100000", "20261201-090000", "20261130-230000", "20261201-110000", "ab-20261201-120000"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, name), 0o755))
		if name != "20261201-110000" { // a run that never finished has no report; an A/B run is not make bench's
			require.NoError(t, Report{}.Write(filepath.Join(root, name)))
		}
	}
	old, new, err := Latest(root)
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, "20261201-090000"), old)
	require.Equal(t, filepath.Join(root, "20261201-100000"), new)

	_, _, err = Latest(t.TempDir())
	require.ErrorContains(t, err, "want two")
}

func TestPublishWritesAFragmentOnlyInARun(t *testing.T) {
	figs := []Figure{NewFigure("x", "×", []float64{1, 2, 3}, nil)}
	t.Setenv(DirEnv, "")
	var out bytes.Buffer
	require.NoError(t, Publish(&out, "alone", figs, at))
	require.True(t, strings.Contains(out.String(), "| x | 2.00 × |"), out.String())

	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	require.NoError(t, Publish(&out, "inrun", figs, at))
	_, err := os.Stat(filepath.Join(dir, "fragments", "inrun.json"))
	require.NoError(t, err)
}
