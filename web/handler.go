package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/andybalholm/brotli"
)

// Config configures the page handler.
type Config struct {
	// RoomConfig returns the JSON the room page hands to its node (the
	// room's parameters and anything else the tab needs), or an error when
	// the room can't be opened. This field is required.
	RoomConfig func(ctx context.Context, room string) ([]byte, error)
	// Assets are served under /static/ after web/static's own files: the
	// miner's nonce kernels (kernel.js, kernel-simd.wasm,
	// kernel-scalar.wasm). Optional.
	Assets fs.FS
	// Presets are the room presets the lobby offers, in order; the second
	// (or the only one) is chosen at first. Optional.
	Presets []Preset
	// RoomURL returns the address students open for room, as the QR code
	// shows it. Defaults to the request's own scheme and host.
	RoomURL func(r *http.Request, room string) string
	// Logger receives the handler's warnings (a stale compressed twin).
	// Defaults to discarding them.
	Logger *slog.Logger
	// LessonsGuides are the lessons guides by language tag: "en" is
	// served at /docs/lessons.md, any other TAG at /docs/lessons.TAG.md;
	// the board links to the one of its language (English when its
	// language has none). Optional.
	LessonsGuides map[string][]byte
	// BoardLanguage returns the language a room's teacher fixed for its
	// board ("" lets each viewer pick): the board is rendered in it
	// (FixLanguage). Optional.
	BoardLanguage func(room string) string
}

// requestRoomURL is the default Config.RoomURL.
func requestRoomURL(r *http.Request, room string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/r/" + room
}

// badRoomName is the answer to a room name the relay would refuse.
const badRoomName = "room names are 1–32 lowercase letters, digits, - or _"

// roomRE is what the relay accepts as a room name.
var roomRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// ValidRoom reports whether name is a valid room name.
func ValidRoom(name string) bool { return roomRE.MatchString(name) }

// NewHandler returns the pages and static assets:
//
//	GET /            the lobby
//	GET /join?room=  redirect to /r/ROOM
//	GET /r/{room}    a room's page, which starts a node in the tab
//	GET /r/{room}/board   the teacher's board of a room (board.templ, board.js)
//	GET /r/{room}/qr.svg  a QR code of the room's address (Config.RoomURL)
//	POST /r/{room}/link   {"fragment"} → {"url", "svg"}: the room's address with
//	                 that #fragment (a PBFT seat link: #seat=KEY) and its QR code;
//	                 a POST, so the key stays out of URLs and logs (pbft.templ)
//	GET /docs/lessons.md  the lessons guide (Config.LessonsGuides), as text;
//	                 /docs/lessons.zh-CN.md in Chinese
//	GET /bench       the mining benchmark, run in the visitor's browser
//	GET /sim         chain/sim's curves beside the papers', run in the
//	                 visitor's browser (sim.wasm in a Worker)
//
// Pages are in the request's language (lang.go).
//
//	GET /static/…    assets (web/static and Config.Assets) under their
//	                 content-hashed names, cached for good, and under their
//	                 own, revalidated; brotli or gzip when accepted (asset.go)
//
// Pages are compressed too, and never cached.
func NewHandler(cfg Config) (http.Handler, error) {
	if cfg.RoomConfig == nil {
		return nil, errors.New("web: Config.RoomConfig is required")
	}
	if cfg.RoomURL == nil {
		cfg.RoomURL = requestRoomURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	man, err := manifestFor(cfg.Logger, StaticFS, cfg.Assets)
	if err != nil {
		return nil, err
	}
	langs, err := Languages()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	page := func(c templ.Component) http.Handler { return compressPage(templ.Handler(c)) }
	mux.Handle("GET /{$}", page(Page("page.title.lobby", nil, Lobby(cfg.Presets))))
	mux.HandleFunc("GET /join", func(w http.ResponseWriter, r *http.Request) {
		room := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("room")))
		if !ValidRoom(room) {
			http.Error(w, badRoomName, http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, "/r/"+room, http.StatusSeeOther)
	})
	// roomPage serves a page of a room: the room's name checked and its
	// config read, then show's component.
	roomPage := func(show func(r *http.Request, room, conf string) (*http.Request, templ.Component)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			room := r.PathValue("room")
			if !ValidRoom(room) {
				http.Error(w, badRoomName, http.StatusBadRequest)
				return
			}
			conf, err := cfg.RoomConfig(r.Context(), room)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r, c := show(r, room, string(conf))
			page(c).ServeHTTP(w, r)
		}
	}
	mux.HandleFunc("GET /r/{room}", roomPage(func(r *http.Request, room, conf string) (*http.Request, templ.Component) {
		return r, PageWithHead("page.title.room", map[string]any{"room": room}, RoomBoot(conf), Room(room, conf))
	}))
	mux.HandleFunc("GET /r/{room}/board", roomPage(func(r *http.Request, room, conf string) (*http.Request, templ.Component) {
		if cfg.BoardLanguage != nil {
			if tag := cfg.BoardLanguage(room); tag != "" {
				r = FixLanguage(r, tag)
			}
		}
		return r, Page("page.title.board", map[string]any{"room": room}, Board(room, conf, lessonsHref(r.Context(), cfg.LessonsGuides)))
	}))
	for tag, guide := range cfg.LessonsGuides {
		mux.HandleFunc("GET "+lessonsPath(tag), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(guide)
		})
	}
	mux.HandleFunc("GET /r/{room}/qr.svg", func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if !ValidRoom(room) {
			http.Error(w, badRoomName, http.StatusBadRequest)
			return
		}
		svg, err := qrSVG(cfg.RoomURL(r, room))
		if err != nil {
			http.Error(w, "could not draw the QR code", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(svg)
	})
	mux.HandleFunc("POST /r/{room}/link", func(w http.ResponseWriter, r *http.Request) {
		serveLink(w, r, cfg.RoomURL)
	})
	mux.Handle("GET /bench", page(Page("page.title.bench", nil, Bench())))
	mux.Handle("GET /sim", page(Page("page.title.sim", nil, Sim())))
	mux.Handle("GET /static/", http.StripPrefix("/static", http.HandlerFunc(man.serveHTTP)))
	return withManifest(man, withLanguage(langs, mux)), nil
}

// compressPage serves next's page compressed (brotli, else gzip, when
// the browser takes it), marked never to be cached: a page names the
// assets of the moment.
func compressPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &pageRecorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		h := w.Header()
		for k, v := range rec.header {
			h[k] = v
		}
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding, Accept-Language, Cookie") // the page's language comes from the last two
		body := rec.body.Bytes()
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		var b bytes.Buffer
		switch {
		case accepts(r, "br"):
			zw := brotli.NewWriterLevel(&b, 5)
			zw.Write(body)
			zw.Close()
			h.Set("Content-Encoding", "br")
			body = b.Bytes()
		case accepts(r, "gzip"):
			zw, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
			zw.Write(body)
			zw.Close()
			h.Set("Content-Encoding", "gzip")
			body = b.Bytes()
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	})
}

// pageRecorder keeps a page as it is written.
type pageRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (p *pageRecorder) Header() http.Header         { return p.header }
func (p *pageRecorder) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *pageRecorder) WriteHeader(status int)      { p.status = status }

// lessonsPath is where the lessons guide in tag is served.
func lessonsPath(tag string) string {
	if tag == "en" {
		return "/docs/lessons.md"
	}
	return "/docs/lessons." + tag + ".md"
}

// lessonsHref is the lessons guide of guides in the page's language,
// else English.
func lessonsHref(ctx context.Context, guides map[string][]byte) string {
	if _, ok := guides[pageLang(ctx)]; ok {
		return lessonsPath(pageLang(ctx))
	}
	return lessonsPath("en")
}
