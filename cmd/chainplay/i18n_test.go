//go:build !js

package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/web"
)

// codePrefixes are the key prefixes made from codes at run time
// (catalog.js: `rule.${code}`, `event.${kind}.${code}`, …): a key under
// one is used when a code needs it (codeKeys), when it names an event
// kind without a code, or when a source names it in full.
var codePrefixes = []string{"rule.", "event.", "reason.", "tamperError."}

// keySources reads the files that look keys up: the templ components and
// the Go of web and cmd/chainplay (tests left out), and the page's ES
// modules (wasm_exec.js left out).
func keySources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, pattern := range []string{"../../web/*.templ", "../../web/*.go", "../../web/i18n/*.go", "*.go"} {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			out[f] = string(b)
		}
	}
	ents, err := fs.ReadDir(web.StaticFS, ".")
	require.NoError(t, err)
	for _, e := range ents {
		if filepath.Ext(e.Name()) != ".js" || e.Name() == "wasm_exec.js" {
			continue
		}
		b, err := fs.ReadFile(web.StaticFS, e.Name())
		require.NoError(t, err)
		out["web/static/"+e.Name()] = string(b)
	}
	require.Greater(t, len(out), 20)
	return out
}

var (
	// templateRE finds the text before a template literal's first ${.
	templateRE = regexp.MustCompile("`([A-Za-z0-9._-]+)\\$\\{")
	// concatRE finds a prefix a key is built from: "preset." + id.
	concatRE = regexp.MustCompile(`"([A-Za-z0-9._-]+\.)"\s*\+`)
)

// TestCatalogKeysAreUsed: every key of i18n-en.json (and so, by
// TestCatalogsComplete, of every language) is named by a template, the Go
// or a module — in full, or under a prefix a source builds keys from
// (`miner.state.${state}`, "preset." + id) — or is a code's. A key nobody
// uses fails here, with the list.
func TestCatalogKeysAreUsed(t *testing.T) {
	b := languages(t)
	sources := keySources(t)
	named := func(key string) bool {
		for _, src := range sources {
			for _, q := range []string{`"`, `'`, "`"} {
				if strings.Contains(src, q+key+q) {
					return true
				}
			}
		}
		return false
	}
	prefixes := map[string]bool{}
	for _, src := range sources {
		for _, re := range []*regexp.Regexp{templateRE, concatRE} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				prefixes[m[1]] = true
			}
		}
	}
	codes := map[string]bool{}
	for _, k := range codeKeys() {
		codes[k] = true
	}
	for _, k := range node.EventKinds() {
		codes["event."+string(k)] = true // an event of the kind without a code
	}
	isCodePrefix := func(p string) bool {
		for _, c := range codePrefixes {
			if strings.HasPrefix(p, c) {
				return true
			}
		}
		return false
	}
	var unused []string
	for _, key := range b.Default().Keys() {
		if codes[key] || named(key) {
			continue
		}
		used := false
		for p := range prefixes {
			if strings.HasPrefix(key, p) && !isCodePrefix(p) {
				used = true
				break
			}
		}
		if !used {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	require.Empty(t, unused, "keys of %s that no template, Go or module uses (remove them from every i18n-*.json)", b.Default().File)
}
