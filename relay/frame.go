package relay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// The frame types that only the relay sends. A client frame with one of them
// is refused.
const (
	TypePeers = "peers" // to a newcomer: who else is in the room (PeersBody)
	TypeJoin  = "join"  // to the others: a peer arrived (PeerInfo)
	TypeLeave = "leave" // to the others: a peer left (LeaveBody)
	TypeError = "error" // to one client: its frame was refused (ErrorBody)
)

// MaxTypeLen is the longest frame type, in bytes, that a client may send.
const MaxTypeLen = 64

// Frame is the envelope of every frame the relay sends. Each is one JSON
// object in one websocket text message. Fields left empty are omitted.
type Frame struct {
	// Type names the message. Client types are passed through; the relay's
	// own are TypePeers, TypeJoin, TypeLeave and TypeError.
	Type string `json:"type"`
	// From is the peer id of the sender of a forwarded frame; empty on the
	// relay's own frames.
	From string `json:"from,omitempty"`
	// To is the target peer id of a direct frame; empty on a broadcast.
	To string `json:"to,omitempty"`
	// Body is the sender's body, byte for byte as received; the relay never
	// interprets it.
	Body json.RawMessage `json:"body,omitempty"`
}

// PeerInfo describes one peer. It is also the body of a TypeJoin frame.
type PeerInfo struct {
	ID   string `json:"id"`   // unique for the lifetime of the Server, e.g. "p7"
	Name string `json:"name"` // the nickname from the ?name= query parameter
}

// PeersBody is the body of the TypePeers frame a newcomer gets first.
type PeersBody struct {
	You   string     `json:"you"`   // the newcomer's own peer id
	Room  string     `json:"room"`  // the room's name
	Peers []PeerInfo `json:"peers"` // the others, in the order they joined; never null
	// Limits are the relay's limits on this connection, so a peer can pace
	// itself below them instead of being closed for its rate.
	Limits Limits `json:"limits"`
}

// Limits tells a client what the relay allows it (Config's fields).
type Limits struct {
	// RatePerSec and RateBurst bound the frames it may send; RatePerSec
	// is 0 when there is no limit.
	RatePerSec float64 `json:"rate"`
	RateBurst  int     `json:"burst"`
	// SendQueue is how many frames may wait for it before it is closed as
	// too slow.
	SendQueue int `json:"send_queue"`
	// ReadLimit is the largest frame it may send, in bytes.
	ReadLimit int64 `json:"read_limit"`
}

// LeaveBody is the body of a TypeLeave frame.
type LeaveBody struct {
	ID string `json:"id"`
}

// ErrorBody is the body of a TypeError frame: why the client's last
// frame was refused.
type ErrorBody struct {
	// Code is one of the relay's codes (CodeMalformedFrame, CodeRateLimited,
	// …): what a page chooses its words by.
	Code string `json:"code"`
	// Message says the same in English, for logs; never parse it.
	Message string `json:"message"`
}

// inbound is a frame as a client sends it. Only Type and To are read; Body
// stays raw bytes and any other field (a forged "from" included) is ignored.
type inbound struct {
	Type string          `json:"type"`
	To   string          `json:"to"`
	Body json.RawMessage `json:"body"`
}

var (
	errBinary    = &refusal{CodeBinaryFrame, "binary frames are not supported"}
	errNotUTF8   = &refusal{CodeMalformedFrame, "malformed frame: not valid UTF-8"}
	errNotObject = &refusal{CodeMalformedFrame, "malformed frame: want a JSON object"}
	errNoType    = &refusal{CodeMalformedFrame, "malformed frame: empty type"}
	errTypeLong  = &refusal{CodeMalformedFrame, fmt.Sprintf("malformed frame: type longer than %d bytes", MaxTypeLen)}
)

// parseInbound decodes a client frame. Its errors are *refusal, meant for
// the client. A frame that is not valid UTF-8 is refused before anything
// else: a text message must be UTF-8 (RFC 6455 §5.6), encoding/json would
// let invalid bytes through inside the body, and a browser closes its
// socket on the first text frame it cannot decode, so forwarding one would
// take every tab of the room offline. The body may alias data (the
// forwarded frame is encoded into bytes of its own).
func parseInbound(data []byte) (inbound, *refusal) {
	var in inbound
	if !utf8.Valid(data) {
		return in, errNotUTF8
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return in, errNotObject
	}
	if f, ok := scanEnvelope(data); ok {
		if !validJSON(data) {
			return in, errNotObject
		}
		in = f
	} else if err := json.Unmarshal(data, &in); err != nil {
		return in, errNotObject
	}
	switch in.Type {
	case "":
		return in, errNoType
	case TypePeers, TypeJoin, TypeLeave, TypeError:
		return in, &refusal{CodeReservedType, fmt.Sprintf("frame type %q is reserved for the relay", in.Type)}
	}
	if len(in.Type) > MaxTypeLen {
		return in, errTypeLong
	}
	return in, nil
}

// encode returns f as one JSON object. Body is copied byte for byte, so a
// forwarded body reaches every peer exactly as its sender wrote it.
func (f *Frame) encode() []byte {
	b := make([]byte, 0, len(f.Type)+len(f.From)+len(f.To)+len(f.Body)+40)
	b = append(b, `{"type":`...)
	b = appendString(b, f.Type)
	if f.From != "" {
		b = append(b, `,"from":`...)
		b = appendString(b, f.From)
	}
	if f.To != "" {
		b = append(b, `,"to":`...)
		b = appendString(b, f.To)
	}
	if len(f.Body) > 0 {
		b = append(b, `,"body":`...)
		b = append(b, f.Body...)
	}
	return append(b, '}')
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// relayFrame encodes one of the relay's own frames.
func relayFrame(typ string, body any) []byte {
	raw, err := json.Marshal(body)
	if err != nil {
		panic("relay: marshal " + typ + " body: " + err.Error()) // bodies are plain structs
	}
	f := Frame{Type: typ, Body: raw}
	return f.encode()
}

func errorFrame(code, msg string) []byte {
	return relayFrame(TypeError, ErrorBody{Code: code, Message: msg})
}
