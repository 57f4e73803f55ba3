//go:build !js

package main

import (
	"context"
	"net/http"
	"strings"
)

// securityHeaders sets, on every response (pages, assets, the API, the
// websocket upgrade, errors), what a browser needs to keep a room's page
// its own:
//
//   - Content-Security-Policy: scripts, workers, styles, images and
//     connections from this origin only. Scripts may compile WebAssembly
//     ('wasm-unsafe-eval': the node and the miner are wasm, instantiated
//     with WebAssembly.instantiateStreaming) but never eval JavaScript;
//     Workers may also run from blob: URLs (a Worker's script may be
//     handed to it as a blob); connections go to this origin over http(s)
//     and ws(s) (the relay), and in a cluster to the other processes that
//     announced a public address (extra, kvservers.go: the tab's node
//     redials their relays when its own process goes away), and nowhere
//     else; no plugins, no <base>, no framing, forms post
//     here only. No inline style and one inline script are allowed: the
//     room page's boot script (tabproto.js and boot.js in its HTML, so the
//     node's Worker starts without waiting for them), by its hash
//     (web.BootScriptSource); the room's configuration reaches it as a
//     data- attribute.
//   - X-Content-Type-Options: nosniff, so a browser never runs an asset as
//     a type other than the one it was served as.
//   - X-Frame-Options: DENY (and frame-ancestors 'none'): no page may
//     frame a room and trick a teacher into clicking Reset.
//   - Referrer-Policy: no-referrer: a room's URL never leaks to links
//     followed from it.
//
// script are more script-src sources (the boot script's hash). others
// returns those other processes (nil: a single process). It is
// read once per request and the request's context carries what it read
// (othersOf), so a page lists no relay its own policy does not allow:
// read twice, a process that joined the cluster in between was in the
// page and not in the policy.
func securityHeaders(next http.Handler, script []string, others func() []serverEntry) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		var snap []serverEntry
		if others != nil {
			snap = others()
			r = r.WithContext(context.WithValue(r.Context(), othersKey{}, snap))
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy(r.Host, script, connectSources(snap)...))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy returns the policy for a page served to host.
// 'self' covers ws: and wss: to the same host in CSP Level 3; the explicit
// ws://HOST and wss://HOST sources say so for browsers that predate it,
// and are left out when the Host header holds anything but a host name
// and port. script are more script-src sources (hashes of inline
// scripts); extra are more connect-src sources (the cluster's other
// processes, already checked: checkPublicURL).
func contentSecurityPolicy(host string, script []string, extra ...string) string {
	connect := "'self'"
	if validHost(host) {
		connect += " ws://" + host + " wss://" + host
	}
	for _, src := range extra {
		connect += " " + src
	}
	scripts := "'self' 'wasm-unsafe-eval'"
	for _, src := range script {
		scripts += " " + src
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + scripts,
		"worker-src 'self' blob:",
		"connect-src " + connect,
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self'",
		"manifest-src 'self'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// validHost reports whether host is a plain host[:port] (letters, digits,
// '.', '-', ':' and the brackets of an IPv6 literal), safe to put in a
// header.
func validHost(host string) bool {
	if host == "" || len(host) > 255 {
		return false
	}
	for i := range len(host) {
		switch c := host[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// othersKey keys the request's snapshot of the cluster's other processes.
type othersKey struct{}

// othersOf returns the other processes securityHeaders read for the
// request of ctx, or, outside such a request, read reads them now.
func othersOf(ctx context.Context, read func() []serverEntry) []serverEntry {
	if snap, ok := ctx.Value(othersKey{}).([]serverEntry); ok {
		return snap
	}
	return read()
}

// connectSources are the connect-src sources of the cluster's other
// reachable processes: each one's origin (the tab's node reads the room
// there) and its websocket origin (ws:// for http://, wss:// for
// https://). None in a single process.
func connectSources(others []serverEntry) []string {
	var out []string
	for _, e := range others {
		o := e.origin()
		out = append(out, o, "ws"+strings.TrimPrefix(o, "http"))
	}
	return out
}
