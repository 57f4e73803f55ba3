package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/a-h/templ"
)

// The room page carries its first script in the HTML rather than by URL:
// tabproto.js and boot.js, which start the tab's node Worker. Fetched,
// they came ~80 ms after the page (a loaded machine, the page's other
// requests on the same six connections), and the node's Worker, its
// node.wasm and everything after waited for them. The Content-Security-
// Policy allows this one script by its hash (BootScriptSource), and no
// other inline script.

// bootScripts are the assets the inline script is made of, in order.
var bootScripts = []string{"tabproto.js", "boot.js"}

// bootInline is the inline script's text, made once from the embedded
// assets (BootScriptSource hashes it; bootScript writes it).
var bootInline = sync.OnceValues(func() (string, error) {
	m, err := manifestFor(slog.New(slog.DiscardHandler), StaticFS, nil)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, name := range bootScripts {
		a, ok := m.byName[name]
		if !ok {
			return "", fmt.Errorf("web: inline script: no asset %s", name)
		}
		if strings.Contains(strings.ToLower(string(a.body)), "</script") {
			return "", fmt.Errorf("web: inline script: %s holds </script", name)
		}
		b.Write(a.body)
		b.WriteByte('\n')
	}
	return b.String(), nil
})

// BootScriptSource is the Content-Security-Policy source that allows the
// room page's inline script ('sha256-…'), for script-src.
func BootScriptSource() (string, error) {
	text, err := bootInline()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'", nil
}

// bootScript is the room page's inline <script>: configJSON and the node
// Worker's URL reach it as data- attributes, as they reached boot.js.
func bootScript(configJSON string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		text, err := bootInline()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, `<script data-config="%s" data-worker="%s">%s</script>`,
			html.EscapeString(configJSON), html.EscapeString(assetURL(ctx, "node-worker.js")), text)
		return err
	})
}
