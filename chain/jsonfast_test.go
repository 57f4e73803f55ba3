package chain

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// blockJSONSeeds are blocks as MarshalJSON writes them, and variations.
func blockJSONSeeds(t testing.TB) [][]byte {
	g := GenesisBlock(TestParams)
	cb := &Tx{To: Address{1, 2}, Amount: 50, Seq: 1, Time: g.Header.Time + 1000, Memo: "gm ✓"}
	post := &Tx{To: Address{}, Time: g.Header.Time + 900, Name: "小明", Memo: "first post"}
	post.Sign(g.Hash(), GenerateKey())
	odd := &Tx{To: Address{9}, Amount: 1, Fee: 1, Time: -5, Name: "a<b", Memo: "say \"hi\"\n"}
	odd.Sign(g.Hash(), GenerateKey())
	b := &Block{Header: Header{Version: 1, Height: 1, Time: g.Header.Time + 1000, Difficulty: 3, PrevHash: g.Hash(), Nonce: 1 << 60}, Txs: []*Tx{cb, post}}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	compact, err := json.Marshal(b)
	require.NoError(t, err)
	indented, err := json.MarshalIndent(b, "", "  ")
	require.NoError(t, err)
	withEscapes, err := json.Marshal(&Block{Header: b.Header, Txs: []*Tx{cb, odd}})
	require.NoError(t, err)
	genesis, err := json.Marshal(g)
	require.NoError(t, err)
	return [][]byte{compact, indented, withEscapes, genesis,
		bytes.Replace(compact, []byte(`"index":1`), []byte(`"index":1.0`), 1),
		bytes.Replace(compact, []byte(`"index":1`), []byte(`"index":-1`), 1),
		bytes.Replace(compact, []byte(`"nonce":`), []byte(`"nonce":1e3,"x":`), 1),
		bytes.Replace(compact, []byte(`"transactions":[`), []byte(`"transactions":[null,`), 1),
		[]byte(`{"index":0,"timestamp":0,"time":0,"version":1,"difficulty":1,"previous_hash":"` + Hash{}.String() + `","merkle_root":"` + Hash{}.String() + `","nonce":0,"hash":"` + Hash{}.String() + `","transactions":[]}`),
	}
}

func TestDecodeBlockJSON(t *testing.T) {
	seeds := blockJSONSeeds(t)
	for i, want := range []bool{true, true, false, false, false, false, false, false, true} {
		var j BlockJSON
		require.Equal(t, want, decodeBlockJSON(seeds[i], &j), "seed %d: %s", i, seeds[i])
		if !want {
			continue
		}
		var ref BlockJSON
		require.NoError(t, json.Unmarshal(seeds[i], &ref))
		require.Equal(t, ref, j, "seed %d", i)
	}
	// A block decodes the same through either path, derived fields checked.
	var fast Block
	require.NoError(t, fast.UnmarshalJSON(seeds[0]))
	var ref BlockJSON
	require.NoError(t, json.Unmarshal(seeds[0], &ref))
	slow, err := ref.Block()
	require.NoError(t, err)
	require.Equal(t, slow.Encode(), fast.Encode())
}

// FuzzDecodeBlockJSON: whenever the fast decoder accepts a block, it
// decodes what encoding/json does.
func FuzzDecodeBlockJSON(f *testing.F) {
	for _, s := range blockJSONSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got BlockJSON
		if !decodeBlockJSON(data, &got) {
			return
		}
		var want BlockJSON
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("decoded %q, which encoding/json refuses: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", data, got, want)
		}
	})
}
