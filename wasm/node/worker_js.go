//go:build js && wasm

package main

import (
	"syscall/js"
	"time"

	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// jsWorker is one miner Web Worker (web/static/worker.js running
// miner.wasm) behind minerpool.Worker. It only translates messages; the
// pool holds the logic.
type jsWorker struct {
	v            js.Value
	onMsg, onErr js.Func
}

// spawnWorker implements minerpool.Spawn. A Worker that cannot be created
// reports a crash, so the pool retries it with its backoff.
func spawnWorker(report func(minerpool.Report)) minerpool.Worker {
	w := &jsWorker{}
	w.onMsg = js.FuncOf(func(_ js.Value, args []js.Value) any {
		report(decodeReport(args[0].Get("data")))
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
		w.v = js.Global().Get("Worker").New(js.Global().Get("location").Get("origin").String() + "/static/worker.js") // absolute: this Worker may run from a blob: URL
		w.v.Set("onmessage", w.onMsg)
		w.v.Set("onerror", w.onErr)
		w.v.Set("onmessageerror", w.onErr)
	}()
	return w
}

func (w *jsWorker) post(m map[string]any) {
	if w.v.Truthy() {
		w.v.Call("postMessage", m)
	}
}

func (w *jsWorker) Start(j minerpool.Job) {
	w.post(map[string]any{"type": "job", "id": float64(j.ID), "header": bytesToJS(j.Header[:]), "target": bytesToJS(j.Target[:]),
		"start": float64(j.Start), "count": float64(j.Count), "duty": j.Duty})
}

func (w *jsWorker) Stop() { w.post(map[string]any{"type": "stop"}) }

func (w *jsWorker) SetDuty(d float64) { w.post(map[string]any{"type": "throttle", "duty": d}) }

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

// decodeReport turns a Worker's message into a Report; unknown fields stay
// zero, and a message that is not an object is a crash.
func decodeReport(d js.Value) minerpool.Report {
	if d.Type() != js.TypeObject {
		return minerpool.Report{Kind: minerpool.KindCrash, Err: "the Worker sent a malformed message"}
	}
	num := func(name string) float64 {
		if v := d.Get(name); v.Type() == js.TypeNumber {
			return v.Float()
		}
		return 0
	}
	bytes := func(name string, dst []byte) {
		if v := d.Get(name); v.InstanceOf(js.Global().Get("Uint8Array")) && v.Length() == len(dst) {
			js.CopyBytesToGo(dst, v)
		}
	}
	r := minerpool.Report{
		ID:        uint64(num("id")),
		Hashes:    uint64(num("hashes")),
		Elapsed:   time.Duration(num("elapsed_ms") * float64(time.Millisecond)),
		BestNonce: uint64(num("best_nonce")),
		Nonce:     uint64(num("nonce")),
	}
	if t := d.Get("type"); t.Type() == js.TypeString {
		r.Kind = t.String()
	}
	if m := d.Get("message"); m.Type() == js.TypeString {
		r.Err = m.String()
	}
	if k := d.Get("kernel"); k.Type() == js.TypeString {
		r.Kernel = k.String()
	}
	for i := range r.Best {
		r.Best[i] = 0xff // no best: the highest hash
	}
	bytes("best", r.Best[:])
	bytes("hash", r.Hash[:])
	return r
}

func bytesToJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}
