// Package tabproto is the protocol between a room page and its node, which
// runs in a Web Worker of its own: the message types and field names,
// defined once. The Go side (wasm/node) uses these constants; the
// JavaScript side (web/static/boot.js, node-client.js, node-worker.js)
// reads the same names from web/static/tabproto.js, which JS renders from
// them (go generate; a test keeps the file in step).
//
// Page → node:
//
//	{type:"module", module}     node.wasm compiled by the page (a WebAssembly.Module;
//	                            null: the page could not, so the Worker fetches it):
//	                            sent, once, to a Worker started with the name
//	                            ModuleFromPage; handled by node-worker.js
//	{type:"start", config}      start the node, once; config is JSON text (Start)
//	{type:"poll"}               send a snapshot of the view
//	{type:"mine"} {type:"stop"} start or stop mining
//	{type:"workers", n}         1 … cores miner Workers
//	{type:"throttle", pct}      10 … 100
//	{type:"inspect", hash}      snapshots carry that block's details ("" stops)
//	{type:"tamper", json}       a tamper-mode command (view.TamperCommand as JSON text)
//	{type:"request", id, method, url, headers, body}
//	                            a request to the node's REST API, answered by
//	                            node-worker.js through syumai/workers' handler
//
// Node → page:
//
//	{type:"ready", address, seed}
//	{type:"dirty"}              the view changed: poll when you can
//	{type:"snapshot", json}     chain/node/view's Snapshot, as JSON text
//	{type:"response", id, status, statusText, headers, body} or {type:"response", id, error}
//	{type:"crash", message}     the node stopped
package tabproto

import (
	"encoding/json"
	"fmt"
	"strings"
)

//go:generate go run ./gen

// Message types: the value of FieldType.
const (
	TypeModule   = "module"
	TypeStart    = "start"
	TypePoll     = "poll"
	TypeMine     = "mine"
	TypeStop     = "stop"
	TypeWorkers  = "workers"
	TypeThrottle = "throttle"
	TypeInspect  = "inspect"
	TypeTamper   = "tamper"
	TypeRequest  = "request"
	TypeReady    = "ready"
	TypeDirty    = "dirty"
	TypeSnapshot = "snapshot"
	TypeResponse = "response"
	TypeCrash    = "crash"
)

// Field names.
const (
	FieldType       = "type"
	FieldConfig     = "config"     // start: Start as JSON text
	FieldModule     = "module"     // module: a WebAssembly.Module, or null
	FieldN          = "n"          // workers
	FieldPct        = "pct"        // throttle
	FieldID         = "id"         // request, response
	FieldMethod     = "method"     // request
	FieldURL        = "url"        // request: absolute
	FieldHeaders    = "headers"    // request, response: [[name, value], …]
	FieldBody       = "body"       // request, response: text
	FieldStatus     = "status"     // response
	FieldStatusText = "statusText" // response
	FieldError      = "error"      // response: the request could not be served
	FieldAddress    = "address"    // ready: the wallet's address
	FieldSeed       = "seed"       // ready: the wallet's seed, hex (the page keeps it)
	FieldJSON       = "json"       // snapshot; tamper: the command
	FieldHash       = "hash"       // inspect: a block hash, hex
	FieldMessage    = "message"    // crash
)

// ModuleFromPage is the name (WorkerOptions.name) of a node Worker whose
// page compiles node.wasm while the Worker starts, and sends it the
// module (TypeModule): the compile overlaps the Worker's start-up.
const ModuleFromPage = "chainplay-node-module-from-page"

// Start is the config of a start message, as JSON.
type Start struct {
	Room   string          `json:"room"`
	Params json.RawMessage `json:"params"` // the room's chain.Params, as the room page has them
	Relay  string          `json:"relay"`  // ws(s)://host/ws/ROOM?epoch=N
	Epoch  uint64          `json:"epoch"`
	Name   string          `json:"name"`
	Seed   string          `json:"seed"` // hex; empty: a new wallet
	// ControlKey is the room's control key (hex ed25519 public key): the
	// node obeys only the teacher's controls it signed. Empty: none.
	ControlKey string `json:"control_key,omitempty"`
	// Seat is a PBFT room's seat key (hex seed, from the teacher's seat
	// link): the tab runs that seat's replica. Empty: a client.
	Seat string `json:"seat,omitempty"`
}

// Types lists every message type, and Fields every field, in the order
// declared: what JS renders.
var (
	Types = []string{TypeModule, TypeStart, TypePoll, TypeMine, TypeStop, TypeWorkers, TypeThrottle, TypeInspect, TypeTamper, TypeRequest,
		TypeReady, TypeDirty, TypeSnapshot, TypeResponse, TypeCrash}
	Fields = []string{FieldType, FieldModule, FieldConfig, FieldN, FieldPct, FieldID, FieldMethod, FieldURL, FieldHeaders,
		FieldBody, FieldStatus, FieldStatusText, FieldError, FieldAddress, FieldSeed, FieldJSON, FieldHash, FieldMessage}
)

// JS renders web/static/tabproto.js: a classic script (the page and the
// node's Worker both load it before their own) that sets
// globalThis.ChainplayTab = {type: {start: "start", …}, field: {…},
// moduleFromPage: ModuleFromPage}.
func JS() string {
	var b strings.Builder
	b.WriteString("// Code generated by wasm/node/tabproto (go generate); DO NOT EDIT.\n")
	b.WriteString("// The names of the messages between a room page and its node's Worker.\n")
	b.WriteString("globalThis.ChainplayTab = Object.freeze({\n")
	for _, part := range []struct {
		name  string
		names []string
	}{{"type", Types}, {"field", Fields}} {
		fmt.Fprintf(&b, "  %s: Object.freeze({\n", part.name)
		for _, n := range part.names {
			fmt.Fprintf(&b, "    %s: %q,\n", n, n)
		}
		b.WriteString("  }),\n")
	}
	fmt.Fprintf(&b, "  moduleFromPage: %q,\n", ModuleFromPage)
	b.WriteString("});\n")
	return b.String()
}
