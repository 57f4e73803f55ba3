package chain

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeDump is what ParseChainJSON did before splitChainDump: the outer
// object through encoding/json.
func decodeDump(data []byte) (int, []json.RawMessage, error) {
	var raw struct {
		Length int               `json:"length"`
		Chain  []json.RawMessage `json:"chain"`
	}
	err := json.Unmarshal(data, &raw)
	return raw.Length, raw.Chain, err
}

var dumpSeeds = []string{
	`{"length":2,"chain":[{"index":0,"memo":"a \"}\" and a \\\\"},{"index":1,"transactions":[{"x":[1,{"y":"]"}]}]}]}`,
	"{\n  \"length\": 2,\n  \"chain\": [\n    {\"index\": 0},\n    {\"index\": 1}\n  ]\n}\n",
	`{"chain":[{}],"length":1}`,
	`{"length":0,"chain":[]}`,
	`{"length":1,"chain":[{"a":"}"]}`,
	`{"length":1,"chain":[{}],"extra":1}`,
	`{"length":1,"length":2,"chain":[{}]}`,
	`{"Length":1,"chain":[{}]}`,
	`{"length":01,"chain":[{}]}`,
	`{"length":1e0,"chain":[{}]}`,
	`{"length":-1,"chain":[{}]}`,
	`{"length":1,"chain":[null]}`,
	`{"length":1,"chain":[{}] } x`,
	`{"length":1,"chain":[{},]}`,
	`{"length":1,"chain":[{"a":1}`,
	`{"length":1,"chain":[{"a":tru}]}`,
	`{"length":1234567890,"chain":[]}`,
}

func TestSplitChainDump(t *testing.T) {
	for _, tc := range []struct {
		in     string
		ok     bool
		length int
		blocks []string
	}{
		{dumpSeeds[0], true, 2, []string{`{"index":0,"memo":"a \"}\" and a \\\\"}`, `{"index":1,"transactions":[{"x":[1,{"y":"]"}]}]}`}},
		{dumpSeeds[1], true, 2, []string{`{"index": 0}`, `{"index": 1}`}},
		{dumpSeeds[2], true, 1, []string{`{}`}},
		{dumpSeeds[3], true, 0, []string{}},
		{dumpSeeds[5], false, 0, nil},  // a field Export does not write
		{dumpSeeds[6], false, 0, nil},  // a field twice
		{dumpSeeds[7], false, 0, nil},  // encoding/json's case-insensitive match
		{dumpSeeds[8], false, 0, nil},  // not JSON
		{dumpSeeds[11], false, 0, nil}, // a null block
		{dumpSeeds[12], false, 0, nil}, // trailing data
		{dumpSeeds[13], false, 0, nil}, // trailing comma
		{dumpSeeds[16], false, 0, nil}, // more digits than a dump can have blocks
	} {
		n, blocks, ok := splitChainDump([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		if !ok {
			continue
		}
		require.Equal(t, tc.length, n, tc.in)
		require.Len(t, blocks, len(tc.blocks))
		for i, b := range tc.blocks {
			require.Equal(t, b, string(blocks[i]))
		}
	}
}

// FuzzSplitChainDump: whenever the fast split accepts a dump, encoding/json
// either reads the same length and the same bytes for every block, or
// refuses the dump because a block is not valid JSON — which the block's
// own decoding then refuses too.
func FuzzSplitChainDump(f *testing.F) {
	for _, s := range dumpSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, blocks, ok := splitChainDump(data)
		if !ok {
			return
		}
		wantN, want, err := decodeDump(data)
		if err != nil {
			for _, b := range blocks {
				if !json.Valid(b) {
					return
				}
			}
			t.Fatalf("split %q, but encoding/json refuses it (%v) and every block is valid JSON", data, err)
		}
		if n != wantN || len(blocks) != len(want) {
			t.Fatalf("%q: split %d blocks, length %d; encoding/json %d blocks, length %d", data, len(blocks), n, len(want), wantN)
		}
		for i := range blocks {
			if !bytes.Equal(blocks[i], want[i]) {
				t.Fatalf("%q: block %d split as %q, encoding/json %q", data, i, blocks[i], want[i])
			}
		}
	})
}
