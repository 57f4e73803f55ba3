package node

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// fuzzNode is a node of chain.TestParams that is not connected: what it
// sends goes nowhere.
func fuzzNode(t *testing.T) *Node {
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{Chain: c, Key: chain.GenerateKey(), Miner: ThreadMiner{Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// frameSeeds are frames of every type a node handles, most of them valid.
func frameSeeds() []string {
	p := chain.TestParams
	g := chain.GenesisBlock(p)
	c, _ := chain.New(chain.Config{Params: p})
	b := c.NewTemplate(chain.Address{1}, nil, time.UnixMilli(p.GenesisTime+1000))
	for !b.Header.HasProofOfWork() {
		b.Header.Nonce++
	}
	key := chain.GenerateKey()
	tx := &chain.Tx{Time: p.GenesisTime + 5, Name: "ann", Memo: "hi"}
	tx.Sign(g.Hash(), key)
	js := func(v any) string { raw, _ := json.Marshal(v); return string(raw) }
	frame := func(typ string, body any) string {
		return fmt.Sprintf(`{"type":%q,"from":"p1","to":"p2","body":%s}`, typ, js(body))
	}
	return []string{
		frame(TypeHello, HelloBody{Genesis: g.Hash(), Tip: b.Hash(), Height: 1, Work: "4", Name: "mallory"}),
		frame(TypeHello, HelloBody{Genesis: g.Hash(), Tip: b.Hash(), Height: 1, Work: "99999999999999999999999999999999999999999999", Name: "liar"}),
		frame(TypeBlock, b),
		frame(TypeBlocks, BlocksBody{Blocks: [][]byte{b.Encode()}, More: true}),
		frame(TypeGetBlocks, GetBlocksBody{Locator: []chain.Hash{g.Hash()}, Max: 5}),
		frame(TypeTx, tx),
		frame(TypeTxs, TxsBody{Txs: []*chain.Tx{tx, tx}}),
		frame(TypeGetMempool, struct{}{}),
		frame(TypePing, PingBody{Nonce: 7}),
		frame(TypePeers, PeersBody{You: "p2", Room: "r", Peers: []PeerInfo{{ID: "p1", Name: "a"}}, Limits: Limits{RatePerSec: 50, RateBurst: 200}}),
		frame(TypeJoin, PeerInfo{ID: "p3", Name: "b"}),
		frame(TypeLeave, PeerInfo{ID: "p1"}),
		frame(TypeError, ErrorBody{Code: "malformed-frame", Message: "x"}),
		`{"type":"hello","from":"p1","body":{"work":"1e9"}}`,
		`{"type":"blocks","from":"p1","body":{"blocks":["AAAA"],"more":false}}`,
		`{"type":"x","from":"p1"}`,
		`not json`,
	}
}

// FuzzHandleFrame is the node's message decoder and handler under any
// frame: whatever a peer sends, the node never panics and never spends
// long on one frame (a stall found here is a frame that would freeze a
// tab).
func FuzzHandleFrame(f *testing.F) {
	for _, s := range append(frameSeeds(), envelopeSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		n := fuzzNode(t)
		start := time.Now()
		m, err := decodeEnvelope(frame) // as wsTransport.Recv does
		if err != nil {
			m = Message{Type: typeMalformed, Body: frame[:min(len(frame), 200)]}
		}
		n.handle(m)
		if m.Type != TypePeers && m.Type != TypeJoin && m.Type != TypeLeave && m.Type != TypeError {
			n.handle(m) // twice: a second copy meets the state the first left
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("a frame of %d bytes took %v", len(frame), d)
		}
	})
}
