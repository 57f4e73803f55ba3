// Package testlog gives tests a logger whose output is kept and printed
// only when the test fails: the log of a failure seen once in CI says what
// the server or relay under test was doing, and passing runs stay quiet.
package testlog

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// New returns a logger (debug and up) whose lines are printed with
// t.Logf, headed by what, when t has failed by the end of the test.
func New(t testing.TB, what string) *slog.Logger {
	w := &buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s:\n%s", what, w.String())
		}
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// buffer is a bytes.Buffer safe for concurrent writes.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
