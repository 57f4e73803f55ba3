//go:build js && wasm

package main

import (
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// app is the page-facing side of the tab's node.
type app struct {
	node   *node.Node
	pool   *minerpool.Pool
	mining *node.Mining // the node's mining loop, on the pool
	model  *view.Model  // the page's view; set once it exists
}

// newApp is the page's side of n, which mines on pool.
func newApp(n *node.Node, pool *minerpool.Pool) *app {
	return &app{node: n, pool: pool, mining: node.NewMining(n, node.MineConfig{})}
}

// startMining runs the node's mining loop (node.MineLoop) on the Worker
// pool until stopMining.
func (a *app) startMining() { a.mining.Start() }

// stopMining cancels the search: the loop's goroutine runs before control
// returns to the Worker's event loop, so the pool has sent every miner
// Worker a stop by then. It does not wait for the loop to end (the loop
// may be writing to IndexedDB, which needs this event loop).
func (a *app) stopMining() { a.mining.Stop() }
