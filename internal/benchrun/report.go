package benchrun

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

// DirEnv names the environment variable that gives a benchmark the run's
// folder; Dir reads it.
const DirEnv = "CHAINPLAY_BENCH_DIR"

// Dir returns the run's folder from DirEnv, or "" when unset (a benchmark
// run by hand then only prints its table).
func Dir() string { return os.Getenv(DirEnv) }

// Machine describes where a report was measured.
type Machine struct {
	CPU   string `json:"cpu"`
	Cores int    `json:"cores"`
	Go    string `json:"go"`
	// Load is the 1-minute load average when the figures were taken (one
	// per fragment): how busy the shared machine was.
	Load []string `json:"load,omitempty"`
}

// ThisMachine describes the machine running the program.
func ThisMachine() Machine {
	m := Machine{CPU: cpuModel(), Cores: runtime.NumCPU(), Go: runtime.Version()}
	if l := loadAverage(); l != "" {
		m.Load = []string{l}
	}
	return m
}

// Fragment is the figures one benchmark wrote into a run's folder.
type Fragment struct {
	Name    string   `json:"name"` // the benchmark, e.g. "mining"
	Time    string   `json:"time"` // RFC 3339, when it finished
	Load    string   `json:"load"` // the 1-minute load average then
	Figures []Figure `json:"figures"`
}

// fragmentDir is where fragments live inside a run's folder.
const fragmentDir = "fragments"

// WriteFragment writes figs as the fragment name of the run in dir
// (dir/fragments/name.json), replacing an earlier one of that name.
func WriteFragment(dir, name string, figs []Figure, now time.Time) error {
	fr := Fragment{Name: name, Time: now.UTC().Format(time.RFC3339), Load: loadAverage(), Figures: figs}
	data, err := json.MarshalIndent(fr, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, fragmentDir), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, fragmentDir, name+".json"), append(data, '\n'), 0o644)
}

// Report is one run's figures.
type Report struct {
	Time    string   `json:"time"` // RFC 3339, when the report was made
	Machine Machine  `json:"machine"`
	Figures []Figure `json:"figures"`
}

// Collect merges the fragments of the run in dir, in name order, into one
// Report. A run without fragments is an error.
func Collect(dir string, now time.Time) (Report, error) {
	paths, err := filepath.Glob(filepath.Join(dir, fragmentDir, "*.json"))
	if err != nil {
		return Report{}, err
	}
	if len(paths) == 0 {
		return Report{}, fmt.Errorf("benchrun: no fragments in %s", filepath.Join(dir, fragmentDir))
	}
	slices.Sort(paths)
	r := Report{Time: now.UTC().Format(time.RFC3339), Machine: ThisMachine()}
	r.Machine.Load = nil
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return Report{}, err
		}
		var fr Fragment
		if err := json.Unmarshal(data, &fr); err != nil {
			return Report{}, fmt.Errorf("benchrun: fragment %s: %w", p, err)
		}
		r.Figures = append(r.Figures, fr.Figures...)
		if fr.Load != "" {
			r.Machine.Load = append(r.Machine.Load, fr.Name+" "+fr.Load)
		}
	}
	return r, nil
}

// Report file names inside a run's folder.
const (
	ReportJSON = "report.json"
	ReportMD   = "report.md"
)

// Write writes r as dir/report.json and dir/report.md.
func (r Report) Write(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReportJSON), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ReportMD), []byte(r.Markdown()), 0o644)
}

// Load reads a report: path is a run's folder or its report.json.
func Load(path string) (Report, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ReportJSON)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("benchrun: report %s: %w", path, err)
	}
	return r, nil
}

// Markdown is r as a Markdown table with a heading naming the machine.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks, %s\n\n", r.Time)
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s", r.Machine.CPU, r.Machine.Cores, r.Machine.Go)
	if len(r.Machine.Load) > 0 {
		fmt.Fprintf(&b, "; load average %s", strings.Join(r.Machine.Load, ", "))
	}
	b.WriteString(".\nRatios are medians of B/A within interleaved pairs; figures marked * are absolute, true of this machine under its load.\n\n")
	b.WriteString(Table(r.Figures))
	return b.String()
}

// Table is figs as a Markdown table: figure, median, min–max, samples,
// target, pass.
func Table(figs []Figure) string {
	var b strings.Builder
	b.WriteString("| figure | median | min–max | samples | target | pass |\n|---|---:|---:|---:|---|:-:|\n")
	for _, f := range figs {
		name := mdEscape(f.Name)
		if f.Machine {
			name += " *"
		}
		target := ""
		if f.Target != nil {
			target = f.Target.String() + " " + f.Unit
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s–%s | %d | %s | %s |\n", name, fmtNum(f.Median), f.Unit,
			fmtNum(f.Min), fmtNum(f.Max), f.Samples, target, f.verdict())
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Change is one figure of Compare.
type Change struct {
	Figure, Unit string
	Old, New     *Figure // nil when the figure is missing from that run
	// Change is New.Median/Old.Median − 1 (+0.10 is 10 % higher); NaN
	// when either is missing or Old's median is 0.
	Change float64
	// Overlap reports whether the two min–max ranges overlap: if they do,
	// the runs do not tell the figures apart.
	Overlap bool
}

// Compare matches the figures of old and new by name, in new's order
// followed by those only old has.
func Compare(old, new Report) []Change {
	byName := make(map[string]*Figure, len(old.Figures))
	for i := range old.Figures {
		byName[old.Figures[i].Name] = &old.Figures[i]
	}
	var out []Change
	seen := make(map[string]bool)
	for i := range new.Figures {
		n := &new.Figures[i]
		seen[n.Name] = true
		c := Change{Figure: n.Name, Unit: n.Unit, New: n, Old: byName[n.Name], Change: nan()}
		if c.Old != nil {
			if c.Old.Median != 0 {
				c.Change = n.Median/c.Old.Median - 1
			}
			c.Overlap = c.Old.Summary().Overlap(n.Summary())
		}
		out = append(out, c)
	}
	for i := range old.Figures {
		if o := &old.Figures[i]; !seen[o.Name] {
			out = append(out, Change{Figure: o.Name, Unit: o.Unit, Old: o, Change: nan()})
		}
	}
	return out
}

// CompareTable is Compare's result as a Markdown table: figure, old
// median, new median, change, and whether the ranges overlap.
func CompareTable(cs []Change) string {
	var b strings.Builder
	b.WriteString("| figure | old median | new median | change | ranges overlap |\n|---|---:|---:|---:|:-:|\n")
	med := func(f *Figure) string {
		if f == nil {
			return "–"
		}
		return fmt.Sprintf("%s %s (%s–%s)", fmtNum(f.Median), f.Unit, fmtNum(f.Min), fmtNum(f.Max))
	}
	for _, c := range cs {
		change, overlap := "–", "–"
		if c.Old != nil && c.New != nil {
			overlap = "no"
			if c.Overlap {
				overlap = "yes"
			}
			if c.Change == c.Change { // not NaN
				change = fmt.Sprintf("%+.1f %%", 100*c.Change)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(c.Figure), med(c.Old), med(c.New), change, overlap)
	}
	return b.String()
}

// Latest returns the newest two runs of make bench under root that hold a
// report, oldest first: folders named DATE-TIME (YYYYMMDD-HHMMSS), which
// sort by time; others (make bench-ab's ab-DATE-TIME) are not runs of
// the same figures and are skipped.
func Latest(root string) (old, new string, err error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", "", err
	}
	var runs []string
	for _, e := range entries {
		if !runName.MatchString(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), ReportJSON)); e.IsDir() && err == nil {
			runs = append(runs, filepath.Join(root, e.Name()))
		}
	}
	if len(runs) < 2 {
		return "", "", fmt.Errorf("benchrun: %d runs with a report under %s, want two: %w", len(runs), root, fs.ErrNotExist)
	}
	slices.Sort(runs)
	return runs[len(runs)-2], runs[len(runs)-1], nil
}

// runName is how make bench names a run's folder.
var runName = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}$`)

func nan() float64 { var z float64; return z / z }

// cpuModel is /proc/cpuinfo's model name, or GOARCH where there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// loadAverage is the 1-minute load average from /proc/loadavg, or "".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// Publish prints figs as a table to w and, when DirEnv names a run's
// folder, writes them there as the fragment name: what every benchmark
// of make bench calls at its end.
func Publish(w io.Writer, name string, figs []Figure, now time.Time) error {
	fmt.Fprintf(w, "\n%s (%s, %d cores; * = this machine):\n%s", name, cpuModel(), runtime.NumCPU(), Table(figs))
	if dir := Dir(); dir != "" {
		return WriteFragment(dir, name, figs, now)
	}
	return nil
}
