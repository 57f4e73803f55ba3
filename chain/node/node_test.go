package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// newTestNode returns a node on an easy chain with a fresh wallet.
func newTestNode(t *testing.T, name string) *node.Node {
	t.Helper()
	return nodetest.NewNode(t, node.Config{Name: name})
}

func TestMinedBlockReachesPeer(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	a, b := tn.Nodes[0], tn.Nodes[1]

	blk, err := a.MineBlock(context.Background())
	require.NoError(t, err)
	nodetest.WaitTip(t, b, blk.Hash())
	require.Equal(t, uint64(1), b.Chain().Tip().Height)
}

func TestLateJoinerSyncs(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	a := tn.Nodes[0]
	var last *chain.Block
	for range 5 {
		var err error
		last, err = a.MineBlock(context.Background())
		require.NoError(t, err)
	}
	b := tn.NewNode("b")
	tn.Start(b)
	nodetest.WaitTip(t, b, last.Hash())
}

func TestForgedBlockIsRejectedAndReported(t *testing.T) {
	tn := nodetest.NewNet(t, 0)
	a, b := tn.NewNode("a"), tn.NewNode("b")
	events := make(chan node.Event, 64)
	b.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected {
			events <- ev
		}
	})
	tn.Start(a)
	tn.Start(b)
	require.Eventually(t, func() bool { return len(a.Peers()) == 1 }, 5*time.Second, 5*time.Millisecond)

	forged := a.Template()
	forged.Header.Difficulty = 4 // proof of work for a difficulty the rule does not give
	nonce, ok := chain.Mine(context.Background(), forged.Header, 0, 1<<20)
	require.True(t, ok)
	forged.Header.Nonce = nonce
	node.SendMessage(a, node.TypeBlock, "", forged)
	select {
	case ev := <-events:
		require.Equal(t, chain.ErrBadDifficulty.Code(), ev.Code)
		require.Contains(t, ev.Text, "a (")
	case <-time.After(5 * time.Second):
		t.Fatal("no rejection reported")
	}
	require.Equal(t, uint64(0), b.Chain().Tip().Height)
}

func TestAPIChainListsMinedBlock(t *testing.T) {
	n := newTestNode(t, "a")
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/mine")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var mined node.MineResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&mined))
	res.Body.Close()
	require.Equal(t, uint64(1), mined.Index)

	res, err = http.Get(srv.URL + "/chain")
	require.NoError(t, err)
	var got node.ChainResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	res.Body.Close()
	require.Equal(t, 2, got.Length)
	require.Equal(t, mined.Hash, got.Chain[1].Hash())
}

func TestAPIAddBlockRefusesForgery(t *testing.T) {
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	blk := a.Template()
	blk.Header.Nonce = 0
	for blk.Header.HasProofOfWork() { // make sure the forged nonce fails the proof of work
		blk.Header.Nonce++
	}
	body, err := json.Marshal(blk)
	require.NoError(t, err)
	res, err := http.Post(srv.URL+"/add_block", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	var e apiError
	require.NoError(t, json.NewDecoder(res.Body).Decode(&e))
	require.Equal(t, chain.ErrHighHash.Code(), e.Rule)
	require.Equal(t, uint64(0), b.Chain().Tip().Height)
}

// TestPingIsAnsweredWithPong: a node answers a ping with a pong to its
// sender alone, carrying the ping's nonce; a ping without a nonce body
// is a malformed message.
func TestPingIsAnsweredWithPong(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	rejected := make(chan node.Event, 4)
	tn.Nodes[0].Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected {
			rejected <- ev
		}
	})
	raw, other := tn.Join("raw"), tn.Join("other")
	ping, err := node.NewMessage(node.TypePing, tn.IDs[0], node.PingBody{Nonce: 1 << 40})
	require.NoError(t, err)
	require.NoError(t, raw.Send(context.Background(), ping))
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	for {
		m, err := raw.Recv(ctx)
		require.NoError(t, err, "no pong")
		if m.Type != node.TypePong {
			continue
		}
		require.Equal(t, tn.IDs[0], m.From)
		var body node.PingBody
		require.NoError(t, m.DecodeBody(&body))
		require.Equal(t, uint64(1<<40), body.Nonce)
		break
	}
	require.Equal(t, 1, tn.Sent(node.TypePong))
	for other.Pending() > 0 {
		m, err := other.Recv(ctx)
		require.NoError(t, err)
		require.NotEqual(t, node.TypePong, m.Type, "the pong went to the room")
	}

	require.NoError(t, raw.Send(context.Background(), node.Message{Type: node.TypePing, To: tn.IDs[0]}))
	tn.Barrier(other, tn.IDs[0])
	require.Len(t, rejected, 1)
	ev := <-rejected
	require.Equal(t, node.CodeBadMessage, ev.Code)
	require.Equal(t, "ping", ev.What)
	require.Equal(t, 2, tn.Sent(node.TypePong), "a bad ping gets no pong (the second answered the barrier)")
}
