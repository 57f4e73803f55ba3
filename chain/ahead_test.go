package chain_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// longChain is 300 blocks of 3 transfers each after block 3 (keys 0–2
// fund themselves in blocks 1–3): many chunks for the checks that run
// ahead of the import.
func longChain(t testing.TB) []*chain.Block {
	t.Helper()
	p := chaintest.Params()
	bld := chaintest.NewBuilder(p)
	blocks := []*chain.Block{bld.Genesis()}
	tip := bld.Genesis()
	seq := make([]uint64, 3)
	for h := 1; h <= 300; h++ {
		var txs []*chain.Tx
		if h > 3 {
			for k := range 3 {
				txs = append(txs, chaintest.Transfer(bld.ID(), chaintest.Key(k), chaintest.Addr((k+1)%3), 1, 1, seq[k]))
				seq[k]++
			}
		}
		tip = bld.Block(tip, h%3, txs...)
		blocks = append(blocks, tip)
	}
	return blocks
}

// A bad signature deep in a long dump is rejected by name, at its block,
// whichever chunk of the checks ahead finds it, and nothing is kept; when
// an earlier block breaks another rule, that one is reported, as a
// sequential ProcessBlock would.
func TestImportRejectsALateBadSignature(t *testing.T) {
	good := longChain(t)
	now := chaintest.Now(chaintest.Params())
	for _, bad := range []int{4, 31, 32, 33, 150, 299, 300} { // chunks of 32 blocks after genesis
		t.Run(fmt.Sprintf("block %d", bad), func(t *testing.T) {
			bs := copyBlocks(t, good)
			bs[bad].Txs[2].Sig[5] ^= 1
			if bad == 150 { // two bad ones: the first is named
				bs[bad].Txs[3].Sig[9] ^= 1
			}
			chaintest.Seal(bs[bad])
			{
				data := dumpOf(t, bs)
				_, err := chain.ImportChain(data, now)
				require.ErrorIs(t, err, chain.ErrBadSignature)
				require.ErrorContains(t, err, fmt.Sprintf("import block %d:", bad))
				require.ErrorContains(t, err, "transaction 2 (")

				fresh := chaintest.New(t, chaintest.Params())
				_, err = fresh.Import(data, now)
				require.ErrorIs(t, err, chain.ErrBadSignature)
				require.Equal(t, uint64(0), fresh.Tip().Height, "nothing kept")
				for _, b := range bs[1:] {
					_, ok := fresh.BlockByHash(b.Hash())
					require.False(t, ok)
				}
			}
		})
	}
	t.Run("an earlier block breaks another rule", func(t *testing.T) {
		bs := copyBlocks(t, good)
		bs[200].Txs[1].Sig[0] ^= 1
		chaintest.Seal(bs[200])
		bs[120].Txs[0].Amount++ // a wrong reward
		chaintest.Seal(bs[120])
		// Re-link the blocks after 120 to its new hash.
		for i := 121; i < len(bs); i++ {
			bs[i].Header.PrevHash = bs[i-1].Hash()
			chaintest.Solve(bs[i])
		}
		_, err := chain.NewFromBlocks(chain.Config{}, bs, now)
		require.ErrorIs(t, err, chain.ErrBadReward)
		require.ErrorContains(t, err, "import block 120:")
	})
	t.Run("the whole chain is fine", func(t *testing.T) {
		c, err := chain.NewFromBlocks(chain.Config{}, good, now)
		require.NoError(t, err)
		require.Equal(t, uint64(300), c.Tip().Height)
	})
}
