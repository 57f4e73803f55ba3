//go:build js && wasm

package main

import (
	"encoding/json"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// app is the page-facing side of the tab's node.
type app struct {
	node   *node.Node
	pool   *minerpool.Pool
	mining *node.Mining      // the node's mining loop, on the pool
	events chan<- node.Event // to the page, in order
}

// newApp is the page's side of n, which mines on pool.
func newApp(n *node.Node, pool *minerpool.Pool, events chan<- node.Event) *app {
	return &app{node: n, pool: pool, mining: node.NewMining(n, node.MineConfig{}), events: events}
}

// blockView is one block card of the page.
type blockView struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
	Prev   string `json:"prev"`
	Nonce  uint64 `json:"nonce"`
	Txs    int    `json:"txs"`
	Miner  string `json:"miner"`
}

// stateView is what the page renders.
type stateView struct {
	Height     uint64          `json:"height"`
	Tip        string          `json:"tip"`
	Difficulty uint64          `json:"difficulty"`
	ZeroBits   int             `json:"zero_bits"`
	Blocks     []blockView     `json:"blocks"`
	Stale      []staleView     `json:"stale"`
	Peers      []node.PeerInfo `json:"peers"`
	Mining     bool            `json:"mining"`
}

// state returns the page's view as JSON: the tip and the last 30 blocks.
func (a *app) state() string {
	c := a.node.Chain()
	tip := c.Tip()
	v := stateView{
		Height:     tip.Height,
		Tip:        tip.Hash.String(),
		Difficulty: tip.Block.Header.Difficulty,
		ZeroBits:   chain.Hash(chain.Target(tip.Block.Header.Difficulty)).LeadingZeroBits(),
		Peers:      a.node.Peers(),
	}
	if v.Peers == nil {
		v.Peers = []node.PeerInfo{}
	}
	for h := tip.Height; ; h-- {
		b, ok := c.BlockAtHeight(h)
		if !ok {
			break
		}
		miner := "–"
		if len(b.Txs) > 0 && b.Height() > 0 {
			miner = b.Txs[0].To.Short()
		}
		v.Blocks = append(v.Blocks, blockView{Height: h, Hash: b.Hash().String(), Prev: b.Header.PrevHash.String(), Nonce: b.Header.Nonce, Txs: len(b.Txs), Miner: miner})
		if h == 0 || len(v.Blocks) == 30 {
			break
		}
	}
	// Blocks of the shown heights that are not on the best chain: the
	// stale side of a fork, or blocks found invalid during a reorg.
	from := uint64(0)
	if tip.Height >= 30 {
		from = tip.Height - 29
	}
	v.Stale = []staleView{}
	for _, t := range c.TreeFrom(from) {
		if t.MainChain {
			continue
		}
		sv := staleView{Height: t.Height, Hash: t.Hash.String(), Prev: t.Parent.String()}
		if t.Invalid != nil {
			sv.Invalid = t.Invalid.Error()
		}
		v.Stale = append(v.Stale, sv)
	}
	v.Mining = a.mining.Running()
	b, _ := json.Marshal(v)
	return string(b)
}

// staleView is a block of a losing (or invalid) branch, shown beside the
// best chain's block of the same height.
type staleView struct {
	Height  uint64 `json:"height"`
	Hash    string `json:"hash"`
	Prev    string `json:"prev"`
	Invalid string `json:"invalid,omitempty"`
}

// startMining runs the node's mining loop (node.MineLoop) on the Worker
// pool until stopMining.
func (a *app) startMining() { a.mining.Start() }

// stopMining cancels the search: the loop's goroutine runs before control
// returns to the page's event loop, so the pool has sent every worker a
// stop by then. It does not wait for the loop to end (the loop may be
// writing to IndexedDB, which needs this event loop).
func (a *app) stopMining() { a.mining.Stop() }
