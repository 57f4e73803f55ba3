package relay_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/relay"
)

// One text frame that is not valid UTF-8 reaches nobody: its sender gets
// an error frame and the others' sockets stay open (a browser closes its
// socket on such a frame).
func TestInvalidUTF8FrameIsNotForwarded(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "utf8", "a")
	b := ts.join(t, "utf8", "b")
	a.readBody(t, relay.TypeJoin, nil)
	a.sendRaw(t, `{"type":"post","body":"caf`+"\xe9"+`"}`) // Latin-1, not UTF-8
	a.readError(t, relay.CodeMalformedFrame, "not valid UTF-8")
	a.send(t, "post", "", "café")
	f := b.read(t)
	require.Equal(t, "post", f.Type, "the bad frame was not forwarded; the good one was")
	require.JSONEq(t, `"café"`, string(f.Body))
}

// A client that keeps sending garbage is closed as misbehaving before it
// has sent MaxScore frames.
func TestGarbageSenderIsClosed(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join(t, "junk", "a")
	b := ts.join(t, "junk", "b")
	a.readBody(t, relay.TypeJoin, nil)
	for range relay.MaxScore + 5 { // the score decays meanwhile: a few more than MaxScore
		if a.trySendRaw("\xff\xfe") != nil {
			break
		}
	}
	errs := 0
	for {
		f, err := a.tryRead()
		if err != nil {
			require.Equal(t, websocket.CloseError{Code: websocket.StatusPolicyViolation, Reason: relay.CodeMisbehaving}, websocketCloseError(err))
			break
		}
		require.Equal(t, relay.TypeError, f.Type)
		errs++
	}
	require.Less(t, errs, relay.MaxScore+2, "closed once its score reached MaxScore")
	require.Equal(t, a.id, leaveID(t, b.read(t)))
}

// floodResult is what one flood did to the room's honest readers.
type floodResult struct {
	dropped   int           // honest readers the relay closed
	delivered int64         // flood frames the websocket reader got
	took      time.Duration // until the flooders were done
}

// flood has k clients send frames junk frames each, as fast as the socket
// takes them and without reading, into a room where an honest websocket
// reader and a local reader (an archive) read everything; then it checks
// who is still connected.
func flood(t *testing.T, cfg relay.Config, k, frames int) floodResult {
	t.Helper()
	ts := startServer(t, cfg)
	reader := ts.join(t, "flood", "honest")
	archive, _ := ts.joinLocal(t, "flood", "archive")
	var delivered atomic.Int64
	readerDone := make(chan websocket.CloseError, 1)
	go func() {
		for {
			_, data, err := reader.c.Read(context.Background())
			if err != nil {
				var ce websocket.CloseError
				if !errorsAs(err, &ce) {
					ce.Code = -1
				}
				readerDone <- ce
				return
			}
			if strings.HasPrefix(string(data), `{"type":"junk"`) {
				delivered.Add(1)
			}
		}
	}()
	archiveDone := make(chan error, 1)
	go func() {
		for {
			if _, err := archive.Recv(context.Background()); err != nil {
				archiveDone <- err
				return
			}
		}
	}()

	junk := `{"type":"junk","body":"` + strings.Repeat("j", 1000) + `"}`
	var wg sync.WaitGroup
	var flooders []*websocket.Conn
	start := time.Now()
	for i := range k {
		c, _, err := ts.dial(context.Background(), "flood", fmt.Sprintf("mallory%d", i), nil)
		require.NoError(t, err)
		flooders = append(flooders, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range frames {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				err := c.Write(ctx, websocket.MessageText, []byte(junk))
				cancel()
				if err != nil {
					return // closed by the relay for its rate
				}
			}
		}()
	}
	wg.Wait()
	for last := int64(-1); last != delivered.Load(); { // until the reader has all it will get
		last = delivered.Load()
		time.Sleep(100 * time.Millisecond)
	}
	// Until then: the relay reads the frames the flooders' sockets still
	// buffer after their writes returned, and its limiters refill
	// meanwhile (the bound counts that time; at most one idle poll more).
	took := time.Since(start)
	for _, c := range flooders {
		c.CloseNow() // they never read: do not wait for their close handshakes
	}

	// Whoever is still connected gets a sentinel from a newcomer.
	sentinel := ts.join(t, "flood", "sentinel")
	sentinel.send(t, "sentinel", "", nil)
	res := floodResult{took: took}
	deadline := time.After(waitFrame)
	for got := false; !got; {
		select {
		case ce := <-readerDone:
			t.Logf("the honest reader was closed: %v", ce)
			res.dropped++
			got = true
		case <-deadline:
			t.Fatal("the honest reader neither closed nor got the sentinel")
		case <-time.After(10 * time.Millisecond):
			got = slicesContain(ts.Peers("flood"), reader.id) && sentinelSeen(ts, "flood")
		}
	}
	select {
	case err := <-archiveDone:
		t.Logf("the archive was closed: %v", err)
		res.dropped++
	default:
	}
	res.delivered = delivered.Load()
	return res
}

func websocketCloseError(err error) websocket.CloseError {
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		return websocket.CloseError{Code: -1}
	}
	return ce
}

func errorsAs(err error, ce *websocket.CloseError) bool {
	c := websocket.CloseStatus(err)
	if c == -1 {
		return false
	}
	*ce = websocket.CloseError{Code: c}
	return true
}

func slicesContain(ps []relay.PeerInfo, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// sentinelSeen is true once the room has settled: the flooders are gone
// and only the honest reader, the archive and the sentinel remain.
func sentinelSeen(ts *testServer, room string) bool {
	for _, p := range ts.Peers(room) {
		if strings.HasPrefix(p.Name, "mallory") {
			return false
		}
	}
	return true
}

// The send queue is sized together with the rate burst: a student who
// sends a whole burst at once, or floods far past it, or three who do so
// together, never get an honest reader or the archive closed as too slow;
// the flooders are closed for their rate. (With the queue at 64 frames
// under a burst of 200, a burst of 100 dropped the honest reader in 2 of 3
// tries and a flood of 2,000 every time.)
func TestAFloodDropsNoHonestReader(t *testing.T) {
	cfg := relay.DefaultConfig()
	cfg.PingInterval = 0
	for _, tc := range []struct{ flooders, frames int }{{1, 100}, {1, 2000}, {3, 2000}} {
		t.Run(fmt.Sprintf("%dx%d", tc.flooders, tc.frames), func(t *testing.T) {
			for try := range 3 {
				res := flood(t, cfg, tc.flooders, tc.frames)
				t.Logf("try %d: %d flooder(s) x %d frames of 1 KB: honest readers dropped %d, flood frames delivered to the reader %d, in %v",
					try+1, tc.flooders, tc.frames, res.dropped, res.delivered, res.took.Round(time.Millisecond))
				require.Zero(t, res.dropped, "an honest reader was dropped")
				require.LessOrEqual(t, res.delivered, int64(tc.flooders*(cfg.RateBurst+int(cfg.RatePerSec*res.took.Seconds())+1)))
			}
		})
	}
}

// A room kept only by local clients (an archive waiting for its idle
// timeout) takes no slot of MaxRooms.
func TestLocalOnlyRoomsTakeNoSlot(t *testing.T) {
	cfg := testConfig()
	cfg.MaxRooms = 1
	ts := startServer(t, cfg)
	ts.joinLocal(t, "archived", "archive")
	ts.joinLocal(t, "archived2", "archive")
	ts.join(t, "live", "a") // the one slot
	_, resp, err := ts.dial(context.Background(), "archived", "b", nil)
	require.Error(t, err, "a websocket peer would make a second room non-local")
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	ts.join(t, "live", "c") // the live room takes more peers
	require.Len(t, ts.Rooms(), 3)
}

// A handler in front of the relay labels each connection; Tag reads the
// label back by peer id.
func TestTagLabelsConnections(t *testing.T) {
	srv, err := relay.New(testConfig())
	require.NoError(t, err)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(relay.WithTag(r.Context(), "who:"+r.URL.Query().Get("name"))))
	}))
	t.Cleanup(func() { srv.Close(); hs.Close() })
	ts := &testServer{Server: srv, http: hs, ws: "ws" + strings.TrimPrefix(hs.URL, "http")}
	a := ts.join(t, "tags", "ann")
	lc, _ := ts.joinLocal(t, "tags", "archive")
	tag, ok := srv.Tag("tags", a.id)
	require.True(t, ok)
	require.Equal(t, "who:ann", tag)
	tag, ok = srv.Tag("tags", lc.ID())
	require.True(t, ok)
	require.Empty(t, tag)
	_, ok = srv.Tag("tags", "p999")
	require.False(t, ok)
}
