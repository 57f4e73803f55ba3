//go:build js && wasm

package main

import (
	"runtime/metrics"
	"syscall/js"
)

// tabMem is the node Worker's memory, in bytes, as the snapshot's
// extra.mem carries it (make bench reads it after a sync; the console
// can too: chainplay.view().extra.mem).
type tabMem struct {
	// HeapLive is the Go heap that was live at the last collection.
	HeapLive uint64 `json:"heap_live"`
	// HeapObjects is the Go heap in objects now, garbage included.
	HeapObjects uint64 `json:"heap_objects"`
	// GoTotal is all the memory the Go runtime has mapped: the wasm
	// linear memory it uses (heap spans, stacks, metadata).
	GoTotal uint64 `json:"go_total"`
	// JSHeap is the Worker's JavaScript heap in use
	// (performance.memory.usedJSHeapSize, Chromium only); 0 when the
	// engine does not say.
	JSHeap float64 `json:"js_heap"`
	// GCs counts the Go collections so far.
	GCs uint64 `json:"gcs"`
}

var memSamples = []metrics.Sample{
	{Name: "/gc/heap/live:bytes"},
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/total:bytes"},
	{Name: "/gc/cycles/total:gc-cycles"},
}

// readMem reads the Worker's memory figures (runtime/metrics, which does
// not stop the program as ReadMemStats does).
func readMem() tabMem {
	metrics.Read(memSamples)
	v := func(i int) uint64 {
		if memSamples[i].Value.Kind() == metrics.KindUint64 {
			return memSamples[i].Value.Uint64()
		}
		return 0
	}
	m := tabMem{HeapLive: v(0), HeapObjects: v(1), GoTotal: v(2), GCs: v(3)}
	if pm := js.Global().Get("performance").Get("memory"); pm.Type() == js.TypeObject {
		if u := pm.Get("usedJSHeapSize"); u.Type() == js.TypeNumber {
			m.JSHeap = u.Float()
		}
	}
	return m
}
