package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// The static assets are served under content-hashed names with long-lived
// caching, compressed with brotli (or gzip) when the browser accepts it:
//
//   - Every file of web/static and Config.Assets has a URL
//     /static/BASE.HASH.EXT, HASH the first 12 hex digits of the SHA-256
//     of what is served. Such a URL never changes its content, so it is
//     served with "Cache-Control: public, max-age=31536000, immutable":
//     a second visit downloads none of it. The plain name (/static/app.js)
//     is served too, with "no-cache" and an ETag.
//   - Text assets (.js, .css, .svg) name each other by URL: every
//     "/static/NAME" in them, and every ES-module specifier "./NAME", is
//     replaced by the hashed URL of NAME, so a change anywhere changes the
//     names of everything that loads it. (Hence the rule for the scripts:
//     another asset is named by its literal "/static/NAME" or, in an import,
//     "./NAME".)
//   - A compressed twin made at build time (`make wasm` writes NAME.br and
//     NAME.gz beside the wasm) is used when it decompresses to the file;
//     the other assets are compressed the first time they are asked for,
//     once per process.
//   - Templates get URLs from assetURL(ctx, name), which reads the
//     manifest the handler puts in the request's context.

// hashDigits is how many hex digits of the SHA-256 a hashed name carries.
const hashDigits = 12

// immutable is the Cache-Control of a hashed URL.
const immutable = "public, max-age=31536000, immutable"

// asset is one file as served.
type asset struct {
	name   string // as in the directory: app.js
	hashed string // app.3f2a9c1b7e0d.js
	body   []byte
	etag   string
	ctype  string
	fsys   fs.FS // where the compressed twins may be (NAME.br, NAME.gz)
}

// forms are an asset's compressed bodies (nil: none smaller), made once
// per process for each content: every handler of the process shares them.
type forms struct {
	once sync.Once
	br   []byte
	gz   []byte
}

var compressedForms sync.Map // name + etag → *forms

// manifest is every asset, by plain and by hashed name.
type manifest struct {
	byName   map[string]*asset
	byHashed map[string]*asset
	log      *slog.Logger
}

// url returns the URL of name, hashed when name is an asset.
func (m *manifest) url(name string) string {
	if m != nil {
		if a, ok := m.byName[name]; ok {
			return "/static/" + a.hashed
		}
	}
	return "/static/" + name
}

type manifestKey struct{}

// assetURL is the URL of the static asset name on the pages: its hashed
// one when the request came through the handler.
func assetURL(ctx context.Context, name string) string {
	m, _ := ctx.Value(manifestKey{}).(*manifest)
	return m.url(name)
}

// twinExt are the compressed twins' extensions; twins are not assets.
var twinExt = map[string]bool{".br": true, ".gz": true}

// refRE finds what a text asset names: "/static/NAME" anywhere, and
// "./NAME" as a quoted module specifier.
var refRE = regexp.MustCompile(`/static/([A-Za-z0-9_-][A-Za-z0-9_.-]*)|(["'])\./([A-Za-z0-9_-][A-Za-z0-9_.-]*)(["'])`)

// isText reports whether an asset's references are rewritten.
func isText(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".svg", ".html":
		return true
	}
	return false
}

// hashedName is name with hash before its extension.
func hashedName(name string, sum []byte) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum)[:hashDigits] + ext
}

// manifests caches the manifests of file systems that can be map keys
// (the embedded ones): every handler of a process shares one.
var manifests sync.Map // [2]fs.FS → *manifest

// manifestFor is buildManifest(log, static, extra), shared when it can be.
func manifestFor(log *slog.Logger, static, extra fs.FS) (*manifest, error) {
	comparable := func(f fs.FS) bool { return f == nil || reflect.TypeOf(f).Comparable() }
	if !comparable(static) || !comparable(extra) {
		return buildManifest(log, static, extra)
	}
	key := [2]fs.FS{static, extra}
	if m, ok := manifests.Load(key); ok {
		return m.(*manifest), nil
	}
	m, err := buildManifest(log, static, extra)
	if err != nil {
		return nil, err
	}
	v, loaded := manifests.LoadOrStore(key, m)
	if !loaded {
		go m.warm()
	}
	return v.(*manifest), nil
}

// warm makes every asset's compressed forms, once per process, so the
// first visitor of a new server does not wait for them (a text asset's
// best brotli takes tens of milliseconds, all of them about a second).
// It ends when they are made.
func (m *manifest) warm() {
	names := make([]string, 0, len(m.byName))
	for n := range m.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m.byName[n].compressed(m.log)
	}
}

// buildManifest reads every file of the file systems (the first that has
// a name wins) and names them by content.
func buildManifest(log *slog.Logger, fss ...fs.FS) (*manifest, error) {
	raw := map[string][]byte{}
	from := map[string]fs.FS{}
	for _, fsys := range fss {
		if fsys == nil {
			continue
		}
		ents, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("web: assets: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || twinExt[path.Ext(e.Name())] {
				continue
			}
			if _, ok := raw[e.Name()]; ok {
				continue
			}
			b, err := fs.ReadFile(fsys, e.Name())
			if err != nil {
				return nil, fmt.Errorf("web: assets: %w", err)
			}
			raw[e.Name()], from[e.Name()] = b, fsys
		}
	}
	m := &manifest{byName: map[string]*asset{}, byHashed: map[string]*asset{}, log: log}
	visiting := map[string]bool{}
	var resolve func(name string) (*asset, error)
	resolve = func(name string) (*asset, error) {
		if a, ok := m.byName[name]; ok {
			return a, nil
		}
		if visiting[name] {
			return nil, fmt.Errorf("web: assets: %s names itself through its references", name)
		}
		visiting[name] = true
		defer delete(visiting, name)
		body := raw[name]
		if isText(name) {
			var err error
			body = refRE.ReplaceAllFunc(body, func(ref []byte) []byte {
				sub := refRE.FindSubmatch(ref)
				target, prefix, suffix := string(sub[1]), "/static/", ""
				if len(sub[3]) > 0 {
					target, prefix, suffix = string(sub[3]), string(sub[2])+"./", string(sub[4])
				}
				if _, ok := raw[target]; !ok || target == name || err != nil {
					return ref
				}
				var a *asset
				if a, err = resolve(target); err != nil {
					return ref
				}
				return []byte(prefix + a.hashed + suffix)
			})
			if err != nil {
				return nil, err
			}
		}
		sum := sha256.Sum256(body)
		a := &asset{name: name, hashed: hashedName(name, sum[:]), body: body, etag: `"` + hex.EncodeToString(sum[:])[:hashDigits] + `"`,
			ctype: contentType(name), fsys: from[name]}
		m.byName[name], m.byHashed[a.hashed] = a, a
		return a, nil
	}
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := resolve(n); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// contentType is the Content-Type of an asset.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm"
	case ".js":
		return "text/javascript; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// compressed returns the brotli and gzip forms of a, made once: the
// build's twins when they decompress to a's bytes, else compressed here
// (a text asset was rewritten, so its twin, if any, can't match).
func (a *asset) compressed(log *slog.Logger) (br, gz []byte) {
	v, _ := compressedForms.LoadOrStore(a.name+a.etag, &forms{})
	f := v.(*forms)
	f.once.Do(func() {
		if a.fsys != nil && !isText(a.name) {
			f.br = twin(a, ".br", func(r io.Reader) io.Reader { return brotli.NewReader(r) }, log)
			f.gz = twin(a, ".gz", func(r io.Reader) io.Reader {
				zr, err := gzip.NewReader(r)
				if err != nil {
					return errReader{err}
				}
				return zr
			}, log)
		}
		// Without a build-time twin, a large file gets a quick brotli: the
		// best one takes a minute for node.wasm.
		quality := brotli.BestCompression
		if len(a.body) > 1<<20 {
			quality = 4
		}
		if f.br == nil {
			var b bytes.Buffer
			w := brotli.NewWriterOptions(&b, brotli.WriterOptions{Quality: quality, LGWin: 22})
			w.Write(a.body)
			w.Close()
			if b.Len() < len(a.body) {
				f.br = b.Bytes()
			}
		}
		if f.gz == nil {
			var b bytes.Buffer
			w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			w.Write(a.body)
			w.Close()
			if b.Len() < len(a.body) {
				f.gz = b.Bytes()
			}
		}
	})
	return f.br, f.gz
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// twin reads NAME+ext beside a and returns it if it decompresses (with
// open) to a's bytes; a stale twin (the wasm was rebuilt without it) is
// logged and left out.
func twin(a *asset, ext string, open func(io.Reader) io.Reader, log *slog.Logger) []byte {
	data, err := fs.ReadFile(a.fsys, a.name+ext)
	if err != nil {
		return nil
	}
	plain, err := io.ReadAll(open(bytes.NewReader(data)))
	if err != nil || !bytes.Equal(plain, a.body) {
		log.Warn("web: ignoring a stale compressed twin: run make wasm", "file", a.name+ext)
		return nil
	}
	return data
}

// accepts reports whether the request's Accept-Encoding lists enc.
func accepts(r *http.Request, enc string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// serveHTTP serves /static/NAME (the prefix stripped).
func (m *manifest) serveHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	a, hashed := m.byHashed[name]
	if !hashed {
		a = m.byName[name]
	}
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if hashed {
		h.Set("Cache-Control", immutable)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", a.etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if wantBr, wantGz := accepts(r, "br"), accepts(r, "gzip"); wantBr || wantGz {
		br, gz := a.compressed(m.log)
		switch {
		case br != nil && wantBr:
			h.Set("Content-Encoding", "br")
			body = br
		case gz != nil && wantGz:
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// withManifest puts m in the request's context, for assetURL.
func withManifest(m *manifest, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), manifestKey{}, m)))
	})
}
