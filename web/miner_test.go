package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

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
		`min="10" max="100"`, `id="miner-rate"`, `id="miner-eta"`, `id="miner-bar"`, `id="miner-progress"`,
		`id="miner-best"`, `id="miner-worker-list"`, `id="miner-status" data-testid="miner-status">Idle<`} {
		require.Contains(t, body, want)
	}
}

// /bench runs the benchmark in the visitor's browser with bench.js.
func TestBenchPage(t *testing.T) {
	code, body := minerGet(t, "/bench")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{`id="bench-run"`, `id="bench-rows"`, `src="/static/bench.js"`} {
		require.Contains(t, body, want)
	}
	for _, asset := range []string{"/static/bench.js", "/static/miner.js", "/static/worker.js"} {
		code, _ := minerGet(t, asset)
		require.Equal(t, http.StatusOK, code, asset)
	}
}
