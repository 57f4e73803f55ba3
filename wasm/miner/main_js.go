//go:build js && wasm

// Command miner runs in one Web Worker: it receives mining jobs from the
// tab's node, searches its nonce range with the chain's midstate kernel
// (package chain/mine) and reports progress and solutions.
//
// Messages in:  {type:"job", id, header: Uint8Array(100), target: Uint8Array(32), start, count}
//
//	{type:"stop"}
//
// Messages out: {type:"ready"}
//
//	{type:"progress", id, hashes, elapsed_ms, best, best_nonce}  at most 4 per second
//	{type:"found", id, nonce, hash}
//	{type:"exhausted", id, hashes}
package main

import (
	"context"
	"encoding/hex"
	"syscall/js"
	"time"

	"github.com/chainplay/chainplay/chain/mine"
)

// chunk is how many nonces one Scan call hashes (about 15 ms natively).
const chunk = 1 << 16

// yieldEvery is how long the search runs before it lets the worker's event
// loop deliver messages (a stop or a new job).
const yieldEvery = 50 * time.Millisecond

type job struct {
	id     float64
	header [100]byte
	target [32]byte
	start  uint64
	count  uint64
}

func main() {
	msgs := make(chan js.Value, 16)
	onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
		select {
		case msgs <- args[0]:
		default: // the search loop is behind; the next job will replace this one anyway
		}
		return nil
	})
	self := js.Global()
	queued := self.Get("__queue")
	self.Set("onmessage", js.FuncOf(func(this js.Value, args []js.Value) any {
		return onMessage.Invoke(args[0].Get("data"))
	}))
	for i := 0; queued.Truthy() && i < queued.Length(); i++ {
		msgs <- queued.Index(i)
	}
	post(map[string]any{"type": "ready"})

	var cancel context.CancelFunc = func() {}
	for m := range msgs {
		switch m.Get("type").String() {
		case "job":
			cancel()
			var ctx context.Context
			ctx, cancel = context.WithCancel(context.Background())
			j := job{id: m.Get("id").Float(), start: uint64(m.Get("start").Float()), count: uint64(m.Get("count").Float())}
			js.CopyBytesToGo(j.header[:], m.Get("header"))
			js.CopyBytesToGo(j.target[:], m.Get("target"))
			go search(ctx, j)
		case "stop":
			cancel()
		}
	}
}

func post(v map[string]any) { js.Global().Call("postMessage", v) }

// search scans the job's range chunk by chunk, yielding to the event loop
// every yieldEvery so a stop or a new job is seen promptly.
func search(ctx context.Context, j job) {
	k := mine.NewJob(j.header, j.target)
	began := time.Now()
	lastReport, lastYield := began, began
	var hashes uint64
	var best [32]byte
	for i := range best {
		best[i] = 0xff
	}
	var bestNonce uint64
	for pos, end := j.start, j.start+j.count; pos < end; {
		if ctx.Err() != nil {
			return
		}
		n := min(uint64(chunk), end-pos)
		nonce, found, b, bn := k.Scan(pos, n)
		hashes += n
		if lessHash(b, best) {
			best, bestNonce = b, bn
		}
		if found {
			h := mine.HashWithNonce(j.header, nonce)
			post(map[string]any{"type": "found", "id": j.id, "nonce": float64(nonce), "hash": hex.EncodeToString(h[:])})
			return
		}
		pos += n
		now := time.Now()
		if now.Sub(lastReport) >= 250*time.Millisecond {
			lastReport = now
			post(map[string]any{"type": "progress", "id": j.id, "hashes": float64(hashes),
				"elapsed_ms": float64(now.Sub(began).Milliseconds()), "best": hex.EncodeToString(best[:]), "best_nonce": float64(bestNonce)})
		}
		if now.Sub(lastYield) >= yieldEvery {
			time.Sleep(time.Millisecond) // every goroutine asleep: the runtime returns to the event loop
			lastYield = time.Now()
		}
	}
	post(map[string]any{"type": "exhausted", "id": j.id, "hashes": float64(hashes)})
}

// lessHash reports a < b as big-endian integers.
func lessHash(a, b [32]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
