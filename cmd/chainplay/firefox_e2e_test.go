//go:build !js

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"
)

// firefoxPath returns Debian's firefox-esr (or a firefox). Without one the
// test skips on a developer machine and fails under CI=true, where
// .ci/run installs it.
func firefoxPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("FIREFOX"), "firefox-esr", "firefox"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("firefox not found: CI must install it (apt-get install firefox-esr)")
	}
	t.Skip("firefox not found; install it (apt-get install firefox-esr) to run the Firefox smoke test")
	return ""
}

// bidi is a WebDriver BiDi session with a headless Firefox: just what a
// smoke test needs (navigate, evaluate).
type bidi struct {
	conn *websocket.Conn
	mu   sync.Mutex
	next int
	ctx  string // the browsing context (tab)
}

// call sends one command and returns its result.
func (b *bidi) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	id := b.next
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := b.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return nil, err
	}
	for {
		_, data, err := b.conn.Read(ctx)
		if err != nil {
			return nil, err
		}
		var m struct {
			ID      int             `json:"id"`
			Type    string          `json:"type"`
			Result  json.RawMessage `json:"result"`
			Error   string          `json:"error"`
			Message string          `json:"message"`
		}
		if json.Unmarshal(data, &m) != nil || m.ID != id {
			continue // an event, or another answer
		}
		if m.Type == "error" {
			return nil, fmt.Errorf("%s: %s: %s", method, m.Error, m.Message)
		}
		return m.Result, nil
	}
}

// eval evaluates a JavaScript expression in the tab and returns its
// value as JSON (BiDi's remote value, serialized).
func (b *bidi) eval(ctx context.Context, expr string) (json.RawMessage, error) {
	res, err := b.call(ctx, "script.evaluate", map[string]any{
		"expression": expr, "target": map[string]any{"context": b.ctx}, "awaitPromise": false, "resultOwnership": "none",
	})
	if err != nil {
		return nil, err
	}
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails json.RawMessage `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return nil, err
	}
	if r.Type == "exception" {
		return nil, fmt.Errorf("exception: %s", r.ExceptionDetails)
	}
	return r.Result.Value, nil
}

// startFirefox runs a headless Firefox with a fresh profile and opens a
// BiDi session with its first tab. It stops when the test ends.
func startFirefox(t *testing.T, ctx context.Context) *bidi {
	t.Helper()
	path := firefoxPath(t)
	profile := t.TempDir()
	prefs := strings.Join([]string{
		`user_pref("browser.shell.checkDefaultBrowser", false);`,
		`user_pref("datareporting.policy.dataSubmissionEnabled", false);`,
		`user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);`,
		`user_pref("app.update.disabledForTesting", true);`,
		`user_pref("browser.aboutwelcome.enabled", false);`,
	}, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs), 0o644))
	cmd := exec.Command(path, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	if err := cmd.Start(); err != nil {
		t.Skipf("firefox cannot run here: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	var lines []string
	var linesMu sync.Mutex
	go func() {
		re := regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			linesMu.Lock()
			lines = append(lines, sc.Text())
			linesMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var ws string
	select {
	case ws = <-addr:
	case <-time.After(60 * time.Second):
		linesMu.Lock()
		defer linesMu.Unlock()
		if os.Getenv("CI") == "true" {
			t.Fatalf("firefox did not start its BiDi server: %s", strings.Join(lines, "\n"))
		}
		t.Skipf("firefox cannot run here: %s", strings.Join(lines, "\n"))
	}
	conn, _, err := websocket.Dial(ctx, ws+"/session", nil)
	require.NoError(t, err)
	conn.SetReadLimit(32 << 20)
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	b := &bidi{conn: conn}
	_, err = b.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}})
	require.NoError(t, err)
	tree, err := b.call(ctx, "browsingContext.getTree", map[string]any{})
	require.NoError(t, err)
	var tr struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	require.NoError(t, json.Unmarshal(tree, &tr))
	require.NotEmpty(t, tr.Contexts)
	b.ctx = tr.Contexts[0].Context
	return b
}

// TestFirefoxSmoke: in Firefox (Debian's firefox-esr), a room page starts
// its node in the tab, syncs the room's chain and shows its tip.
func TestFirefoxSmoke(t *testing.T) {
	requireWasm(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ts := startServer(t, t.TempDir(), pageParams)
	ana := ts.joinNative(t, "firefox", "Ana")
	ana.mine(t, 3)
	tip := ana.Chain().Tip().Hash.String()

	ff := startFirefox(t, ctx)
	_, err := ff.call(ctx, "browsingContext.navigate", map[string]any{"context": ff.ctx, "url": ts.http.URL + "/r/firefox", "wait": "complete"})
	require.NoError(t, err)
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for {
		v, err := ff.eval(ctx, `JSON.stringify({tip: document.getElementById("tip-hash")?.title, status: document.getElementById("status")?.textContent, height: document.getElementById("tip-height")?.textContent})`)
		if err == nil {
			var s string
			_ = json.Unmarshal(v, &s)
			last = s
			if strings.Contains(s, `"tip":"`+tip+`"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Firefox never showed the tip %s: %s (%v)", tip[:12], last, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("Firefox shows: %s", last)
	require.Contains(t, last, `"height":"3"`)
	require.Contains(t, last, "Node running")
}
