// Package view is the view model of a room page: what the page shows of
// one node, built in Go and tested on the host, so the page's ES modules
// only render it (DESIGN.md, "The page": no consensus logic and no view
// model in JS).
//
// A Model follows a node's events. Snapshot returns the page's whole
// state as one JSON-ready value, plus the log entries added or changed
// since the previous snapshot; Dirty says when there is something new. A
// page asks for a snapshot at most once per animation frame, so however
// fast the node goes (a sync of thousands of blocks, a burst of
// transactions) it renders at most once a frame, and the log coalesces:
// the tips of a sync become one progress line that updates in place.
//
// # Concurrency
//
// All methods of Model are safe for concurrent use. The node calls the
// model's event handler on its own goroutines; the handler only records
// and never calls back into the node.
package view

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Config configures a Model.
type Config struct {
	// Blocks is how many best-chain blocks a snapshot lists, newest
	// first. Defaults to 30.
	Blocks int
	// LogSize is how many log entries the model keeps. Defaults to 200.
	LogSize int
	// Mempool is how many pending transactions a snapshot lists, the best
	// paying first. Defaults to 50.
	Mempool int
	// Posts is how many posts the feed lists. Defaults to 50.
	Posts int
	// History is how many of its transactions the wallet lists. Defaults
	// to 50.
	History int
	// Clock is the node's time source: Snapshot.Now and the time of a
	// block tamper mode adds. Defaults to node.SystemClock.
	Clock node.Clock
	// Extra, when set, is called for every snapshot; its result is the
	// snapshot's Extra (the tab puts its miner's figures there). It must
	// be safe to call from any goroutine and must not block.
	Extra func() any
}

// Model is the view model of one node. Make it with New before the node
// joins its room, so it hears every event.
type Model struct {
	node *node.Node
	cfg  Config

	mu      sync.Mutex
	log     logBook
	sync    SyncView
	conn    ConnView
	seq     uint64
	inspect chain.Hash    // the block the page inspects; zero for none
	dirty   chan struct{} // one slot: something changed since the last snapshot
	unsub   func()

	// index follows the best chain for the feed and the wallet; snapshots
	// update it under indexMu (one snapshot at a time).
	indexMu sync.Mutex
	index   *chainIndex

	tmu    sync.Mutex
	tamper tamperState // under tmu, which is never taken with mu held
}

// New makes the view model of n and subscribes it to n's events.
func New(n *node.Node, cfg Config) *Model {
	if cfg.Blocks <= 0 {
		cfg.Blocks = 30
	}
	if cfg.LogSize <= 0 {
		cfg.LogSize = 200
	}
	if cfg.Mempool <= 0 {
		cfg.Mempool = 50
	}
	if cfg.Posts <= 0 {
		cfg.Posts = 50
	}
	if cfg.History <= 0 {
		cfg.History = 50
	}
	if cfg.Clock == nil {
		cfg.Clock = node.SystemClock
	}
	m := &Model{node: n, cfg: cfg, dirty: make(chan struct{}, 1), conn: ConnView{State: ConnConnecting},
		index: newChainIndex(n.Address())}
	m.log.max = cfg.LogSize
	unsubNode := n.Subscribe(m.onEvent)
	// A block stored on a side branch changes the tree but is no node
	// event: the chain says so.
	unsubChain := n.Chain().Subscribe(func(chain.Event) { m.changed() })
	m.unsub = func() { unsubNode(); unsubChain() }
	m.changed()
	return m
}

// Close unsubscribes the model from its node.
func (m *Model) Close() { m.unsub() }

// Dirty receives a value when something changed since the last Snapshot.
// It has one slot: many changes between two snapshots signal once.
func (m *Model) Dirty() <-chan struct{} { return m.dirty }

// Touch signals Dirty without an event: something Config.Extra reports
// changed (the tab's miner figures).
func (m *Model) Touch() { m.changed() }

// Inspect makes the snapshots carry the details of the block with hash h
// (Snapshot.Inspect); "" stops. It fails on a hash that is not 64 hex
// digits.
func (m *Model) Inspect(h string) error {
	var hash chain.Hash
	if h != "" {
		var err error
		if hash, err = chain.ParseHash(h); err != nil {
			return fmt.Errorf("view: inspect: %w", err)
		}
	}
	m.mu.Lock()
	m.inspect = hash
	m.mu.Unlock()
	m.changed()
	return nil
}

// Log adds an event of the page's own (the tab's miner, a start-up
// message) to the log, as if the node had emitted it.
func (m *Model) Log(ev node.Event) { m.onEvent(ev) }

// changed signals Dirty.
func (m *Model) changed() {
	select {
	case m.dirty <- struct{}{}:
	default:
	}
}

// onEvent records one event of the node.
func (m *Model) onEvent(ev node.Event) {
	if ev.Kind == node.EventTip || ev.Kind == node.EventReorg || ev.Kind == node.EventMined {
		// Index each best chain as it happens: the wallet's transactions
		// in a block a reorg replaces later are known to have left.
		m.indexMu.Lock()
		m.index.update(m.node.Chain())
		m.indexMu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch ev.Kind {
	case node.EventSync:
		switch ev.Code {
		case node.CodeSyncStarted, node.CodeSyncProgress:
			m.sync = SyncView{Active: true, Peer: ev.Peer, Name: ev.Name, Height: ev.Count, Target: ev.Total}
		case node.CodeSyncDone:
			m.sync = SyncView{Peer: ev.Peer, Name: ev.Name, Height: ev.Count, Target: ev.Total}
		}
	case node.EventConnection:
		switch ev.Code {
		case node.CodeConnConnected:
			m.conn = ConnView{State: ConnConnected}
		case node.CodeConnDisconnected:
			m.conn = ConnView{State: ConnDisconnected, Reason: ev.Reason}
		case node.CodeConnRetrying:
			m.conn = ConnView{State: ConnRetrying, Reason: ev.Reason, RetryMs: ev.Count, Target: ev.Name}
		case node.CodeConnRoomReset:
			m.conn = ConnView{State: ConnRoomReset}
		}
	}
	m.log.add(ev, m.sync.Active)
	m.changed()
}

// Snapshot returns the page's state now and the log entries added or
// changed since the previous snapshot, and clears Dirty. The log and the
// sync and connection state are read first, the chain after: a snapshot's
// tip is never older than its log says.
func (m *Model) Snapshot() Snapshot {
	select { // clear before reading: a change from now on signals again
	case <-m.dirty:
	default:
	}
	var s Snapshot
	m.mu.Lock()
	m.seq++
	s.Seq = m.seq
	s.Sync, s.Conn = m.sync, m.conn
	s.Log = m.log.take()
	inspect := m.inspect
	m.mu.Unlock()

	n, c := m.node, m.node.Chain()
	me := n.Address()
	tip := c.Tip()
	s.Now = m.cfg.Clock.Now().UnixMilli()
	s.Self = n.Self()
	s.Tip = tipView(tip)
	s.Peers = n.PeerStates()
	ctl, _ := n.Control()
	s.Control = controlView(ctl, s.Self)
	m.indexMu.Lock()
	defer m.indexMu.Unlock()
	m.index.update(c)
	names := namer{self: me, selfName: n.Name(), peers: map[chain.Address]string{}, chain: m.index.names, stake: c.Params().IsStake()}
	for _, p := range s.Peers {
		if a, err := chain.ParseAddress(p.Address); err == nil && p.Address != "" {
			names.peers[a] = p.Name
		}
	}
	s.Blocks = m.blocks(c, tip.Height, me, names)
	from := uint64(0)
	if tip.Height >= uint64(m.cfg.Blocks) {
		from = tip.Height - uint64(m.cfg.Blocks) + 1
	}
	s.Stale = m.stale(c, from)
	s.Tree = tree(c, from, tip, s.Self, n.Name(), s.Peers)
	pending := n.Mempool().Txs()
	s.Wallet = m.wallet(tip.Height, pending, s.Peers, names)
	s.Posts = m.posts(tip.Height, pending)
	s.Mempool = []*node.TxSummary{}
	for _, tx := range n.Mempool().Select(m.cfg.Mempool) {
		s.Mempool = append(s.Mempool, n.Summary(tx))
	}
	s.MempoolCount = len(pending)
	if !inspect.IsZero() {
		s.Inspect = m.detail(c, inspect, tip.Height, me, names)
	}
	s.Tamper = m.tamperView(c.Params(), me, names)
	s.PBFT = pbftView(n, peerNames(s.Peers), s.Now)
	s.Stake = stakeView(n, names, s.Now, me)
	if m.cfg.Extra != nil {
		if b, err := json.Marshal(m.cfg.Extra()); err == nil {
			s.Extra = b
		}
	}
	return s
}

// tipView describes the best tip.
func tipView(t chain.TipInfo) TipView {
	d := t.Block.Header.Difficulty
	target := chain.Hash(chain.Target(d))
	return TipView{
		Height:     t.Height,
		Hash:       t.Hash.String(),
		Difficulty: d,
		ZeroBits:   target.LeadingZeroBits(),
		Target:     target.String(),
		Work:       t.Work.String(),
		Time:       t.Block.Header.Time,
	}
}

// blocks lists the best chain's newest blocks.
func (m *Model) blocks(c *chain.Chain, height uint64, me chain.Address, names namer) []BlockView {
	out := make([]BlockView, 0, m.cfg.Blocks)
	for h := height; len(out) < m.cfg.Blocks; h-- {
		b, ok := c.BlockAtHeight(h)
		if !ok {
			break
		}
		out = append(out, blockView(b, me, names))
		if h == 0 {
			break
		}
	}
	return out
}

// stale lists the blocks at heights from and above that are not on the
// best chain: the losing side of a fork, or blocks found invalid in a
// reorg.
func (m *Model) stale(c *chain.Chain, from uint64) []StaleView {
	out := []StaleView{}
	for _, t := range c.TreeFrom(from) {
		if t.MainChain {
			continue
		}
		v := StaleView{Height: t.Height, Hash: t.Hash.String(), Prev: t.Parent.String()}
		if t.Invalid != nil {
			v.Invalid = node.Code(t.Invalid)
			if v.Invalid == "" {
				v.Invalid = "invalid"
			}
		}
		out = append(out, v)
	}
	return out
}

// detail describes the block with hash h for the inspector.
func (m *Model) detail(c *chain.Chain, h chain.Hash, tip uint64, me chain.Address, names namer) *BlockDetail {
	b, ok := c.BlockByHash(h)
	if !ok {
		return &BlockDetail{Hash: h.String()}
	}
	d := blockDetail(b, me, names)
	if c.IsMainChain(h) {
		d.Main, d.Confirmations = true, tip-b.Height()+1
	}
	return &d
}
