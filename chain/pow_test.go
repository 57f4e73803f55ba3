package chain_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

func TestTarget(t *testing.T) {
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	for _, d := range []uint64{1, 2, 3, 65536, 1 << 20, chain.MaxSafeInteger} {
		want := new(big.Int).Div(max, new(big.Int).SetUint64(d))
		tg := chain.Target(d)
		require.Equal(t, want, new(big.Int).SetBytes(tg[:]), "difficulty %d", d)
	}
	tg := chain.Target(65536)
	require.True(t, strings.HasPrefix(chain.Hash(tg).String(), "0000ffff"), "difficulty 65536 ≈ the hash starts with 0000")
	require.Equal(t, chain.Target(1), chain.Target(0), "0 counts as 1")
}

func TestMeetsTarget(t *testing.T) {
	tg := chain.Target(256) // 00ffff…
	var h chain.Hash
	h[0], h[1] = 0x00, 0xff
	for i := 2; i < 32; i++ {
		h[i] = 0xff
	}
	require.True(t, chain.MeetsTarget(h, tg), "equal meets")
	h[0] = 0x01
	require.False(t, chain.MeetsTarget(h, tg))
	require.Equal(t, 7, h.LeadingZeroBits())
	require.Equal(t, 256, chain.ZeroHash.LeadingZeroBits())
}

func TestCheckProofOfWork(t *testing.T) {
	h := chain.Header{Version: 1, Height: 1, Difficulty: 1 << 8}
	for h.HasProofOfWork() {
		h.Nonce++
	}
	require.ErrorIs(t, chain.CheckProofOfWork(&h), chain.ErrHighHash)
	for !h.HasProofOfWork() {
		h.Nonce++
	}
	require.NoError(t, chain.CheckProofOfWork(&h))
	require.Equal(t, big.NewInt(256), chain.Work(h.Difficulty))
	require.Equal(t, big.NewInt(256), chain.PoW{}.Work(&h))
}

func TestParams(t *testing.T) {
	for _, p := range []chain.Params{chain.PlaygroundParams, chain.TestParams} {
		require.NoError(t, p.Validate())
		back, err := chain.ParseParams(p.CanonicalJSON())
		require.NoError(t, err)
		require.Equal(t, p, back)
	}
	for name, edit := range map[string]func(p *chain.Params){
		"empty name":          func(p *chain.Params) { p.Name = "" },
		"difficulty 0":        func(p *chain.Params) { p.Difficulty = 0 },
		"difficulty too high": func(p *chain.Params) { p.Difficulty = chain.MaxSafeInteger + 1 },
		"block time 0":        func(p *chain.Params) { p.BlockTimeMs = 0 },
		"max txs 0":           func(p *chain.Params) { p.MaxBlockTxs = 0 },
		"median span 0":       func(p *chain.Params) { p.MedianTimeSpan = 0 },
		"negative drift":      func(p *chain.Params) { p.MaxFutureDriftMs = -1 },
		"epoch too high":      func(p *chain.Params) { p.Epoch = chain.MaxSafeInteger + 1 },
	} {
		t.Run(name, func(t *testing.T) {
			p := chain.TestParams
			edit(&p)
			require.Error(t, p.Validate())
			_, err := chain.New(chain.Config{Params: p})
			require.Error(t, err)
		})
	}
	_, err := chain.ParseParams([]byte(`{"name":"x","extra":1}`))
	require.Error(t, err, "unknown fields are refused")
}

// A reset moves the epoch on and so gives the room a new genesis; epoch 0
// is left out of the canonical JSON, so a room never reset keeps its
// genesis.
func TestEpochChangesTheGenesis(t *testing.T) {
	p := chain.TestParams
	require.NotContains(t, string(p.CanonicalJSON()), "epoch")
	g0 := chain.GenesisBlock(p).Hash()
	p.Epoch = 1
	require.Contains(t, string(p.CanonicalJSON()), `"epoch":1`)
	g1 := chain.GenesisBlock(p).Hash()
	require.NotEqual(t, g0, g1)
	back, err := chain.ParseParams(p.CanonicalJSON())
	require.NoError(t, err)
	require.Equal(t, p, back)
}
