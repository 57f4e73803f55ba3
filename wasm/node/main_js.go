//go:build js && wasm

// Command node runs a Chainplay peer in a browser tab, in a Web Worker of
// its own (web/static/node-worker.js) so the page's thread only renders:
// the chain and the protocol of package chain/node, a websocket to the
// room's relay, Web Workers for mining, the chain kept in IndexedDB, and
// the node's REST API served through github.com/syumai/workers for the
// page's API console and wallet.
//
// The page (web/static/node-client.js) starts it with a start message and
// renders the snapshots of its view model (package chain/node/view) that
// it asks for once a frame when the node says its view changed; every
// user action is a message or a REST request (node-worker.js lists them).
package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/syumai/workers"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
	"github.com/chainplay/chainplay/wasm/node/tabproto"
)

// tabExtra is the tab's part of a snapshot (Snapshot.Extra): its miner
// and its memory.
type tabExtra struct {
	Miner minerpool.Stats `json:"miner"`
	Mem   tabMem          `json:"mem"`
}

func main() {
	// The tab's heap is small and its collector runs on the one thread the
	// node has: collect less often.
	debug.SetGCPercent(400)
	h := newHost()
	cfg := <-h.start
	params, err := chain.ParseParams(cfg.Params)
	if err != nil {
		h.crash("the room's parameters are invalid: " + err.Error())
		select {}
	}
	c, err := chain.New(chain.Config{Params: params})
	if err != nil {
		h.crash(err.Error())
		select {}
	}
	var notes []node.Event // said before the view model exists
	note := func(code, reason, text string) {
		notes = append(notes, node.Event{Kind: node.EventStatus, Code: code, Reason: reason, Text: text})
	}
	key, err := chain.KeyFromSeedHex(cfg.Seed)
	if err != nil {
		if cfg.Seed != "" {
			note(view.CodeKeyInvalid, "", "The wallet key this tab was given is not valid: it made a new wallet")
		}
		key = chain.GenerateKey()
	}
	// Dial the room now, while the store opens and replays: the relay's
	// welcome waits in the socket until the node reads it.
	name := cfg.Name
	if name == "" {
		name = chain.KeyAddress(key).Short() // the node's default nickname
	}
	// In a cluster the page lists the room on the other processes too:
	// when this process's socket drops, the node redials the next one.
	relays := append([]string{cfg.Relay}, cfg.Relays...)
	join := node.RelaysJoinConfig(relays, name, node.RoomInfo{Params: params, Epoch: cfg.Epoch}, fetchClient{})
	join.Dial = dialEarly(join.Dial)
	minerEvents := make(chan node.Event, 64)
	pool, err := newMinerPool(minerEvents)
	if err != nil {
		h.crash(err.Error())
		select {}
	}
	ncfg := node.Config{Chain: c, Key: key, Name: cfg.Name, Miner: pool, Yield: newYielder().Yield,
		StoreDelay: 100 * time.Millisecond, HTTPClient: fetchClient{}}
	if ck, err := hex.DecodeString(cfg.ControlKey); err == nil && len(ck) == ed25519.PublicKeySize {
		ncfg.ControlKey = ck
	}
	store, err := openIDBStore(cfg.Room, fmt.Sprintf("%s|%s|%d", cfg.Room, c.ID(), cfg.Epoch))
	if err != nil {
		note(view.CodeStoreUnavailable, err.Error(), "This tab can't keep its chain across reloads: "+err.Error())
	} else {
		ncfg.Store = store
	}
	n, err := node.New(ncfg)
	if err != nil && store != nil { // a store this node can't use: start afresh without it
		note(view.CodeStoreIgnored, err.Error(), "Ignoring this browser's saved chain: "+err.Error())
		ncfg.Store = nil
		c, _ = chain.New(chain.Config{Params: params})
		ncfg.Chain = c
		n, err = node.New(ncfg)
	}
	if err != nil {
		h.crash(err.Error())
		select {}
	}
	a := newApp(n, pool)
	model := view.New(n, view.Config{Extra: func() any { return tabExtra{Miner: a.minerStats(), Mem: readMem()} }})
	for _, ev := range notes {
		model.Log(ev)
	}
	if tip := c.Tip(); tip.Height > 0 && ncfg.Store != nil {
		model.Log(node.Event{Kind: node.EventStatus, Code: node.CodeStatusResumed, Height: tip.Height, Hash: tip.Hash.String(),
			Text: fmt.Sprintf("Resumed this browser's copy of the chain at #%d %s", tip.Height, tip.Hash.Short())})
	}
	a.model = model
	go func() {
		for ev := range minerEvents {
			model.Log(ev)
		}
	}()

	takeSeat(n, model, cfg.Seat)
	go serveView(h, model)
	go a.serveCommands(h)
	go a.touchWhileMining()
	// In a reset room the node emits room-reset and stops; the page reloads (admin.js).
	go func() { _ = n.StayJoined(context.Background(), join) }()
	if params.IsStake() {
		// No mining in a stake room: this tab signs the slots its wallet
		// leads (none until it holds stake) and follows the rest.
		go func() { _ = n.ValidatorLoop(context.Background()) }()
	}
	// The REST API's 500s are logged to os.Stderr: the console.
	workers.ServeNonBlock(n.API(node.APIConfig{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}))
	workers.Ready()
	h.post(map[string]any{tabproto.FieldType: tabproto.TypeReady, tabproto.FieldAddress: n.Address().String(),
		tabproto.FieldSeed: hex.EncodeToString(key.Seed())})
	select {}
}

// takeSeat runs the PBFT seat whose key seed (hex) the page handed over,
// if any; a key that holds no seat leaves the tab a client, and the log
// says why.
func takeSeat(n *node.Node, model *view.Model, seed string) {
	if seed == "" {
		return
	}
	key, err := chain.KeyFromSeedHex(seed)
	var seat *node.Seat
	if err == nil {
		seat, err = n.TakeSeat(node.SeatConfig{Key: key})
	}
	if err != nil {
		model.Log(node.Event{Kind: node.EventStatus, Code: view.CodeSeatRefused, Reason: err.Error(), Text: "This tab takes no seat: " + err.Error()})
		return
	}
	model.Log(node.Event{Kind: node.EventStatus, Code: view.CodeSeatTaken, Count: uint64(seat.Index()),
		Text: fmt.Sprintf("This tab is replica %d of the room", seat.Index())})
	go func() { _ = seat.Run(context.Background()) }()
}

// serveView tells the page when the view changed and answers its polls
// with a snapshot: one "dirty" per change seen, at most one snapshot per
// poll (the page polls once per animation frame at most).
func serveView(h *host, model *view.Model) {
	for {
		<-model.Dirty()
		h.post(map[string]any{tabproto.FieldType: tabproto.TypeDirty})
		<-h.polls
		// Go in wasm runs one goroutine at a time, to its end or its next
		// wait: the node's own work that is ready (a hello to answer, the
		// next getblocks to send) goes first, so a snapshot (tens of
		// milliseconds of code running for the first time) never holds
		// the room back.
		runtime.Gosched()
		b, err := json.Marshal(model.Snapshot())
		if err != nil {
			continue
		}
		h.post(map[string]any{tabproto.FieldType: tabproto.TypeSnapshot, tabproto.FieldJSON: string(b)})
	}
}

// serveCommands carries out the page's actions.
func (a *app) serveCommands(h *host) {
	for c := range h.cmds {
		switch c.typ {
		case tabproto.TypeMine:
			a.startMining()
		case tabproto.TypeStop:
			a.stopMining()
		case tabproto.TypeWorkers:
			a.pool.SetWorkers(int(c.n))
		case tabproto.TypeThrottle:
			a.pool.SetDuty(c.n / 100)
		case tabproto.TypeInspect:
			if err := a.model.Inspect(c.text); err != nil {
				fmt.Fprintln(os.Stderr, err) // the page sent a bad hash: a bug of the page's
			}
		case tabproto.TypeTamper:
			var cmd view.TamperCommand
			if err := json.Unmarshal([]byte(c.text), &cmd); err != nil {
				cmd = view.TamperCommand{Op: "?"} // refused, and the snapshot says so
			}
			_ = a.model.Tamper(cmd) // a refusal is in the snapshot (TamperView.Error)
		}
		a.model.Touch()
	}
}

// touchWhileMining refreshes the view when the miner's figures changed
// (they change all the time while it mines: hash rate, hashes tried; and
// when a Worker gets ready or crashes), looking four times a second.
func (a *app) touchWhileMining() {
	var last []byte
	for range time.Tick(250 * time.Millisecond) {
		b, _ := json.Marshal(a.minerStats())
		if !bytes.Equal(b, last) {
			last = b
			a.model.Touch()
		}
	}
}

// dialEarly starts dial at once and returns a Dial whose first call
// takes that connection; later calls dial anew.
func dialEarly(dial func(context.Context) (node.Transport, error)) func(context.Context) (node.Transport, error) {
	type dialed struct {
		t   node.Transport
		err error
	}
	early := make(chan dialed, 1)
	go func() {
		t, err := dial(context.Background())
		early <- dialed{t, err}
	}()
	var once sync.Once
	return func(ctx context.Context) (node.Transport, error) {
		first := false
		once.Do(func() { first = true })
		if !first {
			return dial(ctx)
		}
		select {
		case d := <-early:
			return d.t, d.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
