//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// eventMiner marks the miner pool's sentences (a crash, a refused nonce) in
// the page's log.
const eventMiner node.EventKind = "miner"

// cores is navigator.hardwareConcurrency, at least 1.
func cores() int {
	if n := js.Global().Get("navigator").Get("hardwareConcurrency"); n.Type() == js.TypeNumber && n.Int() > 0 {
		return n.Int()
	}
	return 1
}

// newMinerPool makes the tab's miner Workers: one per core but one (the
// page's), at least one; the student can pick 1 … cores. They start at the
// first search (Lazy): a tab that never mines never downloads miner.wasm.
// The pool's sentences go to the page's event log.
func newMinerPool(events chan<- node.Event) (*minerpool.Pool, error) {
	n := cores()
	return minerpool.New(minerpool.Config{
		Spawn:      spawnWorker,
		Workers:    max(n-1, 1),
		MaxWorkers: n,
		Lazy:       true,
		OnEvent: func(text string) {
			select {
			case events <- node.Event{Kind: eventMiner, Text: text}:
			default:
			}
		},
	})
}

// minerStats are the miner panel's figures; Mining is true from Mine to
// Stop, between two templates too.
func (a *app) minerStats() minerpool.Stats {
	st := a.pool.Stats()
	st.Mining = st.Mining || a.mining.Running() // between two templates too
	return st
}
