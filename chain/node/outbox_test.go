package node_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// scriptedRelay is a Transport that welcomes the node with limits and
// records what it sends, with the clock's time. While gate is set, Send
// waits for a token from it (a slow socket).
type scriptedRelay struct {
	clock   *nodetest.FakeClock
	welcome node.Message
	gate    chan struct{}
	once    sync.Once
	recv    chan node.Message
	mu      sync.Mutex
	sent    []sentAt
	sentSig chan struct{}
}

type sentAt struct {
	m  node.Message
	at time.Time
}

func newScriptedRelay(t *testing.T, clock *nodetest.FakeClock, limits node.Limits) *scriptedRelay {
	t.Helper()
	w, err := node.NewMessage(node.TypePeers, "", node.PeersBody{You: "p1", Room: "r", Peers: []node.PeerInfo{}, Limits: limits})
	require.NoError(t, err)
	r := &scriptedRelay{clock: clock, welcome: w, recv: make(chan node.Message, 1), sentSig: make(chan struct{}, 1000)}
	r.recv <- w
	return r
}

func (r *scriptedRelay) Send(ctx context.Context, m node.Message) error {
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.sent = append(r.sent, sentAt{m, r.clock.Now()})
	r.mu.Unlock()
	r.sentSig <- struct{}{}
	return nil
}

func (r *scriptedRelay) Recv(ctx context.Context) (node.Message, error) {
	select {
	case m := <-r.recv:
		return m, nil
	case <-ctx.Done():
		return node.Message{}, ctx.Err()
	}
}

func (r *scriptedRelay) Close() error { return nil }

func (r *scriptedRelay) sends() []sentAt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentAt(nil), r.sent...)
}

// waitSends waits until k messages were sent in all.
func (r *scriptedRelay) waitSends(t *testing.T, k int) {
	t.Helper()
	deadline := time.After(nodetest.Wait)
	for len(r.sends()) < k {
		select {
		case <-r.sentSig:
		case <-deadline:
			t.Fatalf("only %d of %d messages sent", len(r.sends()), k)
		}
	}
}

func runNode(t *testing.T, n *node.Node, tr node.Transport) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx, tr) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestSendsArePacedBelowTheRelaysRate: a relay that allows 10 frames a
// second gets at most 8 a second from a node, however many it has queued.
func TestSendsArePacedBelowTheRelaysRate(t *testing.T) {
	clock := nodetest.NewFakeClock(nodetest.Epoch)
	n := nodetest.NewNode(t, node.Config{Clock: clock})
	tr := newScriptedRelay(t, clock, node.Limits{RatePerSec: 10, RateBurst: 5})
	runNode(t, n, tr)
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	require.NoError(t, clock.AwaitWaiters(ctx, 2)) // welcomed: the hello waits for its turn
	for i := range 9 {
		node.SendMessage(n, node.TypeTx, "", i) // any body: only the pace matters
	}
	step := time.Second / 8
	for k := 1; k <= 10; k++ { // the hello and the nine
		// The writer waits on the clock (and Run's own timer does too).
		require.NoError(t, clock.AwaitWaiters(ctx, 2))
		require.Len(t, tr.sends(), k-1, "a frame went out before its time")
		clock.Advance(step)
		tr.waitSends(t, k)
	}
	s := tr.sends()
	for i := 1; i < len(s); i++ {
		require.GreaterOrEqual(t, s[i].at.Sub(s[i-1].at), step, "frames %d and %d", i-1, i)
	}
}

// TestAFastMinerAnnouncesItsTip: blocks mined while the connection is
// busy replace each other's announcement; the room hears of the newest.
func TestAFastMinerAnnouncesItsTip(t *testing.T) {
	clock := nodetest.NewFakeClock(nodetest.Epoch)
	n := nodetest.NewNode(t, node.Config{Clock: clock})
	tr := newScriptedRelay(t, clock, node.Limits{}) // no pacing
	tr.gate = make(chan struct{}, 100)
	runNode(t, n, tr)
	tr.gate <- struct{}{} // the hello
	tr.waitSends(t, 1)

	first := nodetest.Mine(t, n)
	require.Eventually(t, func() bool { // the writer holds the first announcement
		return len(tr.gate) == 0
	}, nodetest.Wait, time.Millisecond)
	var last *chain.Block
	for range 5 {
		last = nodetest.Mine(t, n)
	}
	tr.gate <- struct{}{}
	tr.gate <- struct{}{}
	tr.waitSends(t, 3)
	var announced []chain.Hash
	for _, s := range tr.sends() {
		if s.m.Type == node.TypeBlock {
			var b chain.Block
			require.NoError(t, json.Unmarshal(s.m.Body, &b))
			announced = append(announced, b.Hash())
		}
	}
	require.Equal(t, []chain.Hash{first.Hash(), last.Hash()}, announced)

	// Nothing else waits to go: a marker queued now is the next frame.
	node.SendMessage(n, node.TypePing, "", node.PingBody{Nonce: 7})
	tr.gate <- struct{}{}
	tr.waitSends(t, 4)
	require.Equal(t, node.TypePing, tr.sends()[3].m.Type, "a block announcement was still waiting")
}
