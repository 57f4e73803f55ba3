package relay

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"
	"nhooyr.io/websocket"
)

// MaxNameLen is the longest nickname, in bytes.
const MaxNameLen = 32

// client is one websocket connection in a room.
//
// Three contexts drive its end:
//   - conn: the whole connection, parent of the other two. Cancelling it
//     (abort) makes the library close the socket at once and every loop
//     return.
//   - closing: cancelled by close, which records a status; the writer then
//     stops writing frames and sends that status in a close frame.
//   - write: the parent of each frame write's context. Cancelled by
//     closeNow, so a write stuck on a client that does not read ends at once
//     (the library then drops the socket without a close frame).
type client struct {
	id    string
	seq   uint64 // join order
	name  string
	tag   string // the request context's tag (WithTag); "" for local clients
	local bool   // joined with JoinLocal: no socket, read by LocalConn.Recv
	// observer hears every group of a split room, and what it sends
	// reaches nobody while the room is split (JoinObserver).
	observer bool
	delays   delayLine  // frames waiting for their latency (policy.go)
	queue    *sendQueue // bounded; pushed by enqueue, popped by writeLoop (or LocalConn.Recv) only

	conn, closing, write       context.Context
	abort, stopping, stopWrite context.CancelFunc

	mu      sync.Mutex
	code    websocket.StatusCode // guarded by mu; set once by close
	reason  string               // guarded by mu
	pingErr error                // guarded by mu; why a ping failed

	// A websocket client's socket and what its writer and pings need;
	// set by attach, before any goroutine reads them.
	sock               *websocket.Conn
	tasks              *sync.WaitGroup
	timeout, pingEvery time.Duration
	pingT              *time.Timer
	pinging            atomic.Bool
}

func newClient(ctx context.Context, seq uint64, name string, queue int, local bool) *client {
	cl := &client{
		id:    "p" + strconv.FormatUint(seq, 10),
		seq:   seq,
		name:  name,
		local: local,
		queue: newSendQueue(queue),
	}
	cl.delays.cl = cl
	cl.conn, cl.abort = context.WithCancel(ctx)
	cl.closing, cl.stopping = context.WithCancel(cl.conn)
	cl.write, cl.stopWrite = context.WithCancel(cl.conn)
	return cl
}

func (cl *client) info() PeerInfo { return PeerInfo{ID: cl.id, Name: cl.name} }

// enqueue hands msg to the writer without blocking. If the queue is full,
// the client is too slow: it is closed, now, and msg is dropped.
func (cl *client) enqueue(msg []byte) {
	if !cl.queue.push(msg) {
		cl.closeNow(websocket.StatusPolicyViolation, CodeSendQueueFull)
	}
}

// deliver hands msg to the client now, or after delay (the room's
// latency) through its delay line. It never blocks.
func (cl *client) deliver(msg []byte, delay time.Duration) {
	if delay <= 0 {
		cl.enqueue(msg)
		return
	}
	cl.delays.add(msg, time.Now().Add(delay))
}

// sendError queues a TypeError frame for the client.
func (cl *client) sendError(code, msg string) { cl.enqueue(errorFrame(code, msg)) }

// close asks the writer to finish the frame it is writing, if any, and then
// close the connection with code and reason. Only the first call counts; it
// reports whether it was the first. It never blocks.
func (cl *client) close(code websocket.StatusCode, reason string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.code != 0 {
		return false
	}
	cl.code, cl.reason = code, reason
	cl.stopping()
	cl.queue.kick() // a writer sends the close frame
	return true
}

// closeNow is close, but a write under way is abandoned, even if an earlier
// close is waiting for it: the client is not keeping up, so a close frame
// could not reach it in time anyway. It never blocks.
func (cl *client) closeNow(code websocket.StatusCode, reason string) {
	cl.close(code, reason)
	cl.stopWrite()
}

func (cl *client) status() (websocket.StatusCode, string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.code, cl.reason
}

// attach makes c the client's socket: from now on a writer goroutine
// (drain) runs while frames wait, and c is pinged every pingEvery (none
// when 0), each ping on a goroutine of its own that lives until the pong.
// So an idle connection has no goroutine of the relay's but its reader.
// Every goroutine attach starts is counted in tasks; detach, then
// tasks.Wait, ends them.
func (cl *client) attach(c *websocket.Conn, tasks *sync.WaitGroup, timeout, pingEvery time.Duration) {
	cl.sock, cl.tasks, cl.timeout, cl.pingEvery = c, tasks, timeout, pingEvery
	if pingEvery > 0 {
		cl.pingT = time.AfterFunc(time.Hour, cl.pingTick)
		cl.pingT.Reset(pingEvery) // after the assignment, which pingTick reads
	}
	cl.queue.setWriter(func() {
		tasks.Add(1)
		go cl.drain()
	})
}

// detach stops the pings and the writers: none starts after it.
func (cl *client) detach() {
	cl.queue.stop()
	if cl.pingT != nil {
		cl.pingT.Stop()
	}
}

// drain is the writer: the only goroutine that writes data frames to the
// socket, while frames wait (one at a time: the queue starts a drain only
// when none runs). A write that takes longer than the timeout ends the
// connection. After a close it sends the close frame and ends the
// connection once the close handshake is done.
func (cl *client) drain() {
	defer cl.tasks.Done()
	// One timer bounds each write; it ends the writes (stopWrite) when it
	// fires, which ends the connection.
	watchdog := time.AfterFunc(cl.timeout, cl.stopWrite)
	watchdog.Stop()
	defer watchdog.Stop()
	for {
		if cl.closing.Err() != nil { // close wins over queued frames
			cl.queue.stop()
			cl.finish(cl.sock)
			cl.abort()
			return
		}
		msg, ok := cl.queue.popOrIdle()
		if !ok {
			return
		}
		if msg == nil { // a close was asked for: the loop's top sends it
			continue
		}
		watchdog.Reset(cl.timeout)
		err := cl.sock.Write(cl.write, websocket.MessageText, msg)
		watchdog.Stop()
		if err != nil { // the library closed the socket
			cl.queue.stop()
			cl.abort() // a failed write ends the reader too
			return
		}
	}
}

// pingTick starts a ping, unless one still waits for its pong, and
// re-arms the timer.
func (cl *client) pingTick() {
	if cl.closing.Err() != nil {
		return
	}
	cl.pingT.Reset(cl.pingEvery)
	if !cl.pinging.CompareAndSwap(false, true) {
		return
	}
	started := cl.queue.unlessStopped(func() {
		cl.tasks.Add(1)
		go func() {
			defer cl.tasks.Done()
			defer cl.pinging.Store(false)
			cl.ping(cl.sock, cl.pingEvery)
		}()
	})
	if !started {
		cl.pinging.Store(false)
	}
}

// ping pings c and aborts the connection if the pong does not come back
// within wait, unless the connection is closing anyway.
func (cl *client) ping(c *websocket.Conn, wait time.Duration) {
	ctx, cancel := context.WithTimeout(cl.conn, wait)
	err := c.Ping(ctx)
	cancel()
	if err == nil || cl.closing.Err() != nil {
		return
	}
	cl.mu.Lock()
	if cl.pingErr == nil {
		cl.pingErr = err
	}
	cl.mu.Unlock()
	cl.abort()
}

// pingError returns why a ping failed, or nil.
func (cl *client) pingError() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.pingErr
}

// finish sends the close frame asked for by close, unless the connection was
// aborted. The library bounds the handshake (5s to write, 5s to hear back).
func (cl *client) finish(c *websocket.Conn) {
	if cl.conn.Err() != nil {
		return
	}
	code, reason := cl.status()
	c.Close(code, reason) // the error only says the peer did not answer
}

// inflow is the rate limit and misbehaviour state of one connection's
// incoming frames. Only the connection's reader touches it.
type inflow struct {
	lim   *rate.Limiter
	drops int // frames dropped in a row by the limit
	score score
}

// The misbehaviour score of a connection. Every frame the relay refuses
// for its form (not UTF-8, not a JSON object, no type, a reserved type, a
// binary message) adds one point, and the score decays by ScoreDecayPerSec
// points per second; when it reaches MaxScore the connection is closed
// with StatusPolicyViolation and CodeMisbehaving. So a client that errs
// now and then (a page with a bug) is never closed for it, and one that
// sends garbage is closed after MaxScore frames, before it has cost the
// relay more than MaxScore parses. Frames to a peer that has just left
// (CodeUnknownPeer) and frames over the rate (which MaxRateDrops bounds)
// do not count.
const (
	MaxScore         = 20
	ScoreDecayPerSec = 1.0
)

// score is a number of points that decays linearly with time.
type score struct {
	points float64
	at     time.Time // when points was last brought up to date
}

// add brings the score up to now, adds p points and returns the total.
func (s *score) add(now time.Time, p float64) float64 {
	if s.at.IsZero() || now.After(s.at) {
		if !s.at.IsZero() {
			s.points = max(0, s.points-now.Sub(s.at).Seconds()*ScoreDecayPerSec)
		}
		s.at = now
	}
	s.points += p
	return s.points
}

// readLoop reads the client's frames until the connection ends and hands
// each to receive. A frame larger than limit bytes closes the connection
// with StatusMessageTooBig and CodeFrameTooBig; readLoop then waits for
// the writer to finish the close handshake (which discards the rest of
// the frame) before it returns. Frames are read into buffers shared by
// all connections (receive copies what it forwards), so reading a
// block-sized frame allocates nothing once the buffers exist.
func (cl *client) readLoop(c *websocket.Conn, rm *room, in *inflow, limit int64) error {
	for {
		typ, data, buf, err := readFrame(cl.conn, c, limit)
		if errors.Is(err, errFrameTooBig) {
			putFrameBuffer(buf, data)
			cl.close(websocket.StatusMessageTooBig, CodeFrameTooBig)
			<-cl.conn.Done()
			return err
		}
		if err != nil {
			putFrameBuffer(buf, data)
			return err
		}
		cl.receive(rm, in, typ == websocket.MessageText, data, time.Now())
		putFrameBuffer(buf, data)
	}
}

// frameBuffers are the buffers frames are read into.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledFrame is the largest buffer kept for reuse: a block-sized
// frame's, not the read limit's.
const maxPooledFrame = 256 << 10

// putFrameBuffer gives back the buffer data was read into (data may have
// grown past it); buf may be nil.
func putFrameBuffer(buf *[]byte, data []byte) {
	if buf == nil || cap(data) > maxPooledFrame {
		return
	}
	*buf = data[:0]
	frameBuffers.Put(buf)
}

var errFrameTooBig = errors.New("relay: frame too big")

// readFrame waits for a message and reads it, at most limit bytes, into a
// buffer from frameBuffers (taken once the message starts, so a reader
// waiting on an idle connection holds none), growing it as needed; it
// returns the data and the buffer to give back with putFrameBuffer. A
// larger message is left half read and errFrameTooBig returned. The relay
// bounds frames itself, rather than with the library's read limit, so
// that the close reason is its own code.
func readFrame(ctx context.Context, c *websocket.Conn, limit int64) (typ websocket.MessageType, data []byte, buf *[]byte, err error) {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	buf = frameBuffers.Get().(*[]byte)
	data = (*buf)[:0]
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grow
		}
		room := data[len(data):cap(data)]
		if over := int64(len(data)) + int64(len(room)) - (limit + 1); over > 0 {
			room = room[:int64(len(room))-over] // read at most limit+1 bytes
		}
		n, err := r.Read(room)
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			return 0, data, buf, errFrameTooBig
		}
		if err == io.EOF {
			return typ, data, buf, nil
		}
		if err != nil {
			return 0, data, buf, err
		}
	}
}

// receive handles one frame from the client, arrived at now: it is rate
// limited first, then checked, then forwarded to the room; a refused frame
// is dropped, the client gets a TypeError frame saying why and, for a
// frame refused for its form, a point on its misbehaviour score. It never
// blocks.
func (cl *client) receive(rm *room, in *inflow, text bool, data []byte, now time.Time) {
	if cl.closing.Err() != nil {
		return // a close is under way: drain until the peer answers it
	}
	if !in.lim.AllowN(now, 1) {
		in.drops++
		if in.drops >= MaxRateDrops {
			cl.close(websocket.StatusPolicyViolation, CodeRateLimited)
			return
		}
		cl.sendError(CodeRateLimited, "rate limit exceeded")
		return
	}
	in.drops = 0
	refused := errBinary
	var f inbound
	if text {
		f, refused = parseInbound(data)
	}
	if refused != nil {
		if in.score.add(now, 1) >= MaxScore {
			cl.close(websocket.StatusPolicyViolation, CodeMisbehaving)
			return
		}
		cl.sendError(refused.code, refused.msg)
		return
	}
	out := Frame{Type: f.Type, From: cl.id, To: f.To, Body: f.Body}
	if f.To == "" {
		rm.broadcast(cl, out.encode())
	} else if !rm.direct(cl, f.To, out.encode()) {
		cl.sendError(CodeUnknownPeer, unknownPeer(f.To))
	}
}

func unknownPeer(id string) string {
	if len(id) > MaxNameLen {
		return "unknown peer (id too long)"
	}
	return "unknown peer " + id
}

// cleanName turns the ?name= query parameter into a nickname: valid UTF-8
// without control characters, trimmed, at most MaxNameLen bytes, "anon" if
// nothing is left.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > MaxNameLen {
		n := MaxNameLen
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = strings.TrimSpace(s[:n])
	}
	if s == "" {
		return "anon"
	}
	return s
}
