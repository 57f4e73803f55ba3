package node

import (
	"context"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// BuildChain mines k blocks on a fresh node (TestParams: a few hashes each).
func buildChain(tb testing.TB, k int) *Node {
	tb.Helper()
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	if err != nil {
		tb.Fatal(err)
	}
	base := time.UnixMilli(chain.TestParams.GenesisTime)
	clock := base
	n, err := New(Config{Chain: c, Key: chain.GenerateKey(), Miner: ThreadMiner{Threads: 1},
		Now: func() time.Time { return clock }})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range k {
		clock = base.Add(time.Duration(i+1) * time.Second)
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
		mn := NewMemNetwork()
		ctx, cancel := context.WithCancel(context.Background())
		go src.Run(ctx, mn.Join("src"))
		fresh := newBenchNode(b)
		start := time.Now()
		go fresh.Run(ctx, mn.Join("fresh"))
		for fresh.Chain().Tip().Hash != want {
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(float64(k)/time.Since(start).Seconds(), "blocks/s")
		cancel()
	}
}

func newBenchNode(tb testing.TB) *Node {
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	if err != nil {
		tb.Fatal(err)
	}
	n, err := New(Config{Chain: c, Key: chain.GenerateKey()})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}
