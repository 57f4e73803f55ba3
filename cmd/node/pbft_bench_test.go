//go:build !js

package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// BenchmarkPBFTLoopback runs n = 4, 7 and 10 seats as chain/node nodes
// over the real relay on loopback (websockets through httptest), the
// primary's mempool kept full of posts (100 transactions a block, the
// room's limit with the coinbase), and reports committed blocks per
// second, transactions per second, PBFT frames per block (the seats'
// sends: a broadcast is one frame to the relay, which fans it out to the
// room) and messages per block (frames × (n−1): what the seats receive,
// the O(n²) of the paper).
func BenchmarkPBFTLoopback(b *testing.B) {
	for _, limited := range []bool{true, false} {
		for _, n := range []int{4, 7, 10} {
			name := fmt.Sprintf("n=%d/relay-default", n)
			if !limited {
				name = fmt.Sprintf("n=%d/relay-unlimited", n)
			}
			b.Run(name, func(b *testing.B) { benchLoopback(b, n, limited) })
		}
	}
}

// benchLoopback runs one room; limited keeps the relay's default rate
// limit (50 frames a second per connection), which bounds a classroom's
// blocks per second; without it the protocol and the CPU do.
func benchLoopback(b *testing.B, n int, limited bool) {
	p := chaintest.PBFTParams(n, 10)
	p.Name = "bench"
	rc := relay.DefaultConfig()
	if !limited {
		rc.RatePerSec = math.Inf(1)
	}
	room := serveRoom(b, p, rc)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var nodes []*node.Node
	var seats []*node.Seat
	for i := range n {
		c, err := chain.New(chain.Config{Params: p})
		if err != nil {
			b.Fatal(err)
		}
		nd, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: fmt.Sprintf("seat%d", i), SendQueue: 4096})
		if err != nil {
			b.Fatal(err)
		}
		seat, err := nd.TakeSeat(node.SeatConfig{Key: chaintest.SeatKey(i), Tick: 5 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		info := node.RoomInfo{Params: p}
		wg.Add(2)
		go func() { defer wg.Done(); _ = nd.StayJoined(ctx, node.RoomJoinConfig(room, nd.Name(), info)) }()
		go func() { defer wg.Done(); _ = seat.Run(ctx) }()
		nodes, seats = append(nodes, nd), append(seats, seat)
	}
	for _, nd := range nodes {
		for len(nd.Peers()) < n-1 {
			time.Sleep(time.Millisecond)
		}
	}
	primary := nodes[0]
	id := primary.Chain().ID()
	perBlock := p.MaxBlockTxs - 1
	fill := func(k int) {
		now := time.Now()
		for range k {
			tx := &chain.Tx{Time: now.UnixMilli(), Name: "bench", Memo: "a post"}
			tx.Sign(id, chain.GenerateKey())
			_ = primary.Mempool().AddLocal(tx, now)
		}
	}
	sent := func() int {
		total := 0
		for _, s := range seats {
			for _, k := range s.Status().Stats.Sent {
				total += k
			}
		}
		return total
	}
	fill(2 * perBlock)
	b.ResetTimer()
	start, sent0 := time.Now(), sent()
	target := uint64(b.N)
	for {
		h := ^uint64(0)
		for _, nd := range nodes {
			h = min(h, nd.Chain().Tip().Height)
		}
		if h >= target {
			break
		}
		if primary.Mempool().Len() < 2*perBlock {
			fill(perBlock)
		}
		time.Sleep(time.Millisecond)
		if time.Since(start) > time.Minute {
			b.Fatalf("stuck at %d of %d blocks: %+v", h, target, seats[1].Status())
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	var txs int
	for h := uint64(1); h <= target; h++ {
		blk, _ := nodes[1].Chain().BlockAtHeight(h)
		txs += len(blk.Txs) - 1
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "blocks/s")
	b.ReportMetric(float64(txs)/elapsed.Seconds(), "tx/s")
	frames := float64(sent()-sent0) / float64(b.N)
	b.ReportMetric(frames, "frames/block")
	b.ReportMetric(frames*float64(n-1), "msgs/block")
}
