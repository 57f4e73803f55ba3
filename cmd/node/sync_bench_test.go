//go:build !js

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/relay"
)

// BenchmarkSyncRelay measures a fresh node syncing a 10,000-block chain
// from one peer over loopback websockets through the relay, in blocks per
// second.
func BenchmarkSyncRelay(b *testing.B) {
	const k = 10_000
	base := time.UnixMilli(chain.TestParams.GenesisTime)
	clock := nodetest.NewFakeClock(base)
	newNode := func(clock node.Clock) *node.Node {
		c, err := chain.New(chain.Config{Params: chain.TestParams})
		if err != nil {
			b.Fatal(err)
		}
		n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Miner: node.ThreadMiner{Threads: 1}, Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	src := newNode(clock)
	for i := range k {
		clock.Set(base.Add(time.Duration(i+1) * time.Second))
		if _, err := src.MineBlock(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	want := src.Chain().Tip().Hash

	cfg := relay.DefaultConfig()
	rs, err := relay.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer rs.Close()
	room := "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws/bench"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t, err := node.DialRelay(ctx, room, "src")
	if err != nil {
		b.Fatal(err)
	}
	go src.Run(ctx, t)
	b.ResetTimer()
	for range b.N {
		fresh := newNode(node.SystemClock)
		start := time.Now()
		ft, err := node.DialRelay(ctx, room, "fresh")
		if err != nil {
			b.Fatal(err)
		}
		fctx, fcancel := context.WithCancel(ctx)
		go fresh.Run(fctx, ft)
		deadline := time.Now().Add(2 * time.Minute)
		for fresh.Chain().Tip().Hash != want {
			if time.Now().After(deadline) {
				b.Fatalf("sync stalled at #%d", fresh.Chain().Tip().Height)
			}
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric(float64(k)/time.Since(start).Seconds(), "blocks/s")
		fcancel()
	}
}
