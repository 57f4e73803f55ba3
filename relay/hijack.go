package relay

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes of a websocket connection. net/http hands a hijacked
// connection a 4 KB reader and a 4 KB writer, which the websocket library
// keeps for the life of the connection: 8 KB per peer, most of them idle.
// A frame larger than a buffer bypasses it (bufio reads and writes it
// directly), so small buffers cost a large frame nothing but an extra
// write of its header, and hold the relay's frames (hello, tx, pings)
// whole.
const (
	connReadBuffer  = 1 << 10
	connWriteBuffer = 1 << 10
)

// smallBuffers is a ResponseWriter whose Hijack hands out buffers of
// connReadBuffer and connWriteBuffer bytes instead of net/http's. Bytes
// the client sent after its request and that net/http had read already
// are buffered in the new reader: the websocket library takes what a
// hijacked reader has buffered and then resets it onto the connection
// (so bytes kept anywhere else, say in the reader's source, were lost).
type smallBuffers struct {
	http.ResponseWriter
	hj http.Hijacker
}

// withSmallBuffers wraps w when it can be hijacked, and returns it as it
// is otherwise (the websocket library then refuses the upgrade as before).
func withSmallBuffers(w http.ResponseWriter) http.ResponseWriter {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return w
	}
	return smallBuffers{ResponseWriter: w, hj: hj}
}

// Hijack takes the connection over, with small buffers.
func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := w.hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	rd := bufio.NewReaderSize(conn, connReadBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		rd = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(connReadBuffer, n))
		if _, err := rd.Peek(n); err != nil { // from the bytes.Reader alone: it does not block
			conn.Close()
			return nil, nil, err
		}
	}
	if brw.Writer.Buffered() > 0 { // net/http flushes before a hijack; be sure
		if err := brw.Writer.Flush(); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(rd, bufio.NewWriterSize(conn, connWriteBuffer)), nil
}

// Unwrap gives http.ResponseController the ResponseWriter underneath.
func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
