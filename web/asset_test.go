package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/require"
)

// fetchAsset serves path from h with the given request headers.
func fetchAsset(t *testing.T, h http.Handler, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func unbrotli(t *testing.T, b []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	require.NoError(t, err)
	return out
}

func brotliOf(b []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestAssetsAreHashedAndLinked: every asset has a content-hashed URL
// whose content never changes (cached for good); the text assets name
// each other by those URLs, so a change in one renames every asset that
// loads it; the plain URL is still served, revalidated by ETag.
func TestAssetsAreHashedAndLinked(t *testing.T) {
	big := strings.Repeat("export const big = 1;\n", 200)
	files := fstest.MapFS{
		"t-app.js":    {Data: []byte(`import { x } from "./t-lib.js";` + "\nfetch('/static/t-data.wasm'); new Worker(\"/static/t-w.js\");\n" + big)},
		"t-lib.js":    {Data: []byte(`export const x = 1; // "./nothere.js" stays`)},
		"t-w.js":      {Data: []byte(`importScripts(self.location.origin + "/static/t-lib.js");`)},
		"t-data.wasm": {Data: []byte("\x00asm" + strings.Repeat("data", 100))},
	}
	m, err := buildManifest(slog.New(slog.DiscardHandler), files)
	require.NoError(t, err)
	hashed := regexp.MustCompile(`^/static/t-app\.[0-9a-f]{12}\.js$`)
	require.Regexp(t, hashed, m.url("t-app.js"))
	app := string(m.byName["t-app.js"].body)
	require.Contains(t, app, `from "./`+strings.TrimPrefix(m.url("t-lib.js"), "/static/")+`"`, "an import names the hashed module")
	require.Contains(t, app, m.url("t-data.wasm"))
	require.Contains(t, app, m.url("t-w.js"))
	require.Contains(t, string(m.byName["t-w.js"].body), m.url("t-lib.js"))
	require.Contains(t, string(m.byName["t-lib.js"].body), `"./nothere.js"`, "what is no asset stays")
	require.Equal(t, "/static/other.js", m.url("other.js"))

	// A change in lib.js renames lib.js, app.js and w.js, not data.wasm.
	files["t-lib.js"] = &fstest.MapFile{Data: []byte(`export const x = 2;`)}
	m2, err := buildManifest(slog.New(slog.DiscardHandler), files)
	require.NoError(t, err)
	for _, n := range []string{"t-lib.js", "t-app.js", "t-w.js"} {
		require.NotEqual(t, m.url(n), m2.url(n), n)
	}
	require.Equal(t, m.url("t-data.wasm"), m2.url("t-data.wasm"))

	h, err := NewHandler(Config{RoomConfig: func(context.Context, string) ([]byte, error) { return []byte(`{}`), nil }, Assets: files})
	require.NoError(t, err)
	// The handler's own manifest: web/static, then Config.Assets.
	man := m2
	resp, body := fetchAsset(t, h, man.url("t-app.js"), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, immutable, resp.Header.Get("Cache-Control"))
	require.Equal(t, man.byName["t-app.js"].body, body)
	require.Contains(t, resp.Header.Get("Content-Type"), "javascript")

	resp, body = fetchAsset(t, h, "/static/t-app.js", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	require.Equal(t, man.byName["t-app.js"].body, body, "the plain name serves the same bytes")
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)
	resp, body = fetchAsset(t, h, "/static/t-app.js", map[string]string{"If-None-Match": etag})
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, body)

	// brotli where accepted, else gzip, else plain.
	resp, body = fetchAsset(t, h, man.url("t-app.js"), map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))
	require.Less(t, len(body), len(man.byName["t-app.js"].body)/4)
	require.Equal(t, man.byName["t-app.js"].body, unbrotli(t, body))
	resp, body = fetchAsset(t, h, man.url("t-app.js"), map[string]string{"Accept-Encoding": "gzip"})
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	zr, err := gzip.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, man.byName["t-app.js"].body, plain)
	resp, _ = fetchAsset(t, h, man.url("t-app.js"), map[string]string{"Accept-Encoding": "br;q=0, identity"})
	require.Empty(t, resp.Header.Get("Content-Encoding"), "q=0 refuses")

	resp, _ = fetchAsset(t, h, "/static/t-app.000000000000.js", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "a hash that is no asset's")
}

// TestBuildTwins: a precompressed twin (make wasm's NAME.br) is served as
// it is when it decompresses to the file; a stale one is ignored.
func TestBuildTwins(t *testing.T) {
	wasm := []byte("\x00asm" + strings.Repeat("fresh build ", 300))
	twin := brotliOf(wasm)
	files := fstest.MapFS{"fresh.wasm": {Data: wasm}, "fresh.wasm.br": {Data: twin},
		"stale.wasm": {Data: wasm[:len(wasm)-1]}, "stale.wasm.br": {Data: twin}}
	var logged bytes.Buffer
	h, err := NewHandler(Config{RoomConfig: func(context.Context, string) ([]byte, error) { return []byte(`{}`), nil },
		Assets: files, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	require.NoError(t, err)
	resp, body := fetchAsset(t, h, "/static/fresh.wasm", map[string]string{"Accept-Encoding": "br"})
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, "application/wasm", resp.Header.Get("Content-Type"))
	require.Equal(t, twin, body, "the build's twin, as it is")
	resp, body = fetchAsset(t, h, "/static/stale.wasm", map[string]string{"Accept-Encoding": "br"})
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, wasm[:len(wasm)-1], unbrotli(t, body), "compressed afresh, not the stale twin")
	require.Contains(t, logged.String(), "stale.wasm.br")
	resp, _ = fetchAsset(t, h, "/static/fresh.wasm.br", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "a twin is no asset")
}

// TestPagesAreCompressedAndNotCached: a page names the assets of the
// moment, so it is revalidated every time; it is compressed when it can
// be, and its asset URLs are the hashed ones.
func TestPagesAreCompressedAndNotCached(t *testing.T) {
	h := newTestHandler(t)
	resp, body := fetchAsset(t, h, "/r/class", map[string]string{"Accept-Encoding": "br"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "br", resp.Header.Get("Content-Encoding"))
	require.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	page := string(unbrotli(t, body))
	require.Contains(t, page, `id="room"`)
	for _, m := range regexp.MustCompile(`(?:src|href|data-worker)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		require.Regexp(t, `\.[0-9a-f]{12}\.[a-z]+$`, m[1], "a page names the hashed URL")
		resp, _ := fetchAsset(t, h, m[1], nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, m[1])
	}
	resp, body = fetchAsset(t, h, "/", nil)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Contains(t, string(body), `id="create-form"`)
}
