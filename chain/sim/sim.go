package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Topology is how the simulated peers are connected.
type Topology int

const (
	// Room connects every peer to every other, as the relay's room does:
	// a broadcast reaches every peer over its own link, and a node never
	// forwards what it hears (the relay fans out).
	Room Topology = iota
	// Mesh connects each peer to Degree peers it picks at random (and to
	// those that picked it), as Bitcoin's outbound connections do. A
	// broadcast reaches the neighbours only, and a block travels hop by
	// hop: each peer that takes a block onto its best chain announces it
	// to its neighbours (inv), and a neighbour that lacks it asks for it
	// (getdata) and downloads it — the relay of Bitcoin Core, modelled by
	// the simulator around the nodes.
	Mesh
)

// String returns "room" or "mesh".
func (t Topology) String() string {
	if t == Mesh {
		return "mesh"
	}
	return "room"
}

// Config describes one simulation. The zero value of a field takes the
// default stated beside it.
type Config struct {
	// Seed makes the run: the same Config gives the same Result.
	Seed uint64
	// Peers is the number of simulated nodes, at least 2. Peer 0 is the
	// attacker when Attacker is set.
	Peers int
	// Blocks is how many blocks are mined; then mining stops and the
	// messages under way are delivered until the network is quiet.
	Blocks int
	// BlockInterval is the mean time between two blocks of the whole
	// network. Defaults to 10 minutes.
	BlockInterval time.Duration
	// BlockSize is the size, in bytes, a block is charged on a link
	// (its real encoding, a coinbase, is a few hundred bytes). 0 charges
	// its real JSON size.
	BlockSize int
	// Topology: Room (the default) or Mesh.
	Topology Topology
	// Degree is the outbound connections per peer in a Mesh. Defaults to 8.
	Degree int
	// Regions, when set, places each peer in a region and draws each
	// link's latency and bandwidth from the table; otherwise every link
	// has Latency and no bandwidth limit.
	Regions *Regions
	// Latency is every link's one-way latency when Regions is nil.
	Latency time.Duration
	// Shares is the hash share of each peer; they must sum to 1. nil
	// gives every peer the same share (the attacker's, when set, is its
	// own parameter and the rest is split evenly).
	Shares []float64
	// Attacker, when set, makes peer 0 follow it instead of mining
	// honestly: Selfish or DoubleSpend.
	Attacker Attacker
}

// Attacker is a mining strategy other than the honest one, played by
// peer 0. Its implementations are this package's Selfish and DoubleSpend.
type Attacker interface {
	// share is the attacker's hash share.
	share() float64
	// start is called once the peers are connected, before any block.
	start(s *Sim)
	// beforeMine is called at every block found, before it is handed out
	// (the strategy looks at the network as it stands).
	beforeMine(s *Sim)
	// mine is called when the attacker finds a block.
	mine(s *Sim) error
	// deliver is called when a message reaches the attacker; it returns
	// false to keep it from the attacker's node for now.
	deliver(s *Sim, from int, m *msgRef) bool
	// handled is called after peer i's node has handled r.
	handled(s *Sim, i int, r *msgRef)
	// outgoing filters what the attacker's node sends; false drops it.
	outgoing(s *Sim, m *node.Message) bool
	// linkLatency overrides the latency of a link that touches the
	// attacker; ok is false to keep the model's.
	linkLatency(s *Sim, from, to int) (d time.Duration, ok bool)
	// finish is called when mining has stopped.
	finish(s *Sim)
}

// Errors of New.
var (
	// ErrConfig is returned (wrapped) by New for a Config out of range.
	ErrConfig = errors.New("sim: bad config")
)

// Params are the consensus parameters of every simulated chain:
// difficulty 1 with no retarget, so every nonce meets the proof of work
// (see the package doc).
func Params(interval time.Duration) chain.Params {
	return chain.Params{
		Name: "sim", GenesisTime: 1767225600000, Difficulty: 1, BlockTimeMs: max(interval.Milliseconds(), 1),
		RetargetInterval: 0, Subsidy: 50, HalvingInterval: 0, MaxBlockTxs: 100,
		MaxFutureDriftMs: 2 * 60 * 1000, MedianTimeSpan: 11,
	}
}

// peer is one simulated node and what the simulator knows of it.
type peer struct {
	idx    int
	id     string // its relay id, "p1", "p2", …
	node   *node.Node
	sess   *node.Session
	share  float64
	region int
	links  []int // neighbours (Mesh) — every other peer in a Room is implicit
}

// blockInfo is what the simulator records of a block mined in the run.
type blockInfo struct {
	id      int
	hash    chain.Hash
	block   *chain.Block
	body    []byte // the block as JSON, as a block message carries it
	parent  *blockInfo
	height  uint64
	miner   int
	minedAt time.Duration
	arrive  []time.Duration // when each peer first stored it; -1 before
	relayed []bool          // it entered the peer's best chain (and, in a Mesh, was announced)
	known   []bool          // Mesh: the peer has it or has asked for it
	public  bool            // the attacker released it (the attacker's blocks only)
}

// msgRef is a message under way: the node message and, for a block
// message, the block it carries (so the simulator needs not decode it).
type msgRef struct {
	m     node.Message
	block *blockInfo
}

// Sim is one simulation run. It is not safe for concurrent use; Run it
// on one goroutine.
type Sim struct {
	cfg    Config
	rng    *rand.Rand
	epoch  time.Time
	now    time.Duration
	queue  eventQueue
	seq    uint64
	peers  []*peer
	byID   map[string]int
	cum    []float64 // cumulative hash shares
	blocks map[chain.Hash]*blockInfo
	list   []*blockInfo // in the order mined; list[0] is the genesis
	fifo   map[[2]int32]time.Duration
	mined  int
	stop   bool // the attacker has played every trial: no more blocks
	msgs   int  // messages delivered
	err    error
	buf    []node.Message
}

// New builds the network of cfg: its peers, each a chain/node.Node on its
// own chain, connected by Sessions to the simulator's links.
func New(cfg Config) (*Sim, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	s := &Sim{
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xda3e39cb94b95bdb)),
		byID:   make(map[string]int, cfg.Peers),
		blocks: make(map[chain.Hash]*blockInfo),
		fifo:   make(map[[2]int32]time.Duration),
	}
	params := Params(cfg.BlockInterval)
	s.epoch = time.UnixMilli(params.GenesisTime).Add(time.Second)
	shares := cfg.shares()
	total := 0.0
	for i := range cfg.Peers {
		c, err := chain.New(chain.Config{Params: params})
		if err != nil {
			return nil, err
		}
		name := "m" + strconv.Itoa(i)
		if i == 0 && cfg.Attacker != nil {
			name = "attacker"
		}
		n, err := node.New(node.Config{Chain: c, Key: peerKey(cfg.Seed, i), Name: name, Clock: clock{s}, Miner: sealer{}, SendQueue: 1 << 14})
		if err != nil {
			return nil, err
		}
		sess, err := n.Attach()
		if err != nil {
			return nil, err
		}
		p := &peer{idx: i, id: "p" + strconv.Itoa(i+1), node: n, sess: sess, share: shares[i]}
		if cfg.Regions != nil {
			p.region = cfg.Regions.pick(s.rng)
		}
		s.peers = append(s.peers, p)
		s.byID[p.id] = i
		total += shares[i]
		s.cum = append(s.cum, total)
	}
	g := s.peers[0].node.Chain().Genesis()
	s.register(g, -1)
	for i := range s.peers {
		s.list[0].relayed[i] = true
		s.list[0].known[i] = true
		s.list[0].arrive[i] = 0
	}
	if cfg.Topology == Mesh {
		s.wire()
	}
	return s, nil
}

// fill applies the defaults and checks the ranges.
func (c *Config) fill() error {
	if c.BlockInterval <= 0 {
		c.BlockInterval = 10 * time.Minute
	}
	if c.Degree <= 0 {
		c.Degree = 8
	}
	switch {
	case c.Peers < 2:
		return fmt.Errorf("%w: %d peers, want at least 2", ErrConfig, c.Peers)
	case c.Blocks < 1:
		return fmt.Errorf("%w: %d blocks, want at least 1", ErrConfig, c.Blocks)
	case c.BlockSize < 0 || c.Latency < 0:
		return fmt.Errorf("%w: negative block size or latency", ErrConfig)
	case c.Topology == Mesh && c.Degree >= c.Peers:
		return fmt.Errorf("%w: degree %d needs more than %d peers", ErrConfig, c.Degree, c.Peers)
	case c.Shares != nil && len(c.Shares) != c.Peers:
		return fmt.Errorf("%w: %d shares for %d peers", ErrConfig, len(c.Shares), c.Peers)
	}
	if c.Regions != nil {
		if err := c.Regions.validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if c.Shares != nil {
		sum := 0.0
		for _, x := range c.Shares {
			if x < 0 || math.IsNaN(x) {
				return fmt.Errorf("%w: negative hash share", ErrConfig)
			}
			sum += x
		}
		if math.Abs(sum-1) > 1e-9 {
			return fmt.Errorf("%w: hash shares sum to %g, want 1", ErrConfig, sum)
		}
	}
	if c.Attacker != nil {
		if a := c.Attacker.share(); !(a > 0 && a < 1) {
			return fmt.Errorf("%w: attacker's hash share %g, want strictly between 0 and 1", ErrConfig, a)
		}
	}
	return nil
}

// shares returns each peer's hash share.
func (c *Config) shares() []float64 {
	if c.Shares != nil {
		return slices.Clone(c.Shares)
	}
	out := make([]float64, c.Peers)
	first, rest := 0, 1.0
	if c.Attacker != nil {
		out[0], first, rest = c.Attacker.share(), 1, 1-c.Attacker.share()
	}
	for i := first; i < c.Peers; i++ {
		out[i] = rest / float64(c.Peers-first)
	}
	return out
}

// peerKey derives peer i's wallet key from the seed, so addresses (and so
// every block hash) repeat with the seed.
func peerKey(seed uint64, i int) ed25519.PrivateKey {
	var b [24]byte
	copy(b[:8], "chainsim")
	binary.BigEndian.PutUint64(b[8:], seed)
	binary.BigEndian.PutUint64(b[16:], uint64(i))
	h := sha256.Sum256(b[:])
	return ed25519.NewKeyFromSeed(h[:])
}

// wire connects each peer to Degree others drawn at random, both ways.
func (s *Sim) wire() {
	n := len(s.peers)
	linked := make([]map[int]bool, n)
	for i := range linked {
		linked[i] = make(map[int]bool)
	}
	for i := range n {
		for k := 0; k < s.cfg.Degree; {
			j := s.rng.IntN(n)
			if j == i || linked[i][j] {
				continue
			}
			linked[i][j], linked[j][i] = true, true
			k++
		}
	}
	for i, p := range s.peers {
		for j := range linked[i] {
			p.links = append(p.links, j)
		}
		slices.Sort(p.links)
	}
}

// neighbours returns the peers that p's broadcasts reach.
func (s *Sim) neighbours(p int) []int {
	if s.cfg.Topology == Mesh {
		return s.peers[p].links
	}
	out := make([]int, 0, len(s.peers)-1)
	for i := range s.peers {
		if i != p {
			out = append(out, i)
		}
	}
	return out
}

// linked reports whether a direct message from a can reach b.
func (s *Sim) linked(a, b int) bool {
	if a == b {
		return false
	}
	if s.cfg.Topology == Room {
		return true
	}
	_, ok := slices.BinarySearch(s.peers[a].links, b)
	return ok
}

// link returns the latency and bandwidth of the direction from → to.
func (s *Sim) link(from, to int) link {
	if s.cfg.Attacker != nil && (from == 0 || to == 0) {
		if d, ok := s.cfg.Attacker.linkLatency(s, from, to); ok {
			return link{latency: d, bps: math.Inf(1)}
		}
	}
	r := s.cfg.Regions
	if r == nil {
		return link{latency: s.cfg.Latency, bps: math.Inf(1)}
	}
	a, b := s.peers[from].region, s.peers[to].region
	lo, hi := linkSeed(s.cfg.Seed, min(from, to), max(from, to))
	lr := rand.New(rand.NewPCG(lo, hi)) // one draw per connection, both directions alike
	ms := pareto(lr, r.LatencyMs[a][b], ParetoShape)
	return link{latency: time.Duration(ms * float64(time.Millisecond)), bps: min(r.UploadBps[a], r.DownloadBps[b])}
}

// register records a block mined by miner (-1: the genesis).
func (s *Sim) register(b *chain.Block, miner int) *blockInfo {
	n := len(s.peers)
	body, err := json.Marshal(b)
	if err != nil {
		panic("sim: marshal block: " + err.Error()) // a valid block always encodes
	}
	bi := &blockInfo{id: len(s.list), hash: b.Hash(), block: b, body: body, height: b.Height(), miner: miner, minedAt: s.now,
		arrive: make([]time.Duration, n), relayed: make([]bool, n), known: make([]bool, n)}
	for i := range bi.arrive {
		bi.arrive[i] = -1
	}
	if b.Height() > 0 {
		bi.parent = s.blocks[b.Header.PrevHash]
	}
	s.blocks[bi.hash] = bi
	s.list = append(s.list, bi)
	return bi
}

// Run mines Config.Blocks blocks and delivers every message until the
// network is quiet. It returns the first error of a node (a block the
// simulator built that its own node refused: a bug, not a result).
func (s *Sim) Run() error {
	for i, p := range s.peers {
		body := node.PeersBody{You: p.id, Room: "sim"}
		for _, j := range s.neighbours(i) {
			body.Peers = append(body.Peers, node.PeerInfo{ID: s.peers[j].id, Name: s.peers[j].node.Name()})
		}
		m, err := node.NewMessage(node.TypePeers, "", body)
		if err != nil {
			return err
		}
		s.handle(i, msgRef{m: m})
	}
	if a := s.cfg.Attacker; a != nil {
		a.start(s)
	}
	s.scheduleMine()
	for s.err == nil {
		e := s.next()
		if e == nil {
			break
		}
		s.now = e.at
		switch e.kind {
		case evMine:
			s.mine()
		case evDeliver:
			s.msgs++
			if a := s.cfg.Attacker; a != nil && e.to == 0 && !a.deliver(s, e.from, &e.msg) {
				continue
			}
			s.handle(e.to, e.msg)
		case evInv:
			s.inv(e.from, e.to, e.msg.block)
		case evTimer:
			e.ch <- s.epoch.Add(s.now)
		}
	}
	return s.err
}

// fail records the first error; Run stops at it.
func (s *Sim) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// scheduleMine draws the time of the network's next block: the blocks of
// all miners together are a Poisson process of rate 1/BlockInterval, and
// each is found by a miner drawn by hash share — the same process as one
// independent Poisson process per miner at its share of the rate.
func (s *Sim) scheduleMine() {
	dt := time.Duration(s.rng.ExpFloat64() * float64(s.cfg.BlockInterval))
	s.schedule(&event{at: s.now + dt, kind: evMine})
}

// mine runs one block found: by whom, and what that miner does with it.
func (s *Sim) mine() {
	u := s.rng.Float64() * s.cum[len(s.cum)-1]
	i, _ := slices.BinarySearch(s.cum, u)
	i = min(i, len(s.peers)-1)
	for s.peers[i].share == 0 && i+1 < len(s.peers) { // a share of 0 finds nothing
		i++
	}
	if a := s.cfg.Attacker; a != nil {
		a.beforeMine(s)
		if s.stop {
			a.finish(s)
			return
		}
	}
	s.mined++
	if a := s.cfg.Attacker; a != nil && i == 0 {
		s.fail(a.mine(s))
	} else {
		_, err := s.submit(i, s.peers[i].node.Template())
		s.fail(err)
	}
	if s.mined < s.cfg.Blocks {
		s.scheduleMine()
	} else if a := s.cfg.Attacker; a != nil {
		a.finish(s)
	}
}

// submit seals b (difficulty 1: any nonce), has peer i's node accept and
// announce it, and records it.
func (s *Sim) submit(i int, b *chain.Block) (*blockInfo, error) {
	p := s.peers[i]
	before := p.node.Chain().Tip().Hash
	if err := p.node.SubmitBlock(b); err != nil {
		return nil, fmt.Errorf("sim: %s's own block: %w", p.id, err)
	}
	bi := s.register(b, i)
	bi.arrive[i] = s.now
	bi.known[i] = true
	s.afterHandle(i, before)
	return bi, nil
}

// handle hands peer i a message and carries out what its node does.
func (s *Sim) handle(i int, r msgRef) {
	p := s.peers[i]
	before := p.node.Chain().Tip().Hash
	p.sess.Handle(r.m)
	if b := r.block; b != nil {
		if b.arrive[i] < 0 {
			if _, ok := p.node.Chain().BlockByHash(b.hash); ok {
				b.arrive[i] = s.now
			}
		}
		b.known[i] = true
	}
	s.afterHandle(i, before)
	if a := s.cfg.Attacker; a != nil {
		a.handled(s, i, &r)
	}
}

// afterHandle records the blocks that entered peer i's best chain since
// its tip was before (announcing them to its neighbours in a Mesh), then
// sends what its node queued.
func (s *Sim) afterHandle(i int, before chain.Hash) {
	p := s.peers[i]
	if tip := p.node.Chain().Tip(); tip.Hash != before {
		var fresh []*blockInfo
		for b := s.blocks[tip.Hash]; b != nil && !b.relayed[i]; b = b.parent {
			fresh = append(fresh, b)
		}
		for k := len(fresh) - 1; k >= 0; k-- {
			b := fresh[k]
			b.relayed[i] = true
			b.known[i] = true
			if b.arrive[i] < 0 {
				b.arrive[i] = s.now
			}
			if s.cfg.Topology == Mesh && !(s.cfg.Attacker != nil && i == 0) {
				for _, j := range p.links {
					s.sendInv(i, j, b)
				}
			}
		}
	}
	s.flush(i)
}

// flush sends what peer i's node queued.
func (s *Sim) flush(i int) {
	p := s.peers[i]
	s.buf = p.sess.Drain(s.buf[:0])
	for _, m := range s.buf {
		if a := s.cfg.Attacker; a != nil && i == 0 && !a.outgoing(s, &m) {
			continue
		}
		if m.Type == node.TypeBlock {
			// The announcement of the peer's own block: a Room carries it
			// to everyone (the relay's fan-out); a Mesh relays it by inv
			// from afterHandle, as every other block.
			if s.cfg.Topology == Room {
				if b := s.list[len(s.list)-1]; b.miner == i {
					s.broadcastBlock(i, b)
				}
			}
			continue
		}
		m.From = p.id
		if m.To != "" {
			if j, ok := s.byID[m.To]; ok && s.linked(i, j) {
				s.send(i, j, msgRef{m: m}, s.size(m))
			}
			continue
		}
		size := s.size(m)
		for _, j := range s.neighbours(i) {
			s.send(i, j, msgRef{m: m}, size)
		}
	}
}

// broadcastBlock sends b from peer i to every peer its broadcasts reach.
func (s *Sim) broadcastBlock(i int, b *blockInfo) {
	for _, j := range s.neighbours(i) {
		s.sendBlock(i, j, b, -1)
	}
}

// sendBlock sends b from peer i to peer j as a block message, after
// delay when delay ≥ 0 (an attacker's choice), else over the link.
func (s *Sim) sendBlock(i, j int, b *blockInfo, delay time.Duration) {
	m := node.Message{Type: node.TypeBlock, From: s.peers[i].id, Body: b.body}
	size := s.blockSize(b)
	if delay >= 0 {
		s.deliverAt(i, j, msgRef{m: m, block: b}, s.now+delay)
		return
	}
	s.send(i, j, msgRef{m: m, block: b}, size)
}

// send puts r on the link from i to j.
func (s *Sim) send(i, j int, r msgRef, size int) {
	s.deliverAt(i, j, r, s.now+s.link(i, j).transfer(size))
}

// deliverAt schedules r's arrival at j, no earlier than the message before
// it on the same link (a connection delivers in order).
func (s *Sim) deliverAt(i, j int, r msgRef, at time.Duration) {
	key := [2]int32{int32(i), int32(j)}
	if last, ok := s.fifo[key]; ok && at < last {
		at = last
	}
	s.fifo[key] = at
	s.schedule(&event{at: at, kind: evDeliver, from: i, to: j, msg: r})
}

// sendInv announces b from i to its neighbour j (Mesh).
func (s *Sim) sendInv(i, j int, b *blockInfo) {
	if b.known[j] { // j has it or asked for it: it would ignore the inv
		return
	}
	s.schedule(&event{at: s.now + s.link(i, j).latency, kind: evInv, from: i, to: j, msg: msgRef{block: b}})
}

// inv is an announcement of b from i reaching j: if j neither has b nor
// asked for it, it asks i (getdata, one latency back) and i sends the
// block (one latency and the block's transfer time).
func (s *Sim) inv(i, j int, b *blockInfo) {
	if b.known[j] {
		return
	}
	b.known[j] = true
	m := node.Message{Type: node.TypeBlock, From: s.peers[i].id, Body: b.body}
	at := s.now + s.link(j, i).latency + s.link(i, j).transfer(s.blockSize(b))
	s.deliverAt(i, j, msgRef{m: m, block: b}, at)
}

// blockSize is the size b is charged on a link.
func (s *Sim) blockSize(b *blockInfo) int {
	if s.cfg.BlockSize > 0 {
		return s.cfg.BlockSize
	}
	return len(b.body)
}

// size is the size m is charged on a link: a blocks message is charged
// BlockSize per block, anything else its JSON.
func (s *Sim) size(m node.Message) int {
	if m.Type != node.TypeBlocks || s.cfg.BlockSize == 0 {
		return len(m.Body) + 64
	}
	var body struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(m.Body, &body) != nil {
		return len(m.Body) + 64
	}
	return max(len(body.Blocks)*s.cfg.BlockSize, 64)
}

// sealer is the nodes' Miner: with difficulty 1 every nonce meets the
// proof of work, so the header is already solved.
type sealer struct{}

// Solve implements node.Miner.
func (sealer) Solve(_ context.Context, hdr chain.Header) (chain.Header, error) {
	if hdr.Difficulty != 1 {
		return hdr, fmt.Errorf("sim: difficulty %d: the simulator seals difficulty 1 only", hdr.Difficulty)
	}
	return hdr, nil
}
