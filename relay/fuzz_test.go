package relay

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

var inboundSeeds = []string{
	`{"type":"tx","body":{"a":1}}`,
	`{"type":"hello","to":"p2","body":{"work":"123"}}`,
	`{"type":"x","body":"\xff"}`,
	"{\"type\":\"x\",\"body\":\"\xed\xa0\x80\"}", // a UTF-16 surrogate in UTF-8
	`{"type":"leave"}`,
	`{"type":""}`,
	`{"type":"a","to":"p1","to":"p2"}`,
	`{"type":"\u0000"}`,
	` [1]`,
	`{"type":"t","body":`,
	``,
}

// FuzzParseInbound is the relay's frame parser under any input: it never
// panics or stalls, and what it accepts is valid UTF-8 JSON whose
// forwarded frame (the one every peer of the room receives) is valid
// UTF-8 JSON too, carrying the same type, target and body.
func FuzzParseInbound(f *testing.F) {
	for _, s := range inboundSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		in, refused := parseInbound(data)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("parsing %d bytes took %v", len(data), d)
		}
		if refused != nil {
			if refused.code == "" || refused.msg == "" {
				t.Fatalf("a refusal without a code or a message: %+v", refused)
			}
			return
		}
		if !utf8.Valid(data) || !json.Valid(data) {
			t.Fatalf("accepted %q, which is not valid UTF-8 JSON", data)
		}
		if in.Type == "" || len(in.Type) > MaxTypeLen {
			t.Fatalf("accepted type %q", in.Type)
		}
		switch in.Type {
		case TypePeers, TypeJoin, TypeLeave, TypeError:
			t.Fatalf("accepted reserved type %q", in.Type)
		}
		out := (&Frame{Type: in.Type, From: "p1", To: in.To, Body: in.Body}).encode()
		if !utf8.Valid(out) {
			t.Fatalf("forwarded frame %q is not valid UTF-8", out)
		}
		var got Frame
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("forwarded frame %q: %v", out, err)
		}
		if got.Type != in.Type || got.To != in.To || got.From != "p1" {
			t.Fatalf("forwarded frame %q: have %+v", out, got)
		}
	})
}

// FuzzScanEnvelope: on every valid frame the fast envelope scan reads, it
// finds what encoding/json decodes.
func FuzzScanEnvelope(f *testing.F) {
	for _, s := range append(inboundSeeds,
		`{ "body" : [1, {"a": "}]"}], "type": "block" }`,
		`{"to":"p3","type":"x","body":"s\"}"}`,
		`{"type":"x","body":12.5e3}`,
		`{"type":"x","body":true }`,
		`{"type":"x","Type":"y"}`,
		`{"type":"x","body":null}`,
		`{"type":"x","extra":1}`,
		`{"type":"\u0074x"}`,
		`{}`,
	) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := scanEnvelope(data)
		if !ok || !json.Valid(data) || !utf8.Valid(data) { // parseInbound refuses what is not UTF-8 first
			return
		}
		var want inbound
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%q is valid JSON but encoding/json refuses it: %v", data, err)
		}
		if got.Type != want.Type || got.To != want.To || string(got.Body) != string(want.Body) {
			t.Fatalf("%q: scanned %+v, encoding/json %+v", data, got, want)
		}
	})
}
