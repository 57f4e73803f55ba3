package view_test

import (
	"testing"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// BenchmarkSnapshot: what a page's frame costs the node on a chain of
// 10,000 blocks, once the model has indexed it (the first snapshot does).
func BenchmarkSnapshot(b *testing.B) {
	c := chaintest.New(b, chain.TestParams)
	blocks := chaintest.Extend(b, c, 10_000, chaintest.Addr(1))
	n := newNode(b, "ada", blocks...)
	m := view.New(n, view.Config{})
	defer m.Close()
	m.Snapshot()
	b.ResetTimer()
	for range b.N {
		m.Snapshot()
	}
}
