package i18n

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Cookie is the cookie the language picker sets (web/static/catalog.js):
// the reader's choice, a tag of Languages.
const Cookie = "chainplay-lang"

// Query is the query parameter that picks a page's language for one
// request (links, tests, the pseudo-locale): ?lang=zh-CN.
const Query = "lang"

// Match returns the catalog for a request: the ?lang= parameter, else
// the picker's cookie, else the best of the Accept-Language header
// (golang.org/x/text/language's matcher: "zh-Hans-SG" and "zh" are zh-CN),
// else the default language. The pseudo-locale comes only from ?lang=.
func (b *Bundle) Match(r *http.Request) *Catalog {
	if q := r.URL.Query().Get(Query); q != "" {
		if c := b.exact(q, true); c != nil {
			return c
		}
	}
	if ck, err := r.Cookie(Cookie); err == nil {
		if c := b.exact(ck.Value, false); c != nil {
			return c
		}
	}
	return b.MatchAccept(r.Header.Get("Accept-Language"))
}

// MatchAccept returns the catalog that best fits an Accept-Language
// header, the default language when none does.
func (b *Bundle) MatchAccept(header string) *Catalog {
	if header == "" {
		return b.Default()
	}
	prefs, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(prefs) == 0 {
		return b.Default()
	}
	_, i, conf := b.matcher.Match(prefs...)
	if conf == language.No {
		return b.Default()
	}
	return b.catalogs[b.tags[i]]
}

// exact returns the catalog whose tag is tag (any case), or nil.
func (b *Bundle) exact(tag string, pseudo bool) *Catalog {
	for _, t := range b.tags {
		if (t != Pseudo || pseudo) && strings.EqualFold(t, tag) {
			return b.catalogs[t]
		}
	}
	return nil
}

type ctxKey struct{}

// page is what a request's context carries.
type page struct {
	c     *Catalog
	fixed bool
}

// WithCatalog returns ctx carrying c as the page's language.
func WithCatalog(ctx context.Context, c *Catalog) context.Context {
	return context.WithValue(ctx, ctxKey{}, page{c: c})
}

// WithFixed returns ctx carrying c as a language the page fixes: the
// picker is shown disabled and the browser does not replace it with the
// reader's choice (a board in the room's language).
func WithFixed(ctx context.Context, c *Catalog) context.Context {
	return context.WithValue(ctx, ctxKey{}, page{c: c, fixed: true})
}

// FromContext returns the page's catalog and whether it is fixed; nil
// when ctx carries none.
func FromContext(ctx context.Context) (*Catalog, bool) {
	p, _ := ctx.Value(ctxKey{}).(page)
	return p.c, p.fixed
}
