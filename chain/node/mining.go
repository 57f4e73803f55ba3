package node

import (
	"context"
	"sync"
)

// Mining runs a node's MineLoop in the background, for a page's Mine and
// Stop buttons. It is safe for concurrent use.
type Mining struct {
	n   *Node
	cfg MineConfig

	mu     sync.Mutex
	cancel context.CancelFunc // set from Start to Stop
	done   chan struct{}      // closed when the loop started last has returned
}

// NewMining returns a stopped Mining for n's loop with cfg.
func NewMining(n *Node, cfg MineConfig) *Mining {
	done := make(chan struct{})
	close(done)
	return &Mining{n: n, cfg: cfg, done: done}
}

// Start starts the loop, unless it runs. A loop still ending after Stop
// finishes before the new one begins, so two never share the Miner.
func (m *Mining) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	prev, done := m.done, make(chan struct{})
	m.cancel, m.done = cancel, done
	go func() {
		defer close(done)
		select {
		case <-prev:
			_ = m.n.MineLoop(ctx, m.cfg)
		case <-ctx.Done():
		}
	}()
}

// Stop stops the loop: its search is cancelled before Stop returns, and
// the Miner hears of it as soon as the loop's goroutine runs (in a browser
// tab, before control returns to the page). Stop does not wait for the
// loop to end, because the caller may hold what it needs (a tab's event
// loop, for a store write); the returned channel is closed once it has.
func (m *Mining) Stop() (done <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	return m.done
}

// Running reports whether the loop runs: true from Start to Stop, between
// two templates and while GET /mine has the Miner too.
func (m *Mining) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cancel != nil
}
