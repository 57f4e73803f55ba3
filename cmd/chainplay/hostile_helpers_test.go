//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// The hostile student's tools: a raw websocket client that sends whatever
// bytes it likes, from any loopback address, with or without the page's
// cookie; a CPU meter; and a view of the archive peer's node.

// rawClient is a websocket to the relay that speaks no protocol of its own.
type rawClient struct {
	c  *websocket.Conn
	id string // its peer id, from the relay's welcome
}

// dialOptions are how a raw client dials: from which loopback address,
// with which cookie.
type dialOptions struct {
	from   string // a loopback address such as "127.0.0.2"; "" for the default
	cookie *http.Cookie
}

func (o dialOptions) websocket() *websocket.DialOptions {
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if o.cookie != nil {
		opts.HTTPHeader.Set("Cookie", o.cookie.String())
	}
	if o.from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.from)}}
		opts.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	return opts
}

// tryDialRaw joins room as name and reads the relay's welcome; it returns
// the HTTP status of a refusal.
func (ts *testServer) tryDialRaw(room, query string, o dialOptions) (*rawClient, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	u := ts.ws + "/ws/" + room + "?" + query
	c, resp, err := websocket.Dial(ctx, u, o.websocket())
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, status, err
	}
	c.SetReadLimit(16 << 20)
	rc := &rawClient{c: c}
	m, err := rc.next(wait)
	if err != nil {
		c.CloseNow()
		return nil, 0, err
	}
	var body node.PeersBody
	if m.Type != node.TypePeers || m.DecodeBody(&body) != nil {
		c.CloseNow()
		return nil, 0, fmt.Errorf("first frame %q, want peers", m.Type)
	}
	rc.id = body.You
	return rc, http.StatusSwitchingProtocols, nil
}

func (ts *testServer) dialRaw(t *testing.T, room, name string, o dialOptions) *rawClient {
	t.Helper()
	rc, _, err := ts.tryDialRaw(room, "name="+url.QueryEscape(name), o)
	require.NoError(t, err)
	t.Cleanup(func() { rc.c.CloseNow() })
	return rc
}

// sendRaw writes one text frame of exactly these bytes.
func (rc *rawClient) sendRaw(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return rc.c.Write(ctx, websocket.MessageText, b)
}

// send writes a frame of type typ to to ("" for the room) with body as JSON.
func (rc *rawClient) send(t *testing.T, typ, to string, body any) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	f, err := json.Marshal(relay.Frame{Type: typ, To: to, Body: raw})
	require.NoError(t, err)
	require.NoError(t, rc.sendRaw(f))
}

// next reads one frame, within d.
func (rc *rawClient) next(d time.Duration) (node.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := rc.c.Read(ctx)
	if err != nil {
		return node.Message{}, err
	}
	var m node.Message
	if err := json.Unmarshal(b, &m); err != nil {
		return node.Message{}, err
	}
	return m, nil
}

// until reads frames until one of type typ (returned) or d passes (an
// error).
func (rc *rawClient) until(typ string, d time.Duration) (node.Message, error) {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return node.Message{}, fmt.Errorf("no %s frame within %v", typ, d)
		}
		m, err := rc.next(left)
		if err != nil {
			return node.Message{}, err
		}
		if m.Type == typ {
			return m, nil
		}
	}
}

// askedBy reads frames until a getmempool from peer id.
func (rc *rawClient) askedBy(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		m, err := rc.until(node.TypeGetMempool, time.Until(deadline))
		require.NoError(t, err, "no getmempool from %s", id)
		if m.From == id {
			return
		}
	}
}

// closeStatus reads until the connection ends and returns its close
// reason ("" without a close frame).
func (rc *rawClient) closeReason(d time.Duration) string {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		if _, _, err := rc.c.Read(ctx); err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Reason
			}
			return ""
		}
	}
}

// pageCookie loads a page from address from and returns the cookie it
// sets.
func (ts *testServer) pageCookie(t *testing.T, path string, o dialOptions) *http.Cookie {
	t.Helper()
	client := ts.http.Client()
	if o.from != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.from)}}
		client = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	resp, err := client.Get(ts.http.URL + path)
	require.NoError(t, err)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == clientCookie {
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("GET %s set no %s cookie", path, clientCookie)
	return nil
}

// cpu returns the CPU time (user and system) this process has used.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// archiveNode returns the node of room's archive peer once it runs.
func (ts *testServer) archiveNode(t *testing.T, room string) *node.Node {
	t.Helper()
	var n *node.Node
	require.Eventually(t, func() bool {
		ts.archives.mu.Lock()
		st := ts.archives.rooms[room]
		var p *archivePeer
		if st != nil {
			p = st.peer
		}
		ts.archives.mu.Unlock()
		if p == nil {
			return false
		}
		p.mu.Lock()
		n = p.node
		p.mu.Unlock()
		return n != nil && ts.archives.Status(room).ID != ""
	}, wait, 5*time.Millisecond, "room %s has no archive peer", room)
	return n
}

// peerState returns what n knows of peer id.
func peerState(n *node.Node, id string) (node.PeerState, bool) {
	for _, st := range n.PeerStates() {
		if st.ID == id {
			return st, true
		}
	}
	return node.PeerState{}, false
}

// waitBanned waits until n has banned peer id.
func waitBanned(t *testing.T, n *node.Node, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		st, ok := peerState(n, id)
		return ok && st.Banned
	}, wait, 5*time.Millisecond, "peer %s was never banned", id)
}

// helloFor is a hello for the chain of n claiming work.
func helloFor(n *node.Node, work, name string) node.HelloBody {
	tip := n.Chain().Tip()
	return node.HelloBody{Genesis: n.Chain().ID(), Tip: tip.Hash, Height: tip.Height, Work: work, Name: name}
}

// posts returns k free posts, each signed by a key of its own.
func posts(id chain.Hash, k int, memo string) []*chain.Tx {
	out := make([]*chain.Tx, k)
	for i := range out {
		tx := &chain.Tx{Time: time.Now().UnixMilli(), Memo: fmt.Sprintf("%s %d", memo, i)}
		tx.Sign(id, chain.GenerateKey())
		out[i] = tx
	}
	return out
}

// hasHeader reports whether every response header of want is in h.
func missingHeaders(h http.Header) []string {
	var out []string
	for _, k := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if h.Get(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// cspAllows reports whether the policy's directive dir lists source.
func cspAllows(policy, dir, source string) bool {
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 && f[0] == dir {
			for _, s := range f[1:] {
				if s == source {
					return true
				}
			}
		}
	}
	return false
}
