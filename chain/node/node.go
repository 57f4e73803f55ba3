package node

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"math/big"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/pbft"
)

// Config configures a Node.
type Config struct {
	// Chain is the node's chain. This field is required.
	Chain *chain.Chain
	// Key is the node's wallet key: it signs the node's transactions and
	// receives its mining rewards. This field is required.
	Key ed25519.PrivateKey
	// Name is the nickname shown to the room. Defaults to the short address.
	Name string
	// Clock is the node's time source: every time it reads or waits for
	// comes from it. Defaults to SystemClock.
	Clock Clock
	// Miner searches nonces for GET /mine and MineBlock. Defaults to a
	// ThreadMiner with one goroutine per CPU.
	Miner Miner
	// SendQueue bounds the messages waiting for the transport. Defaults to 256.
	SendQueue int
	// Store, when set, keeps every block the node accepts; New replays the
	// stored blocks into Chain first, so a restarted node resumes where it
	// stopped. Blocks are written on a goroutine of the node's, in batches;
	// the caller opens the store and closes it after Close.
	Store BlockStore
	// StoreDelay is how long after a write to Store the next one waits for
	// more blocks to gather, on the Clock: a tab writes a sync to IndexedDB
	// in a few large records rather than one per batch validated, and a
	// block after a quiet spell at once. Defaults to 0.
	StoreDelay time.Duration
	// TxResend is how long, in a PBFT room, a transaction the node
	// submitted may stay uncommitted before the node sends it again to
	// all replicas (resend.go). Defaults to DefaultTxResend.
	TxResend time.Duration
	// Yield, when set, is called between chunks of long work (a batch of
	// blocks being validated, the replay of the store) so that a host with
	// one thread, a browser tab, can run its event loop: it may block for
	// a moment. Defaults to doing nothing.
	Yield func()
	// HTTPClient sends the requests to the tutorials' HTTP peers.
	// Defaults to DefaultHTTPClient().
	HTTPClient HTTPClient
	// ControlKey is the public key of the room's teacher controls (the
	// room's config has it): a control message is obeyed only when it is
	// signed by it (control.go). Without it every control is refused.
	ControlKey ed25519.PublicKey
}

// peer is what a node knows of another member of its room.
type peer struct {
	info   PeerInfo
	addr   chain.Address // its wallet, as its hello said (zero before)
	seen   time.Time     // when it last sent a message (or joined)
	tip    chain.Hash
	height uint64
	work   *big.Int
	score  score         // its misbehaviour (score.go)
	banned bool          // its score reached BanThreshold: ignored from now on
	rate   *rate.Limiter // messages per second it may send
	asked  bool          // we asked it for its mempool on this connection
	pooled bool          // its answer (txs) came: another is not asked for
	// answered is set once it has answered a getblocks of ours; stalls
	// counts the syncs it stalled, and passOver is until when it is not
	// asked for blocks (score.go).
	answered bool
	stalls   int
	passOver time.Time
	stats    StatsBody // its last mining figures (stats.go)
}

// Misbehaviour limits.
const (
	// BanThreshold is the score (score.go: one point per rule broken,
	// decaying by ScoreDecayPerMinute) at which a node ignores a peer
	// until it reconnects.
	BanThreshold = 10
	// PeerRate and PeerBurst bound the messages a peer may send per second.
	PeerRate  = 200
	PeerBurst = 1000
)

func newPeer(info PeerInfo, now time.Time) *peer {
	return &peer{info: info, seen: now, work: new(big.Int), rate: rate.NewLimiter(PeerRate, PeerBurst)}
}

// Node is a peer: a chain plus the protocol that keeps it in step with its
// room. All methods are safe for concurrent use.
type Node struct {
	cfg   Config
	chain *chain.Chain
	pool  *chain.Mempool
	addr  chain.Address
	http  *httpPeers

	signed signedSlots // the slots this node signed a block of (validator.go)
	signMu sync.Mutex  // held while a transaction of the node's keys takes its seq and enters the mempool (wallet.go)

	mu       sync.Mutex
	self     string
	peers    map[string]*peer
	sync     syncState  // the download under way (sync.go)
	out      *outbox    // drained by Run's writer; nil when not connected
	helloTip chain.Hash // the tip our last hello announced
	subs     map[int]func(Event)
	nsub     int
	control  controlState // the teacher's controls obeyed (control.go)
	stats    statsState   // this node's hash rate, as reported (stats.go)

	store *persister // nil without a Config.Store

	mining atomic.Int32                               // mining loops running (MineLoop)
	pbft   func(from string, to int, m *pbft.Message) // the running Seat's inbox (seat.go); nil without one
	seat   *Seat                                      // the seat taken (TakeSeat); nil without one
	trace  *pbftTrace                                 // what the node saw of PBFT (pbfttrace.go); nil in a room of another engine
	resend resendState                                // the transactions it submitted, until committed (resend.go)
}

// New creates a node; it does not connect anywhere until Run.
func New(cfg Config) (*Node, error) {
	if cfg.Chain == nil {
		return nil, errors.New("node: Config.Chain is required")
	}
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("node: Config.Key is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	if cfg.Miner == nil {
		cfg.Miner = ThreadMiner{Threads: runtime.NumCPU(), Counter: new(atomic.Uint64)}
	}
	cfg.Miner = newMinerGate(cfg.Miner) // one search at a time; GET /mine preempts the mining loop (minergate.go)
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 256
	}
	n := &Node{
		cfg:   cfg,
		chain: cfg.Chain,
		addr:  chain.KeyAddress(cfg.Key),
		peers: make(map[string]*peer),
		subs:  make(map[int]func(Event)),
		trace: newPBFTTrace(cfg.Chain.Params()),
	}
	n.control.changed = make(chan struct{})
	if n.cfg.Name == "" {
		n.cfg.Name = n.addr.Short()
	}
	if len(n.cfg.Name) > chain.MaxNameBytes {
		return nil, fmt.Errorf("node: name %q: have %d bytes, max %d", n.cfg.Name, len(n.cfg.Name), chain.MaxNameBytes)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = DefaultHTTPClient()
	}
	n.http = newHTTPPeers(cfg.HTTPClient)
	if cfg.Store != nil {
		if err := n.replay(); err != nil {
			return nil, err
		}
	}
	if cfg.Store != nil {
		n.store = newPersister(cfg.Store, cfg.Clock, cfg.StoreDelay, func(err error, lost int) {
			n.emit(Event{Kind: EventStatus, Code: CodeStatusStoreFailed, Reason: err.Error(), Count: uint64(lost),
				Text: fmt.Sprintf("Could not save %d block(s): %v", lost, err)})
		})
	}
	n.pool = chain.NewMempool(cfg.Chain, chain.DefaultMempoolConfig())
	cfg.Chain.Subscribe(n.onChainEvent)
	return n, nil
}

// Mempool returns the node's pending transactions.
func (n *Node) Mempool() *chain.Mempool { return n.pool }

// replay feeds the stored blocks to the chain in the order they were
// accepted. The first stored block is the genesis: a store of another
// chain is refused; an empty store gets this chain's genesis first. A
// block that no longer validates (a store written by an older version)
// stops the replay: the chain keeps the valid prefix.
//
// The blocks the chain prunes during the replay (stale branches a store
// that could not delete kept, or that a crash left behind) are deleted
// from a BlockPruner store afterwards.
func (n *Node) replay() error {
	var pruned []chain.Hash
	unsubscribe := n.chain.Subscribe(func(ev chain.Event) { pruned = append(pruned, ev.Pruned...) })
	err := n.replayBlocks(&pruned)
	unsubscribe()
	if bp, ok := n.cfg.Store.(BlockPruner); ok && err == nil && len(pruned) > 0 {
		return bp.DeleteBlocks(pruned)
	}
	return err
}

// replayBlocks is replay's walk over the store. It appends to pruned the
// blocks that were pruned in the call that stored them (no event names
// those).
func (n *Node) replayBlocks(pruned *[]chain.Hash) error {
	now := n.cfg.Clock.Now()
	first := true
	var batch []*chain.Block
	flush := func() error {
		res, err := n.chain.ProcessBlocks(batch, now)
		for i, st := range res.Statuses {
			if h := batch[i].Hash(); st == chain.StatusMainChain || st == chain.StatusSideChain {
				if _, ok := n.chain.BlockByHash(h); !ok {
					*pruned = append(*pruned, h)
				}
			}
		}
		batch = batch[:0]
		n.yield()
		if err != nil {
			return errStopReplay
		}
		return nil
	}
	err := n.cfg.Store.ForEachBlock(func(b *chain.Block) error {
		if first {
			first = false
			if b.Height() != 0 || b.Hash() != n.chain.ID() {
				return fmt.Errorf("%w: it begins with block #%d %s, this chain's genesis is %s",
					ErrOtherChain, b.Height(), b.Hash().Short(), n.chain.ID().Short())
			}
			return nil
		}
		if batch = append(batch, b); len(batch) == replayChunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	switch {
	case first && err == nil:
		return n.cfg.Store.PutBlocks([]*chain.Block{n.chain.Genesis()})
	case errors.Is(err, errStopReplay):
		return nil
	}
	return err
}

// replayChunk is how many stored blocks are replayed between yields.
const replayChunk = 256

var errStopReplay = errors.New("stop replay")

// Flush waits until every block the node's chain stored so far is
// written to Config.Store (or its write failed, which is reported as an
// event). Call it before closing the store.
func (n *Node) Flush() {
	if n.store != nil {
		n.store.flush()
	}
}

// Chain returns the node's chain.
func (n *Node) Chain() *chain.Chain { return n.chain }

// Address returns the node's wallet address.
func (n *Node) Address() chain.Address { return n.addr }

// Name returns the node's nickname.
func (n *Node) Name() string { return n.cfg.Name }

// Subscribe registers fn for every Event. fn may be called from any
// goroutine, sometimes with internal locks held: it must not block and
// must not call back into the node synchronously.
func (n *Node) Subscribe(fn func(Event)) (unsubscribe func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id := n.nsub
	n.nsub++
	n.subs[id] = fn
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.subs, id)
	}
}

func (n *Node) emit(ev Event) {
	n.mu.Lock()
	fns := make([]func(Event), 0, len(n.subs))
	for _, fn := range n.subs {
		fns = append(fns, fn)
	}
	n.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

// onChainEvent queues the blocks the chain stored for the store and turns
// changes of the best chain into node events. Chain events come in order,
// so the store gets parents before children.
func (n *Node) onChainEvent(ev chain.Event) {
	if n.store != nil {
		n.store.add(ev.Stored, ev.Pruned)
	}
	switch ev.Type {
	case chain.EventStored:
	case chain.EventReorg:
		var back uint64 // the disconnected blocks' transfers the mempool took back
		for _, b := range ev.Disconnected {
			for _, tx := range b.Txs[1:] {
				if n.pool.Has(tx.ID()) {
					back++
				}
			}
		}
		n.emit(Event{Kind: EventReorg, Height: ev.Height, Hash: ev.Hash.String(), Count: uint64(len(ev.Disconnected)), Total: uint64(len(ev.Connected)), Back: back,
			Text: fmt.Sprintf("Reorg: %d block(s) left the best chain, %d transaction(s) back in the mempool; new tip #%d %s", len(ev.Disconnected), back, ev.Height, ev.Hash.Short())})
	default:
		n.emit(Event{Kind: EventTip, Code: CodeTipExtended, Height: ev.Height, Hash: ev.Hash.String(), Count: uint64(len(ev.Connected)),
			Text: fmt.Sprintf("New tip #%d %s", ev.Height, ev.Hash.Short())})
	}
}

// Peers returns the peers of the room as last heard from.
func (n *Node) Peers() []PeerInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]PeerInfo, 0, len(n.peers))
	for _, p := range n.peers {
		out = append(out, p.info)
	}
	return out
}

// PeerState is what a node knows of one peer of its room.
type PeerState struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Height uint64     `json:"height"` // of the tip it announced (0 before its hello)
	Tip    chain.Hash `json:"tip"`
	Work   string     `json:"work"` // cumulative work it announced, decimal
	// Address is its wallet address, as its hello said; empty before.
	Address string `json:"address,omitempty"`
	// LastSeen is when it last sent a message or joined, unix ms on the
	// node's Clock.
	LastSeen int64 `json:"last_seen"`
	// Violations is its misbehaviour score now, rounded: about how many
	// rules it broke lately (it decays); at BanThreshold it is ignored
	// (Banned).
	Violations int  `json:"violations"`
	Banned     bool `json:"banned"`
	// Stats are its last mining figures (its hash rate: stats.go); zero
	// before its first report.
	Stats StatsBody `json:"stats"`
}

// PeerStates returns the peers of the room as last heard from, in the
// order the relay numbered them (p2 before p10).
func (n *Node) PeerStates() []PeerState {
	n.mu.Lock()
	now := n.cfg.Clock.Now()
	out := make([]PeerState, 0, len(n.peers))
	for _, p := range n.peers {
		ps := PeerState{ID: p.info.ID, Name: p.info.Name, Height: p.height, Tip: p.tip, Work: p.work.String(),
			LastSeen: p.seen.UnixMilli(), Violations: int(math.Round(p.score.value(now))), Banned: p.banned, Stats: p.stats}
		if nn, ok := n.control.last.State.Names[p.info.ID]; ok {
			ps.Name = nn // the teacher renamed it
		}
		if !p.addr.IsZero() {
			ps.Address = p.addr.String()
		}
		out = append(out, ps)
	}
	n.mu.Unlock()
	slices.SortFunc(out, func(a, b PeerState) int {
		if c := cmp.Compare(len(a.ID), len(b.ID)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Self returns the node's peer id in its room ("" when not joined).
func (n *Node) Self() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.self
}

// Summary describes tx as events and views show it.
func (n *Node) Summary(tx *chain.Tx) *TxSummary { return n.summary(tx) }

// Run connects the node to a room through t and serves it until ctx ends
// or the transport breaks. It returns the transport's error; the caller
// may dial again and call Run anew to reconnect.
func (n *Node) Run(ctx context.Context, t Transport) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := newOutbox(n.cfg.SendQueue, n.cfg.Clock)
	n.mu.Lock()
	n.out = out
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.out = nil
		n.peers = make(map[string]*peer)
		n.mu.Unlock()
		t.Close()
	}()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // writer: the only caller of t.Send
		defer wg.Done()
		defer cancel()
		out.run(ctx, t)
	}()
	wg.Add(1)
	go func() { // on the clock: held future blocks are retried, peers still ahead asked again
		defer wg.Done()
		clock := n.cfg.Clock
		resynced := clock.Now()
		measured := resynced
		n.measureStats(measured)
		for {
			select {
			case <-ctx.Done():
				return
			case <-clock.After(retryEvery):
			}
			now := clock.Now()
			n.chain.RetryFuture(now)
			n.checkStall(now)
			n.resendPending(now)
			if now.Sub(measured) >= StatsEvery {
				measured = now
				n.measureStats(now)
			}
			if now.Sub(resynced) >= resyncEvery {
				resynced = now
				n.resync()
				n.rehello()
			}
		}
	}()
	defer wg.Wait()
	defer cancel()
	n.emit(Event{Kind: EventConnection, Code: CodeConnConnected, Text: "Connected to the room"})
	for {
		m, err := t.Recv(ctx)
		if err != nil {
			n.emit(Event{Kind: EventConnection, Code: CodeConnDisconnected, Reason: disconnectReason(err),
				Text: "Disconnected from the room: " + err.Error()})
			return err
		}
		n.handle(m)
	}
}

// send queues m for the transport; when the queue is full the message is
// dropped (announcements are best effort, sync asks again).
func (n *Node) send(typ, to string, body any) {
	m, err := NewMessage(typ, to, body)
	if err != nil {
		return
	}
	n.mu.Lock()
	out := n.out
	n.mu.Unlock()
	if out == nil {
		return
	}
	if !out.push(m) {
		n.emit(Event{Kind: EventStatus, Code: CodeStatusSendDropped, What: typ, Text: "Send queue full: dropped a " + typ + " message"})
	}
}

// announce tells the room of a block this node made. Announcements share
// one slot per connection: a newer block replaces one not yet sent (see
// outbox), so a fast miner announces its tip, not every block.
func (n *Node) announce(b *chain.Block) {
	n.mu.Lock()
	out := n.out
	n.mu.Unlock()
	if out != nil {
		out.announce(b)
	}
}

func (n *Node) hello() HelloBody {
	tip := n.chain.Tip()
	n.mu.Lock()
	n.helloTip = tip.Hash
	n.mu.Unlock()
	return HelloBody{Genesis: n.chain.ID(), Tip: tip.Hash, Height: tip.Height, Work: tip.Work.String(), Name: n.cfg.Name, Address: n.addr}
}

// rehello tells the room our tip again if it moved since our last hello,
// so every peer's list shows where we are (a peer that only follows
// never announces a block). It runs every resyncEvery: one frame per
// interval at most.
func (n *Node) rehello() {
	n.mu.Lock()
	moved := n.helloTip != n.chain.Tip().Hash
	n.mu.Unlock()
	if moved {
		n.send(TypeHello, "", n.hello())
	}
}

// handle processes one message from the room. It never panics on bad
// input: what breaks a rule becomes an EventRejected naming the peer.
func (n *Node) handle(m Message) {
	switch {
	case m.Type == TypePeers, m.Type == TypeJoin, m.Type == TypeLeave, m.Type == TypeError: // from the relay itself
	case m.From == "" && m.Type == TypeControl: // from the server (relay.Server.Announce): no peer to limit
		if len(m.Body) > MaxControlBody {
			return
		}
	default:
		if !n.admit(m) {
			return
		}
	}
	switch m.Type {
	case TypePeers:
		var b PeersBody
		if m.DecodeBody(&b) != nil {
			return
		}
		n.mu.Lock()
		n.self = b.You
		if n.out != nil {
			n.out.pace(b.Limits)
		}
		now := n.cfg.Clock.Now()
		for _, p := range b.Peers {
			n.peers[p.ID] = newPeer(p, now)
		}
		n.mu.Unlock()
		n.emit(Event{Kind: EventPeer, Code: CodePeerWelcome, Peer: b.You, Name: b.Room, Count: uint64(len(b.Peers)),
			Text: fmt.Sprintf("Joined room %q as %s with %d other peer(s)", b.Room, b.You, len(b.Peers))})
		n.send(TypeHello, "", n.hello())
	case TypeJoin:
		var p PeerInfo
		if m.DecodeBody(&p) != nil || p.ID == "" {
			return
		}
		n.mu.Lock()
		n.peers[p.ID] = newPeer(p, n.cfg.Clock.Now())
		n.mu.Unlock()
		n.emit(Event{Kind: EventPeer, Code: CodePeerJoined, Peer: p.ID, Name: p.Name, Text: fmt.Sprintf("%s (%s) joined", p.Name, p.ID)})
		n.send(TypeHello, p.ID, n.hello())
	case TypeLeave:
		var p PeerInfo
		if m.DecodeBody(&p) != nil {
			return
		}
		n.mu.Lock()
		name := p.ID
		if old, ok := n.peers[p.ID]; ok {
			name = old.info.Name
		}
		delete(n.peers, p.ID)
		n.mu.Unlock()
		n.endSync(p.ID)
		n.emit(Event{Kind: EventPeer, Code: CodePeerLeft, Peer: p.ID, Name: name, Text: fmt.Sprintf("%s (%s) left", name, p.ID)})
	case TypeHello:
		n.handleHello(m)
	case TypeGetBlocks:
		n.handleGetBlocks(m)
	case TypeBlocks:
		n.handleBlocks(m)
	case TypeBlock:
		var b chain.Block
		if err := m.DecodeBody(&b); err != nil {
			n.reject(m.From, "block", err)
			return
		}
		n.processBlock(m.From, &b)
	case TypeTx:
		var tx chain.Tx
		if err := m.DecodeBody(&tx); err != nil {
			n.reject(m.From, "transaction", err)
			return
		}
		n.acceptTx(m.From, &tx)
	case TypePing:
		var p PingBody
		if err := m.DecodeBody(&p); err != nil {
			n.reject(m.From, "ping", err)
			return
		}
		n.send(TypePong, m.From, p)
	case TypePong: // a node sends no pings of its own
	case TypeGetMempool:
		txs := n.pool.Select(MaxTxsPerBatch)
		n.send(TypeTxs, m.From, TxsBody{Txs: txs})
	case TypeTxs:
		n.handleTxs(m)
	case TypeControl:
		n.handleControl(m)
	case TypeStats:
		n.handleStats(m)
	case TypePBFT:
		n.handlePBFT(m)
	case typeMalformed:
		n.reject(m.From, "message", fmt.Errorf("not a JSON envelope: %q", m.Body))
	case TypeError:
		var b ErrorBody
		_ = m.DecodeBody(&b)
		n.emit(Event{Kind: EventStatus, Code: CodeStatusRelay, Reason: b.Code, Text: "Relay: " + b.Message})
	default:
		n.reject(m.From, "message", fmt.Errorf("unknown message type %q", m.Type))
	}
}

// admit applies the per-peer limits to a message from the room: a banned
// peer is ignored, one over its rate loses the message, and a body over
// its type's bound (MaxBodySize) is a violation, refused before it is
// decoded.
func (n *Node) admit(m Message) bool {
	p := n.peer(m.From)
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	p.seen = now
	banned := p.banned
	limited := !p.rate.AllowN(now, 1)
	n.mu.Unlock()
	switch {
	case banned:
		return false
	case limited:
		n.reject(m.From, m.Type, ErrPeerRateLimited)
		return false
	case len(m.Body) > MaxBodySize(m.Type):
		n.reject(m.From, m.Type, fmt.Errorf("%w: %s body of %d bytes, max %d", ErrMessageTooBig, m.Type, len(m.Body), MaxBodySize(m.Type)))
		return false
	}
	return true
}

// handleTxs adds the transactions of a txs message, the answer to our
// getmempool: one per connection is accepted, and an answer nobody asked
// for is a violation, refused before it is decoded. Copies of one
// transaction within the batch are a violation too (an honest mempool
// holds each once); each is added once, and a copy of one already pending
// costs a hash, not a signature check (chain.Mempool.Add).
func (n *Node) handleTxs(m Message) {
	p := n.peer(m.From)
	n.mu.Lock()
	solicited := p.asked && !p.pooled
	p.pooled = true
	n.mu.Unlock()
	if !solicited {
		n.reject(m.From, "transactions", fmt.Errorf("%w: a txs message not asked for", ErrBadMessage))
		return
	}
	var b TxsBody
	if err := m.DecodeBody(&b); err != nil {
		n.reject(m.From, "transactions", err)
		return
	}
	if len(b.Txs) > MaxTxsPerBatch {
		n.reject(m.From, "transactions", fmt.Errorf("%w: batch of %d transactions, max %d", ErrBadMessage, len(b.Txs), MaxTxsPerBatch))
		return
	}
	seen := make(map[chain.Hash]bool, len(b.Txs))
	dups := 0
	for _, tx := range b.Txs {
		if tx == nil {
			continue
		}
		if id := tx.ID(); seen[id] {
			dups++
			continue
		} else {
			seen[id] = true
		}
		if n.isBanned(m.From) {
			return // the rest is not worth a look
		}
		n.acceptTx(m.From, tx)
	}
	if dups > 0 {
		n.reject(m.From, "transactions", fmt.Errorf("%w: %d copies of transactions already in the batch", ErrBadMessage, dups))
	}
}

// isBanned reports whether the node ignores peer id.
func (n *Node) isBanned(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.peers[id]
	return ok && p.banned
}

// acceptTx adds a transaction from a peer to the mempool. Policy refusals
// (a full pool, a rate limit, a seq gap) are not the peer's fault; a
// broken consensus rule is.
func (n *Node) acceptTx(from string, tx *chain.Tx) {
	err := n.pool.Add(tx, n.cfg.Clock.Now())
	switch {
	case err == nil:
		n.emit(Event{Kind: EventTx, Peer: from, Hash: tx.ID().String(), Tx: n.summary(tx), Text: describeTx("New transaction", tx)})
	case errors.Is(err, chain.ErrDuplicateTx):
	case errors.Is(err, chain.ErrSeqGap), errors.Is(err, chain.ErrMempoolFull),
		errors.Is(err, chain.ErrRateLimited), errors.Is(err, chain.ErrMempoolConflict),
		errors.Is(err, chain.ErrBadSeq), errors.Is(err, chain.ErrOverspend):
		// Valid once, or valid on another branch: not misbehaviour.
		ev := ruleEvent(EventRefused, from, "transaction", err)
		ev.Hash = tx.ID().String()
		ev.Text = fmt.Sprintf("Did not add transaction %s: %v", tx.ID().Short(), err)
		n.emit(ev)
	default:
		ev := ruleEvent(EventRejected, from, "transaction", err)
		ev.Hash = tx.ID().String()
		n.rejectWith(ev, err)
	}
}

func (n *Node) peer(id string) *peer {
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.peers[id]
	if !ok {
		p = newPeer(PeerInfo{ID: id, Name: id}, n.cfg.Clock.Now())
		n.peers[id] = p
	}
	return p
}

func (n *Node) handleHello(m Message) {
	var h HelloBody
	if err := m.DecodeBody(&h); err != nil {
		n.reject(m.From, "hello", err)
		return
	}
	if h.Genesis != n.chain.ID() {
		n.reject(m.From, "hello", chain.ErrBadGenesis)
		return
	}
	work, err := parseWork(h.Work)
	if err != nil {
		n.reject(m.From, "hello", err)
		return
	}
	if len(h.Name) > chain.MaxNameBytes || !utf8.ValidString(h.Name) {
		n.reject(m.From, "hello", fmt.Errorf("%w: name of %d bytes: want at most %d bytes of UTF-8", ErrBadMessage, len(h.Name), chain.MaxNameBytes))
		return
	}
	p := n.peer(m.From)
	n.mu.Lock()
	p.info.Name, p.tip, p.height, p.work = h.Name, h.Tip, h.Height, work
	if !h.Address.IsZero() {
		p.addr = h.Address
	}
	askPool := !p.asked
	p.asked = true
	n.mu.Unlock()
	if askPool {
		n.send(TypeGetMempool, m.From, struct{}{})
	}
	n.emit(Event{Kind: EventPeer, Code: CodePeerHello, Peer: m.From, Name: h.Name, Height: h.Height, Hash: h.Tip.String(),
		Text: fmt.Sprintf("%s is at #%d %s", h.Name, h.Height, h.Tip.Short())})
	if work.Cmp(n.chain.Tip().Work) > 0 {
		n.startSync(m.From)
	}
}

// Run's timers, on the node's Clock.
const (
	// retryEvery is how often the held future blocks are tried again.
	retryEvery = time.Second
	// resyncEvery is how much time passes between checks that no peer is
	// still ahead of us (a lost or dropped blocks answer would otherwise
	// leave a node behind until the next block).
	resyncEvery = 5 * time.Second
)

// parseWork reads a hello's cumulative work: at most MaxWorkDigits decimal
// digits, checked before big.Int parses them.
func parseWork(s string) (*big.Int, error) {
	if len(s) == 0 || len(s) > MaxWorkDigits {
		return nil, fmt.Errorf("%w: work of %d digits: want 1 to %d", ErrBadMessage, len(s), MaxWorkDigits)
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("%w: work %.20q is not a decimal number", ErrBadMessage, s)
		}
	}
	work, _ := new(big.Int).SetString(s, 10) // digits only: it parses
	return work, nil
}

// resync asks the peer that announced the most work for blocks, if it
// announced more than we have. Banned peers are never asked; a peer passed
// over for a stalled sync is asked only when no other peer is ahead of us
// (its answer may just have been lost).
func (n *Node) resync() {
	if best := n.bestSource(true); best != "" {
		n.startSync(best)
	}
}

// bestSource returns the peer to sync from: the one that announced the
// most work, more than ours, among those neither banned nor passed over
// for a stalled sync; with fallback, a passed-over one if there is no
// other; "" if there is none.
func (n *Node) bestSource(fallback bool) string {
	tipWork := n.chain.Tip().Work
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	defer n.mu.Unlock()
	best, bestWork := "", tipWork
	passed, passedWork := "", tipWork
	// more reports whether a peer with work w and id beats the one held:
	// more work, or as much and the lower id, so the choice does not
	// depend on the map's order (the simulator replays runs by seed).
	more := func(w *big.Int, id string, heldWork *big.Int, held string) bool {
		c := w.Cmp(heldWork)
		return c > 0 || (c == 0 && held != "" && lowerID(id, held))
	}
	for id, p := range n.peers {
		switch {
		case p.banned || p.work.Cmp(tipWork) <= 0:
		case now.Before(p.passOver):
			if more(p.work, id, passedWork, passed) {
				passed, passedWork = id, p.work
			}
		case more(p.work, id, bestWork, best):
			best, bestWork = id, p.work
		}
	}
	if best == "" && fallback {
		return passed
	}
	return best
}

// lowerID reports whether relay id a sorts before b the way the relay
// numbers peers: shorter first (p2 before p10), then bytewise.
func lowerID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// requestBlocks asks peer for the blocks after our best chain's locator.
func (n *Node) requestBlocks(peerID string) {
	n.send(TypeGetBlocks, peerID, GetBlocksBody{Locator: n.chain.Locator(), Max: MaxBlocksPerBatch})
}

// reject reports data from a peer that broke a rule: what names it
// ("transaction 3f2a…", "hello", a message type).
func (n *Node) reject(from, what string, err error) {
	n.rejectWith(ruleEvent(EventRejected, from, what, err), err)
}

// rejectBlock reports a block from a peer that broke a rule.
func (n *Node) rejectBlock(from string, b *chain.Block, err error) {
	ev := ruleEvent(EventRejected, from, "block", err)
	ev.Height, ev.Hash = b.Height(), b.Hash().String()
	n.rejectWith(ev, err)
}

// rejectWith counts a violation against ev.Peer (a point on its score)
// and reports ev, and the ban when this violation is the one that makes
// it.
func (n *Node) rejectWith(ev Event, err error) {
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	name, banned := ev.Peer, false
	if p, ok := n.peers[ev.Peer]; ok {
		if p.score.add(now, 1) >= BanThreshold && !p.banned {
			p.banned, banned = true, true
		}
		name = p.info.Name
	}
	n.mu.Unlock()
	ev.Name = name
	what := ev.What
	switch {
	case ev.Hash != "" && ev.What == "block":
		what += fmt.Sprintf(" #%d %.12s", ev.Height, ev.Hash)
	case ev.Hash != "":
		what += fmt.Sprintf(" %.12s", ev.Hash)
	}
	ev.Text = fmt.Sprintf("Rejected %s from %s (%s): %v", what, name, ev.Peer, err)
	n.emit(ev)
	if banned {
		n.emit(Event{Kind: EventPeer, Code: CodePeerBanned, Peer: ev.Peer, Name: name, Count: BanThreshold,
			Text: fmt.Sprintf("Ignoring %s (%s) from now on: it broke %d or more rules in a short time", name, ev.Peer, BanThreshold)})
	}
}

// ruleEvent is the event of err, a broken rule or limit, about what from
// peer: its code and, for a chain rule, its numbers.
func ruleEvent(kind EventKind, peer, what string, err error) Event {
	ev := Event{Kind: kind, Code: codeOf(err), Peer: peer, What: what, Text: err.Error()}
	var re *chain.RuleError
	if errors.As(err, &re) {
		ev.Have, ev.Want, ev.Reason = re.Have, re.Want, re.Detail
	}
	return ev
}

// summary describes tx for an event.
func (n *Node) summary(tx *chain.Tx) *TxSummary {
	s := &TxSummary{ID: tx.ID().String(), Author: tx.Author(), Amount: tx.Amount, Fee: tx.Fee, Memo: tx.Memo}
	if !tx.IsCoinbase() {
		s.From = tx.Sender().String()
		s.Mine = tx.Sender() == n.addr
	}
	if !tx.To.IsZero() {
		s.To = tx.To.String()
	}
	return s
}

// describeTx says in words what a transaction does.
func describeTx(prefix string, tx *chain.Tx) string {
	if tx.Amount == 0 {
		return fmt.Sprintf("%s %s: %s posted %q", prefix, tx.ID().Short(), tx.Author(), tx.Memo)
	}
	return fmt.Sprintf("%s %s: %s sends %d coin(s) to %s (fee %d)", prefix, tx.ID().Short(), tx.Author(), tx.Amount, tx.To.Short(), tx.Fee)
}

// Template returns a block template on the best tip with the best-paying
// pending transactions, paying the reward and fees to the node's wallet.
// Its coinbase carries the node's nickname (Config.Name, when set), so
// every page can name the block's miner. Its nonce is unsolved.
func (n *Node) Template() *chain.Block {
	b := n.pool.Template(n.addr, n.cfg.Clock.Now())
	if n.cfg.Name != "" && len(b.Txs) > 0 && len(n.cfg.Name) <= chain.MaxNameBytes {
		b.Txs[0].Name = n.cfg.Name
		b.Header.MerkleRoot = b.ComputeMerkleRoot()
	}
	return b
}

// Solve searches a nonce for hdr with the node's Miner, as a foreground
// search like GET /mine's: it takes the Miner from the mining loop, which
// goes on after it. The page's tamper mode re-mines forged blocks with it.
func (n *Node) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	return n.gate().Solve(ctx, hdr)
}

// SubmitBlock adds a block this node produced (mined locally or by its
// workers) and announces it to the room. It fails, changing nothing, if
// the block breaks a rule.
func (n *Node) SubmitBlock(b *chain.Block) error {
	status, err := n.chain.ProcessBlock(b, n.cfg.Clock.Now())
	if err != nil {
		return fmt.Errorf("node: submit block: %w", err)
	}
	n.announce(b)
	n.announceHTTP(b)
	code := CodeMinedMainChain
	if status != chain.StatusMainChain {
		code = CodeMinedSideChain
	}
	n.emit(Event{Kind: EventMined, Code: code, Height: b.Height(), Hash: b.Hash().String(),
		Text: fmt.Sprintf("Mined block #%d %s (%s)", b.Height(), b.Hash().Short(), status)})
	return nil
}

// MineBlock builds a template, solves it with the configured Miner and
// submits it. A new tip arriving meanwhile does not stop it: the block
// then lands on a side branch, as it would in a real network.
func (n *Node) MineBlock(ctx context.Context) (*chain.Block, error) {
	b := n.Template()
	hdr, err := n.cfg.Miner.Solve(ctx, b.Header)
	if err != nil {
		return nil, fmt.Errorf("node: mine: %w", err)
	}
	b.Header = hdr
	if err := n.SubmitBlock(b); err != nil {
		return nil, err
	}
	return b, nil
}
