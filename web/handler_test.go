package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, string(body), rec.Header()
}

func newTestHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := NewHandler(Config{RoomConfig: func(_ context.Context, room string) ([]byte, error) {
		return []byte(`{"room":"` + room + `","epoch":0,"params":{}}`), nil
	}})
	require.NoError(t, err)
	return h
}

// The lobby has the create-room form and its script.
func TestLobbyHasCreateRoomForm(t *testing.T) {
	code, body, _ := get(t, newTestHandler(t), "/")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{`id="create-form"`, `name="create-difficulty"`, `name="create-max_block_txs"`} {
		require.Contains(t, body, want)
	}
	require.Regexp(t, `src="/static/lobby\.[0-9a-f]{12}\.js"`, body)
}

// The room page carries the admin panel, hidden until admin.js finds the
// teacher token.
func TestRoomHasHiddenAdminPanel(t *testing.T) {
	code, body, _ := get(t, newTestHandler(t), "/r/class")
	require.Equal(t, http.StatusOK, code)
	i := strings.Index(body, `id="admin"`)
	require.GreaterOrEqual(t, i, 0)
	tag := body[strings.LastIndex(body[:i], "<"):]
	tag = tag[:strings.IndexByte(tag, '>')]
	require.Contains(t, tag, "hidden")
	for _, want := range []string{`id="admin-reset"`, `id="admin-genesis"`, `id="admin-peers"`} {
		require.Contains(t, body, want)
	}
	require.Regexp(t, `src="/static/admin\.[0-9a-f]{12}\.js"`, body)
}

func TestScriptsAreServed(t *testing.T) {
	for _, f := range []string{"lobby.js", "admin.js"} {
		code, body, hdr := get(t, newTestHandler(t), "/static/"+f)
		require.Equal(t, http.StatusOK, code, f)
		require.Contains(t, hdr.Get("Content-Type"), "javascript", f)
		require.NotEmpty(t, body)
	}
}
