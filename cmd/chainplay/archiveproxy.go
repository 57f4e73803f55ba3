//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chainplay/chainplay/internal/httpjson"
)

// Requests served where a room's archive runs (docs/cluster.md, "The
// board from any process"). Some of the room API needs what only the
// process running the room's archive has: the archive's node (the board,
// a PBFT fault, the scenarios), the lesson's timeline, the teacher's
// control state, and every peer of the room with its tag (a kick). In a
// cluster, a process that does not run the room's archive forwards such
// a request to the one that does, over NATS request/reply on
// chainplay.archive.ROOM, and answers with that process's answer: the
// teacher sees one board, one timeline and one control state whichever
// process the load balancer sent each request to. When no process runs
// the archive (nobody is in the room), nobody answers, and the request
// is served here, as in one process (the board's 409 no-archive).
//
// Why forward rather than run a follower node of every room on every
// process: a follower would be a second copy of every room's chain and
// validation on every process, and still not have the timeline, the
// control state or the scenarios' attacker, which live with the archive;
// a forwarded request costs one round trip between two processes, only
// when a teacher asks (a board polls once a second).
//
// A request is one message: a JSON line (proxyRequest) then the body; the
// answer a JSON line (proxyAnswer) then the body, gzipped when large.

// archiveSubject is the subject of room's forwarded requests.
func archiveSubject(room string) string { return "chainplay.archive." + room }

// forwardTimeout bounds one forwarded request.
const forwardTimeout = 10 * time.Second

// gzipOver is the answer size above which its body is gzipped.
const gzipOver = 16 << 10

// proxyRequest is the head of a forwarded request.
type proxyRequest struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query,omitempty"`
	Auth        string `json:"auth,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// proxyAnswer is the head of the answer to one.
type proxyAnswer struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Gzip   bool        `json:"gzip,omitempty"`
}

// forwardedHeaders are the answer's headers a forward carries back.
var forwardedHeaders = []string{"Content-Type", "Content-Disposition", "Retry-After", "WWW-Authenticate", "Allow"}

// forwardedKey marks the context of a request forwarded here: it is
// served here, never forwarded again.
type forwardedKey struct{}

// atArchive serves h where room's archive runs: here in a single process,
// when the archive runs here, for a request forwarded here, or when no
// process runs it; otherwise it forwards the request to the process that
// runs it.
func (s *server) atArchive(h roomHandler) roomHandler {
	return func(w http.ResponseWriter, r *http.Request, room string) error {
		if s.cluster == nil || r.Context().Value(forwardedKey{}) != nil || s.archives.Holds(room) {
			return h(w, r, room)
		}
		done, err := s.forward(w, r, room)
		if done || err != nil {
			return err
		}
		return h(w, r, room)
	}
}

// forward sends r to the process running room's archive and writes its
// answer to w. It reports false, having written nothing, when no process
// answers for the room.
func (s *server) forward(w http.ResponseWriter, r *http.Request, room string) (bool, error) {
	body, err := io.ReadAll(r.Body) // bounded by the route's limit (httpjson.WithBodyLimit)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return true, httpjson.Errorf(http.StatusRequestEntityTooLarge, httpjson.CodeBodyTooLarge, "the body is over %d bytes", tooBig.Limit)
		}
		return true, err
	}
	head, _ := json.Marshal(proxyRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")})
	ctx, cancel := context.WithTimeout(r.Context(), forwardTimeout)
	defer cancel()
	msg, err := s.cluster.cfg.Conn.RequestWithContext(ctx, archiveSubject(room), append(append(head, '\n'), body...))
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		r.Body = io.NopCloser(bytes.NewReader(body)) // served here after all
		return false, nil
	case err != nil:
		s.cfg.Logger.Warn("cluster: forwarding to the room's archive", "room", room, "path", r.URL.Path, "err", err)
		return true, httpjson.New(http.StatusServiceUnavailable, httpjson.CodeUnavailable,
			"the server that runs this room's archive did not answer: try again")
	}
	ans, data, err := readProxyAnswer(msg.Data)
	if err != nil {
		return true, err
	}
	for k, vs := range ans.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(ans.Status)
	_, _ = w.Write(data)
	return true, nil
}

// readProxyAnswer splits an answer into its head and (gunzipped) body.
func readProxyAnswer(b []byte) (proxyAnswer, []byte, error) {
	var ans proxyAnswer
	head, body, ok := bytes.Cut(b, []byte{'\n'})
	if !ok || json.Unmarshal(head, &ans) != nil || ans.Status < 100 || ans.Status > 599 {
		return ans, nil, errors.New("chainplay: a forwarded request's answer is malformed")
	}
	if ans.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return ans, nil, fmt.Errorf("chainplay: a forwarded request's answer: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return ans, nil, fmt.Errorf("chainplay: a forwarded request's answer: %w", err)
		}
	}
	return ans, body, nil
}

// serveArchive answers the requests the other processes forward for
// room, until the function it returns is called (archives.onHeld).
func (s *server) serveArchive(room string) (stop func()) {
	sub, err := s.cluster.cfg.Conn.Subscribe(archiveSubject(room), func(m *nats.Msg) {
		go s.answerForwarded(m)
	})
	if err != nil {
		s.cfg.Logger.Warn("cluster: serving the room's archive to the other processes", "room", room, "err", err)
		return func() {}
	}
	return func() { _ = sub.Unsubscribe() }
}

// answerForwarded serves one forwarded request with the room API and
// answers it.
func (s *server) answerForwarded(m *nats.Msg) {
	answer := func(status int, h http.Header, body []byte) {
		ans := proxyAnswer{Status: status, Header: h}
		if len(body) > gzipOver {
			var zb bytes.Buffer
			zw := gzip.NewWriter(&zb)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body, ans.Gzip = zb.Bytes(), true
		}
		head, _ := json.Marshal(ans)
		out := append(append(head, '\n'), body...)
		if max := s.cluster.cfg.Conn.MaxPayload(); int64(len(out)) > max {
			s.cfg.Logger.Warn("cluster: a forwarded request's answer is over NATS's max payload", "subject", m.Subject, "bytes", len(out), "max", max)
			e, _ := json.Marshal(httpjson.ErrorBody{Error: "the answer is too large to forward between the servers", Code: httpjson.CodeInternal})
			head, _ = json.Marshal(proxyAnswer{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"application/json"}}})
			out = append(append(head, '\n'), e...)
		}
		_ = m.Respond(out)
	}
	headLine, body, ok := bytes.Cut(m.Data, []byte{'\n'})
	var pr proxyRequest
	if !ok || json.Unmarshal(headLine, &pr) != nil {
		return // not ours to answer: the asker times out
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), forwardedKey{}, true), forwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, pr.Method, pr.Path, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.URL.RawQuery = pr.Query
	req.RequestURI = req.URL.RequestURI()
	if pr.Auth != "" {
		req.Header.Set("Authorization", pr.Auth)
	}
	if pr.ContentType != "" {
		req.Header.Set("Content-Type", pr.ContentType)
	}
	rw := &bufferedWriter{header: http.Header{}}
	s.api.ServeHTTP(rw, req)
	h := http.Header{}
	for _, k := range forwardedHeaders {
		if vs := rw.header.Values(k); len(vs) > 0 {
			h[k] = vs
		}
	}
	answer(rw.statusOr200(), h, rw.body.Bytes())
}

// bufferedWriter is an http.ResponseWriter into memory.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) statusOr200() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
