//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// app is the page-facing side of the tab's node.
type app struct {
	node       *node.Node
	pool       *minerpool.Pool
	model      *view.Model   // the page's view
	tipChanged chan struct{} // signalled on every new tip

	mu     sync.Mutex
	cancel context.CancelFunc // non-nil while mining
}

// startMining mines block after block until stopMining; see mineLoop.
func (a *app) startMining() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go a.mineLoop(ctx)
}

// stopMining cancels the search; the pool sends every worker a stop before
// this returns to the page's event loop.
func (a *app) stopMining() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
		a.cancel = nil
	}
}

// templateRefresh is how often the template is rebuilt while nothing else
// changes, so a block carries a recent timestamp.
const templateRefresh = 5 * time.Second

// mineLoop builds a template, has the worker pool solve it and submits the
// block, over and over. The template is rebuilt, and the workers moved to
// it at once, when the tip changes (a block from the room or our own), when
// the mempool offers other transactions, and every templateRefresh.
func (a *app) mineLoop(ctx context.Context) {
	for ctx.Err() == nil {
		select { // forget tips seen before this template
		case <-a.tipChanged:
		default:
		}
		b := a.node.Template()
		jctx, jcancel := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			a.watchTemplate(jctx, jcancel, b)
		}()
		hdr, err := a.pool.Solve(jctx, b.Header)
		jcancel()
		<-watched // one watcher at a time: it consumes tipChanged
		switch {
		case err == nil:
			b.Header = hdr
			if err := a.node.SubmitBlock(b); err != nil {
				a.notify("Could not add the block just mined: " + err.Error())
			}
		case errors.Is(err, minerpool.ErrPreempted): // GET /mine took the workers
			_ = a.pool.WaitIdle(ctx)
		case errors.Is(err, context.Canceled), errors.Is(err, node.ErrNoNonce):
			// stopped, or a stale template: loop
		default:
			a.notify("Mining failed: " + err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// watchTemplate calls cancel when b goes stale, or returns when ctx ends.
func (a *app) watchTemplate(ctx context.Context, cancel context.CancelFunc, b *chain.Block) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	built := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.tipChanged:
			cancel()
			return
		case now := <-t.C:
			if now.Sub(built) >= templateRefresh || !sameTxs(a.node.Template(), b) {
				cancel()
				return
			}
		}
	}
}

// sameTxs reports whether two templates carry the same transactions besides
// their coinbase (which holds the time).
func sameTxs(x, y *chain.Block) bool {
	if len(x.Txs) != len(y.Txs) {
		return false
	}
	for i := 1; i < len(x.Txs); i++ {
		if x.Txs[i].ID() != y.Txs[i].ID() {
			return false
		}
	}
	return true
}
