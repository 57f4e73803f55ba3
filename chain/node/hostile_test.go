package node_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// events collects a node's events of some kinds.
type events struct {
	mu  sync.Mutex
	evs []node.Event
}

func watch(n *node.Node, kinds ...node.EventKind) *events {
	e := &events{}
	n.Subscribe(func(ev node.Event) {
		for _, k := range kinds {
			if ev.Kind == k {
				e.mu.Lock()
				e.evs = append(e.evs, ev)
				e.mu.Unlock()
			}
		}
	})
	return e
}

// codes returns the codes of the events about peer, in order.
func (e *events) codes(peer string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.evs {
		if ev.Peer == peer {
			out = append(out, ev.Code)
		}
	}
	return out
}

func sendJSON(t *testing.T, c *nodetest.Conn, typ, to string, body any) {
	t.Helper()
	m, err := node.NewMessage(typ, to, body)
	require.NoError(t, err)
	require.NoError(t, c.Send(context.Background(), m))
}

func helloOf(n *node.Node, work string) node.HelloBody {
	tip := n.Chain().Tip()
	return node.HelloBody{Genesis: n.Chain().ID(), Tip: tip.Hash, Height: tip.Height, Work: work, Name: "mallory"}
}

// A hello is bounded at decode: a body over its bound, a work of more
// than MaxWorkDigits digits, a work that is no decimal number and a
// nickname over 32 bytes are violations, refused before big.Int parses
// anything. Each costs microseconds (a million-digit work cost seconds).
func TestHelloIsBoundedAtDecode(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	honest := tn.Nodes[0]
	evs := watch(honest, node.EventRejected)
	evil := tn.Join("mallory")
	huge := strings.Repeat("9", 1_000_000)
	cases := []struct {
		name string
		body any
		code string
	}{
		{"a million-digit work", helloOf(honest, huge), node.CodeMessageTooBig},
		{"129 digits", helloOf(honest, strings.Repeat("9", node.MaxWorkDigits+1)), node.CodeBadMessage},
		{"not decimal", helloOf(honest, "0x10"), node.CodeBadMessage},
		{"signed", helloOf(honest, "+5"), node.CodeBadMessage},
		{"a long nickname", func() node.HelloBody { h := helloOf(honest, "1"); h.Name = strings.Repeat("n", 33); return h }(), node.CodeBadMessage},
	}
	for i, tc := range cases {
		m, err := node.NewMessage(node.TypeHello, "", tc.body)
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, evil.Send(context.Background(), m))
		tn.Barrier(evil, tn.IDs[0])
		took := time.Since(start)
		got := evs.codes(evil.ID())
		require.Len(t, got, i+1, tc.name)
		require.Equal(t, tc.code, got[i], tc.name)
		t.Logf("%s: refused in %v (send, handle and barrier)", tc.name, took.Round(time.Microsecond))
		require.Less(t, took, 200*time.Millisecond, tc.name)
	}
	h := helloOf(honest, strings.Repeat("9", node.MaxWorkDigits)) // the largest work allowed parses
	sendJSON(t, evil, node.TypeHello, "", h)
	tn.Barrier(evil, tn.IDs[0])
	require.Len(t, evs.codes(evil.ID()), len(cases))
}

// A peer that announces a huge cumulative work and never answers does not
// keep a newcomer at height 0: when its lease runs out, the newcomer syncs
// from the honest peer and passes the liar over; the liar loses standing.
func TestALiarDoesNotStallANewcomer(t *testing.T) {
	tn := nodetest.NewNet(t, 0)
	honest := tn.NewNode("honest")
	for range 20 {
		_, err := honest.MineBlock(context.Background())
		require.NoError(t, err)
	}
	liar := tn.Join("liar")
	newcomer := tn.NewNode("newcomer")
	evs := watch(newcomer, node.EventRejected)
	p := tn.Start(newcomer)

	// The liar answers the newcomer's hello first, claiming far more work.
	for {
		m, err := liar.Recv(context.Background())
		require.NoError(t, err)
		if m.Type == node.TypeHello {
			break
		}
	}
	sendJSON(t, liar, node.TypeHello, p.ID(), helloOf(newcomer, "1"+strings.Repeat("0", 100)))
	tn.Barrier(liar, p.ID())
	tn.Start(honest) // the honest peer arrives while the liar holds the lease
	tn.Settle()
	require.Equal(t, uint64(0), newcomer.Chain().Tip().Height, "the liar has the lease")

	start := tn.Clock.Now()
	for newcomer.Chain().Tip().Hash != honest.Chain().Tip().Hash {
		require.Less(t, tn.Clock.Now().Sub(start), time.Minute, "the newcomer is still at #%d", newcomer.Chain().Tip().Height)
		tick(t, tn, node.RetryEvery)
	}
	took := tn.Clock.Now().Sub(start)
	t.Logf("with a liar present, the newcomer synced %d blocks after %v of the node's clock", honest.Chain().Tip().Height, took)
	require.LessOrEqual(t, took, 3*time.Second)
	require.Contains(t, evs.codes(liar.ID()), node.CodeSyncStalled)

	for _, st := range newcomer.PeerStates() {
		if st.ID == liar.ID() {
			require.GreaterOrEqual(t, st.Violations, 1, "the liar lost standing")
		}
	}
}

// A txs message is accepted once per connection, as the answer to our
// getmempool; copies within it are a violation and each transaction is
// added once (a copy costs a hash, not a signature check); answers nobody
// asked for are violations, refused before they are decoded, so a flood
// of them gets the sender banned within BanThreshold frames.
func TestTxsBatchesAreBoundedAndCounted(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	honest := tn.Nodes[0]
	evs := watch(honest, node.EventRejected, node.EventPeer)
	evil := tn.Join("mallory")
	sendJSON(t, evil, node.TypeHello, "", helloOf(honest, honest.Chain().Tip().Work.String()))
	tn.Barrier(evil, tn.IDs[0]) // the honest node has asked mallory for its mempool

	post := chaintest.Post(honest.Chain().ID(), chain.GenerateKey(), "", "hello", 0, 0)
	copies := make([]*chain.Tx, node.MaxTxsPerBatch)
	for i := range copies {
		copies[i] = post
	}
	const frames = 20
	m, err := node.NewMessage(node.TypeTxs, tn.IDs[0], node.TxsBody{Txs: copies})
	require.NoError(t, err)
	start := time.Now()
	for range frames {
		require.NoError(t, evil.Send(context.Background(), m))
	}
	probe := tn.Join("probe")
	tn.Barrier(probe, tn.IDs[0])
	took := time.Since(start)
	t.Logf("%d txs frames of %d copies of one post: %v in all, %v a frame", frames, len(copies), took.Round(time.Millisecond), (took / frames).Round(time.Microsecond))
	require.True(t, honest.Mempool().Has(post.ID()), "added once")
	codes := evs.codes(evil.ID())
	require.Contains(t, codes, node.CodePeerBanned)
	require.Equal(t, node.BanThreshold, strings.Count(strings.Join(codes, " "), node.CodeBadMessage),
		"every frame counts, until the ban: %v", codes)
	require.Less(t, took, 2*time.Second)
}

// A getblocks sent to the whole room gets a small answer from each peer;
// one sent to a peer gets a full batch.
func TestBroadcastGetBlocksGetsASmallAnswer(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	for range 40 {
		tn.Mine(tn.Nodes[0])
	}
	tn.Settle()
	asker := tn.Join("asker")
	count := func() (blocks, frames int) {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			m, err := asker.Recv(ctx)
			cancel()
			if err != nil {
				return blocks, frames
			}
			if m.Type == node.TypeBlocks {
				var b node.BlocksBody
				require.NoError(t, m.DecodeBody(&b))
				blocks += len(b.Blocks)
				frames++
			}
		}
	}
	sendJSON(t, asker, node.TypeGetBlocks, "", node.GetBlocksBody{Max: node.MaxBlocksPerBatch})
	blocks, frames := count()
	require.Equal(t, 2, frames, "both peers answer")
	require.Equal(t, 2*node.MaxBroadcastBlocks, blocks)
	sendJSON(t, asker, node.TypeGetBlocks, tn.IDs[0], node.GetBlocksBody{Max: node.MaxBlocksPerBatch})
	blocks, frames = count()
	require.Equal(t, 1, frames)
	require.Equal(t, 40, blocks)
}

// A peer's score decays: violations spread over time never ban it, the
// same violations at once do.
func TestScoresDecay(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	honest := tn.Nodes[0]
	slow := tn.Join("slow")
	fast := tn.Join("fast")
	bad := node.Message{Type: node.TypeBlock, Body: []byte(`{`)}
	for range 3 * node.BanThreshold {
		require.NoError(t, slow.Send(context.Background(), bad))
		tn.Barrier(slow, tn.IDs[0])
		tn.Clock.Advance(time.Minute) // one point a minute decays
	}
	for range node.BanThreshold {
		require.NoError(t, fast.Send(context.Background(), bad))
	}
	probe := tn.Join("probe")
	tn.Barrier(probe, tn.IDs[0])
	states := map[string]node.PeerState{}
	for _, st := range honest.PeerStates() {
		states[st.ID] = st
	}
	require.False(t, states[slow.ID()].Banned, "%+v", states[slow.ID()])
	require.LessOrEqual(t, states[slow.ID()].Violations, 1)
	require.True(t, states[fast.ID()].Banned)
	require.Equal(t, fmt.Sprint(node.BanThreshold), fmt.Sprint(states[fast.ID()].Violations))
}
