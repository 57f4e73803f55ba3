package view_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/chain/node/view"
	"github.com/chainplay/chainplay/chain/pbft"
)

// TestPBFTPhasePicture: four seats commit a block; the follower's
// snapshot draws its three phases with a message count equal to what the
// seats' cores sent (broadcasts counted n−1), the seat's own snapshot has
// its replica's status, and a proof-of-work room has no PBFT part.
func TestPBFTPhasePicture(t *testing.T) {
	p := chaintest.PBFTParams(4, 10)
	tn := nodetest.NewNet(t, 0)
	var nodes []*node.Node
	var seats []*node.Seat
	for i := range 5 {
		n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, p), Clock: tn.Clock})
		tn.Start(n)
		nodes = append(nodes, n)
		if i == 4 {
			break
		}
		// The loop below runs the fake clock a tick a millisecond, faster
		// than a loaded machine delivers the replicas' messages; a view
		// timeout of seconds ran out there before a slow replica saw its
		// commits, and it stayed alone in a view change (seen ~1 run in
		// 60 under load). This test draws the normal case: no timeouts.
		s, err := n.TakeSeat(node.SeatConfig{Key: chaintest.SeatKey(i), ViewTimeout: time.Hour})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		seats = append(seats, s)
	}
	tn.Settle()
	follower := view.New(nodes[4], view.Config{Clock: tn.Clock})
	defer follower.Close()
	_, err := nodes[4].Post("reader", "draw me")
	require.NoError(t, err)
	deadline := time.Now().Add(nodetest.Wait)
	// Until the block is everywhere and every replica has executed it and
	// is idle (nothing more to send). A replica usually sends its prepare
	// and commit, but one whose messages come late may take the block
	// with its commit certificate from the chain first, and then has
	// nothing to send: the picture counts what was sent, either way.
	everyExecuted := func() bool {
		for _, st := range seats {
			if ss := st.Status(); ss.Code != pbft.CodeIdle || ss.Executed < 1 {
				return false
			}
		}
		return true
	}
	for nodes[4].Chain().Tip().Height < 1 || nodes[0].Chain().Tip().Height < 1 || !everyExecuted() {
		if !time.Now().Before(deadline) {
			for i, st := range seats {
				ss := st.Status()
				t.Logf("seat %d: view %d changing %v code %s phase %s executed %d sent %v received %v", i, ss.View, ss.ViewChanging, ss.Code, ss.Phase, ss.Executed, ss.Stats.Sent, ss.Stats.Received)
			}
		}
		require.True(t, time.Now().Before(deadline), "no block")
		tn.Clock.Advance(node.DefaultSeatTick)
		time.Sleep(time.Millisecond)
	}
	tn.Settle()

	s := follower.Snapshot()
	require.NotNil(t, s.PBFT)
	v := s.PBFT
	require.Equal(t, 4, v.Seats)
	require.Equal(t, 1, v.F)
	require.Equal(t, 3, v.Quorum)
	require.Equal(t, 24, v.Theory, "2n(n−1)")
	require.Nil(t, v.Me, "the follower holds no seat")
	require.Equal(t, uint64(0), v.View)
	require.True(t, v.Replicas[0].Primary)
	require.Len(t, v.Blocks, 1)
	b := v.Blocks[0]
	require.Equal(t, uint64(1), b.Height)
	require.Equal(t, uint64(1), b.Seq)
	var sent [pbft.KindNewView + 1]int
	for _, st := range seats {
		for k, c := range st.Status().Stats.Sent {
			sent[k] += c
		}
	}
	points := 3 * (sent[pbft.KindPrePrepare] + sent[pbft.KindPrepare] + sent[pbft.KindCommit]) // every one a broadcast to n−1 = 3
	require.Equal(t, points, b.Count, "the picture counts what the cores sent")
	require.Equal(t, b.Count, b.PrePrepares+b.Prepares+b.Commits)
	require.Equal(t, 3*sent[pbft.KindPrepare], b.Prepares)
	require.Equal(t, 3*sent[pbft.KindCommit], b.Commits)
	// At least the quorums' messages: one pre-prepare, 2f prepares, 2f+1
	// commits; 2n(n−1) = 24 points when every replica sent its own.
	require.GreaterOrEqual(t, b.Count, 3*(1+2+3))
	require.NotZero(t, b.End)
	require.GreaterOrEqual(t, b.FinalityMs, int64(0))
	kinds := map[string]int{}
	for _, m := range b.Messages {
		if !m.Resent {
			kinds[m.Kind]++
		}
	}
	require.Equal(t, 1, kinds["pre-prepare"])
	require.GreaterOrEqual(t, kinds["prepare"], 2, "2f prepares")
	require.LessOrEqual(t, kinds["prepare"], 3, "a prepare from each backup at most")
	require.GreaterOrEqual(t, kinds["commit"], 3, "2f+1 commits")
	require.LessOrEqual(t, kinds["commit"], 4, "a commit from each replica at most")

	seatModel := view.New(nodes[1], view.Config{Clock: tn.Clock})
	defer seatModel.Close()
	me := seatModel.Snapshot().PBFT.Me
	require.NotNil(t, me)
	require.Equal(t, 1, me.Seat)
	require.Equal(t, pbft.CodeIdle, me.Code)
	require.Equal(t, uint64(1), me.Executed)
	require.True(t, seatModel.Snapshot().PBFT.Replicas[1].Me)

	pow := view.New(nodetest.NewNode(t, node.Config{}), view.Config{})
	defer pow.Close()
	require.Nil(t, pow.Snapshot().PBFT)
}
