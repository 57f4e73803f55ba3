//go:build js && wasm

package minerproto

import (
	"syscall/js"
	"time"
)

// EncodeCommand is c as the object the node posts to a worker.
func EncodeCommand(c Command) js.Value {
	m := map[string]any{FieldType: c.Type}
	switch c.Type {
	case TypeJob:
		j := c.Job
		m[FieldID] = float64(j.ID)
		m[FieldHeader] = bytesToJS(j.Header[:])
		m[FieldTarget] = bytesToJS(j.Target[:])
		m[FieldStart] = float64(j.Start)
		m[FieldCount] = float64(j.Count)
		m[FieldDuty] = j.Duty
	case TypeThrottle:
		m[FieldDuty] = c.Duty
	}
	return js.ValueOf(m)
}

// DecodeCommand reads a message the worker received. It trusts the node:
// a field of the wrong type panics (syscall/js's Float of a string), which
// ends the worker's program; worker.js reports that as a crash and the
// pool starts a new worker. An unknown type is a Command that does nothing.
func DecodeCommand(v js.Value) Command {
	c := Command{Type: v.Get(FieldType).String()}
	switch c.Type {
	case TypeJob:
		c.Job.ID = uint64(v.Get(FieldID).Float())
		js.CopyBytesToGo(c.Job.Header[:], v.Get(FieldHeader))
		js.CopyBytesToGo(c.Job.Target[:], v.Get(FieldTarget))
		c.Job.Start = uint64(v.Get(FieldStart).Float())
		c.Job.Count = uint64(v.Get(FieldCount).Float())
		if d := v.Get(FieldDuty); d.Type() == js.TypeNumber {
			c.Job.Duty = d.Float()
		}
	case TypeThrottle:
		c.Duty = v.Get(FieldDuty).Float()
	}
	return c
}

// EncodeReport is r as the object a worker posts: the fields of its Kind.
func EncodeReport(r Report) js.Value {
	m := map[string]any{FieldType: r.Kind}
	switch r.Kind {
	case TypeReady:
		m[FieldKernel] = r.Kernel
		if r.KernelError != "" {
			m[FieldKernelError] = r.KernelError
		}
	case TypeCrash:
		m[FieldMessage] = r.Err
	default:
		m[FieldID] = float64(r.ID)
		m[FieldHashes] = float64(r.Hashes)
		m[FieldElapsed] = float64(r.Elapsed.Microseconds()) / 1000
		switch r.Kind {
		case TypeProgress:
			m[FieldBest] = bytesToJS(r.Best[:])
			m[FieldBestNonce] = float64(r.BestNonce)
		case TypeFound:
			m[FieldNonce] = float64(r.Nonce)
			m[FieldHash] = bytesToJS(r.Hash[:])
		}
	}
	return js.ValueOf(m)
}

// DecodeReport reads a worker's message without trusting it: missing or
// mistyped fields stay zero (Best stays all ones: no best), and a message
// that is not an object is a crash.
func DecodeReport(v js.Value) Report {
	if v.Type() != js.TypeObject {
		return Report{Kind: TypeCrash, Err: "the Worker sent a malformed message"}
	}
	num := func(name string) float64 {
		if f := v.Get(name); f.Type() == js.TypeNumber {
			return f.Float()
		}
		return 0
	}
	str := func(name string) string {
		if f := v.Get(name); f.Type() == js.TypeString {
			return f.String()
		}
		return ""
	}
	bytes := func(name string, dst []byte) {
		if f := v.Get(name); f.InstanceOf(js.Global().Get("Uint8Array")) && f.Length() == len(dst) {
			js.CopyBytesToGo(dst, f)
		}
	}
	r := Report{
		Kind:        str(FieldType),
		ID:          uint64(num(FieldID)),
		Hashes:      uint64(num(FieldHashes)),
		Elapsed:     time.Duration(num(FieldElapsed) * float64(time.Millisecond)),
		BestNonce:   uint64(num(FieldBestNonce)),
		Nonce:       uint64(num(FieldNonce)),
		Err:         str(FieldMessage),
		Kernel:      str(FieldKernel),
		KernelError: str(FieldKernelError),
	}
	for i := range r.Best {
		r.Best[i] = 0xff
	}
	bytes(FieldBest, r.Best[:])
	bytes(FieldHash, r.Hash[:])
	return r
}

// bytesToJS copies b into a new Uint8Array.
func bytesToJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}
