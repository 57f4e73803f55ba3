package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// minerGet serves path from a handler with a trivial room config.
func minerGet(t *testing.T, path string) (int, string) {
	t.Helper()
	h, err := NewHandler(Config{RoomConfig: func(_ context.Context, room string) ([]byte, error) {
		return []byte(`{"room":"` + room + `","params":{}}`), nil
	}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, string(body)
}

// The room's miner panel has its controls and figures; miner.js fills them.
func TestRoomHasMinerPanel(t *testing.T) {
	code, body := minerGet(t, "/r/class")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{`id="mine"`, `id="stop"`, `id="miner-workers"`, `id="miner-throttle"`,
		`min="10" max="100"`, `id="miner-rate"`, `id="miner-kernel"`, `id="miner-eta"`, `id="miner-bar"`, `id="miner-progress"`,
		`id="miner-best"`, `id="miner-worker-list"`, `id="miner-status" data-testid="miner-status" data-msg="miner.idle">Idle<`} {
		require.Contains(t, body, want)
	}
}

// /bench runs the benchmark in the visitor's browser with bench.js.
func TestBenchPage(t *testing.T) {
	code, body := minerGet(t, "/bench")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{`id="bench-run"`, `id="bench-rows"`} {
		require.Contains(t, body, want)
	}
	require.Regexp(t, `src="/static/bench\.[0-9a-f]{12}\.js"`, body)
	for _, asset := range []string{"/static/bench.js", "/static/miner.js", "/static/worker.js"} {
		code, _ := minerGet(t, asset)
		require.Equal(t, http.StatusOK, code, asset)
	}
}

// Config.Assets (the miner's nonce kernels, handed in by cmd/chainplay)
// are served under /static/, the modules as application/wasm with a gzip
// twin.
func TestKernelsAreServed(t *testing.T) {
	kernels := fstest.MapFS{
		"kernel.js":          {Data: []byte("self.ChainplayKernel = {};")},
		"kernel-simd.wasm":   {Data: []byte("\x00asm\x01\x00\x00\x00" + strings.Repeat("simd", 64))},
		"kernel-scalar.wasm": {Data: []byte("\x00asm\x01\x00\x00\x00" + strings.Repeat("scalar", 64))},
	}
	h, err := NewHandler(Config{RoomConfig: func(context.Context, string) ([]byte, error) { return []byte(`{}`), nil }, Assets: kernels})
	require.NoError(t, err)
	fetch := func(path string, gz bool) *http.Response {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	for name, f := range kernels {
		want := f.Data
		resp := fetch("/static/"+name, false)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		require.Equal(t, want, body, name)
		if !strings.HasSuffix(name, ".wasm") {
			require.Contains(t, resp.Header.Get("Content-Type"), "javascript")
			continue
		}
		require.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
		resp = fetch("/static/"+name, true)
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"), name)
		require.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
		zr, err := gzip.NewReader(resp.Body)
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, want, body, name+" gzipped")
	}
	require.Equal(t, http.StatusOK, fetch("/static/worker.js", false).StatusCode, "web/static still comes first")
	require.Equal(t, http.StatusNotFound, fetch("/static/kernel-none.wasm", false).StatusCode)
}
