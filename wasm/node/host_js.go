//go:build js && wasm

package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/chainplay/chainplay/wasm/node/tabproto"
)

// host is the node's side of the page: the Worker's messages from the
// page (node-worker.js forwards every one but REST requests, which it
// serves itself through syumai/workers' handler) and postMessage back.
// It only translates; the callbacks never block: each message is handed
// to a channel or a goroutine.
type host struct {
	self  js.Value
	start chan tabproto.Start // the page's start message, once
	polls chan struct{}       // a page asking for a snapshot; one slot
	cmds  chan command        // mine, stop, workers, throttle
}

// command is a page action other than a poll.
type command struct {
	typ  string
	n    float64 // workers: how many; throttle: percent
	text string  // inspect: the hash; tamper: the command's JSON
}

func newHost() *host {
	h := &host{self: js.Global(), start: make(chan tabproto.Start, 1), polls: make(chan struct{}, 1), cmds: make(chan command, 64)}
	h.self.Set("__chainplayGo", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeObject {
			return nil
		}
		m := args[0]
		switch typ := m.Get(tabproto.FieldType).String(); typ {
		case tabproto.TypeStart:
			var cfg tabproto.Start
			if err := json.Unmarshal([]byte(m.Get(tabproto.FieldConfig).String()), &cfg); err != nil {
				h.crash(fmt.Sprintf("the page's start message is not valid: %v", err))
				return nil
			}
			select {
			case h.start <- cfg:
			default: // started already
			}
		case tabproto.TypePoll:
			select {
			case h.polls <- struct{}{}:
			default:
			}
		case tabproto.TypeMine, tabproto.TypeStop, tabproto.TypeWorkers, tabproto.TypeThrottle:
			c := command{typ: typ}
			if v := m.Get(tabproto.FieldN); v.Type() == js.TypeNumber {
				c.n = v.Float()
			}
			if v := m.Get(tabproto.FieldPct); v.Type() == js.TypeNumber {
				c.n = v.Float()
			}
			h.command(c)
		case tabproto.TypeInspect:
			h.command(command{typ: typ, text: stringField(m, tabproto.FieldHash)})
		case tabproto.TypeTamper:
			h.command(command{typ: typ, text: stringField(m, tabproto.FieldJSON)})
		}
		return nil
	}))
	if f := h.self.Get("__chainplayFlush"); f.Type() == js.TypeFunction {
		f.Invoke() // the messages that came before Go
	}
	return h
}

// command queues c for serveCommands.
func (h *host) command(c command) {
	select {
	case h.cmds <- c:
	default: // a page sending a hundred clicks at once loses some
	}
}

// stringField returns m[name] when it is a string, else "".
func stringField(m js.Value, name string) string {
	if v := m.Get(name); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

// post sends m to the page.
func (h *host) post(m map[string]any) { h.self.Call("postMessage", js.ValueOf(m)) }

// crash tells the page the node could not start or stopped.
func (h *host) crash(message string) {
	h.post(map[string]any{tabproto.FieldType: tabproto.TypeCrash, tabproto.FieldMessage: message})
}
