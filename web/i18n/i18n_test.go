package i18n_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/web"
	"github.com/chainplay/chainplay/web/i18n"
)

// TestCatalogsComplete is the check `make test` runs on the real
// catalogs: every language has every key of English, no other key, and
// the same placeholders in each message. Its failure lists what to fix,
// file by file.
func TestCatalogsComplete(t *testing.T) {
	b, err := web.Languages()
	require.NoError(t, err)
	var list []string
	for _, p := range b.Check() {
		list = append(list, p.String())
	}
	require.Empty(t, list, "the catalogs differ from i18n-en.json:\n%s", strings.Join(list, "\n"))
	var tags []string
	for _, c := range b.Languages() {
		tags = append(tags, c.Tag)
	}
	require.Equal(t, []string{"en", "zh-CN", "en-XA"}, tags)
	require.Equal(t, "简体中文", b.Catalog("zh-CN").Name)
}

func bundle(t *testing.T, files map[string]string) *i18n.Bundle {
	t.Helper()
	fsys := fstest.MapFS{}
	for n, s := range files {
		fsys[n] = &fstest.MapFile{Data: []byte(s)}
	}
	b, err := i18n.Load(fsys)
	require.NoError(t, err)
	return b
}

// TestCheckFindsProblems: a missing key, an extra key and a placeholder
// that differs are each reported.
func TestCheckFindsProblems(t *testing.T) {
	b := bundle(t, map[string]string{
		"i18n-en.json":    `{"a": "A {n, number}", "b": "B", "c": "{x} and {y}"}`,
		"i18n-zh-CN.json": `{"a": "甲 {m, number}", "c": "{y} 和 {x}", "d": "丁"}`,
	})
	var got []string
	for _, p := range b.Check() {
		got = append(got, p.Kind+" "+p.Key)
	}
	require.Equal(t, []string{"placeholders a", "missing b", "extra d"}, got)
	require.Contains(t, b.Check()[0].String(), "{m}")
}

// TestLoadRefuses: a message that does not parse, a file that is not
// JSON, and a bundle without English are errors.
func TestLoadRefuses(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"unclosed":   {"i18n-en.json": `{"a": "A {n"}`},
		"no other":   {"i18n-en.json": `{"a": "{n, plural, one {x}}"}`},
		"bad type":   {"i18n-en.json": `{"a": "{n, money}"}`},
		"stray }":    {"i18n-en.json": `{"a": "a } b"}`},
		"not json":   {"i18n-en.json": `{"a": 1}`},
		"no english": {"i18n-fr.json": `{"a": "A"}`},
		"bad tag":    {"i18n-en.json": `{}`, "i18n-x!.json": `{}`},
	} {
		fsys := fstest.MapFS{}
		for n, s := range files {
			fsys[n] = &fstest.MapFile{Data: []byte(s)}
		}
		_, err := i18n.Load(fsys)
		require.Error(t, err, name)
	}
}

// TestText formats numbers, plurals (=N first, then the language's
// category), selects, hashes and the fallback to English.
func TestText(t *testing.T) {
	b := bundle(t, map[string]string{
		"i18n-en.json": `{
			"n": "{count, plural, =0 {no blocks} one {# block} other {# blocks}} at #{height, number}",
			"s": "{kind, select, main {best} other {stale}}",
			"h": "{hash, hash} {addr, addr}",
			"only": "English only",
			"bare": "{v} {w}"}`,
		"i18n-zh-CN.json": `{"n": "{count, plural, =0 {没有区块} other {# 个区块}}，位于 #{height, number}", "s": "{kind, select, main {主链} other {孤块}}",
			"h": "{hash, hash} {addr, addr}", "bare": "{v} {w}"}`,
	})
	en, zh := b.Catalog("en"), b.Catalog("zh-CN")
	require.Equal(t, "no blocks at #1,200", en.Text("n", i18n.Args{"count": 0, "height": 1200}))
	require.Equal(t, "1 block at #3", en.Text("n", i18n.Args{"count": 1, "height": 3}))
	require.Equal(t, "12,345 blocks at #3", en.Text("n", i18n.Args{"count": 12345, "height": uint64(3)}))
	require.Equal(t, "1 个区块，位于 #3", zh.Text("n", i18n.Args{"count": 1, "height": 3}))
	require.Equal(t, "best", en.Text("s", i18n.Args{"kind": "main"}))
	require.Equal(t, "孤块", zh.Text("s", i18n.Args{"kind": "stale"}))
	h := strings.Repeat("ab", 32)
	require.Equal(t, "abababababab… abababab…", zh.Text("h", i18n.Args{"hash": h, "addr": h[:40]}))
	require.Equal(t, "English only", zh.Text("only", nil), "a key the language lacks is English")
	require.Equal(t, "nope", zh.Text("nope", nil), "a key nobody has shows itself")
	require.Equal(t, "1,000 text", en.Text("bare", i18n.Args{"v": 1000, "w": "text"}))
	require.Equal(t, "1000 text", en.Text("bare", i18n.Args{"v": "1000", "w": "text"}), "a string is put in as it is")
}

// TestPseudo: the pseudo-locale is English accented and at least 40 %
// longer, with the arguments left alone.
func TestPseudo(t *testing.T) {
	b, err := web.Languages()
	require.NoError(t, err)
	en, xa := b.Catalog("en"), b.Catalog(i18n.Pseudo)
	require.NotNil(t, xa)
	for _, k := range en.Keys() {
		src, _ := en.Source(k)
		if !strings.ContainsAny(src, "{}") && strings.TrimSpace(src) != "" && k != "lang.name" {
			e, x := en.Text(k, nil), xa.Text(k, nil)
			require.GreaterOrEqual(t, utf8.RuneCountInString(x), utf8.RuneCountInString(e)*14/10, "%s: %q → %q", k, e, x)
			require.NotEqual(t, e, x, k)
		}
	}
	require.Equal(t, "Šýñçíñĝ 1,200 / 10,000 ƀľöçķš… ļöñĝéŕ ŵ", // the same as catalog.js (TestCatalogInNode)
		xa.Text("event.sync.progress", i18n.Args{"count": 1200, "total": 10000}))
}

// TestMatch: ?lang= first (the pseudo-locale only there), then the
// cookie, then Accept-Language (zh-TW and zh-Hans-SG read zh-CN), then
// English.
func TestMatch(t *testing.T) {
	b, err := web.Languages()
	require.NoError(t, err)
	get := func(target, cookie, accept string) string {
		r := httptest.NewRequest("GET", target, nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: i18n.Cookie, Value: cookie})
		}
		if accept != "" {
			r.Header.Set("Accept-Language", accept)
		}
		return b.Match(r).Tag
	}
	require.Equal(t, "en", get("/", "", ""))
	require.Equal(t, "zh-CN", get("/", "", "zh-CN,zh;q=0.9,en;q=0.8"))
	require.Equal(t, "zh-CN", get("/", "", "zh"))
	require.Equal(t, "zh-CN", get("/", "", "zh-Hans-SG"))
	require.Equal(t, "en", get("/", "", "fr-FR,de;q=0.5"))
	require.Equal(t, "en", get("/", "", "en-GB,zh;q=0.1"))
	require.Equal(t, "en", get("/", "", "garbage;;q=x"))
	require.Equal(t, "zh-CN", get("/", "zh-CN", "en"), "the picker's cookie wins over the browser")
	require.Equal(t, "en", get("/", "en-XA", "en"), "the pseudo-locale is never a cookie's")
	require.Equal(t, "en", get("/", "klingon", "en"))
	require.Equal(t, "en", get("/?lang=en", "zh-CN", "zh"))
	require.Equal(t, "en-XA", get("/?lang=en-xa", "", ""))
	require.Equal(t, "zh-CN", get("/?lang=nope", "", "zh"))
}

// TestPlaceholders lists a message's argument names, nested ones too.
func TestPlaceholders(t *testing.T) {
	got, err := i18n.Placeholders("{a} {n, plural, =0 {} other {# {b, hash}}} {k, select, x {{c}} other {}}")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b", "c", "k", "n"}, got)
	_, err = i18n.Placeholders("{a")
	var se *i18n.SyntaxError
	require.ErrorAs(t, err, &se)
}
