//go:build js && wasm

// Command sim is chain/sim's curves in a Web Worker (web/static/sim-worker.js):
// it sets self.chainplaySim(requestJSON) → answerJSON and waits. A thin
// adapter: the request is a Request (package simproto's, decoded and
// checked there), the answer a curve or {"error"}.
package main

import (
	"syscall/js"

	"github.com/chainplay/chainplay/wasm/sim/simproto"
)

func main() {
	js.Global().Set("chainplaySim", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return simproto.Answer([]byte("{}"))
		}
		return simproto.Answer([]byte(args[0].String()))
	}))
	js.Global().Call("postMessage", map[string]any{"type": "ready"})
	select {}
}
