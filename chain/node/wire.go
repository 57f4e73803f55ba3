package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// The two decoders below read the frames a syncing node gets most — the
// relay's envelope, and blocks bodies of hundreds of kilobytes of base64 —
// without encoding/json's byte-by-byte scans, which are most of what a
// tab spends on a sync. Each reads only the exact layout this code and
// the relay write and hands anything else to encoding/json, so a frame
// decodes to the same value either way (fuzz_test.go checks it).

// DecodeMessage decodes one relay frame into a Message, as a node's
// transports do: a frame in the layout the relay writes skips
// encoding/json's scan of its body (the body's own decoder checks it), any
// other goes through encoding/json. A transport that gets frames from the
// relay in-process (cmd/chainplay's archive peers) uses it too.
func DecodeMessage(b []byte) (Message, error) { return decodeEnvelope(b) }

// decodeEnvelope decodes a frame. The relay writes every frame as
// {"type":T,"from":F,"to":O,"body":B} with from, to and body left out when
// empty (relay.Frame); when the frame has that layout and T, F and O are
// plain strings, B is sliced out as it is: its own decoder checks it.
func decodeEnvelope(b []byte) (Message, error) {
	if m, ok := fastEnvelope(b); ok {
		return m, nil
	}
	var m Message
	err := json.Unmarshal(b, &m)
	return m, err
}

// fastEnvelope is decodeEnvelope's fast path; ok is false when the frame
// has another layout.
func fastEnvelope(b []byte) (m Message, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"type":`))
	if !ok {
		return m, false
	}
	if m.Type, rest, ok = plainString(rest); !ok {
		return m, false
	}
	if r, found := bytes.CutPrefix(rest, []byte(`,"from":`)); found {
		if m.From, rest, ok = plainString(r); !ok {
			return m, false
		}
	}
	if r, found := bytes.CutPrefix(rest, []byte(`,"to":`)); found {
		if m.To, rest, ok = plainString(r); !ok {
			return m, false
		}
	}
	if len(rest) == 1 && rest[0] == '}' {
		return m, true
	}
	body, found := bytes.CutPrefix(rest, []byte(`,"body":`))
	if !found || len(body) < 2 || body[len(body)-1] != '}' {
		return m, false
	}
	body = body[:len(body)-1]
	switch body[0] { // a JSON value that encoding/json would keep whole
	case '{', '[', '"', 't', 'f', 'n', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		return m, false
	}
	switch body[len(body)-1] {
	case ' ', '\t', '\r', '\n':
		return m, false // encoding/json would trim it
	}
	m.Body = json.RawMessage(body)
	return m, true
}

// plainString reads a JSON string of printable ASCII without escapes at
// the start of b and returns it and what follows it.
func plainString(b []byte) (s string, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return string(b[1:i]), b[i+1:], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", nil, false
		}
	}
	return "", nil, false
}

// decodeBlocksBody decodes a blocks body. The body a node sends is
// {"blocks":["…",…],"more":false} (encoding/json's layout of BlocksBody):
// base64 has no characters to escape, so each block is sliced out and
// base64-decoded without a JSON scan; any other layout goes through
// encoding/json.
func decodeBlocksBody(b []byte) (BlocksBody, error) {
	if body, ok := fastBlocksBody(b); ok {
		return body, nil
	}
	var body BlocksBody
	if err := json.Unmarshal(b, &body); err != nil {
		return BlocksBody{}, fmt.Errorf("node: decode blocks: %w", err)
	}
	return body, nil
}

// fastBlocksBody is decodeBlocksBody's fast path.
func fastBlocksBody(b []byte) (body BlocksBody, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"blocks":[`))
	if !ok {
		return body, false
	}
	body.Blocks = [][]byte{}
	if r, found := bytes.CutPrefix(rest, []byte(`]`)); found {
		rest = r
	} else {
		for {
			if len(rest) == 0 || rest[0] != '"' {
				return body, false
			}
			end := bytes.IndexByte(rest[1:], '"')
			if end < 0 {
				return body, false
			}
			enc := rest[1 : 1+end]
			dec := make([]byte, base64.StdEncoding.DecodedLen(len(enc)))
			n, err := base64.StdEncoding.Decode(dec, enc)
			if err != nil || bytes.IndexByte(enc, '\\') >= 0 || bytes.ContainsAny(enc, "\r\n") {
				return body, false // encoding/json decides (and says what is wrong)
			}
			body.Blocks = append(body.Blocks, dec[:n])
			rest = rest[2+end:]
			if len(rest) > 0 && rest[0] == ',' {
				rest = rest[1:]
				continue
			}
			if len(rest) > 0 && rest[0] == ']' {
				rest = rest[1:]
				break
			}
			return body, false
		}
	}
	switch {
	case bytes.Equal(rest, []byte(`,"more":true}`)):
		body.More = true
	case bytes.Equal(rest, []byte(`,"more":false}`)):
	default:
		return body, false
	}
	return body, true
}
