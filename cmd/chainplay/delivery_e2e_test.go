//go:build !js

package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// netLog records a tab's network requests from the DevTools protocol:
// URL, bytes on the wire, whether a cache answered.
type netLog struct {
	mu   sync.Mutex
	reqs map[network.RequestID]*netReq
}

type netReq struct {
	url       string
	typ       network.ResourceType
	status    int64
	encoding  string
	cached    bool    // served from the memory or disk cache
	wire      float64 // bytes received (encodedDataLength at loadingFinished)
	finished  bool
	webSocket bool
}

func listenNet(t *testing.T, tab context.Context) *netLog {
	t.Helper()
	l := &netLog{reqs: map[network.RequestID]*netReq{}}
	get := func(id network.RequestID) *netReq {
		r := l.reqs[id]
		if r == nil {
			r = &netReq{}
			l.reqs[id] = r
		}
		return r
	}
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			r := get(e.RequestID)
			r.url, r.typ = e.Request.URL, e.Type
		case *network.EventRequestServedFromCache:
			get(e.RequestID).cached = true
		case *network.EventResponseReceived:
			r := get(e.RequestID)
			r.status = e.Response.Status
			r.cached = r.cached || e.Response.FromDiskCache
			for k, v := range e.Response.Headers {
				if strings.EqualFold(k, "content-encoding") {
					r.encoding = fmt.Sprint(v)
				}
			}
		case *network.EventLoadingFinished:
			r := get(e.RequestID)
			r.wire, r.finished = e.EncodedDataLength, true
		case *network.EventWebSocketCreated:
			get(e.RequestID).webSocket = true
		}
	}))
	require.NoError(t, chromedp.Do(tab, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{})
		return chromedp.Void{}, err
	}))
	return l
}

// take returns the requests so far, and forgets them.
func (l *netLog) take() []netReq {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []netReq
	for _, r := range l.reqs {
		if r.url != "" {
			out = append(out, *r)
		}
	}
	clear(l.reqs)
	sort.Slice(out, func(i, j int) bool { return out[i].wire > out[j].wire })
	return out
}

// workerPerfJS runs in a tab before its scripts: the node's Worker is
// started from a blob: URL that answers {__perf: true} with the Worker's
// Resource Timing entries (its importScripts and its fetch of node.wasm,
// which the page's DevTools session does not see: they are the Worker
// target's), then runs the real node-worker.js. The answer lands in
// globalThis.__perf.
const workerPerfJS = `(() => {
  const Base = globalThis.Worker;
  globalThis.Worker = class extends Base {
    constructor(url, ...args) {
      const href = new URL(url, location.href).href;
      if (!/\/node-worker\.[0-9a-f]+\.js$/.test(href)) { super(url, ...args); return; }
      const probe = "self.addEventListener('message', (e) => { if (e.data && e.data.__perf) { e.stopImmediatePropagation();" +
        " self.postMessage({ __perf: performance.getEntriesByType('resource').map((r) => ({ name: r.name, transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize })) }); } });" +
        "importScripts(" + JSON.stringify(href) + ");";
      super(URL.createObjectURL(new Blob([probe], { type: "text/javascript" })), ...args);
      globalThis.__perfWorker = this;
      this.addEventListener("message", (e) => { if (e.data && e.data.__perf) globalThis.__perf = e.data.__perf; });
    }
  };
})();`

// workerEntry is one Resource Timing entry of the node's Worker.
type workerEntry struct {
	Name     string  `json:"name"`
	Transfer float64 `json:"transfer"` // bytes over the network, headers included; 0 from the cache
	Encoded  float64 `json:"encoded"`
	Decoded  float64 `json:"decoded"`
}

// workerRequests asks the node's Worker of tab for its Resource Timing.
func workerRequests(t *testing.T, tab context.Context) []workerEntry {
	t.Helper()
	require.NoError(t, chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`globalThis.__perf = null; globalThis.__perfWorker.postMessage({ __perf: true })`)))
	waitJS(t, tab, `globalThis.__perf !== null`, 10*time.Second, "the node's Worker did not answer")
	return evalJS[[]workerEntry](t, tab, `globalThis.__perf`)
}

// TestDelivery: a first visit of a room page downloads under 2 MB (the
// node's wasm, the scripts, styles and the page; brotli); the miner's
// wasm waits for the first Mine; a second visit downloads nothing but the
// page, since every asset has a content-hashed URL, cached for good. The
// page's requests are the DevTools protocol's network events; those of
// the node's Worker, its Resource Timing.
func TestDelivery(t *testing.T) {
	requireWasm(t)
	ts := startServer(t, t.TempDir(), pageParams)
	url := ts.http.URL + "/r/delivery"
	visit := func(tab context.Context) ([]netReq, []workerEntry) {
		net := listenNet(t, tab)
		require.NoError(t, chromedp.Do(tab, addInitScript(workerPerfJS)))
		openRoom(t, tab, url)
		waitJS(t, tab, `chainplay.view().conn.state === "connected"`, 30*time.Second, "the tab never joined")
		time.Sleep(200 * time.Millisecond) // the last responses finish
		return net.take(), workerRequests(t, tab)
	}
	short := func(u string) string { return strings.TrimPrefix(u, ts.http.URL) }

	tab := tabFor(t, sharedTab(t), 3*time.Minute)
	page, worker := visit(tab)
	var total float64
	var lines []string
	var wasm bool // node.wasm came, compressed, by the page or by the node's Worker
	for _, r := range page {
		if r.webSocket || r.typ == network.ResourceTypeWebSocket {
			continue
		}
		total += r.wire
		lines = append(lines, fmt.Sprintf("%9.0f B  %-3s %s", r.wire, r.encoding, short(r.url)))
		if strings.Contains(r.url, "/static/node.") {
			wasm = true // compiled by the page while the node's Worker starts (boot.js)
		}
		if strings.Contains(r.url, "/static/") && r.finished {
			require.Regexp(t, `/static/[A-Za-z0-9_-]+\.[0-9a-f]{12}\.[a-z]+$`, r.url, "an asset by its hashed URL")
			require.Contains(t, r.encoding, "br", "%s is not brotli", r.url)
		}
	}
	for _, e := range worker {
		total += e.Transfer
		lines = append(lines, fmt.Sprintf("%9.0f B  (worker; %.0f B unpacked) %s", e.Transfer, e.Decoded, short(e.Name)))
		if strings.Contains(e.Name, "/static/node.") {
			wasm = true
			require.Less(t, e.Encoded, e.Decoded/3, "node.wasm came uncompressed")
		}
	}
	for _, l := range append(page[:0:0], page...) {
		require.NotRegexp(t, `/static/(miner\.[0-9a-f]+\.wasm|worker\.|kernel)`, l.url, "a first visit loads no miner: it waits for Mine")
	}
	for _, e := range worker {
		require.NotRegexp(t, `/static/(miner\.[0-9a-f]+\.wasm|worker\.|kernel)`, e.Name, "a first visit loads no miner: it waits for Mine")
	}
	t.Logf("first visit: %.0f bytes on the wire:\n%s", total, strings.Join(lines, "\n"))
	require.True(t, wasm, "nobody fetched node.wasm")
	require.Less(t, total, 2e6, "a first visit downloads under 2 MB")

	// The second visit: another tab of the same browser.
	second := tabFor(t, newTabIn(t, tab), 3*time.Minute)
	page, worker = visit(second)
	lines = lines[:0]
	for _, r := range page {
		lines = append(lines, fmt.Sprintf("%9.0f B  cached=%-5v %s", r.wire, r.cached, short(r.url)))
		if r.typ == network.ResourceTypeDocument || r.webSocket || r.typ == network.ResourceTypeWebSocket || strings.Contains(r.url, "/api/") {
			continue // the page itself, and the room's data
		}
		require.True(t, r.cached || !r.finished || r.wire == 0, "%s came over the network on the second visit (%.0f B)", short(r.url), r.wire)
	}
	for _, e := range worker {
		lines = append(lines, fmt.Sprintf("%9.0f B  (worker) %s", e.Transfer, short(e.Name)))
		require.Zero(t, e.Transfer, "%s came over the network on the second visit", short(e.Name))
	}
	t.Logf("second visit:\n%s", strings.Join(lines, "\n"))
}
