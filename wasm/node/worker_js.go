//go:build js && wasm

package main

import (
	"syscall/js"
	"time"

	"github.com/chainplay/chainplay/wasm/internal/minerproto"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// jsWorker is one miner Web Worker (web/static/worker.js running
// miner.wasm) behind minerpool.Worker. It only passes messages, in
// minerproto's encoding; the pool holds the logic.
type jsWorker struct {
	v            js.Value
	onMsg, onErr js.Func
}

// spawnWorker implements minerpool.Spawn. A Worker that cannot be created
// reports a crash, so the pool retries it with its backoff.
func spawnWorker(report func(minerpool.Report)) minerpool.Worker {
	w := &jsWorker{}
	w.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
		report(minerproto.DecodeReport(args[0].Get("data")))
		return nil
	})
	w.onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		e.Call("preventDefault")
		why := "the Worker failed"
		if m := e.Get("message"); m.Type() == js.TypeString && m.String() != "" {
			why = m.String()
		}
		report(minerpool.Report{Kind: minerpool.KindCrash, Err: why})
		return nil
	})
	func() {
		defer func() {
			if r := recover(); r != nil {
				w.v = js.Undefined()
				go report(minerpool.Report{Kind: minerpool.KindCrash, Err: "could not create a Web Worker"})
			}
		}()
		w.v = js.Global().Get("Worker").New(minerURL())
		w.v.Set("onmessage", w.onMsg)
		w.v.Set("onerror", w.onErr)
		w.v.Set("onmessageerror", w.onErr)
	}()
	return w
}

func (w *jsWorker) post(c minerproto.Command) {
	if w.v.Truthy() {
		w.v.Call("postMessage", minerproto.EncodeCommand(c))
	}
}

func (w *jsWorker) Start(j minerpool.Job) {
	w.post(minerproto.Command{Type: minerproto.TypeJob, Job: j})
}

func (w *jsWorker) Stop() { w.post(minerproto.Command{Type: minerproto.TypeStop}) }

func (w *jsWorker) SetDuty(d float64) {
	w.post(minerproto.Command{Type: minerproto.TypeThrottle, Duty: d})
}

// Close terminates the Worker. Its callbacks are released a little later:
// Close may run inside one of them.
func (w *jsWorker) Close() {
	if w.v.Truthy() {
		w.v.Call("terminate")
		w.v.Set("onmessage", js.Null())
		w.v.Set("onerror", js.Null())
		w.v.Set("onmessageerror", js.Null())
	}
	time.AfterFunc(time.Second, func() {
		w.onMsg.Release()
		w.onErr.Release()
	})
}

// minerURL is the miner Workers' script: the content-hashed URL
// node-worker.js leaves in self.__chainplayMinerURL, else the plain one.
// Absolute: this Worker may run from a blob: URL.
func minerURL() string {
	if u := js.Global().Get("__chainplayMinerURL"); u.Type() == js.TypeString {
		return u.String()
	}
	return js.Global().Get("location").Get("origin").String() + "/static/worker.js"
}
