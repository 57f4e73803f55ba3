//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"sync"
	"syscall/js"

	"github.com/chainplay/chainplay/chain"
)

// workerMsg is a message from a miner Worker (see wasm/miner).
type workerMsg struct {
	typ    string
	id     uint64
	nonce  uint64
	hashes uint64
	ms     float64
}

// workerPool runs miner.wasm in Web Workers and implements node.Miner.
type workerPool struct {
	workers []js.Value
	msgs    chan workerMsg

	mu     sync.Mutex
	jobID  uint64
	stat   string
	hashes map[int]uint64
}

func newWorkerPool(n int) *workerPool {
	p := &workerPool{msgs: make(chan workerMsg, 256), hashes: make(map[int]uint64)}
	for i := range max(n, 1) {
		w := js.Global().Get("Worker").New("/static/worker.js")
		w.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
			d := args[0].Get("data")
			m := workerMsg{typ: d.Get("type").String()}
			if v := d.Get("id"); v.Type() == js.TypeNumber {
				m.id = uint64(v.Float())
			}
			if v := d.Get("nonce"); v.Type() == js.TypeNumber {
				m.nonce = uint64(v.Float())
			}
			if v := d.Get("hashes"); v.Type() == js.TypeNumber {
				m.hashes = uint64(v.Float())
			}
			if v := d.Get("elapsed_ms"); v.Type() == js.TypeNumber {
				m.ms = v.Float()
			}
			if m.typ == "progress" {
				p.mu.Lock()
				if m.id == p.jobID && m.ms > 0 {
					p.hashes[i] = m.hashes
					p.stat = fmt.Sprintf("%.2f MH/s", float64(m.hashes)/m.ms/1000)
				}
				p.mu.Unlock()
				return nil
			}
			select {
			case p.msgs <- m:
			default:
			}
			return nil
		}))
		p.workers = append(p.workers, w)
	}
	return p
}

func (p *workerPool) status() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stat
}

func (p *workerPool) setStatus(s string) {
	p.mu.Lock()
	p.stat = s
	p.mu.Unlock()
}

func (p *workerPool) postAll(v map[string]any) {
	for _, w := range p.workers {
		w.Call("postMessage", v)
	}
}

// Solve implements node.Miner: the nonce space below 2^53 is split among
// the workers; the first verified solution wins and the others stop.
func (p *workerPool) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	p.mu.Lock()
	p.jobID++
	id := p.jobID
	clear(p.hashes)
	p.mu.Unlock()

	enc := hdr.Encode()
	target := chain.Target(hdr.Difficulty)
	per := uint64(chain.MaxSafeInteger+1) / uint64(len(p.workers))
	for i, w := range p.workers {
		h := js.Global().Get("Uint8Array").New(len(enc))
		js.CopyBytesToJS(h, enc[:])
		t := js.Global().Get("Uint8Array").New(len(target))
		js.CopyBytesToJS(t, target[:])
		w.Call("postMessage", map[string]any{"type": "job", "id": float64(id), "header": h, "target": t,
			"start": float64(uint64(i) * per), "count": float64(per)})
	}
	defer p.postAll(map[string]any{"type": "stop"})
	exhausted := 0
	for {
		select {
		case <-ctx.Done():
			return hdr, ctx.Err()
		case m := <-p.msgs:
			if m.id != id {
				continue
			}
			switch m.typ {
			case "found":
				solved := hdr
				solved.Nonce = m.nonce
				if !solved.HasProofOfWork() { // never trust a worker's word
					p.setStatus(fmt.Sprintf("a worker returned nonce %d, which fails the proof of work", m.nonce))
					continue
				}
				return solved, nil
			case "exhausted":
				if exhausted++; exhausted == len(p.workers) {
					return hdr, fmt.Errorf("nonce space exhausted")
				}
			}
		}
	}
}
