package chain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// AddLocal is Add without the rate limit of fee-0 transactions: a node's
// own user may post as fast as they like (every other bound holds), and
// doing so does not spend the allowance the sender's transactions from
// peers get.
func TestMempoolAddLocalSkipsTheFreeLimit(t *testing.T) {
	c, err := chain.New(chain.Config{Params: chaintest.Params()})
	require.NoError(t, err)
	cfg := chain.MempoolConfig{MaxPerSender: 30, FreeBurst: 2, FreeInterval: time.Hour}
	m := chain.NewMempool(c, cfg)
	defer m.Close()
	now := time.Unix(1000, 0)
	key := chaintest.Key(1)
	post := func(seq uint64) *chain.Tx { return chaintest.Post(c.ID(), key, "ada", "hello", 0, seq) }

	for seq := range uint64(20) {
		require.NoError(t, m.AddLocal(post(seq), now), "post %d", seq)
	}
	require.Equal(t, 20, m.Len())
	for seq := uint64(20); seq < 22; seq++ {
		require.NoError(t, m.Add(post(seq), now), "the sender's free allowance is untouched")
	}
	require.ErrorIs(t, m.Add(post(22), now), chain.ErrRateLimited)
	for seq := uint64(22); seq < 30; seq++ {
		require.NoError(t, m.AddLocal(post(seq), now))
	}
	require.ErrorIs(t, m.AddLocal(post(30), now), chain.ErrMempoolFull, "the per-sender bound still holds")
	require.Equal(t, 30, m.Len())
}
