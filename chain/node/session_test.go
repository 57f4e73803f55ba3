package node_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// relayMsg is a message as the relay delivers it: from set, to optional.
func relayMsg(t *testing.T, typ, from, to string, body any) node.Message {
	t.Helper()
	m, err := node.NewMessage(typ, to, body)
	require.NoError(t, err)
	m.From = from
	return m
}

// types lists the type and addressee of each message.
func types(ms []node.Message) [][2]string {
	out := make([][2]string, len(ms))
	for i, m := range ms {
		out[i] = [2]string{m.Type, m.To}
	}
	return out
}

func TestSessionHandlesAndDrains(t *testing.T) {
	n := newTestNode(t, "sim")
	s, err := n.Attach()
	require.NoError(t, err)
	_, err = n.Attach()
	require.ErrorIs(t, err, node.ErrConnected, "a second connection while one is attached")

	s.Handle(relayMsg(t, node.TypePeers, "", "", node.PeersBody{You: "p1", Room: "sim", Peers: []node.PeerInfo{{ID: "p2", Name: "b"}}}))
	require.Equal(t, "p1", n.Self())
	require.Equal(t, [][2]string{{node.TypeHello, ""}}, types(s.Drain(nil)), "the welcome is answered by a hello to the room")
	require.Empty(t, s.Drain(nil), "a drained message is not drained twice")

	// A peer ahead of us: its hello makes the node ask for its mempool and its blocks.
	g := n.Chain().Genesis()
	s.Handle(relayMsg(t, node.TypeHello, "p2", "", node.HelloBody{Genesis: g.Hash(), Tip: chain.Hash{1}, Height: 3, Work: "1000", Name: "b"}))
	require.Equal(t, [][2]string{{node.TypeGetMempool, "p2"}, {node.TypeGetBlocks, "p2"}}, types(s.Drain(nil)))

	// A block of the node's own is announced once, as the writer would send it.
	b, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	out := s.Drain(nil)
	require.Equal(t, [][2]string{{node.TypeBlock, ""}}, types(out))
	var got chain.Block
	require.NoError(t, json.Unmarshal(out[0].Body, &got))
	require.Equal(t, b.Hash(), got.Hash())
	require.Empty(t, s.Drain(nil))

	s.Close()
	require.Empty(t, n.Peers(), "a closed session forgets the room")
	s2, err := n.Attach()
	require.NoError(t, err, "a closed session lets the node connect again")
	s2.Close()
}

// TestSyncSourceTieBreaksByID: when the peer a node syncs from stalls and
// two others announced the same work, the node asks the lower id, every
// time — not whichever the map happens to give first.
func TestSyncSourceTieBreaksByID(t *testing.T) {
	for range 30 {
		clock := nodetest.NewFakeClock(nodetest.Epoch)
		n := nodetest.NewNode(t, node.Config{Name: "sim", Clock: clock})
		s, err := n.Attach()
		require.NoError(t, err)
		s.Handle(relayMsg(t, node.TypePeers, "", "", node.PeersBody{You: "p1", Room: "sim",
			Peers: []node.PeerInfo{{ID: "p2"}, {ID: "p3"}, {ID: "p4"}, {ID: "p10"}}}))
		g := n.Chain().Genesis()
		hello := func(from string) {
			s.Handle(relayMsg(t, node.TypeHello, from, "", node.HelloBody{Genesis: g.Hash(), Tip: chain.Hash{1}, Height: 3, Work: "1000", Name: from}))
		}
		hello("p2") // asked first
		hello("p10")
		hello("p4")
		hello("p3")
		s.Drain(nil)
		clock.Advance(3 * time.Second) // p2's first lease (2 s) runs out
		hello("p2")                    // p2 again: it stalled, the best other source is asked
		var asked []string
		for _, m := range s.Drain(nil) {
			if m.Type == node.TypeGetBlocks {
				asked = append(asked, m.To)
			}
		}
		require.Equal(t, []string{"p3"}, asked, "p3, p4 and p10 announced the same work: the lowest id is asked")
		s.Close()
	}
}
