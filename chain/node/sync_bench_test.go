package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// buildChain mines k blocks on a fresh node (TestParams: a few hashes
// each), one second of its clock apart.
func buildChain(tb testing.TB, k int) *node.Node {
	tb.Helper()
	base := time.UnixMilli(chain.TestParams.GenesisTime)
	clock := nodetest.NewFakeClock(base)
	n := nodetest.NewNode(tb, node.Config{Clock: clock})
	for i := range k {
		clock.Set(base.Add(time.Duration(i+1) * time.Second))
		if _, err := n.MineBlock(context.Background()); err != nil {
			tb.Fatal(err)
		}
	}
	return n
}

// BenchmarkSyncMem measures a fresh node syncing a 10,000-block chain
// from one peer over the in-memory transport, in blocks per second.
func BenchmarkSyncMem(b *testing.B) {
	const k = 10_000
	src := buildChain(b, k)
	want := src.Chain().Tip().Hash
	b.ResetTimer()
	for range b.N {
		mn := nodetest.NewMemNetwork()
		ctx, cancel := context.WithCancel(context.Background())
		go src.Run(ctx, mn.Join("src"))
		fresh := nodetest.NewNode(b, node.Config{Clock: node.SystemClock})
		start := time.Now()
		go fresh.Run(ctx, mn.Join("fresh"))
		for fresh.Chain().Tip().Hash != want {
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(float64(k)/time.Since(start).Seconds(), "blocks/s")
		cancel()
	}
}
