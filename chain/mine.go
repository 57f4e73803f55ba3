package chain

import (
	"context"

	"github.com/chainplay/chainplay/chain/mine"
)

// Mine searches nonces start … start+count−1 for one that gives h a proof
// of work, using the midstate kernel of package chain/mine. It returns the
// nonce and true, or false when the range is exhausted or ctx is done.
// It never modifies h.
func Mine(ctx context.Context, h Header, start, count uint64) (nonce uint64, ok bool) {
	return mine.Mine(ctx, h.Encode(), Target(h.Difficulty), start, count)
}
