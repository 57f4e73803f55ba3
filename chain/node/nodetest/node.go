package nodetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Wait bounds every wait of this package: a barrier, a settle, a tip to
// arrive. Reaching it fails the test; it is never a reason to pass.
const Wait = 10 * time.Second

// NewNode returns a node built from cfg with the test defaults filled in
// where cfg leaves them empty: a fresh chain of chain.TestParams, a new
// key, a one-thread miner, and a FakeClock at Epoch. It does not run.
func NewNode(tb testing.TB, cfg node.Config) *node.Node {
	tb.Helper()
	if cfg.Chain == nil {
		c, err := chain.New(chain.Config{Params: chain.TestParams})
		require.NoError(tb, err)
		cfg.Chain = c
	}
	if cfg.Key == nil {
		cfg.Key = chain.GenerateKey()
	}
	if cfg.Miner == nil {
		cfg.Miner = node.ThreadMiner{Threads: 1}
	}
	if cfg.Clock == nil {
		cfg.Clock = NewFakeClock(Epoch)
	}
	n, err := node.New(cfg)
	require.NoError(tb, err)
	return n
}

// Net is a room of test nodes on one MemNetwork and one FakeClock. Its
// methods fail the test on error; they are safe for concurrent use.
type Net struct {
	*MemNetwork
	// Clock is the time of every node made by NewNet and Net.NewNode.
	Clock *FakeClock
	// Nodes are the nodes NewNet started, named n0, n1, …, and IDs their
	// relay ids. Nodes started later are not added.
	Nodes []*node.Node
	IDs   []string

	// Config is the template of the nodes Net.NewNode builds (their
	// Name and Clock are the net's); NewNetConfig sets it.
	Config node.Config

	tb      testing.TB
	mu      sync.Mutex
	running []*Peer
}

// NewNet starts k nodes named n0 … n(k-1) in a new room and returns once
// each has handled the others' arrival (each knows k-1 peers).
func NewNet(tb testing.TB, k int) *Net {
	tb.Helper()
	return NewNetConfig(tb, k, node.Config{})
}

// NewNetConfig is NewNet whose nodes are built from cfg (a ControlKey,
// a Miner): each gets its own name, chain and key and the net's clock
// (cfg's are ignored).
func NewNetConfig(tb testing.TB, k int, cfg node.Config) *Net {
	tb.Helper()
	tn := &Net{MemNetwork: NewMemNetwork(), Clock: NewFakeClock(Epoch), tb: tb, Config: cfg}
	for i := range k {
		p := tn.Start(tn.NewNode(fmt.Sprintf("n%d", i)))
		tn.Nodes = append(tn.Nodes, p.Node)
		tn.IDs = append(tn.IDs, p.ID())
	}
	if k > 1 {
		tn.Settle()
	}
	for _, n := range tn.Nodes {
		require.Len(tb, n.Peers(), k-1, "%s does not know every other node", n.Name())
	}
	return tn
}

// NewNode returns a node named name on the net's clock, not started.
func (tn *Net) NewNode(name string) *node.Node {
	tn.tb.Helper()
	cfg := tn.Config
	cfg.Name, cfg.Clock, cfg.Chain, cfg.Key = name, tn.Clock, nil, nil
	return NewNode(tn.tb, cfg)
}

// Peer is a node that Net.Start runs in the room.
type Peer struct {
	Node *node.Node
	Conn *Conn

	net    *Net
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// ID returns the peer's relay id.
func (p *Peer) ID() string { return p.Conn.ID() }

// Stop disconnects the node, as when a laptop's Wi-Fi drops, and waits
// until its Run has returned. The test's end stops every peer still
// running; stopping twice is a no-op.
func (p *Peer) Stop() {
	p.cancel()
	<-p.done
	tn := p.net
	tn.mu.Lock()
	tn.running = slices.DeleteFunc(tn.running, func(q *Peer) bool { return q == p })
	tn.mu.Unlock()
}

// Err returns what the node's Run returned, once Stop has returned.
func (p *Peer) Err() error { return p.err }

// Start joins n to the room under its name and runs it until Stop or the
// end of the test. n may be a node that ran before (a reconnect). It
// returns once n has handled the relay's welcome and sent its hello, so
// a node started before another never greets it as a newcomer.
func (tn *Net) Start(n *node.Node) *Peer {
	tn.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Peer{Node: n, Conn: tn.Join(n.Name()), net: tn, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.err = n.Run(ctx, p.Conn)
	}()
	tn.mu.Lock()
	tn.running = append(tn.running, p)
	tn.mu.Unlock()
	tn.tb.Cleanup(p.Stop)
	require.Eventually(tn.tb, func() bool { return p.Conn.Sent(node.TypeHello) > 0 }, Wait, time.Millisecond,
		"%s never said hello", n.Name())
	return p
}

// Running returns the peers started and not stopped, oldest first.
func (tn *Net) Running() []*Peer {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	return slices.Clone(tn.running)
}

// Barrier is Conn.Barrier from from to the peer with id to, failing the
// test when the pong does not come within Wait.
func (tn *Net) Barrier(from *Conn, to string) {
	tn.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	require.NoError(tn.tb, from.Barrier(ctx, to))
}

// Settle returns once the room is quiet: every running node has handled
// every message sent to it, and handling them made nobody send anything
// more. It needs at least two running nodes on each side of a partition
// (a node is pinged from another node: raw Conns may be banned). Timers
// on the clock are not advanced; a node mining or a test sending at the
// same time keeps the room from settling until it stops.
func (tn *Net) Settle() {
	tn.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	require.NoError(tn.tb, tn.settle(ctx))
}

// settle runs rounds of barriers, every running node pinged by another,
// until a round in which no message other than the pings and pongs was
// sent. Then every message ever sent was delivered before that round's
// pings, so it was handled before the pongs, and handling it sent nothing.
func (tn *Net) settle(ctx context.Context) error {
	for round := 0; ; round++ {
		if round == 1000 {
			return errors.New("nodetest: settle: the room is still busy after 1000 rounds")
		}
		before := tn.traffic()
		peers := tn.Running()
		errs := make(chan error, len(peers))
		for _, target := range peers {
			from := tn.pinger(peers, target)
			if from == nil {
				return fmt.Errorf("nodetest: settle: no other running node can reach %s (%s) to ping it", target.ID(), target.Node.Name())
			}
			go func() { errs <- from.Conn.Barrier(ctx, target.ID()) }()
		}
		var err error
		for range peers {
			err = errors.Join(err, <-errs)
		}
		if err != nil {
			return err
		}
		if tn.traffic() == before {
			return nil
		}
	}
}

// pinger picks a running node other than target that can reach it.
func (tn *Net) pinger(peers []*Peer, target *Peer) *Peer {
	for _, p := range peers {
		if p != target && tn.Reachable(p.ID(), target.ID()) {
			return p
		}
	}
	return nil
}

// Mine mines one block on n and returns it once n has sent its
// announcement to the room, when n runs in this net: a node joining
// afterwards does not get the announcement. A node that does not run here
// just mines.
func (tn *Net) Mine(n *node.Node) *chain.Block {
	tn.tb.Helper()
	var p *Peer
	for _, q := range tn.Running() {
		if q.Node == n {
			p = q
		}
	}
	if p == nil {
		return Mine(tn.tb, n)
	}
	before := p.Conn.Sent(node.TypeBlock)
	b := Mine(tn.tb, n)
	require.Eventually(tn.tb, func() bool { return p.Conn.Sent(node.TypeBlock) > before }, Wait, time.Millisecond,
		"%s never announced block #%d", n.Name(), b.Height())
	return b
}

// WaitTip waits until n's best tip is want.
func WaitTip(tb testing.TB, n *node.Node, want chain.Hash) {
	tb.Helper()
	require.Eventually(tb, func() bool { return n.Chain().Tip().Hash == want }, Wait, 5*time.Millisecond,
		"%s never reached tip %s (at #%d)", n.Name(), want.Short(), n.Chain().Tip().Height)
}

// Converged waits until every node of group has the first one's tip.
func Converged(tb testing.TB, group ...*node.Node) {
	tb.Helper()
	require.Eventually(tb, func() bool {
		want := group[0].Chain().Tip().Hash
		for _, n := range group[1:] {
			if n.Chain().Tip().Hash != want {
				return false
			}
		}
		return true
	}, Wait, 10*time.Millisecond, "nodes did not converge")
}

// Pending waits until tx is in n's mempool.
func Pending(tb testing.TB, n *node.Node, tx *chain.Tx) {
	tb.Helper()
	require.Eventually(tb, func() bool { return n.Mempool().Has(tx.ID()) }, Wait, 5*time.Millisecond,
		"%s never received transaction %s", n.Name(), tx.ID().Short())
}

// Mine mines one block on n and returns it.
func Mine(tb testing.TB, n *node.Node) *chain.Block {
	tb.Helper()
	b, err := n.MineBlock(context.Background())
	require.NoError(tb, err)
	return b
}
