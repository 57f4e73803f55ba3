package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/require"
)

// A page is rendered in the request's language: <html lang>, the words,
// the title, Content-Language and a Vary that names what chose it; the
// picker lists every language by its own name (the pseudo-locale only
// when it is the page's) and <html data-langs> gives catalog.js the
// hashed URL of each catalog file.
func TestPagesAreInTheRequestsLanguage(t *testing.T) {
	h := newTestHandler(t)
	req := httptest.NewRequest("GET", "/r/class", nil)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	require.Equal(t, "zh-CN", rec.Header().Get("Content-Language"))
	require.Contains(t, rec.Header().Get("Vary"), "Accept-Language")
	require.Contains(t, rec.Header().Get("Vary"), "Cookie")
	require.Contains(t, body, `<html lang="zh-CN"`)
	require.Contains(t, body, `<title>房间 class · Chainplay</title>`)
	require.Contains(t, body, `data-msg="chain.title">区块链<`)
	require.Contains(t, body, `placeholder="在链上说点什么"`)
	require.Contains(t, body, `<option value="en" lang="en">English</option>`)
	require.Contains(t, body, `<option value="zh-CN" lang="zh-CN" selected>简体中文</option>`)
	require.NotContains(t, body, `value="en-XA"`)
	i := strings.Index(body, `data-langs="`)
	require.Greater(t, i, 0)
	raw := body[i+len(`data-langs="`):]
	raw = strings.ReplaceAll(raw[:strings.IndexByte(raw, '"')], "&#34;", `"`)
	var langs map[string]struct{ Name, Src string }
	require.NoError(t, json.Unmarshal([]byte(raw), &langs), raw)
	require.Equal(t, "简体中文", langs["zh-CN"].Name)
	require.Regexp(t, `^/static/i18n-zh-CN\.[0-9a-f]{12}\.json$`, langs["zh-CN"].Src)
	code, file, _ := get(t, h, langs["zh-CN"].Src)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, file, `"chain.title": "区块链"`)
	require.Contains(t, body, `rel="preload" href="`+langs["zh-CN"].Src+`"`)

	_, body, hdr := get(t, h, "/?lang=en-XA")
	require.Equal(t, "en-XA", hdr.Get("Content-Language"))
	require.Contains(t, body, `value="en-XA"`)
	require.Contains(t, body, `Ĵöíñ`)

	_, body, hdr = get(t, h, "/bench")
	require.Equal(t, "en", hdr.Get("Content-Language"))
	require.Contains(t, body, `<html lang="en"`)
	require.Contains(t, body, `data-msg="bench.title">Mining benchmark<`)
}

// FixLanguage (the board's hook) renders the page in that language
// whatever the request asked, marks it fixed for catalog.js and disables
// the picker.
func TestFixLanguage(t *testing.T) {
	page := templ.Handler(Page("page.title.lobby", nil, templ.NopComponent))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { page.ServeHTTP(w, FixLanguage(r, "zh-CN")) })
	req := httptest.NewRequest("GET", "/board", nil)
	req.Header.Set("Accept-Language", "en")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	require.Contains(t, string(body), `lang="zh-CN"`)
	require.Contains(t, string(body), `data-lang-fixed="zh-CN"`)
	require.Regexp(t, `<select id="lang-picker"[^>]* disabled`, string(body))
	require.Contains(t, string(body), `title="老师设定了这个房间的语言。"`)
	require.Same(t, req, FixLanguage(req, "tlh"), "an unknown language leaves the request alone")
}

// The lessons guide comes in each language it is written in, and the
// board links to the one of its page's language (English when there is
// none in that language).
func TestLessonsGuideInTheBoardsLanguage(t *testing.T) {
	h, err := NewHandler(Config{
		RoomConfig:    func(_ context.Context, room string) ([]byte, error) { return []byte(`{"room":"` + room + `"}`), nil },
		LessonsGuides: map[string][]byte{"en": []byte("# Lessons"), "zh-CN": []byte("# 课程")},
	})
	require.NoError(t, err)
	board := func(lang string) string {
		req := httptest.NewRequest("GET", "/r/class/board", nil)
		req.Header.Set("Accept-Language", lang)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	require.Contains(t, board("zh-CN"), `href="/docs/lessons.zh-CN.md"`)
	require.Contains(t, board("en"), `href="/docs/lessons.md"`)
	require.Contains(t, board("en-XA"), `href="/docs/lessons.md"`, "a language without a guide links the English one")
	for path, want := range map[string]string{"/docs/lessons.md": "# Lessons", "/docs/lessons.zh-CN.md": "# 课程"} {
		code, body, _ := get(t, h, path)
		require.Equal(t, http.StatusOK, code, path)
		require.Equal(t, want, body, path)
	}
	code, _, _ := get(t, h, "/docs/lessons.fr.md")
	require.Equal(t, http.StatusNotFound, code)
}
