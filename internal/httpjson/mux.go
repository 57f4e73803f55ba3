package httpjson

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
)

// HandlerFunc handles one API request. It answers with Write and returns
// nil, or returns an error and writes nothing: an *Error is sent as it
// says, anything else is logged and answered 500 internal.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Options configures a Mux.
type Options struct {
	// Logger receives internal errors (the real error behind a 500), 5xx
	// answers and panics. Nil discards them.
	Logger *slog.Logger
	// MaxBody bounds every request body Read decodes, in bytes. Zero means
	// DefaultMaxBody; BodyLimit overrides it per route.
	MaxBody int64
}

// RouteOption changes one route (Mux.Handle).
type RouteOption func(*handler)

// BodyLimit sets a route's body limit to n bytes instead of the Mux's.
func BodyLimit(n int64) RouteOption { return func(h *handler) { h.limit = n } }

// Mux is a router of JSON endpoints. Register every route with Handle
// before serving; then it is safe for concurrent use.
type Mux struct {
	log    *slog.Logger
	limit  int64
	mux    *http.ServeMux
	routes map[string]*route // by path pattern
}

// route is the handlers of one path pattern, by method ("" for any).
type route struct {
	path     string
	handlers map[string]*handler
}

type handler struct {
	fn    HandlerFunc
	limit int64
}

// NewMux returns an empty Mux: every path answers 404 not-found until
// routes are added.
func NewMux(opts Options) *Mux {
	m := &Mux{log: orDiscard(opts.Logger), limit: opts.MaxBody, mux: http.NewServeMux(), routes: map[string]*route{}}
	if m.limit <= 0 {
		m.limit = DefaultMaxBody
	}
	m.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, m.log, Errorf(http.StatusNotFound, CodeNotFound, "no endpoint %s %s", r.Method, r.URL.Path))
	})
	return m
}

// Handle registers fn for pattern, "METHOD /path" or "/path" (any
// method), in http.ServeMux's syntax ({name} wildcards, {$}); the pattern
// "/" is the Mux's own 404 and can't be taken. A GET route also answers
// HEAD. Handle panics on a malformed or duplicate pattern, as
// http.ServeMux does.
func (m *Mux) Handle(pattern string, fn HandlerFunc, opts ...RouteOption) {
	method, path := "", pattern
	switch f := strings.Fields(pattern); len(f) {
	case 1:
		path = f[0]
	case 2:
		method, path = f[0], f[1]
	default:
		panic(fmt.Sprintf("httpjson: pattern %q: want \"METHOD /path\" or \"/path\"", pattern))
	}
	if !strings.HasPrefix(path, "/") || path == "/" {
		panic(fmt.Sprintf("httpjson: pattern %q: the path must start with / and can't be / alone (use /{$})", pattern))
	}
	rt := m.routes[path]
	if rt == nil {
		rt = &route{path: path, handlers: map[string]*handler{}}
		m.routes[path] = rt
		m.mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serveRoute(rt, w, r) }))
	}
	if _, dup := rt.handlers[method]; dup {
		panic(fmt.Sprintf("httpjson: pattern %q registered twice", pattern))
	}
	h := &handler{fn: fn, limit: m.limit}
	for _, o := range opts {
		o(h)
	}
	rt.handlers[method] = h
}

// ServeHTTP routes r.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

// serveRoute picks rt's handler for r's method, or answers 405.
func (m *Mux) serveRoute(rt *route, w http.ResponseWriter, r *http.Request) {
	h := rt.handlers[r.Method]
	if h == nil && r.Method == http.MethodHead {
		h = rt.handlers[http.MethodGet]
	}
	if h == nil {
		h = rt.handlers[""]
	}
	if h == nil {
		allow := rt.allow()
		w.Header().Set("Allow", allow)
		WriteError(w, r, m.log, Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"%s %s: method not allowed; this endpoint takes %s", r.Method, r.URL.Path, allow))
		return
	}
	m.serve(h, w, r)
}

// allow is the Allow header of rt: its methods, sorted, with HEAD
// beside GET.
func (rt *route) allow() string {
	var ms []string
	for m := range rt.handlers {
		ms = append(ms, m)
	}
	if rt.handlers[http.MethodGet] != nil && rt.handlers[http.MethodHead] == nil {
		ms = append(ms, http.MethodHead)
	}
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}

// serve runs h, answers the error it returns, and turns a panic into a
// logged 500.
func (m *Mux) serve(h *handler, w http.ResponseWriter, r *http.Request) {
	tw := &trackingWriter{ResponseWriter: w}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		m.log.Error("httpjson: panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if !tw.wrote {
			writeBody(tw, http.StatusInternalServerError, internalBody)
		}
	}()
	err := h.fn(tw, WithBodyLimit(r, h.limit))
	switch {
	case err == nil:
	case tw.wrote:
		// Too late to answer with the error: the client has a status.
		m.log.Error("httpjson: error after the answer started", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		WriteError(tw, r, m.log, err)
	}
}

// trackingWriter remembers whether the answer has started.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(status int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(status)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
