//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// app is the page-facing side of the tab's node.
type app struct {
	node       *node.Node
	pool       *workerPool
	tipChanged chan struct{} // signalled on every new tip

	mu     sync.Mutex
	cancel context.CancelFunc // non-nil while mining
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
	Height      uint64          `json:"height"`
	Tip         string          `json:"tip"`
	Difficulty  uint64          `json:"difficulty"`
	ZeroBits    int             `json:"zero_bits"`
	Blocks      []blockView     `json:"blocks"`
	Peers       []node.PeerInfo `json:"peers"`
	Mining      bool            `json:"mining"`
	MinerStatus string          `json:"miner_status"`
}

// state returns the page's view as JSON: the tip and the last 30 blocks.
func (a *app) state() string {
	c := a.node.Chain()
	tip := c.Tip()
	v := stateView{
		Height:      tip.Height,
		Tip:         tip.Hash.String(),
		Difficulty:  tip.Block.Header.Difficulty,
		ZeroBits:    chain.Hash(chain.Target(tip.Block.Header.Difficulty)).LeadingZeroBits(),
		Peers:       a.node.Peers(),
		MinerStatus: a.pool.status(),
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
	a.mu.Lock()
	v.Mining = a.cancel != nil
	a.mu.Unlock()
	b, _ := json.Marshal(v)
	return string(b)
}

// startMining mines block after block until stopMining; a new tip from the
// room abandons the current template at once.
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

func (a *app) stopMining() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
		a.cancel = nil
	}
}

func (a *app) mineLoop(ctx context.Context) {
	for ctx.Err() == nil {
		select { // forget tips seen before this template
		case <-a.tipChanged:
		default:
		}
		jctx, jcancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-a.tipChanged:
				jcancel()
			case <-jctx.Done():
			}
		}()
		_, err := a.node.MineBlock(jctx)
		jcancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			a.pool.setStatus("error: " + err.Error())
		}
	}
}
