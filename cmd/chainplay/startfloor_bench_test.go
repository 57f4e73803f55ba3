//go:build !js

package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/internal/benchrun"
	"github.com/chainplay/chainplay/web"
)

// floorWorkers are the Worker scripts TestTabStartFloorBench times, each
// after a first line that says it runs; each ends by posting {what: "main"}
// ("empty" at once, "compile" when node.wasm is compiled, "hello" from the
// hello-world Go program's main(), "node" when node.wasm's main() sets up
// its host: wasm/node/host_js.go calls __chainplayFlush).
var floorWorkers = map[string]string{
	"empty":   `postMessage({what: "main"});`,
	"compile": `WebAssembly.compileStreaming(fetch("/node.wasm")).then(() => postMessage({what: "main"}));`,
	"hello": `importScripts("/wasm_exec.js"); const go = new Go();
WebAssembly.instantiateStreaming(fetch("/hello.wasm"), go.importObject).then((r) => go.run(r.instance));`,
	"node": `const compiled = WebAssembly.compileStreaming(fetch("/node.wasm"));
importScripts("/wasm_exec.js");
self.context = { binding: {} };
self.__chainplayFlush = () => postMessage({ what: "main" });
const go = new Go();
go.importObject.workers = { ready: () => {} };
compiled.then((m) => WebAssembly.instantiate(m, go.importObject)).then((i) => go.run(i));`,
}

// TestTabStartFloorBench measures what a fresh tab pays before its node
// runs a line of its own, with nothing of Chainplay's page around it: a
// bare page (one inline classic script in <head>, as the room page's
// boot script) starts a Worker, in a new browser context each time (nothing cached),
// and the time from navigation to the Worker's message is taken for an
// empty Worker, for compiling node.wasm (brotli, as served), for the
// smallest Go program's main() (testdata/hellowasm) and for node.wasm's
// main(). These are the floor under "a fresh tab syncs 1,000 blocks in
// 0.5 s": what is left of the 0.5 s after node.wasm's main() is all the
// node may spend on its wallet, its store, the relay, the blocks and the
// first render.
func TestTabStartFloorBench(t *testing.T) {
	if os.Getenv("CHAINPLAY_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench (CHAINPLAY_BENCH=1)")
	}
	requireWasm(t)
	brot := func(b []byte) []byte {
		var buf bytes.Buffer
		w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
		_, err := w.Write(b)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return buf.Bytes()
	}
	helloPath := filepath.Join(t.TempDir(), "hello.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", helloPath, "./testdata/hellowasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	hello, err := os.ReadFile(helloPath)
	require.NoError(t, err)
	helloBr := brot(hello)
	node, err := fs.ReadFile(web.StaticFS, "node.wasm")
	require.NoError(t, err)
	nodeBr, err := fs.ReadFile(web.StaticFS, "node.wasm.br") // make wasm's twin, as the server sends it
	require.NoError(t, err)
	wasmExec, err := fs.ReadFile(web.StaticFS, "wasm_exec.js")
	require.NoError(t, err)
	t.Logf("hello.wasm %d bytes (%d brotli), node.wasm %d bytes (%d brotli)", len(hello), len(helloBr), len(node), len(nodeBr))

	mux := http.NewServeMux()
	serve := func(path, ctype string, body []byte, br bool) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			if br {
				w.Header().Set("Content-Encoding", "br")
			}
			w.Write(body)
		})
	}
	serve("/hello.wasm", "application/wasm", helloBr, true)
	serve("/node.wasm", "application/wasm", nodeBr, true)
	serve("/wasm_exec.js", "text/javascript", wasmExec, false)
	mux.HandleFunc("GET /p/{v}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>floor</title><script>globalThis.__floor = {};
const w = new Worker("/w.js?v=%s");
w.onmessage = (e) => { const k = e.data && e.data.what; if (k && !(k in __floor)) __floor[k] = performance.now(); };</script></head><body>floor</body></html>`, r.PathValue("v"))
	})
	mux.HandleFunc("GET /w.js", func(w http.ResponseWriter, r *http.Request) {
		src, ok := floorWorkers[r.URL.Query().Get("v")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `postMessage({what: "start"});`+src)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	browser := newBrowserFor(t, 10*time.Minute)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank")))
	order := []string{"empty", "compile", "hello", "node"}
	main := map[string][]float64{}
	var started []float64
	const rounds = 7
	for round := 0; round <= rounds; round++ { // round 0 warms the browser up
		for _, v := range order {
			tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			require.NoError(t, chromedp.Do(tctx, chromedp.Navigate(srv.URL+"/p/"+v)))
			waitJS(t, tctx, `globalThis.__floor && "main" in __floor`, time.Minute, v+": the Worker never said main")
			m := evalJS[map[string]float64](t, tctx, "globalThis.__floor")
			cancel()
			if round == 0 {
				continue
			}
			main[v] = append(main[v], m["main"])
			if v == "empty" {
				started = append(started, m["start"])
			}
		}
	}
	figs := []benchrun.Figure{
		benchrun.Absolute("fresh tab, bare page: navigation to an empty Worker's first line", "ms", started, nil),
		benchrun.Absolute("fresh tab, bare page: navigation to node.wasm compiled in a Worker", "ms", main["compile"], nil),
		benchrun.Absolute(fmt.Sprintf("fresh tab, bare page: navigation to a hello-world Go program's main() in a Worker (%.1f MB wasm)", float64(len(hello))/1e6), "ms", main["hello"], nil),
		benchrun.Absolute(fmt.Sprintf("fresh tab, bare page: navigation to node.wasm's main() in a Worker (%.1f MB wasm)", float64(len(node))/1e6), "ms", main["node"], nil),
	}
	require.NoError(t, benchrun.Publish(os.Stdout, "tabstart-floor", figs, time.Now()))
}
