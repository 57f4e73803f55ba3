package view_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// boardRoom is a room of 31 nodes, the first one watching, whose other
// nodes mined 60 blocks with a fork: what a 30-peer class looks like.
func boardRoom(tb testing.TB) (*nodetest.Net, *node.Timeline) {
	tb.Helper()
	tn := nodetest.NewNet(tb, 31)
	tl := node.NewTimeline(tn.Clock)
	tb.Cleanup(tl.Attach(tn.Nodes[0]))
	for i := range 60 {
		tn.Clock.Advance(time.Second)
		tn.Mine(tn.Nodes[1+i%30])
		tn.Settle()
	}
	return tn, tl
}

// A 30-peer room on the board: every peer listed with its tip marked,
// the tree and charts within the window, and the whole view built and
// encoded well within a frame.
func TestBoardOfAThirtyPeerRoom(t *testing.T) {
	tn, tl := boardRoom(t)
	start := time.Now()
	b := view.Board(tn.Nodes[0], tl, view.BoardConfig{Room: "mem", Window: 40, Clock: tn.Clock,
		Groups: map[string]int{tn.IDs[1]: 2}, Latency: 100 * time.Millisecond})
	raw, err := json.Marshal(b)
	took := time.Since(start)
	require.NoError(t, err)
	t.Logf("board of 30 peers and 60 blocks: %v, %d bytes of JSON", took, len(raw))
	require.Len(t, b.Peers, 30)
	require.Len(t, b.Tree.Tips, 30, "every peer's tip is marked")
	require.Equal(t, uint64(60), b.Tree.To)
	require.Equal(t, uint64(21), b.Tree.From, "a window of 40 heights")
	require.Len(t, b.Blocks, 40)
	require.Equal(t, 60, b.Count.Blocks)
	require.True(t, b.Split)
	groups := map[int]int{}
	for _, p := range b.Peers {
		groups[p.Group]++
		require.Equal(t, int64(100), p.LatencyMs)
		require.Equal(t, 2, p.Mined, "%s mined two blocks of the best chain", p.Name)
	}
	require.Equal(t, map[int]int{1: 29, 2: 1}, groups)
}

// BenchmarkBoard30Peers: what one poll of the board (once a second)
// costs the server for a 30-peer room.
func BenchmarkBoard30Peers(b *testing.B) {
	tn, tl := boardRoom(b)
	b.ResetTimer()
	for range b.N {
		v := view.Board(tn.Nodes[0], tl, view.BoardConfig{Room: "mem", Clock: tn.Clock})
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
