package chain_test

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// readVector reads testdata/name: hex with "#" comments, split into
// "[section]"s ("" before the first one). A missing file fails the test.
func readVector(t *testing.T, name string) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err, "golden vectors must exist")
	defer f.Close()
	out := map[string][]byte{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		b, err := hex.DecodeString(line)
		require.NoError(t, err, "%s: %q", name, line)
		out[section] = append(out[section], b...)
	}
	require.NoError(t, sc.Err())
	return out
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestGoldenHeader(t *testing.T) {
	file := readVector(t, "header.hex")[""]
	want := cat(
		be32(1),                        // version
		be64(258),                      // height
		be64(1767225601000),            // time, unix ms
		be64(65536),                    // difficulty
		bytes.Repeat([]byte{0x11}, 32), // prev_hash
		bytes.Repeat([]byte{0x22}, 32), // merkle_root
		be64(0x0a0b0c0d0e0f),           // nonce
	)
	require.Len(t, want, chain.HeaderSize)
	require.Equal(t, want, file)

	h := chain.Header{
		Version: 1, Height: 258, Time: 1767225601000, Difficulty: 65536,
		PrevHash: chain.Hash(bytes.Repeat([]byte{0x11}, 32)), MerkleRoot: chain.Hash(bytes.Repeat([]byte{0x22}, 32)),
		Nonce: 0x0a0b0c0d0e0f,
	}
	enc := h.Encode()
	require.Equal(t, want, enc[:])
	dec, err := chain.DecodeHeader(want)
	require.NoError(t, err)
	require.Equal(t, h, dec)
	require.Equal(t, chain.Hash(sha256.Sum256(want)), h.Hash())
	require.Equal(t, "6bf9da90983e6e8fc2f2c5f9dccb06bfd627366dec47f6be5124f7093a9f9441", h.Hash().String())
	for n := range len(want) {
		_, err := chain.DecodeHeader(want[:n])
		require.Error(t, err)
	}
}

func TestGoldenGenesis(t *testing.T) {
	file := readVector(t, "genesis.hex")
	memo := `{"name":"test","genesis_time":1767225600000,"difficulty":2,"block_time_ms":1000,` +
		`"retarget_interval":0,"subsidy":50,"halving_interval":210,"max_block_txs":100,` +
		`"max_future_drift_ms":120000,"median_time_span":11}`
	coinbase := cat(
		[]byte{0},           // from: length 0
		make([]byte, 20),    // to: zero address
		be64(0),             // amount
		be64(0),             // fee
		be64(0),             // seq = height 0
		be64(1767225600000), // time = genesis_time
		[]byte{7},           // name length
		[]byte("genesis"),   // name
		binary.BigEndian.AppendUint16(nil, uint16(len(memo))), // memo length
		[]byte(memo), // memo: canonical params JSON
		[]byte{0},    // sig: length 0
	)
	require.Equal(t, coinbase, file["coinbase"])
	txid := sha256.Sum256(coinbase)
	header := cat(
		be32(1),             // version
		be64(0),             // height
		be64(1767225600000), // time
		be64(2),             // difficulty
		make([]byte, 32),    // prev_hash
		txid[:],             // merkle_root of one tx = its id
		be64(0),             // nonce
	)
	require.Equal(t, header, file["header"])
	id := sha256.Sum256(header)
	require.Equal(t, id[:], file["hash"])

	g := chain.GenesisBlock(chain.TestParams)
	require.Equal(t, string(chain.TestParams.CanonicalJSON()), memo)
	require.Equal(t, coinbase, g.Txs[0].Encode())
	enc := g.Header.Encode()
	require.Equal(t, header, enc[:])
	require.Equal(t, chain.Hash(id), g.Hash())
	c := chaintest.New(t, chain.TestParams)
	require.Equal(t, chain.Hash(id), c.ID())
	p, err := chain.ParseParams([]byte(memo))
	require.NoError(t, err)
	require.Equal(t, chain.TestParams, p)
	// The classroom default has its own, stable, chain id.
	require.NotEqual(t, g.Hash(), chain.GenesisBlock(chain.PlaygroundParams).Hash())
}

func TestGoldenTx(t *testing.T) {
	file := readVector(t, "tx.hex")
	chainID := chain.Hash(file["chain_id"])
	require.Equal(t, chain.GenesisBlock(chain.TestParams).Hash(), chainID)
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	key, err := chain.KeyFromSeedHex(hex.EncodeToString(seed))
	require.NoError(t, err)
	to := sha256.Sum256([]byte("recipient"))
	tx := &chain.Tx{To: chain.Address(to[:20]), Amount: 1234, Fee: 5, Seq: 7, Time: 1767225660000, Name: "ada", Memo: "héllo ✓"}
	tx.Sign(chainID, key)

	want := file["tx"]
	require.Equal(t, want, tx.Encode())
	txID := tx.ID()
	require.Equal(t, file["id"], txID[:])
	id := sha256.Sum256(want)
	require.Equal(t, file["id"], id[:])
	// The signature verifies with crypto/ed25519 over chain id || body.
	body, sig := want[:len(want)-65], want[len(want)-64:]
	require.True(t, ed25519.Verify(ed25519.PublicKey(want[1:33]), cat(chainID[:], body), sig))
	require.Equal(t, cat(chainID[:], body), tx.SigningMessage(chainID))
	require.True(t, tx.VerifySignature(chainID))
	require.Equal(t, chain.AddressOf(want[1:33]), tx.Sender())
	require.Equal(t, chain.KeyAddress(key), tx.Sender())

	dec, err := chain.DecodeTx(want)
	require.NoError(t, err)
	require.Equal(t, tx, dec)
	for n := range len(want) {
		_, err := chain.DecodeTx(want[:n])
		require.Error(t, err, "truncated at %d", n)
	}
	_, err = chain.DecodeTx(append(want, 0))
	require.Error(t, err, "trailing byte")
}

func TestMerkleRoot(t *testing.T) {
	h := func(s string) chain.Hash { return sha256.Sum256([]byte(s)) }
	pair := func(a, b chain.Hash) chain.Hash { return sha256.Sum256(cat(a[:], b[:])) }
	a, b, c, d, e := h("a"), h("b"), h("c"), h("d"), h("e")
	tests := []struct {
		name string
		ids  []chain.Hash
		want chain.Hash
	}{
		{"none", nil, chain.ZeroHash},
		{"one is its own root", []chain.Hash{a}, a},
		{"two", []chain.Hash{a, b}, pair(a, b)},
		{"three duplicates the last", []chain.Hash{a, b, c}, pair(pair(a, b), pair(c, c))},
		{"four", []chain.Hash{a, b, c, d}, pair(pair(a, b), pair(c, d))},
		{"five", []chain.Hash{a, b, c, d, e}, pair(pair(pair(a, b), pair(c, d)), pair(pair(e, e), pair(e, e)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids := append([]chain.Hash(nil), tc.ids...)
			require.Equal(t, tc.want, chain.MerkleRoot(ids))
			require.Equal(t, tc.ids, ids, "input unchanged")
		})
	}
	// Hard-coded: SHA-256("a") paired with SHA-256("b").
	require.Equal(t, "e5a01fee14e0ed5c48714f22180f25ad8365b53f9779f79dc4a3d7e93963f94a", pair(a, b).String())
}

func TestBlockEncodingRoundTrip(t *testing.T) {
	c, blocks := dumpFixture(t)
	_ = c
	for _, b := range blocks {
		enc := b.Encode()
		dec, err := chain.DecodeBlock(enc)
		require.NoError(t, err)
		require.Equal(t, enc, dec.Encode())
		require.Equal(t, b.Hash(), dec.Hash())
		assert.Equal(t, b.Header, dec.Header)
		assert.Equal(t, len(b.Txs), len(dec.Txs))
	}
	enc := blocks[2].Encode()
	for n := range len(enc) {
		_, err := chain.DecodeBlock(enc[:n])
		require.Error(t, err, "truncated at %d", n)
	}
	_, err := chain.DecodeBlock(append(enc, 0))
	require.Error(t, err)
}

func TestJSONRoundTrip(t *testing.T) {
	_, blocks := dumpFixture(t)
	b := blocks[2]
	data, err := b.MarshalJSON()
	require.NoError(t, err)
	var back chain.Block
	require.NoError(t, back.UnmarshalJSON(data))
	require.Equal(t, b.Encode(), back.Encode())

	j := b.JSON()
	check := func(name string, have, want any) { assert.Equal(t, want, have, name) }
	check("index", j.Index, b.Header.Height)
	check("timestamp", j.Timestamp, float64(b.Header.Time)/1000)
	check("previous_hash", j.PreviousHash, b.Header.PrevHash)
	check("hash", j.Hash, b.Hash())
	tx := j.Transactions[1]
	check("sender", tx.Sender, chaintest.Addr(0).String())
	check("recipient", tx.Recipient, chaintest.Addr(1))
	check("author", tx.Author, chaintest.Addr(0).Short())
	check("coinbase sender", j.Transactions[0].Sender, "0")
	check("post author", j.Transactions[2].Author, "ada")
	check("post content", j.Transactions[2].Content, "first post!")
}
