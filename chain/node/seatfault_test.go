package node_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/pbft"
)

// signedControl is a control of room p signed with key.
func signedControl(t *testing.T, key ed25519.PrivateKey, p chain.Params, seq uint64, st node.ControlState) node.Message {
	t.Helper()
	body, err := node.SignControl(key, node.Control{Room: p.Name, Epoch: p.Epoch, Seq: seq, Time: 1, Op: node.CodeControlFault, State: st})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", body)
	require.NoError(t, err)
	return m
}

// TestFaultControlMakesThePrimaryEquivocate: the teacher's signed fault
// control switches seat 0 (view 0's primary) to equivocating; the honest
// seats refuse its two pre-prepares, change view and all commit the same
// block, which the follower takes too. A control forged by a student
// (signed with another key) is refused and switches nothing.
func TestFaultControlMakesThePrimaryEquivocate(t *testing.T) {
	teacher := chain.GenerateKey()
	room := newPBFTRoomWith(t, node.Config{ControlKey: teacher.Public().(ed25519.PublicKey)})
	p := room.peers[0].Node.Chain().Params()

	forged := signedControl(t, chain.GenerateKey(), p, 1, node.ControlState{Faults: map[int]string{1: node.FaultCrash}})
	room.net.Announce(forged)
	room.net.Settle()
	room.net.Clock.Advance(node.DefaultSeatTick)
	require.Equal(t, pbft.FaultNone, room.seats[1].Status().Fault, "a forged control switches nothing")

	room.net.Announce(signedControl(t, teacher, p, 1, node.ControlState{Faults: map[int]string{0: node.FaultEquivocate}}))
	room.until(t, "seat 0 equivocates", func() bool { return room.seats[0].Status().Fault == pbft.FaultEquivocate })
	require.Equal(t, pbft.FaultEquivocate, node.SeatFault(node.ControlState{Faults: map[int]string{0: "equivocate"}}, 0))
	require.Equal(t, pbft.FaultNone, node.SeatFault(node.ControlState{Faults: map[int]string{0: node.FaultSlow}}, 0), "slow is the relay's")

	_, err := room.peers[4].Node.Post("reader", "two versions of the truth?")
	require.NoError(t, err)
	room.until(t, "a block committed by the honest seats", heightsAtLeast(room.peers[1:], 1))
	want := room.peers[1].Node.Chain().Tip().Hash
	for _, pe := range room.peers[1:] {
		require.Equal(t, want, pe.Node.Chain().Tip().Hash, "%s", pe.Node.Name())
	}
	b := room.peers[4].Node.Chain().Tip().Block
	require.GreaterOrEqual(t, b.Cert.View, uint64(1), "the equivocating primary was replaced")
}

// TestTraceCountsWhatTheSeatsSent: the follower's trace of block 1
// holds exactly the frames the seats' cores say they sent in the three
// phases.
func TestTraceCountsWhatTheSeatsSent(t *testing.T) {
	room := newPBFTRoom(t)
	_, err := room.peers[4].Node.Post("reader", "count us")
	require.NoError(t, err)
	room.until(t, "block 1 everywhere", heightsAtLeast(room.peers, 1))
	room.net.Settle()
	sent := 0
	for _, s := range room.seats {
		st := s.Status().Stats
		sent += st.Sent[pbft.KindPrePrepare] + st.Sent[pbft.KindPrepare] + st.Sent[pbft.KindCommit]
	}
	tr, ok := room.peers[4].Node.PBFTTrace()
	require.True(t, ok)
	frames := 0
	for _, m := range tr.Seqs[1] {
		if m.Kind != "checkpoint" {
			frames++
		}
	}
	require.Equal(t, sent, frames)
	require.GreaterOrEqual(t, frames, 1+3+4, "a pre-prepare, 3 prepares, 4 commits at least")
	for i, s := range tr.Seats {
		require.Equal(t, room.peers[i].ID(), s.Peer, "seat %d is held by its peer", i)
	}
	_, ok = room.peers[0].Node.PBFTTrace()
	require.True(t, ok)
}

// TestClientResendsToAllReplicas: a transaction that is not committed
// in time is sent to the room again (as the paper's client does).
func TestClientResendsToAllReplicas(t *testing.T) {
	room := newPBFTRoomWith(t, node.Config{TxResend: 2 * time.Second})
	// Every seat crashed: nothing commits.
	for _, s := range room.seats {
		s.SetFault(pbft.FaultCrash)
	}
	done := make(chan struct{}, 1)
	room.peers[4].Node.Subscribe(func(ev node.Event) {
		if ev.Code == node.CodeStatusTxResent {
			select {
			case done <- struct{}{}:
			default:
			}
		}
	})
	before := room.net.Sent(node.TypeTxs)
	_, err := room.peers[4].Node.Post("reader", "anyone?")
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for len(done) == 0 && time.Now().Before(deadline) {
		room.net.Clock.Advance(500 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}
	require.NotEmpty(t, done, "no resend")
	require.Greater(t, room.net.Sent(node.TypeTxs), before)
}

// TestTraceRefusesForgedFrames: a pbft frame whose signature is not the
// seat's it claims is not recorded (nor handed to a seat) and counts
// against its sender.
func TestTraceRefusesForgedFrames(t *testing.T) {
	room := newPBFTRoom(t)
	rejected := make(chan node.Event, 16)
	room.peers[4].Node.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected && ev.What == node.TypePBFT {
			rejected <- ev
		}
	})
	mallory := room.net.Join("mallory")
	defer mallory.Close()
	forged := &pbft.Message{Kind: pbft.KindPrePrepare, From: 0, View: 0, Seq: 1, Digest: chain.Hash{1}}
	forged.Sign(chain.GenerateKey(), room.peers[0].Node.Chain().ID())
	m, err := node.NewMessage(node.TypePBFT, "", node.PBFTBody{To: pbft.Broadcast, Msg: forged.Encode()})
	require.NoError(t, err)
	require.NoError(t, mallory.Send(context.Background(), m))
	select {
	case <-rejected:
	case <-time.After(10 * time.Second):
		t.Fatal("the forged frame was not refused")
	}
	tr, _ := room.peers[4].Node.PBFTTrace()
	require.Empty(t, tr.Seqs[1], "nothing recorded")
	require.Equal(t, "", tr.Seats[0].Peer)
	require.Zero(t, room.seats[1].Status().Stats.Received[pbft.KindPrePrepare], "no seat got it")
}
