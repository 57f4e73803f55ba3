package relay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"nhooyr.io/websocket"
)

// ErrConnClosed is returned, or wrapped by a *CloseError, by LocalConn.Send
// and LocalConn.Recv once the connection has ended.
var ErrConnClosed = errors.New("relay: connection closed")

// CloseError says why the relay closed a LocalConn: the status and reason a
// websocket client would have got in its close frame (StatusPolicyViolation
// with CodeKicked, CodeSendQueueFull or CodeRateLimited,
// StatusMessageTooBig with CodeFrameTooBig, StatusGoingAway with
// CodeShuttingDown at Close, StatusNormalClosure with CodeBye after
// LocalConn.Close). It unwraps to ErrConnClosed.
type CloseError struct {
	Code   websocket.StatusCode
	Reason string // one of the relay's codes
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("relay: connection closed: %s (%d)", e.Reason, int(e.Code))
}

// Unwrap returns ErrConnClosed.
func (e *CloseError) Unwrap() error { return ErrConnClosed }

// LocalConn is a peer of a room that lives in the same process as the
// Server, such as the archive peer of cmd/chainplay. It behaves exactly
// like a websocket client: it gets a peer id and the TypePeers frame first,
// the others see it join and leave, its frames go through the same checks
// and rate limit and are fanned out or delivered directly the same way, and
// frames to it wait in a queue of Config.SendQueue frames. If that queue is
// full when a frame arrives, the LocalConn is closed (CodeSendQueueFull), so
// a local peer that does not call Recv never delays the others. It counts
// towards Config.MaxPeersPerRoom and can be kicked. The one difference: a
// local client alone does not make a room active, and the room's last
// websocket peer leaving makes it empty even if local clients stay (see
// Config.OnRoomActive).
//
// Send and Recv may be called concurrently with each other and with Close.
type LocalConn struct {
	s  *Server
	rm *room
	cl *client

	mu sync.Mutex // serializes Send: guards in
	in *inflow
}

// JoinLocal joins the named room as a local peer called name (cleaned like
// the ?name= query parameter). The connection lasts until Close, until the
// relay closes it (Kick, a full queue, Server.Close) or until ctx ends. It
// fails with ErrInvalidRoom, ErrRoomFull, ErrTooManyRooms or ErrClosed, the
// reasons a websocket client would be refused for.
func (s *Server) JoinLocal(ctx context.Context, room, name string) (*LocalConn, error) {
	return s.joinLocal(ctx, room, name, false)
}

// JoinObserver is JoinLocal for a peer that watches the whole room (the
// archive peer of cmd/chainplay, whose block tree the teacher's board
// draws): while the room is split (SetGroups) it hears every group, and
// the frames it sends reach nobody, so it never joins the groups up by
// answering one with the other's blocks. When the room is whole it is an
// ordinary local peer.
func (s *Server) JoinObserver(ctx context.Context, room, name string) (*LocalConn, error) {
	return s.joinLocal(ctx, room, name, true)
}

func (s *Server) joinLocal(ctx context.Context, room, name string, observer bool) (*LocalConn, error) {
	if !ValidRoomName(room) {
		return nil, fmt.Errorf("%w %q", ErrInvalidRoom, room)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rm, err := s.reserve(room, true)
	if err != nil {
		return nil, err
	}
	cl := s.newClient(ctx, cleanName(name), true)
	cl.observer = observer
	if !s.join(rm, cl) {
		cl.abort()
		s.handlers.Done()
		return nil, ErrClosed
	}
	go func() { // the local counterpart of ServeHTTP's end: Close waits for it
		defer s.handlers.Done()
		<-cl.closing.Done() // closed by anyone, or ctx ended
		s.leave(rm, cl)
		cl.abort()
		if code, reason := cl.status(); code != 0 && code != websocket.StatusGoingAway && code != websocket.StatusNormalClosure {
			s.log.Info("relay: local peer closed by relay", "room", room, "peer", cl.id, "code", code, "reason", reason)
		}
	}()
	s.log.Debug("relay: local peer joined", "room", room, "peer", cl.id, "name", cl.name)
	return &LocalConn{s: s, rm: rm, cl: cl, in: s.newInflow()}, nil
}

// ID returns the connection's peer id.
func (lc *LocalConn) ID() string { return lc.cl.id }

// Send hands one frame (the JSON object a websocket client would send) to
// the room. Like a websocket write it does not report what the relay did
// with the frame: a refused frame (bad JSON, reserved type, over the rate
// limit, unknown target) comes back as a TypeError frame through Recv. A
// frame larger than Config.ReadLimit closes the connection with
// StatusMessageTooBig. Send never blocks; it returns ctx's error if ctx has
// ended and an error wrapping ErrConnClosed once the connection has ended.
// The relay copies what it keeps, so frame may be reused after Send.
func (lc *LocalConn) Send(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := lc.err(); err != nil {
		return err
	}
	if int64(len(frame)) > lc.s.cfg.ReadLimit {
		lc.cl.closeNow(websocket.StatusMessageTooBig, CodeFrameTooBig)
		return lc.err()
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.cl.receive(lc.rm, lc.in, true, frame, time.Now())
	return nil
}

// Recv returns the next frame for this peer, in the relay's format (see
// the package doc), waiting until one arrives, ctx ends or the connection
// ends. Frames still queued when the connection ends are dropped, as they
// are for a websocket client. The returned bytes are shared with other
// peers: do not modify them.
func (lc *LocalConn) Recv(ctx context.Context) ([]byte, error) {
	for {
		if err := lc.err(); err != nil { // close wins over queued frames
			return nil, err
		}
		if msg, ok := lc.cl.queue.pop(); ok {
			return msg, nil
		}
		select {
		case <-lc.cl.closing.Done():
			return nil, lc.err()
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-lc.cl.queue.ready:
		}
	}
}

// Close leaves the room; the others get a TypeLeave frame. It never blocks
// and is idempotent; it always returns nil.
func (lc *LocalConn) Close() error {
	lc.cl.close(websocket.StatusNormalClosure, CodeBye)
	return nil
}

// Done returns a channel closed once the connection has ended, for any
// reason.
func (lc *LocalConn) Done() <-chan struct{} { return lc.cl.closing.Done() }

// err returns nil while the connection is open, else a *CloseError (or
// ErrConnClosed when it ended with its context, without a status).
func (lc *LocalConn) err() error {
	if lc.cl.closing.Err() == nil {
		return nil
	}
	code, reason := lc.cl.status()
	if code == 0 {
		return ErrConnClosed
	}
	return &CloseError{Code: code, Reason: reason}
}
