package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

// serveRoom serves room p.Name as chainplay does for a node's -room: the
// relay at /ws/{room} (with rc) and the room's parameters at
// /api/rooms/{room}, epoch 0. It returns the -room URL; both stop when tb
// ends.
func serveRoom(tb testing.TB, p chain.Params, rc relay.Config) string {
	tb.Helper()
	rs, err := relay.New(rc)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	mux.HandleFunc("GET /api/rooms/{room}", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"params": json.RawMessage(p.CanonicalJSON()), "epoch": 0})
	})
	ts := httptest.NewServer(mux)
	tb.Cleanup(func() { ts.Close(); rs.Close() })
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/" + p.Name
}
