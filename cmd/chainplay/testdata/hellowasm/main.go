//go:build js && wasm

// Command hellowasm is the smallest Go program a Web Worker can run: it
// says it started and returns. TestTabStartFloorBench times it in a fresh
// browser context as the floor under the tab's node: no Go node can reach
// its main() sooner than this one does.
package main

import "syscall/js"

func main() {
	js.Global().Call("postMessage", map[string]any{"what": "main"})
}
