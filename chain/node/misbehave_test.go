package node_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// solve gives b a valid proof of work for whatever difficulty it claims.
func solve(t *testing.T, b *chain.Block) *chain.Block {
	t.Helper()
	nonce, ok := chain.Mine(context.Background(), b.Header, 0, 1<<24)
	require.True(t, ok)
	b.Header.Nonce = nonce
	return b
}

// TestMisbehavingPeerIsReportedByRule has a raw peer send each kind of
// invalid data to two honest nodes; each is reported with the rule it
// broke, and the honest nodes stay consistent.
func TestMisbehavingPeerIsReportedByRule(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	honest := tn.Nodes[0]
	mine(t, honest)
	converged(t, tn.Nodes...)

	rules := make(chan node.Event, 256)
	honest.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected || ev.Code == node.CodeStatusHeld { // a block from the future is held, not rejected
			rules <- ev
		}
	})
	evil := tn.Join("mallory")
	ctx := context.Background()
	send := func(m node.Message) { require.NoError(t, evil.Send(ctx, m)) }
	sendBody := func(typ string, body any) {
		m, err := node.NewMessage(typ, "", body)
		require.NoError(t, err)
		send(m)
	}

	c := honest.Chain()
	key := chain.GenerateKey()     // owns nothing
	rich := node.WalletKey(honest) // owns the first block's reward
	now := tn.Clock.Now()
	tmpl := func(txs ...*chain.Tx) *chain.Block { return c.NewTemplate(chain.KeyAddress(key), txs, now) }
	signed := func(k []byte, seq, amount uint64) *chain.Tx {
		tx := &chain.Tx{To: chain.KeyAddress(chain.GenerateKey()), Amount: amount, Fee: 0, Seq: seq, Time: now.UnixMilli()}
		tx.Sign(c.ID(), k)
		return tx
	}

	cases := []struct {
		name string
		send func()
		rule error
	}{
		{"bad proof of work", func() {
			b := tmpl()
			for b.Header.HasProofOfWork() {
				b.Header.Nonce++
			}
			sendBody(node.TypeBlock, b)
		}, chain.ErrHighHash},
		{"wrong difficulty", func() {
			b := tmpl()
			b.Header.Difficulty = 7
			sendBody(node.TypeBlock, solve(t, b))
		}, chain.ErrBadDifficulty},
		{"bad merkle root", func() {
			b := tmpl()
			b.Header.MerkleRoot[0] ^= 1
			sendBody(node.TypeBlock, solve(t, b))
		}, chain.ErrBadMerkleRoot},
		{"bad signature", func() {
			tx := signed(rich, 0, 1)
			tx.Sig[5] ^= 1
			sendBody(node.TypeTx, tx)
		}, chain.ErrBadSignature},
		{"overspend in a block", func() {
			sendBody(node.TypeBlock, solve(t, tmpl(signed(chain.GenerateKey(), 0, 5))))
		}, chain.ErrOverspend},
		{"replayed seq in a block", func() {
			first := signed(rich, 0, 1)
			sendBody(node.TypeBlock, solve(t, tmpl(first, signed(rich, 0, 2))))
		}, chain.ErrBadSeq},
		{"timestamp behind the median", func() {
			b := tmpl()
			mtp, ok := c.MedianTimePast(c.Tip().Hash)
			require.True(t, ok)
			b.Header.Time = mtp
			b.Txs[0].Time = b.Header.Time
			b.Header.MerkleRoot = b.ComputeMerkleRoot()
			sendBody(node.TypeBlock, solve(t, b))
		}, chain.ErrTimeTooOld},
		{"timestamp too far ahead", func() {
			b := c.NewTemplate(chain.KeyAddress(key), nil, now.Add(time.Hour))
			sendBody(node.TypeBlock, solve(t, b))
		}, nil}, // held: see below
		{"oversized message", func() {
			send(node.Message{Type: node.TypeTx, Body: []byte(`"` + strings.Repeat("x", node.MaxMessageSize) + `"`)})
		}, node.ErrMessageTooBig},
		{"malformed JSON", func() {
			send(node.Message{Type: node.TypeBlock, Body: []byte(`{"index": 1, "hash": `)})
		}, node.ErrBadMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.send()
			select {
			case ev := <-rules:
				want := node.CodeStatusHeld
				if tc.rule != nil {
					want = node.Code(tc.rule)
				}
				require.Equal(t, want, ev.Code, ev.Text)
				require.Equal(t, evil.ID(), ev.Peer)
			case <-time.After(5 * time.Second):
				t.Fatal("nothing was reported")
			}
		})
	}
	// The honest nodes agree and are still at height 1.
	converged(t, tn.Nodes...)
	require.Equal(t, uint64(1), tn.Nodes[1].Chain().Tip().Height)
	require.Equal(t, honest.Chain().Accounts(), tn.Nodes[1].Chain().Accounts())
}

// TestPeerPastThresholdIsIgnored checks that a node stops listening to a
// peer after BanThreshold violations.
func TestPeerPastThresholdIsIgnored(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	honest := tn.Nodes[0]
	var rejected, ignored atomic.Int32
	done := make(chan struct{}, 1)
	honest.Subscribe(func(ev node.Event) {
		switch {
		case ev.Kind == node.EventRejected:
			rejected.Add(1)
		case ev.Kind == node.EventPeer && ev.Code == node.CodePeerBanned:
			ignored.Add(1)
			done <- struct{}{}
		}
	})
	evil := tn.Join("mallory")
	probe := tn.Join("probe") // mallory's own pings go unanswered once banned
	for range node.BanThreshold + 5 {
		require.NoError(t, evil.Send(context.Background(), node.Message{Type: node.TypeBlock, Body: []byte(`{`)}))
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("peer never ignored")
	}
	tn.Barrier(probe, tn.IDs[0]) // every message of mallory's has been handled
	require.Equal(t, int32(1), ignored.Load())
	require.Equal(t, int32(node.BanThreshold), rejected.Load(), "messages after the threshold are dropped unread")
}
