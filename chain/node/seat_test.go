package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// pbftRoom is a PBFT room of four seats and one follower on a MemNetwork.
type pbftRoom struct {
	net     *nodetest.Net
	peers   []*nodetest.Peer // seats 0–3, then the follower
	seats   []*node.Seat
	cancels []context.CancelFunc
	done    []chan struct{}
}

func newPBFTRoom(t *testing.T) *pbftRoom { return newPBFTRoomWith(t, node.Config{}) }

// newPBFTRoomWith is newPBFTRoom whose nodes have cfg's ControlKey and
// TxResend.
func newPBFTRoomWith(t *testing.T, cfg node.Config) *pbftRoom {
	t.Helper()
	p := chaintest.PBFTParams(4, 10)
	tn := nodetest.NewNet(t, 0)
	room := &pbftRoom{net: tn}
	for i := range 5 {
		n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, p), Clock: tn.Clock, Name: []string{"s0", "s1", "s2", "s3", "follower"}[i],
			ControlKey: cfg.ControlKey, TxResend: cfg.TxResend})
		room.peers = append(room.peers, tn.Start(n))
		if i == 4 {
			break
		}
		seat, err := n.TakeSeat(node.SeatConfig{Key: chaintest.SeatKey(i), ViewTimeout: time.Second})
		require.NoError(t, err)
		require.Equal(t, i, seat.Index())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = seat.Run(ctx)
		}()
		t.Cleanup(func() { cancel(); <-done })
		room.seats = append(room.seats, seat)
		room.cancels = append(room.cancels, cancel)
		room.done = append(room.done, done)
	}
	tn.Settle()
	return room
}

// until advances the clock in ticks until cond holds.
func (room *pbftRoom) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(nodetest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			for i, s := range room.seats {
				t.Logf("seat %d: %+v", i, s.Status())
			}
			t.Fatalf("never: %s", what)
		}
		room.net.Clock.Advance(node.DefaultSeatTick)
		time.Sleep(time.Millisecond)
	}
}

func heightsAtLeast(peers []*nodetest.Peer, h uint64) func() bool {
	return func() bool {
		for _, p := range peers {
			if p.Node.Chain().Tip().Height < h {
				return false
			}
		}
		return true
	}
}

// TestSeatsCommitAndViewChange: four seats over the room commit a block
// with a post in it, which a node without a seat follows (verifying the
// certificate); the primary stops, the others change to view 1 and
// commit the next block.
func TestSeatsCommitAndViewChange(t *testing.T) {
	room := newPBFTRoom(t)
	_, err := room.peers[4].Node.Post("reader", "hello replicas")
	require.NoError(t, err)
	room.until(t, "block 1 everywhere", heightsAtLeast(room.peers, 1))
	b1 := room.peers[4].Node.Chain().Tip().Block
	require.Equal(t, uint32(chain.VersionPBFT), b1.Header.Version)
	require.NotNil(t, b1.Cert)
	require.Equal(t, uint64(0), b1.Cert.View)
	require.Len(t, b1.Txs, 2, "the coinbase and the post")
	for _, p := range room.peers {
		require.Equal(t, b1.Hash(), p.Node.Chain().Tip().Hash, "%s", p.Node.Name())
	}

	// The primary of view 0 goes away.
	room.cancels[0]()
	<-room.done[0]
	room.peers[0].Stop()
	_, err = room.peers[4].Node.Post("reader", "still there?")
	require.NoError(t, err)
	rest := room.peers[1:]
	room.until(t, "block 2 after a view change", heightsAtLeast(rest, 2))
	b2 := room.peers[4].Node.Chain().Tip().Block
	require.Equal(t, uint64(1), b2.Cert.View, "certified in view 1")
	for i := 1; i < 4; i++ {
		st := room.seats[i].Status()
		require.Equal(t, uint64(1), st.View, "seat %d", i)
		require.Equal(t, 1, st.Primary)
		require.Equal(t, b2.Hash(), room.peers[i].Node.Chain().Tip().Hash)
	}
	require.Equal(t, uint64(1), room.peers[0].Node.Chain().Tip().Height, "the stopped seat has only block 1")
}

// TestTakeSeatRefusesOtherKeys: a key that holds no seat, or a
// proof-of-work room, has no seat.
func TestTakeSeatRefusesOtherKeys(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, chaintest.PBFTParams(4, 10))})
	_, err := n.TakeSeat(node.SeatConfig{Key: chaintest.SeatKey(4)})
	require.ErrorIs(t, err, node.ErrNoSeat)
	pow := nodetest.NewNode(t, node.Config{})
	_, err = pow.TakeSeat(node.SeatConfig{Key: chaintest.SeatKey(0)})
	require.ErrorIs(t, err, node.ErrNoSeat)
}
