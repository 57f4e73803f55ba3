//go:build js && wasm

package main

import (
	"sync"
	"syscall/js"
	"time"
)

// yieldBudget is how long the node's long work (a batch of blocks, the
// replay of IndexedDB) runs on the page's thread before it lets the event
// loop run: well under the 50 ms that makes a long task.
const yieldBudget = 8 * time.Millisecond

// yielder is the tab's node.Config.Yield. Under GOOS=js every goroutine
// runs on the page's one thread, and the browser gets it back only when
// all of them are blocked; so long work calls Yield between chunks, and
// once yieldBudget has passed since the last yield, Yield posts itself a
// message on a MessageChannel and blocks until it comes back: the event
// loop runs the input, rendering and network tasks queued before it.
// (setTimeout would do, but nested timers are clamped to 4 ms.)
type yielder struct {
	mu   sync.Mutex // one yield at a time
	last time.Time
	port js.Value
	back chan struct{}
}

func newYielder() *yielder {
	y := &yielder{back: make(chan struct{}, 1), last: time.Now()}
	ch := js.Global().Get("MessageChannel").New()
	ch.Get("port1").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case y.back <- struct{}{}:
		default:
		}
		return nil
	}))
	y.port = ch.Get("port2")
	return y
}

// Yield lets the event loop run if the budget is spent. It must not be
// called from inside a js.Func callback.
func (y *yielder) Yield() {
	y.mu.Lock()
	defer y.mu.Unlock()
	if time.Since(y.last) < yieldBudget {
		return
	}
	y.port.Call("postMessage", 0)
	<-y.back
	y.last = time.Now()
}
