package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scriptRE is a <script …>…</script> element of a page.
var scriptRE = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)

// TestRoomBootScriptIsInline: the room page carries tabproto.js and
// boot.js in its <head>, as one inline script whose hash is
// BootScriptSource (what the server's policy allows), with the room's
// config and the node Worker's hashed URL as data- attributes; they are
// not fetched by URL, and the page has no other inline script.
func TestRoomBootScriptIsInline(t *testing.T) {
	code, body, _ := get(t, newTestHandler(t), "/r/class")
	require.Equal(t, http.StatusOK, code)
	head := body[:strings.Index(body, "</head>")]
	var inline []string
	for _, m := range scriptRE.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "src=") {
			inline = append(inline, m[0])
		}
	}
	require.Len(t, inline, 1, "one inline script")
	m := scriptRE.FindStringSubmatch(inline[0])
	require.Contains(t, head, inline[0], "in <head>")
	text := m[2]
	require.Contains(t, text, "globalThis.ChainplayTab = Object.freeze(", "tabproto.js")
	require.Contains(t, text, "globalThis.__chainplayBoot", "boot.js")
	require.Less(t, strings.Index(text, "ChainplayTab = "), strings.Index(text, "__chainplayBoot"), "tabproto.js first")

	sum := sha256.Sum256([]byte(text))
	src, err := BootScriptSource()
	require.NoError(t, err)
	require.Equal(t, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", src, "the policy's hash is the page's script")

	attrs := m[1]
	cfg := regexp.MustCompile(`data-config="([^"]*)"`).FindStringSubmatch(attrs)
	require.NotNil(t, cfg)
	require.Equal(t, `{"room":"class","epoch":0,"params":{}}`, html.UnescapeString(cfg[1]))
	require.Regexp(t, `data-worker="/static/node-worker\.[0-9a-f]{12}\.js"`, attrs)
	require.NotRegexp(t, `src="/static/(boot|tabproto)\.`, body)
}

// TestBootScriptEscapesItsConfig: a config with quotes and markup stays
// inside its attribute.
func TestBootScriptEscapesItsConfig(t *testing.T) {
	h, err := NewHandler(Config{RoomConfig: func(_ context.Context, room string) ([]byte, error) {
		return []byte(`{"room":"` + room + `","x":"\"><script>alert(1)</script>"}`), nil
	}})
	require.NoError(t, err)
	_, body, _ := get(t, h, "/r/class")
	require.NotContains(t, body, `"><script>alert(1)`)
	var inline []string
	for _, m := range scriptRE.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], "src=") {
			inline = append(inline, m[1])
		}
	}
	require.Len(t, inline, 1, "no script but the boot script is inline")
	cfg := regexp.MustCompile(`data-config="([^"]*)"`).FindStringSubmatch(inline[0])
	require.NotNil(t, cfg)
	require.Equal(t, `{"room":"class","x":"\"><script>alert(1)</script>"}`, html.UnescapeString(cfg[1]), "the config comes back whole")
}
