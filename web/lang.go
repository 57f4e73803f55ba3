package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/chainplay/chainplay/web/i18n"
)

// Languages returns the message catalogs of web/static (i18n-LANG.json),
// loaded once.
var Languages = sync.OnceValues(func() (*i18n.Bundle, error) { return i18n.Load(StaticFS) })

// withLanguage puts the request's catalog (i18n.Bundle.Match) in its
// context for the templates, and says which it is.
func withLanguage(b *i18n.Bundle, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := b.Match(r)
		w.Header().Set("Content-Language", c.Tag)
		next.ServeHTTP(w, r.WithContext(i18n.WithCatalog(r.Context(), c)))
	})
}

// FixLanguage returns r with its page's language fixed to tag (a tag of
// Languages): the hook for a page that must show one language whatever
// the reader picked, such as a room's board in the language the teacher
// set. The picker is shown disabled and catalog.js keeps tag. An unknown
// tag leaves r as it is.
func FixLanguage(r *http.Request, tag string) *http.Request {
	b, err := Languages()
	if err != nil {
		return r
	}
	c := b.Catalog(tag)
	if c == nil {
		return r
	}
	return r.WithContext(i18n.WithFixed(r.Context(), c))
}

// catalog is the page's catalog: the request's, else the default one.
func catalog(ctx context.Context) *i18n.Catalog {
	if c, _ := i18n.FromContext(ctx); c != nil {
		return c
	}
	b, err := Languages()
	if err != nil {
		return nil
	}
	return b.Default()
}

// msg is key's words in the page's language.
func msg(ctx context.Context, key string) string { return msgArgs(ctx, key, nil) }

// msgArgs is key's words in the page's language, with args.
func msgArgs(ctx context.Context, key string, args map[string]any) string {
	c := catalog(ctx)
	if c == nil {
		return key
	}
	return c.Text(key, args)
}

// pageLang is the page's language tag, for <html lang>.
func pageLang(ctx context.Context) string {
	if c := catalog(ctx); c != nil {
		return c.Tag
	}
	return i18n.Default
}

// langFixed is the tag of a language the page fixes, or "".
func langFixed(ctx context.Context) string {
	if c, fixed := i18n.FromContext(ctx); fixed {
		return c.Tag
	}
	return ""
}

func langPickerTitle(ctx context.Context) string {
	if langFixed(ctx) != "" {
		return msg(ctx, "lang.fixed")
	}
	return msg(ctx, "lang.label")
}

// pickerLanguages are the picker's choices: every language, and the
// pseudo-locale only when it is the page's.
func pickerLanguages(ctx context.Context) []*i18n.Catalog {
	b, err := Languages()
	if err != nil {
		return nil
	}
	var out []*i18n.Catalog
	for _, c := range b.Languages() {
		if c.Tag != i18n.Pseudo || pageLang(ctx) == i18n.Pseudo {
			out = append(out, c)
		}
	}
	return out
}

// langsJSON is <html data-langs>: tag → {name, src} for every language
// (not the pseudo-locale: catalog.js makes it from English).
func langsJSON(ctx context.Context) string {
	b, err := Languages()
	if err != nil {
		return "{}"
	}
	type lang struct {
		Name string `json:"name"`
		Src  string `json:"src"`
	}
	m := map[string]lang{}
	for _, c := range b.Languages() {
		if c.Tag != i18n.Pseudo {
			m[c.Tag] = lang{c.Name, assetURL(ctx, c.File)}
		}
	}
	raw, _ := json.Marshal(m)
	return string(raw)
}

// langPreloads are the catalog files the page's script fetches first:
// English (the fallback) and the page's language.
func langPreloads(ctx context.Context) []string {
	b, err := Languages()
	if err != nil {
		return nil
	}
	out := []string{assetURL(ctx, b.Default().File)}
	if c := catalog(ctx); c != nil && c.File != b.Default().File {
		out = append(out, assetURL(ctx, c.File))
	}
	return out
}
