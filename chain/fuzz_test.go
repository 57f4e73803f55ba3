package chain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// fuzzSeeds returns encoded blocks: valid ones and one per rejected case.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	_, blocks := dumpFixture(f)
	var out [][]byte
	for _, b := range blocks {
		out = append(out, b.Encode())
	}
	for _, tc := range rejectedCases {
		out = append(out, tc.build(newFixture(f)).Encode())
	}
	return out
}

func FuzzDecodeBlock(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := chain.DecodeBlock(data)
		if err != nil {
			return
		}
		require.Equal(t, data, b.Encode(), "a valid decode re-encodes to the same bytes")
		_ = b.Hash()
		_ = b.JSON()
	})
}

func FuzzDecodeTx(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		b, err := chain.DecodeBlock(s)
		if err != nil {
			continue
		}
		for _, tx := range b.Txs {
			f.Add(tx.Encode())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := chain.DecodeTx(data)
		if err != nil {
			return
		}
		require.Equal(t, data, tx.Encode(), "a valid decode re-encodes to the same bytes")
		j, err := tx.MarshalJSON()
		require.NoError(t, err)
		var back chain.Tx
		require.NoError(t, back.UnmarshalJSON(j))
		require.Equal(t, data, back.Encode(), "JSON round trip")
	})
}

// FuzzProcessBlock feeds any decodable block to a chain and a mempool:
// neither may panic, and an error is always a RuleError.
func FuzzProcessBlock(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, clock int64) {
		b, err := chain.DecodeBlock(data)
		if err != nil {
			return
		}
		fx := newFixture(t)
		mp := chain.NewMempool(fx.c, chain.MempoolConfig{})
		defer mp.Close()
		now := fx.now.Add(time.Duration(clock) * time.Millisecond)
		for _, tx := range b.Txs {
			if err := mp.Add(tx, now); err != nil {
				require.True(t, chain.IsRuleError(err), "%v", err)
			}
		}
		st, err := fx.c.ProcessBlock(b, now)
		if err != nil {
			require.True(t, chain.IsRuleError(err), "%v", err)
			if !errors.Is(err, chain.ErrDuplicateBlock) {
				require.Equal(t, chain.StatusRejected, st)
			}
		}
		fx.c.RetryFuture(now.Add(time.Hour))
		_ = mp.Template(chaintest.Addr(0), now)
		_ = fx.c.MissingParents()
	})
}
