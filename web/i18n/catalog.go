// Package i18n holds Chainplay's words in every language: the message
// catalogs web/static/i18n-LANG.json, one file per language (a flat JSON
// object, key → message), read by the server for the server-rendered
// pages and by the browser (web/static/catalog.js) for everything the ES
// modules draw. It parses the messages (the format of msgformat.js),
// formats them with the language's numbers and plural rules
// (golang.org/x/text), picks a request's language (Match) and checks the
// catalogs against each other (Check).
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Default is the language every catalog is checked against and the
// fallback for a key a language lacks.
const Default = "en"

// Pseudo is the pseudo-locale: English with every letter accented and
// every text 40 % longer, made at load time, for layout tests
// (?lang=en-XA). It is never chosen from a browser's languages.
const Pseudo = "en-XA"

// FilePrefix and FileExt name a catalog file: i18n-zh-CN.json.
const (
	FilePrefix = "i18n-"
	FileExt    = ".json"
)

// Catalog is one language's messages.
type Catalog struct {
	Tag  string // the BCP 47 tag, as in the file name: "zh-CN"
	Name string // the language's own name ("lang.name"): "简体中文"
	File string // the file's name in the catalogs' directory

	tag      language.Tag
	src      map[string]string
	msgs     map[string][]part
	fallback *Catalog
	printer  *message.Printer
}

// Bundle is every language's catalog.
type Bundle struct {
	catalogs map[string]*Catalog
	tags     []string // Default first, then by tag; Pseudo last
	matcher  language.Matcher
}

// Load reads every i18n-*.json at the top of fsys. The default language's
// file is required; every message must parse. The pseudo-locale is made
// from the default language.
func Load(fsys fs.FS) (*Bundle, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	b := &Bundle{catalogs: map[string]*Catalog{}}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, FilePrefix) || path.Ext(name) != FileExt {
			continue
		}
		tag := strings.TrimSuffix(strings.TrimPrefix(name, FilePrefix), FileExt)
		lt, err := language.Parse(tag)
		if err != nil || tag == Pseudo {
			return nil, fmt.Errorf("i18n: %s: %q is not a language tag this bundle can use", name, tag)
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		src := map[string]string{}
		if err := json.Unmarshal(raw, &src); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		c, err := newCatalog(tag, lt, name, src)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		b.catalogs[tag] = c
	}
	def := b.catalogs[Default]
	if def == nil {
		return nil, fmt.Errorf("i18n: no %s%s%s", FilePrefix, Default, FileExt)
	}
	for _, c := range b.catalogs {
		if c != def {
			c.fallback = def
		}
	}
	pseudo := map[string]string{}
	for k, v := range def.src {
		pseudo[k] = pseudoMessage(v)
	}
	pseudo["lang.name"] = "Ƥšéüđö"
	pc, err := newCatalog(Pseudo, language.English, def.File, pseudo)
	if err != nil {
		return nil, fmt.Errorf("i18n: the pseudo-locale: %w", err)
	}
	pc.fallback = def

	for t := range b.catalogs {
		if t != Default {
			b.tags = append(b.tags, t)
		}
	}
	sort.Strings(b.tags)
	b.tags = append([]string{Default}, b.tags...)
	tags := make([]language.Tag, len(b.tags))
	for i, t := range b.tags {
		tags[i] = b.catalogs[t].tag
	}
	b.matcher = language.NewMatcher(tags)
	b.catalogs[Pseudo] = pc
	b.tags = append(b.tags, Pseudo)
	return b, nil
}

func newCatalog(tag string, lt language.Tag, file string, src map[string]string) (*Catalog, error) {
	c := &Catalog{Tag: tag, File: file, tag: lt, src: src, msgs: map[string][]part{}, printer: message.NewPrinter(lt)}
	for k, v := range src {
		parts, err := parse(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		c.msgs[k] = parts
	}
	c.Name = src["lang.name"]
	if c.Name == "" {
		c.Name = tag
	}
	return c, nil
}

// Languages returns the catalogs: the default language first, then by
// tag, the pseudo-locale last.
func (b *Bundle) Languages() []*Catalog {
	out := make([]*Catalog, len(b.tags))
	for i, t := range b.tags {
		out[i] = b.catalogs[t]
	}
	return out
}

// Catalog returns tag's catalog, or nil.
func (b *Bundle) Catalog(tag string) *Catalog { return b.catalogs[tag] }

// Default returns the default language's catalog.
func (b *Bundle) Default() *Catalog { return b.catalogs[Default] }

// Has reports whether key has a message (in c or the default language).
func (c *Catalog) Has(key string) bool {
	if _, ok := c.msgs[key]; ok {
		return true
	}
	return c.fallback != nil && c.fallback.Has(key)
}

// Source returns key's message as written in c's file, and whether c has it.
func (c *Catalog) Source(key string) (string, bool) {
	s, ok := c.src[key]
	return s, ok
}

// Keys returns c's keys, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.src))
	for k := range c.src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Text returns key's words in c with args; the default language's when c
// lacks the key, and the key itself when no catalog has it (so a missing
// entry shows).
func (c *Catalog) Text(key string, args Args) string {
	parts, ok := c.msgs[key]
	if !ok {
		if c.fallback != nil {
			return c.fallback.Text(key, args)
		}
		return key
	}
	var b strings.Builder
	c.format(parts, args, nil, &b)
	return b.String()
}

// number formats a number (or a decimal string) the language's way.
func (c *Catalog) number(v any) string {
	if s, ok := v.(string); ok {
		if _, isNum := toFloat(s); !isNum {
			return s
		}
	}
	f, ok := toFloat(v)
	if !ok {
		return toString(v)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return c.printer.Sprint(number.Decimal(int64(f)))
	}
	return c.printer.Sprint(number.Decimal(f, number.MaxFractionDigits(3)))
}

// pluralCategory names n's plural form in c's language (CLDR's rules).
func (c *Catalog) pluralCategory(n float64) string {
	i := int(math.Abs(n))
	var form plural.Form
	if float64(i) == math.Abs(n) {
		form = plural.Cardinal.MatchPlural(c.tag, i, 0, 0, 0, 0)
	} else {
		form = plural.Other
	}
	switch form {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// timeValue formats unix milliseconds (time, clock) or milliseconds as
// seconds (secs). The server's pages show none now; this is the plain
// form, in UTC.
func (c *Catalog) timeValue(typ string, v any) string {
	f, ok := toFloat(v)
	if !ok {
		return toString(v)
	}
	switch typ {
	case "secs":
		return c.printer.Sprint(number.Decimal(f/1000, number.MaxFractionDigits(1))) + "s"
	case "clock":
		return time.UnixMilli(int64(f)).UTC().Format("15:04:05")
	}
	return time.UnixMilli(int64(f)).UTC().Format("2006-01-02 15:04:05.000")
}
