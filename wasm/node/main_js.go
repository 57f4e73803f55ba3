//go:build js && wasm

// Command node runs a Chainplay peer in a browser tab: the chain and the
// protocol of package chain/node, a websocket to the room's relay, Web
// Workers for mining, and the node's REST API served in-page through
// github.com/syumai/workers for the API console.
//
// The page sets globalThis.chainplayConfig = {room, params, relay, name,
// seed, onEvent} before starting it; once ready it exposes
// globalThis.chainplay = {state(), mine(), stop(), seed(), address(),
// miner(), setWorkers(n), setThrottle(pct)} (miner_js.go).
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"

	"github.com/syumai/workers"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

func main() {
	cfg := js.Global().Get("chainplayConfig")
	onEvent := cfg.Get("onEvent")
	params, err := chain.ParseParams([]byte(cfg.Get("params").String()))
	if err != nil {
		report(onEvent, "The room's parameters are invalid: "+err.Error())
		return
	}
	c, err := chain.New(chain.Config{Params: params})
	if err != nil {
		report(onEvent, err.Error())
		return
	}
	key, err := chain.KeyFromSeedHex(cfg.Get("seed").String())
	if err != nil {
		key = chain.GenerateKey()
	}
	// Events cross to JS from one goroutine, never from inside a chain or
	// node callback (which may hold locks the page's state() call needs).
	events := make(chan node.Event, 1024)
	pool, err := newMinerPool(events)
	if err != nil {
		report(onEvent, err.Error())
		return
	}
	ncfg := node.Config{Chain: c, Key: key, Name: cfg.Get("name").String(), Miner: pool}
	room := cfg.Get("room").String()
	epoch := 0
	if e := cfg.Get("epoch"); e.Type() == js.TypeNumber {
		epoch = e.Int()
	}
	store, err := openIDBStore(room, fmt.Sprintf("%s|%s|%d", room, c.ID(), epoch))
	if err != nil {
		report(onEvent, "This tab can't keep its chain across reloads: "+err.Error())
	} else {
		ncfg.Store = store
	}
	n, err := node.New(ncfg)
	if err != nil && store != nil { // a store this node can't use: start afresh without it
		report(onEvent, "Ignoring this browser's saved chain: "+err.Error())
		ncfg.Store = nil
		c, _ = chain.New(chain.Config{Params: params})
		ncfg.Chain = c
		n, err = node.New(ncfg)
	}
	if err != nil {
		report(onEvent, err.Error())
		return
	}
	if tip := c.Tip(); tip.Height > 0 && ncfg.Store != nil {
		report(onEvent, fmt.Sprintf("Resumed this browser's copy of the chain at #%d %s", tip.Height, tip.Hash.Short()))
	}
	a := newApp(n, pool, events)

	n.Subscribe(func(ev node.Event) {
		select {
		case events <- ev:
		default:
		}
	})
	go func() {
		for ev := range events {
			b, _ := json.Marshal(ev)
			onEvent.Invoke(string(b))
		}
	}()

	js.Global().Set("chainplay", js.ValueOf(map[string]any{
		"state":   js.FuncOf(func(js.Value, []js.Value) any { return a.state() }),
		"mine":    js.FuncOf(func(js.Value, []js.Value) any { a.startMining(); return nil }),
		"stop":    js.FuncOf(func(js.Value, []js.Value) any { a.stopMining(); return nil }),
		"seed":    js.FuncOf(func(js.Value, []js.Value) any { return hex.EncodeToString(key.Seed()) }),
		"address": js.FuncOf(func(js.Value, []js.Value) any { return n.Address().String() }),
	}))
	a.exposeMiner(js.Global().Get("chainplay"))

	go connect(n, cfg.Get("relay").String(), n.Name())
	workers.ServeNonBlock(n.Handler())
	workers.Ready()
	select {}
}

// connect keeps the node in its room, redialling with backoff after a drop.
func connect(n *node.Node, url, name string) {
	backoff := 500 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t, err := node.DialRelay(ctx, url, name)
		cancel()
		if err == nil {
			backoff = 500 * time.Millisecond
			_ = n.Run(context.Background(), t)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 10*time.Second)
	}
}

// report shows a status line on the page, before the event pipe is up.
func report(onEvent js.Value, text string) {
	b, _ := json.Marshal(node.Event{Kind: node.EventStatus, Text: text})
	onEvent.Invoke(string(b))
}
