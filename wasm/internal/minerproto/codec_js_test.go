//go:build js && wasm

package minerproto_test

import (
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/wasm/internal/minerproto"
)

// The codec under node: GOOS=js GOARCH=wasm go test with go_js_wasm_exec
// on PATH (see the Makefile's test-wasm).

func TestCommandRoundTrip(t *testing.T) {
	j := minerproto.Job{ID: 7, Start: 1 << 52, Count: 1 << 40, Duty: 0.5}
	for i := range j.Header {
		j.Header[i] = byte(i)
	}
	j.Target[0], j.Target[31] = 0x0f, 0xff
	for _, c := range []minerproto.Command{
		{Type: minerproto.TypeJob, Job: j},
		{Type: minerproto.TypeStop},
		{Type: minerproto.TypeThrottle, Duty: 0.3},
	} {
		require.Equal(t, c, minerproto.DecodeCommand(minerproto.EncodeCommand(c)))
	}
}

func TestReportRoundTrip(t *testing.T) {
	var h [32]byte
	h[0], h[31] = 1, 2
	all := minerproto.Report{ID: 9, Hashes: 1 << 50, Elapsed: 1500 * time.Millisecond}
	progress := all
	progress.Kind, progress.Best, progress.BestNonce = minerproto.TypeProgress, h, 77
	found := all
	found.Kind, found.Nonce, found.Hash = minerproto.TypeFound, 1<<53-1, h
	ones := [32]byte{}
	for i := range ones {
		ones[i] = 0xff
	}
	found.Best = ones // a found report carries no best
	for _, r := range []minerproto.Report{
		{Kind: minerproto.TypeReady, Kernel: "simd", Best: ones},
		{Kind: minerproto.TypeReady, Kernel: "go", KernelError: "no SIMD", Best: ones},
		progress,
		found,
		{Kind: minerproto.TypeExhausted, ID: 3, Hashes: 10, Elapsed: time.Millisecond, Best: ones},
		{Kind: minerproto.TypeStopped, ID: 3, Hashes: 10, Elapsed: time.Millisecond, Best: ones},
		{Kind: minerproto.TypeCrash, Err: "panic: x", Best: ones},
	} {
		require.Equal(t, r, minerproto.DecodeReport(minerproto.EncodeReport(r)), r.Kind)
	}
}

func TestDecodeReportTrustsNothing(t *testing.T) {
	require.Equal(t, minerproto.TypeCrash, minerproto.DecodeReport(js.ValueOf("hello")).Kind)
	r := minerproto.DecodeReport(js.ValueOf(map[string]any{
		minerproto.FieldType: minerproto.TypeFound, minerproto.FieldNonce: "12", minerproto.FieldHash: js.Global().Get("Uint8Array").New(5),
	}))
	require.Equal(t, minerproto.TypeFound, r.Kind)
	require.Zero(t, r.Nonce)
	require.Equal(t, [32]byte{}, r.Hash)
}
