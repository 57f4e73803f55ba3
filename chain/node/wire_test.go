package node

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

var envelopeSeeds = []string{
	`{"type":"hello","from":"p1","body":{"genesis":"00","height":3}}`,
	`{"type":"blocks","from":"p2","to":"p7","body":{"blocks":["AAAB","AQID"],"more":true}}`,
	`{"type":"peers","body":{"you":"p3","room":"r","peers":[]}}`,
	`{"type":"getmempool","from":"p1","to":"p2","body":{}}`,
	`{"type":"leave"}`,
	`{"type":"tx","from":"p1","body":"x"}`,
	`{"type":"tx","from":"p1","body":1}}`,
	`{"type":"tx","from":"p1","body": {}}`,
	`{"type":"tx","from":"p1","body":{} }`,
	`{"type":"t\u00e9","body":{}}`,
	`{"type":"a","from":"x","from":"y","body":{}}`,
	`{"from":"p1","type":"a"}`,
	`{"type":"a","body":null}`,
	`{"type":"a","body":`,
	`not json`,
	``,
}

// FuzzDecodeEnvelope: whenever encoding/json decodes a frame, the fast
// path gives the same message; when it does not, whatever the fast path
// gives has a body no decoder accepts.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want Message
		werr := json.Unmarshal(b, &want)
		got, ok := fastEnvelope(b)
		if !ok {
			return
		}
		if werr != nil {
			require.False(t, json.Valid(got.Body), "fast path accepted %q that encoding/json refuses, with a valid body", b)
			return
		}
		require.Equal(t, want.Type, got.Type)
		require.Equal(t, want.From, got.From)
		require.Equal(t, want.To, got.To)
		require.Equal(t, string(want.Body), string(got.Body))
	})
}

var blocksSeeds = []string{
	`{"blocks":["AAAB","AQID"],"more":true}`,
	`{"blocks":[],"more":false}`,
	`{"blocks":[""],"more":false}`,
	`{"blocks":null,"more":false}`,
	`{"blocks":["AA\nAB"],"more":false}`,
	`{"blocks":["AA\/AB"],"more":false}`,
	`{"blocks":["AAA"],"more":false}`,
	`{"blocks":["AAAB" ],"more":false}`,
	`{"more":true,"blocks":["AAAB"]}`,
	`{"blocks":["AAAB"],"more":true,"x":1}`,
	`{"blocks":["AAAB"],"more":1}`,
}

// FuzzDecodeBlocksBody: the fast path and encoding/json agree on every
// body the fast path takes.
func FuzzDecodeBlocksBody(f *testing.F) {
	for _, s := range blocksSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := fastBlocksBody(b)
		if !ok {
			return
		}
		var want BlocksBody
		require.NoError(t, json.Unmarshal(b, &want), "fast path accepted %q", b)
		if len(want.Blocks) == 0 && len(got.Blocks) == 0 {
			want.Blocks, got.Blocks = nil, nil
		}
		require.True(t, reflect.DeepEqual(want, got), "%q: encoding/json %+v, fast path %+v", b, want, got)
	})
}

// TestFastPathsTakeWhatNodesSend: the frames a node and the relay write
// take the fast paths (else they would be no faster).
func TestFastPathsTakeWhatNodesSend(t *testing.T) {
	body, err := json.Marshal(BlocksBody{Blocks: [][]byte{{0, 0, 1}, {1, 2, 3}}, More: true})
	require.NoError(t, err)
	got, ok := fastBlocksBody(body)
	require.True(t, ok, "%s", body)
	require.Equal(t, BlocksBody{Blocks: [][]byte{{0, 0, 1}, {1, 2, 3}}, More: true}, got)

	frame := `{"type":"blocks","from":"p2","to":"p7","body":` + string(body) + `}`
	m, ok := fastEnvelope([]byte(frame))
	require.True(t, ok)
	require.Equal(t, Message{Type: "blocks", From: "p2", To: "p7", Body: body}, m)
	m, err = decodeEnvelope([]byte(`{"from":"p1","type":"x"}`)) // another layout: encoding/json
	require.NoError(t, err)
	require.Equal(t, Message{Type: "x", From: "p1"}, m)
	_, err = decodeEnvelope([]byte(`{"type":`))
	require.Error(t, err)
}
