package node

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
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
	tn := newTestNet(t, 2)
	honest := tn.nodes[0]
	mine(t, honest)
	converged(t, tn.nodes)

	rules := make(chan Event, 256)
	honest.Subscribe(func(ev Event) {
		if ev.Kind == EventRejected || ev.Code == CodeStatusHeld { // a block from the future is held, not rejected
			rules <- ev
		}
	})
	evil := tn.mn.Join("mallory")
	ctx := context.Background()
	send := func(m Message) { require.NoError(t, evil.Send(ctx, m)) }
	sendBody := func(typ string, body any) {
		m, err := NewMessage(typ, "", body)
		require.NoError(t, err)
		send(m)
	}

	c := honest.Chain()
	key := chain.GenerateKey() // owns nothing
	rich := honest.cfg.Key     // owns the first block's reward
	now := time.Now()
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
			sendBody(TypeBlock, b)
		}, chain.ErrHighHash},
		{"wrong difficulty", func() {
			b := tmpl()
			b.Header.Difficulty = 7
			sendBody(TypeBlock, solve(t, b))
		}, chain.ErrBadDifficulty},
		{"bad merkle root", func() {
			b := tmpl()
			b.Header.MerkleRoot[0] ^= 1
			sendBody(TypeBlock, solve(t, b))
		}, chain.ErrBadMerkleRoot},
		{"bad signature", func() {
			tx := signed(rich, 0, 1)
			tx.Sig[5] ^= 1
			sendBody(TypeTx, tx)
		}, chain.ErrBadSignature},
		{"overspend in a block", func() {
			sendBody(TypeBlock, solve(t, tmpl(signed(chain.GenerateKey(), 0, 5))))
		}, chain.ErrOverspend},
		{"replayed seq in a block", func() {
			first := signed(rich, 0, 1)
			sendBody(TypeBlock, solve(t, tmpl(first, signed(rich, 0, 2))))
		}, chain.ErrBadSeq},
		{"timestamp behind the median", func() {
			b := tmpl()
			mtp, ok := c.MedianTimePast(c.Tip().Hash)
			require.True(t, ok)
			b.Header.Time = mtp
			b.Txs[0].Time = b.Header.Time
			b.Header.MerkleRoot = b.ComputeMerkleRoot()
			sendBody(TypeBlock, solve(t, b))
		}, chain.ErrTimeTooOld},
		{"timestamp too far ahead", func() {
			b := c.NewTemplate(chain.KeyAddress(key), nil, now.Add(time.Hour))
			sendBody(TypeBlock, solve(t, b))
		}, nil}, // held: see below
		{"oversized message", func() {
			send(Message{Type: TypeTx, Body: []byte(`"` + strings.Repeat("x", MaxMessageSize) + `"`)})
		}, ErrMessageTooBig},
		{"malformed JSON", func() {
			send(Message{Type: TypeBlock, Body: []byte(`{"index": 1, "hash": `)})
		}, ErrBadMessage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.send()
			select {
			case ev := <-rules:
				want := CodeStatusHeld
				if tc.rule != nil {
					want = Code(tc.rule)
				}
				require.Equal(t, want, ev.Code, ev.Text)
				require.Equal(t, ID(evil), ev.Peer)
			case <-time.After(5 * time.Second):
				t.Fatal("nothing was reported")
			}
		})
	}
	// The honest nodes agree and are still at height 1.
	converged(t, tn.nodes)
	require.Equal(t, uint64(1), tn.nodes[1].Chain().Tip().Height)
	require.Equal(t, honest.Chain().Accounts(), tn.nodes[1].Chain().Accounts())
}

// TestPeerPastThresholdIsIgnored checks that a node stops listening to a
// peer after BanThreshold violations.
func TestPeerPastThresholdIsIgnored(t *testing.T) {
	tn := newTestNet(t, 1)
	honest := tn.nodes[0]
	var rejected, ignored int
	done := make(chan struct{}, 1)
	honest.Subscribe(func(ev Event) {
		switch {
		case ev.Kind == EventRejected:
			rejected++
		case ev.Kind == EventPeer && ev.Code == CodePeerBanned:
			ignored++
			done <- struct{}{}
		}
	})
	evil := tn.mn.Join("mallory")
	for range BanThreshold + 5 {
		require.NoError(t, evil.Send(context.Background(), Message{Type: TypeBlock, Body: []byte(`{`)}))
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("peer never ignored")
	}
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 1, ignored)
	require.Equal(t, BanThreshold, rejected, "messages after the threshold are dropped unread")
}
