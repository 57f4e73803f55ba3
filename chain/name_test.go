package chain_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// The derivation of a named account never changes: every node and page
// must agree on it. The vectors are the tutorials' own names.
func TestNameAddressVectors(t *testing.T) {
	for name, want := range map[string]string{
		"someone-other-address":            "9dcd8296a201e848e8715cfae4a49356259c295c", // dvf's recipient
		"d4ee26eee15148ee92c6cd394edd974e": "4e244bdbca2f2c36bd1b47999cca0d2e93a11eff", // dvf's sender
		"alice":                            "dc208284f38390b827c05496d27ca00c288910b2",
		"张三":                               "a0da1a99b0cedb91b972e9d3d65f8b232bb288f7",
	} {
		require.Equal(t, want, chain.NameAddress(name).String(), name)

		// The documented formula, step by step.
		seed := sha256.Sum256([]byte("chainplay named account v1\x00" + name))
		pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		h := sha256.Sum256(pub)
		na := chain.NameAddress(name)
		require.Equal(t, h[:chain.AddressSize], na[:], name)
		require.Equal(t, chain.NameAddress(name), chain.KeyAddress(chain.NameKey(name)))
	}
}

func TestParseAccount(t *testing.T) {
	addr := chain.KeyAddress(chain.GenerateKey())
	for _, tc := range []struct {
		in       string
		addr     chain.Address
		name     string
		wantFail bool
	}{
		{in: addr.String(), addr: addr},
		{in: strings.ToUpper(addr.String()), addr: addr},
		{in: "someone-other-address", addr: chain.NameAddress("someone-other-address"), name: "someone-other-address"},
		{in: "d4ee26eee15148ee92c6cd394edd974e", addr: chain.NameAddress("d4ee26eee15148ee92c6cd394edd974e"), name: "d4ee26eee15148ee92c6cd394edd974e"},
		{in: "张三李四王五赵六钱七", addr: chain.NameAddress("张三李四王五赵六钱七"), name: "张三李四王五赵六钱七"}, // 30 bytes
		{in: "Ada Lovelace", addr: chain.NameAddress("Ada Lovelace"), name: "Ada Lovelace"},
		{in: "", wantFail: true},
		{in: "   ", wantFail: true},
		{in: "tab\there", wantFail: true},
		{in: "张三李四王五赵六钱七孙", wantFail: true}, // 33 bytes
		{in: strings.Repeat("x", chain.MaxNameBytes+1), wantFail: true},
		{in: "\xff\xfe", wantFail: true},
		{in: strings.Repeat("g", 40), wantFail: true}, // not hex, and 40 bytes: too long for a name
	} {
		a, name, err := chain.ParseAccount(tc.in)
		if tc.wantFail {
			require.ErrorIs(t, err, chain.ErrBadAccountName, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.addr, a, "%q", tc.in)
		require.Equal(t, tc.name, name, "%q", tc.in)
	}
	require.ErrorIs(t, chain.CheckAccountName(addr.String()), chain.ErrBadAccountName, "40 hex characters are an address, not a name")
}

func TestIsPost(t *testing.T) {
	key := chain.GenerateKey()
	post := &chain.Tx{Memo: "hi"}
	post.Sign(chain.Hash{}, key)
	transfer := &chain.Tx{To: chain.NameAddress("bob"), Amount: 1, Memo: "for the pizza"}
	transfer.Sign(chain.Hash{}, key)
	coinbase := &chain.Tx{To: chain.NameAddress("bob"), Amount: 50, Memo: "{}"}
	require.True(t, post.IsPost())
	require.False(t, transfer.IsPost())
	require.False(t, coinbase.IsPost())
	for _, to := range []chain.Address{chain.CandidateAddress, chain.VoteAddress} {
		op := &chain.Tx{To: to, Memo: "not a post"}
		op.Sign(chain.Hash{}, key)
		require.False(t, op.IsPost(), "a candidacy or vote is a stake instruction")
		require.NotEmpty(t, op.StakeOp())
	}
	require.Empty(t, post.StakeOp())
	require.Equal(t, chain.OpStake, (&chain.Tx{From: key.Public().(ed25519.PublicKey), To: chain.StakeAddress, Amount: 5}).StakeOp())
}
