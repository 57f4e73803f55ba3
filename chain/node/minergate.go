package node

import (
	"context"
	"errors"
	"sync"

	"github.com/chainplay/chainplay/chain"
)

// IdleWaiter is implemented by a Miner that lets a second Solve take it
// over (the tab's Worker pool): the first Solve then returns ErrPreempted,
// and WaitIdle blocks until no Solve runs or ctx ends. The node never runs
// two Solves at once on its Miner (see minerGate); this only matters when
// something else shares the Miner.
type IdleWaiter interface {
	WaitIdle(ctx context.Context) error
}

// minerGate is a node's only way to its Miner (New installs it as
// Config.Miner), so the node has one preemption rule whatever the Miner:
//
//   - A foreground search (MineBlock, the REST API's GET /mine) takes the
//     Miner from the mining loop's background search at once: that search
//     is cancelled and returns ErrPreempted, and the foreground one starts
//     when the Miner is free.
//   - A background search does not start while a foreground one runs or
//     waits: it returns ErrPreempted at once, and the loop waits for
//     waitIdle before it builds its next template.
//   - Searches run one at a time: two foreground searches queue.
type minerGate struct {
	m Miner

	sem chan struct{} // holds a token while a Solve of m runs

	mu   sync.Mutex
	fg   int                    // foreground searches running or waiting
	idle chan struct{}          // closed while fg == 0
	bg   map[*bgSearch]struct{} // background searches running or waiting
}

// bgSearch is a background search a foreground one may cancel.
type bgSearch struct{ cancel context.CancelCauseFunc }

func newMinerGate(m Miner) *minerGate {
	g := &minerGate{m: m, sem: make(chan struct{}, 1), idle: make(chan struct{}), bg: make(map[*bgSearch]struct{})}
	close(g.idle)
	return g
}

// Solve implements Miner as a foreground search.
func (g *minerGate) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	g.mu.Lock()
	if g.fg++; g.fg == 1 {
		g.idle = make(chan struct{})
	}
	for b := range g.bg {
		b.cancel(ErrPreempted)
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		if g.fg--; g.fg == 0 {
			close(g.idle)
		}
		g.mu.Unlock()
	}()
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return hdr, ctx.Err()
	}
	defer func() { <-g.sem }()
	return g.m.Solve(ctx, hdr)
}

// background runs a search of the mining loop: ErrPreempted when a
// foreground search runs, waits or arrives before it ends.
func (g *minerGate) background(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := &bgSearch{cancel: cancel}
	g.mu.Lock()
	if g.fg > 0 {
		g.mu.Unlock()
		return hdr, ErrPreempted
	}
	g.bg[b] = struct{}{}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.bg, b)
		g.mu.Unlock()
	}()
	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		return hdr, preempted(ctx, ctx.Err())
	}
	defer func() { <-g.sem }()
	solved, err := g.m.Solve(ctx, hdr)
	if err != nil { // a nonce found as the search was cancelled still counts
		err = preempted(ctx, err)
	}
	return solved, err
}

// preempted returns ErrPreempted when ctx was cancelled for a foreground
// search, else err.
func preempted(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), ErrPreempted) {
		return ErrPreempted
	}
	return err
}

// waitIdle blocks until no foreground search runs or waits (and, for a
// Miner that is an IdleWaiter, until it is idle), or ctx ends.
func (g *minerGate) waitIdle(ctx context.Context) error {
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
		return ctx.Err()
	}
	if w, ok := g.m.(IdleWaiter); ok {
		return w.WaitIdle(ctx)
	}
	return nil
}

// gate returns the node's minerGate.
func (n *Node) gate() *minerGate { return n.cfg.Miner.(*minerGate) }
