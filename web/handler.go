package web

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/a-h/templ"
)

// Config configures the page handler.
type Config struct {
	// RoomConfig returns the JSON the room page hands to its node (the
	// room's parameters and anything else the tab needs), or an error when
	// the room can't be opened. This field is required.
	RoomConfig func(ctx context.Context, room string) ([]byte, error)
	// Assets are served under /static/ after web/static's own files: the
	// miner's nonce kernels (kernel.js, kernel-simd.wasm,
	// kernel-scalar.wasm), with gzip twins of the .wasm files. Optional.
	Assets fs.FS
}

// roomRE is what the relay accepts as a room name.
var roomRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// ValidRoom reports whether name is a valid room name.
func ValidRoom(name string) bool { return roomRE.MatchString(name) }

// NewHandler returns the pages and static assets:
//
//	GET /            the lobby
//	GET /join?room=  redirect to /r/ROOM
//	GET /r/{room}    a room's page, which starts a node in the tab
//	GET /bench       the mining benchmark, run in the visitor's browser
//	GET /static/…    assets (web/static and the nonce kernels, see assets);
//	                 *.wasm served precompressed when possible
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.RoomConfig == nil {
		return nil, errors.New("web: Config.RoomConfig is required")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", templ.Handler(Page("Lobby", Lobby())))
	mux.HandleFunc("GET /join", func(w http.ResponseWriter, r *http.Request) {
		room := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("room")))
		if !ValidRoom(room) {
			http.Error(w, "room names are 1–32 lowercase letters, digits, - or _", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/r/"+room, http.StatusSeeOther)
	})
	mux.HandleFunc("GET /r/{room}", func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if !ValidRoom(room) {
			http.Error(w, "room names are 1–32 lowercase letters, digits, - or _", http.StatusBadRequest)
			return
		}
		conf, err := cfg.RoomConfig(r.Context(), room)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		templ.Handler(Page("Room "+room, Room(room, string(conf)))).ServeHTTP(w, r)
	})
	mux.Handle("GET /bench", templ.Handler(Page("Benchmark", Bench())))
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(assets(cfg.Assets))))
	return mux, nil
}

// staticHandler serves assets, sending NAME.gz with Content-Encoding gzip
// when it exists and the client accepts gzip. It serves files only: a
// directory (/static/ itself included) is 404, never a listing.
func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Clean(strings.TrimPrefix(r.URL.Path, "/"))
		if info, err := fs.Stat(fsys, name); strings.HasSuffix(r.URL.Path, "/") || err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(name, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
			w.Header().Set("Cache-Control", "no-cache")
			if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
				if f, err := fsys.Open(name + ".gz"); err == nil {
					f.Close()
					w.Header().Set("Content-Encoding", "gzip")
					w.Header().Set("Vary", "Accept-Encoding")
					r2 := r.Clone(r.Context())
					r2.URL.Path = "/" + name + ".gz"
					files.ServeHTTP(w, r2)
					return
				}
			}
		}
		files.ServeHTTP(w, r)
	})
}
