//go:build !js

// Command bench assembles and compares the reports of make bench (see
// internal/benchrun), and compares two builds in alternation.
//
//	bench report DIR              merge DIR/fragments/*.json into DIR/report.json and DIR/report.md
//	bench compare [OLD NEW]       compare two runs' reports (default: the newest two under bench-results)
//	bench ab -a CMD -b CMD        run two commands in alternation (warm-up, then -pairs pairs A B A B …),
//	                              read the Go benchmark lines each prints, and report every metric's
//	                              median B/A ratio with its min–max, and both sides' absolute medians
//
// The commands of ab run under sh -c; a line such as
// "BenchmarkImport10k/json-2  1  912345678 ns/op  8.2 MB/s" gives the
// metrics "BenchmarkImport10k/json ns/op" and "… MB/s" (the -N GOMAXPROCS
// suffix is dropped). A metric seen several times in one run takes its
// last value.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chainplay/chainplay/internal/benchrun"
)

// resultsRoot is where make bench keeps its runs.
const resultsRoot = "bench-results"

func main() {
	if err := run(os.Args[1:], os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: bench report DIR | bench compare [OLD NEW] | bench ab -a CMD -b CMD [-pairs N] [-warmup N] [-name NAME]")

func run(args []string, out io.Writer, now time.Time) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "report":
		if len(args) != 2 {
			return errUsage
		}
		r, err := benchrun.Collect(args[1], now)
		if err != nil {
			return err
		}
		if err := r.Write(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\nwritten: %s, %s\n", r.Markdown(), filepath.Join(args[1], benchrun.ReportMD), filepath.Join(args[1], benchrun.ReportJSON))
		return nil
	case "compare":
		var oldDir, newDir string
		switch len(args) {
		case 1:
			var err error
			if oldDir, newDir, err = benchrun.Latest(resultsRoot); err != nil {
				return err
			}
		case 3:
			oldDir, newDir = args[1], args[2]
		default:
			return errUsage
		}
		oldR, err := benchrun.Load(oldDir)
		if err != nil {
			return err
		}
		newR, err := benchrun.Load(newDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "old: %s (%s, load %s)\nnew: %s (%s, load %s)\n\n%s", oldDir, oldR.Time, strings.Join(oldR.Machine.Load, ", "),
			newDir, newR.Time, strings.Join(newR.Machine.Load, ", "), benchrun.CompareTable(benchrun.Compare(oldR, newR)))
		return nil
	case "ab":
		return ab(args[1:], out, now)
	}
	return errUsage
}

// ab runs two commands in alternation and reports their metrics.
func ab(args []string, out io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	a := fs.String("a", "", "the baseline command (sh -c)")
	b := fs.String("b", "", "the candidate command (sh -c)")
	pairs := fs.Int("pairs", benchrun.MinPairs, "pairs after the warm-up")
	warmup := fs.Int("warmup", 1, "warm-up runs of each side")
	name := fs.String("name", "ab", "the fragment's name when "+benchrun.DirEnv+" is set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *a == "" || *b == "" {
		return errUsage
	}
	p, err := benchrun.Interleave(*warmup, *pairs, command(*a), command(*b))
	if err != nil {
		return err
	}
	var metrics []string
	for _, s := range p.A {
		for m := range s {
			if !slices.Contains(metrics, m) {
				metrics = append(metrics, m)
			}
		}
	}
	slices.Sort(metrics)
	var figs []benchrun.Figure
	for _, m := range metrics {
		unit := m[strings.LastIndexByte(m, ' ')+1:]
		figs = append(figs,
			benchrun.Ratio(m+": B/A", p, m, nil),
			benchrun.Absolute(m+": A", unit, p.Values('A', m), nil),
			benchrun.Absolute(m+": B", unit, p.Values('B', m), nil))
	}
	fmt.Fprintf(out, "A: %s\nB: %s\n", *a, *b)
	return benchrun.Publish(out, *name, figs, now)
}

// command runs cmd under sh -c and parses its benchmark lines.
func command(cmd string) benchrun.Run {
	return func() (benchrun.Sample, error) {
		c := exec.Command("sh", "-c", cmd)
		var buf bytes.Buffer
		c.Stdout, c.Stderr = &buf, &buf
		if err := c.Run(); err != nil {
			return nil, fmt.Errorf("%s: %w\n%s", cmd, err, buf.Bytes())
		}
		s := parseBench(&buf)
		if len(s) == 0 {
			return nil, fmt.Errorf("%s printed no benchmark line:\n%s", cmd, buf.Bytes())
		}
		return s, nil
	}
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseBench reads the Go benchmark lines of r: each value-unit pair after
// the iteration count is a metric named "BenchmarkName unit".
func parseBench(r io.Reader) benchrun.Sample {
	s := benchrun.Sample{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			s[m[1]+" "+f[i+1]] = v
		}
	}
	return s
}
