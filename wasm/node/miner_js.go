//go:build js && wasm

package main

import (
	"encoding/json"
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

// newMinerPool starts the tab's miner Workers: one per core but one (the
// page's), at least one; the student can pick 1 … cores. The pool's
// sentences go to the page's event log.
func newMinerPool(events chan<- node.Event) (*minerpool.Pool, error) {
	n := cores()
	return minerpool.New(minerpool.Config{
		Spawn:      spawnWorker,
		Workers:    max(n-1, 1),
		MaxWorkers: n,
		OnEvent: func(text string) {
			select {
			case events <- node.Event{Kind: eventMiner, Text: text}:
			default:
			}
		},
	})
}

// exposeMiner adds the miner panel's calls to the page's chainplay object:
//
//	miner()             the pool's minerpool.Stats as JSON; mining is true
//	                    from Mine to Stop
//	setWorkers(n)       1 … cores
//	setThrottle(pct)    10 … 100
func (a *app) exposeMiner(cp js.Value) {
	cp.Set("miner", js.FuncOf(func(js.Value, []js.Value) any {
		st := a.pool.Stats()
		st.Mining = st.Mining || a.mining.Running() // between two templates too
		b, _ := json.Marshal(st)
		return string(b)
	}))
	cp.Set("setWorkers", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 && args[0].Type() == js.TypeNumber {
			a.pool.SetWorkers(args[0].Int())
		}
		return nil
	}))
	cp.Set("setThrottle", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 && args[0].Type() == js.TypeNumber {
			a.pool.SetDuty(args[0].Float() / 100)
		}
		return nil
	}))
}
