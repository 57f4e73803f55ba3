//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"
)

// host is the node's side of the page: the Worker's messages from the
// page (node-worker.js forwards every one but REST requests, which it
// serves itself through syumai/workers' handler) and postMessage back.
// It only translates; the callbacks never block: each message is handed
// to a channel or a goroutine.
type host struct {
	self  js.Value
	start chan startConfig // the page's start message, once
	polls chan struct{}    // a page asking for a snapshot; one slot
	cmds  chan command     // mine, stop, workers, throttle
}

// command is a page action other than a poll.
type command struct {
	typ string
	n   float64 // workers: how many; throttle: percent
}

// startConfig is the config of the page's start message (node-client.js).
type startConfig struct {
	Room   string          `json:"room"`
	Params json.RawMessage `json:"params"`
	Relay  string          `json:"relay"` // ws(s)://host/ws/ROOM?epoch=N
	Epoch  uint64          `json:"epoch"`
	Name   string          `json:"name"`
	Seed   string          `json:"seed"` // hex; empty: a new wallet
}

func newHost() *host {
	h := &host{self: js.Global(), start: make(chan startConfig, 1), polls: make(chan struct{}, 1), cmds: make(chan command, 64)}
	h.self.Set("__chainplayGo", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeObject {
			return nil
		}
		m := args[0]
		switch typ := m.Get("type").String(); typ {
		case "start":
			var cfg startConfig
			if err := json.Unmarshal([]byte(m.Get("config").String()), &cfg); err != nil {
				h.crash(fmt.Sprintf("the page's start message is not valid: %v", err))
				return nil
			}
			select {
			case h.start <- cfg:
			default: // started already
			}
		case "poll":
			select {
			case h.polls <- struct{}{}:
			default:
			}
		case "mine", "stop", "workers", "throttle":
			c := command{typ: typ}
			if v := m.Get("n"); v.Type() == js.TypeNumber {
				c.n = v.Float()
			}
			if v := m.Get("pct"); v.Type() == js.TypeNumber {
				c.n = v.Float()
			}
			select {
			case h.cmds <- c:
			default: // a page sending a hundred clicks at once loses some
			}
		}
		return nil
	}))
	if f := h.self.Get("__chainplayFlush"); f.Type() == js.TypeFunction {
		f.Invoke() // the messages that came before Go
	}
	return h
}

// post sends m to the page.
func (h *host) post(m map[string]any) { h.self.Call("postMessage", js.ValueOf(m)) }

// crash tells the page the node could not start or stopped.
func (h *host) crash(message string) { h.post(map[string]any{"type": "crash", "message": message}) }
