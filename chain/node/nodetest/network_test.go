package nodetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// recv returns c's next message, failing after a while.
func recv(t *testing.T, c *nodetest.Conn) node.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m, err := c.Recv(ctx)
	require.NoError(t, err)
	return m
}

// empty checks that c has no message waiting.
func empty(t *testing.T, c *nodetest.Conn) {
	t.Helper()
	require.Zero(t, c.Pending())
}

// drain empties c's inbox.
func drain(t *testing.T, c *nodetest.Conn) {
	for c.Pending() > 0 {
		recv(t, c)
	}
}

func msg(t *testing.T, typ, to string) node.Message {
	m, err := node.NewMessage(typ, to, node.TxsBody{})
	require.NoError(t, err)
	return m
}

func TestMemNetworkRelays(t *testing.T) {
	mn := nodetest.NewMemNetwork()
	a := mn.Join("alice")
	require.Equal(t, node.TypePeers, recv(t, a).Type)
	b := mn.Join("bob")
	welcome := recv(t, b)
	require.Equal(t, node.TypePeers, welcome.Type)
	var pb node.PeersBody
	require.NoError(t, welcome.DecodeBody(&pb))
	require.Equal(t, node.PeersBody{You: b.ID(), Room: "mem", Peers: []node.PeerInfo{{ID: a.ID(), Name: "alice"}}}, pb)
	require.Equal(t, node.TypeJoin, recv(t, a).Type)

	c := mn.Join("carol")
	recv(t, c)
	recv(t, a)
	recv(t, b)

	// Fan-out without echo, From stamped.
	require.NoError(t, a.Send(context.Background(), msg(t, node.TypeTxs, "")))
	for _, p := range []*nodetest.Conn{b, c} {
		m := recv(t, p)
		require.Equal(t, node.TypeTxs, m.Type)
		require.Equal(t, a.ID(), m.From)
	}
	empty(t, a)
	// A direct message reaches its addressee alone.
	require.NoError(t, a.Send(context.Background(), msg(t, node.TypeTxs, c.ID())))
	require.Equal(t, a.ID(), recv(t, c).From)
	empty(t, b)
	require.Equal(t, 2, mn.Sent(node.TypeTxs))
	require.Equal(t, 2, a.Sent(node.TypeTxs))
	require.Zero(t, b.Sent(node.TypeTxs))

	// Drop loses messages but counts them.
	mn.Drop(node.TypeTxs, 1)
	require.NoError(t, a.Send(context.Background(), msg(t, node.TypeTxs, c.ID())))
	empty(t, c)
	require.Equal(t, 3, mn.Sent(node.TypeTxs))

	// Close: the others see the peer leave; its Send and Recv fail.
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	require.Equal(t, node.TypeLeave, recv(t, a).Type)
	require.Equal(t, node.TypeLeave, recv(t, b).Type)
	require.ErrorIs(t, c.Send(context.Background(), msg(t, node.TypeTxs, "")), nodetest.ErrClosed)
	_, err := c.Recv(context.Background())
	require.ErrorIs(t, err, nodetest.ErrClosed)
}

func TestMemNetworkPartitionAndHeal(t *testing.T) {
	mn := nodetest.NewMemNetwork()
	a, b, c := mn.Join("a"), mn.Join("b"), mn.Join("c")
	for _, p := range []*nodetest.Conn{a, b, c} {
		drain(t, p)
	}
	mn.Partition(a.ID())
	require.False(t, mn.Reachable(a.ID(), b.ID()))
	require.True(t, mn.Reachable(b.ID(), c.ID()))
	for range 2 { // a sees b and c leave
		require.Equal(t, node.TypeLeave, recv(t, a).Type)
	}
	require.Equal(t, node.TypeLeave, recv(t, b).Type)
	require.Equal(t, node.TypeLeave, recv(t, c).Type)
	require.NoError(t, a.Send(context.Background(), msg(t, node.TypeTxs, "")))
	require.NoError(t, a.Send(context.Background(), msg(t, node.TypeTxs, b.ID())))
	require.NoError(t, b.Send(context.Background(), msg(t, node.TypeTxs, "")))
	require.Equal(t, b.ID(), recv(t, c).From, "the same side still talks")
	empty(t, a)
	empty(t, c)

	mn.Heal()
	require.True(t, mn.Reachable(a.ID(), b.ID()))
	for range 2 {
		require.Equal(t, node.TypeJoin, recv(t, a).Type)
	}
	require.Equal(t, node.TypeJoin, recv(t, b).Type)
	require.Equal(t, node.TypeJoin, recv(t, c).Type)
}

// TestBarrierWaitsForTheNode: a barrier returns only once the node has
// handled what was sent before it, and fails when nobody answers.
func TestBarrierWaitsForTheNode(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	n := tn.Nodes[0]
	handled := make(chan node.Event, 100)
	n.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected {
			handled <- ev
		}
	})
	raw := tn.Join("raw")
	for range 5 {
		require.NoError(t, raw.Send(context.Background(), node.Message{Type: node.TypeBlock, Body: []byte(`{`)}))
	}
	tn.Barrier(raw, tn.IDs[0])
	require.Len(t, handled, 5, "the barrier returned before the node handled what came before it")
	require.Equal(t, 1, raw.Sent(node.TypePing))
	require.Equal(t, 1, tn.Sent(node.TypePong))
	// The pong went to the barrier, not to raw's inbox.
	for raw.Pending() > 0 {
		require.NotEqual(t, node.TypePong, recv(t, raw).Type)
	}

	// A raw peer answers no ping: the barrier fails instead of passing.
	other := tn.Join("other")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, raw.Barrier(ctx, other.ID()), context.DeadlineExceeded)
	require.ErrorContains(t, raw.Barrier(context.Background(), "p99"), "cannot reach")
	tn.Partition(raw.ID())
	require.ErrorContains(t, raw.Barrier(context.Background(), tn.IDs[0]), "cannot reach")
}

// TestSettleWaitsForQuiet: after Settle, a block mined before it has
// reached every node.
func TestSettleWaitsForQuiet(t *testing.T) {
	tn := nodetest.NewNet(t, 3)
	b := nodetest.Mine(t, tn.Nodes[0])
	tn.Settle()
	for _, n := range tn.Nodes {
		require.Equal(t, b.Hash(), n.Chain().Tip().Hash, "settled before the block reached %s", n.Name())
	}
	require.Equal(t, 1, tn.Sent(node.TypeBlock))
}
