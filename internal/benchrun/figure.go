package benchrun

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Target is a bound a figure's median should meet, such as "≥ 2.5" or
// "< 5". The zero Target means there is none.
type Target struct {
	Op    string  // one of "<", "<=", ">", ">="
	Value float64 // the bound, in the figure's unit
}

// Below returns the target "< v"; AtLeast returns "≥ v".
func Below(v float64) *Target   { return &Target{Op: "<", Value: v} }
func AtLeast(v float64) *Target { return &Target{Op: ">=", Value: v} }

// Met reports whether x meets t.
func (t Target) Met(x float64) bool {
	switch t.Op {
	case "<":
		return x < t.Value
	case "<=":
		return x <= t.Value
	case ">":
		return x > t.Value
	case ">=":
		return x >= t.Value
	}
	return false
}

// String is the target as "< 5" or "≥ 2.5".
func (t Target) String() string {
	op := map[string]string{"<=": "≤", ">=": "≥"}[t.Op]
	if op == "" {
		op = t.Op
	}
	return op + " " + strconv.FormatFloat(t.Value, 'g', -1, 64)
}

// MarshalJSON writes t as a string with ASCII operators: "<5", ">=2.5".
func (t Target) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.Op + strconv.FormatFloat(t.Value, 'g', -1, 64))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Target) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, op := range []string{"<=", ">=", "<", ">"} { // two-letter ones first
		if rest, ok := strings.CutPrefix(s, op); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				return fmt.Errorf("benchrun: target %q: %w", s, err)
			}
			*t = Target{Op: op, Value: v}
			return nil
		}
	}
	return fmt.Errorf("benchrun: target %q: want <, <=, > or >= and a number", s)
}

// Figure is one line of a report.
type Figure struct {
	// Name says what was measured, e.g. "Chromium wasm SIMD, 1 worker /
	// native sha256.Sum256". It is how Compare matches figures of two
	// runs, so keep it stable.
	Name string `json:"figure"`
	// Unit is the unit of Median, Min and Max: "×" for a ratio.
	Unit   string  `json:"unit"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Samples is how many samples (pairs, for a ratio) the figure has.
	Samples int `json:"samples"`
	// Target is checked on Median; nil when the figure has none.
	Target *Target `json:"target"`
	// Pass is whether Median meets Target; nil without a Target.
	Pass *bool `json:"pass"`
	// Machine marks an absolute figure, true of this machine under the
	// load it had (compare only within a run, or two runs of one machine);
	// a ratio of two sides measured in alternation is not marked.
	Machine bool `json:"this_machine,omitempty"`
	// Note adds context for a reader (not compared).
	Note string `json:"note,omitempty"`
}

// NewFigure summarizes xs as a figure and checks it against t (nil for
// none).
func NewFigure(name, unit string, xs []float64, t *Target) Figure {
	s := Summarize(xs)
	f := Figure{Name: name, Unit: unit, Median: s.Median, Min: s.Min, Max: s.Max, Samples: s.N, Target: t}
	if t != nil && s.N > 0 {
		pass := t.Met(s.Median)
		f.Pass = &pass
	}
	return f
}

// Ratio is the figure of B/A of metric, pair by pair.
func Ratio(name string, p Pairs, metric string, t *Target) Figure {
	return NewFigure(name, "×", p.Ratios(metric), t)
}

// Absolute is the figure of an absolute measurement: marked as this
// machine's.
func Absolute(name, unit string, xs []float64, t *Target) Figure {
	f := NewFigure(name, unit, xs, t)
	f.Machine = true
	return f
}

// Summary returns the figure's median, min, max and samples.
func (f Figure) Summary() Summary {
	return Summary{Median: f.Median, Min: f.Min, Max: f.Max, N: f.Samples}
}

// verdict is "✓", "✗" or "" (no target).
func (f Figure) verdict() string {
	switch {
	case f.Pass == nil:
		return ""
	case *f.Pass:
		return "✓"
	}
	return "✗"
}

// fmtNum prints x with about three significant digits, without an
// exponent for the sizes benchmarks have.
func fmtNum(x float64) string {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	switch {
	case ax == 0:
		return "0"
	case ax >= 1000:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case ax >= 100:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case ax >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	case ax >= 0.01:
		return strconv.FormatFloat(x, 'f', 3, 64)
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}
