package i18n

import (
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing Check found wrong with a language's catalog.
type Problem struct {
	Lang string // the catalog's tag
	Key  string
	Kind string // "missing", "extra" or "placeholders"
	// Have and Want are the placeholders of a "placeholders" problem:
	// the language's and the default language's.
	Have, Want []string
}

func (p Problem) String() string {
	switch p.Kind {
	case "missing":
		return fmt.Sprintf("%s%s%s lacks %q", FilePrefix, p.Lang, FileExt, p.Key)
	case "extra":
		return fmt.Sprintf("%s%s%s has %q, which %s%s%s lacks", FilePrefix, p.Lang, FileExt, p.Key, FilePrefix, Default, FileExt)
	}
	return fmt.Sprintf("%s%s%s: %q has the placeholders {%s}, and %s has {%s}", FilePrefix, p.Lang, FileExt, p.Key,
		strings.Join(p.Have, "} {"), Default, strings.Join(p.Want, "} {"))
}

// Check compares every language's catalog with the default language's:
// each must have every key, no other key, and the same placeholders in
// each message (plural and select arguments included). The problems are
// sorted by language and key.
func (b *Bundle) Check() []Problem {
	def := b.Default()
	var out []Problem
	for _, c := range b.Languages() {
		if c == def || c.Tag == Pseudo {
			continue
		}
		for _, k := range def.Keys() {
			src, ok := c.src[k]
			if !ok {
				out = append(out, Problem{Lang: c.Tag, Key: k, Kind: "missing"})
				continue
			}
			have, _ := Placeholders(src)
			want, _ := Placeholders(def.src[k])
			if !slices.Equal(have, want) {
				out = append(out, Problem{Lang: c.Tag, Key: k, Kind: "placeholders", Have: have, Want: want})
			}
		}
		for _, k := range c.Keys() {
			if _, ok := def.src[k]; !ok {
				out = append(out, Problem{Lang: c.Tag, Key: k, Kind: "extra"})
			}
		}
	}
	return out
}
