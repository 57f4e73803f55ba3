package testlog

import (
	"strings"
	"testing"
)

// fakeT records what a test would print and whether it failed.
type fakeT struct {
	testing.TB
	failed   bool
	cleanups []func()
	logged   []string
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Failed() bool      { return f.failed }
func (f *fakeT) Logf(format string, args ...any) {
	f.logged = append(f.logged, strings.TrimSpace(format+"|"+args[0].(string)+args[1].(string)))
}
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestPrintedOnlyOnFailure(t *testing.T) {
	pass := &fakeT{TB: t}
	New(pass, "the log").Debug("hello", "k", 1)
	pass.end()
	if len(pass.logged) != 0 {
		t.Fatalf("a passing test printed %q", pass.logged)
	}
	fail := &fakeT{TB: t, failed: true}
	New(fail, "the log").Debug("hello", "k", 1)
	fail.end()
	if len(fail.logged) != 1 || !strings.Contains(fail.logged[0], "msg=hello k=1") || !strings.Contains(fail.logged[0], "the log") {
		t.Fatalf("a failing test printed %q", fail.logged)
	}
}
