package chain

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"
)

// Config configures a Chain.
type Config struct {
	// Params are the room's consensus parameters. This field is required.
	Params Params
	// Engine checks seals, difficulty and work. Defaults to the engine
	// Params names (EngineFor): PoW{} unless Params.Engine says otherwise.
	Engine Engine
	// MaxOrphans bounds the orphan pool (blocks whose parent is unknown);
	// when it is full the oldest orphan is dropped. Defaults to 128.
	MaxOrphans int
	// MaxFutureBlocks bounds the blocks held because their time is ahead
	// of the local clock; when full, the one furthest in the future is
	// dropped. Defaults to 32.
	MaxFutureBlocks int
	// PruneDepth bounds the side branches kept: a stale branch, one whose
	// highest block is more than PruneDepth blocks below the best tip, is
	// removed from the tree and reported in Event.Pruned, so that valid
	// blocks nobody builds on cost neither memory nor disk forever. A
	// branch still growing within PruneDepth of the tip is kept whole, and
	// the best chain is never pruned. Defaults to DefaultPruneDepth, more
	// than a page's fork tree shows; negative keeps every block.
	PruneDepth int
}

// DefaultPruneDepth is Config.PruneDepth's default: a stale branch is
// forgotten once its highest block is 100 blocks below the best tip.
const DefaultPruneDepth = 100

// Status says what ProcessBlock did with a block.
type Status int

const (
	// StatusSideChain: valid and stored, but not on the best chain.
	StatusSideChain Status = iota
	// StatusMainChain: valid and now part of the best chain (a new tip or a reorg).
	StatusMainChain
	// StatusOrphan: its parent is unknown; it waits in the orphan pool
	// and connects when the parent arrives (see MissingParents).
	StatusOrphan
	// StatusFuture: its time is ahead of the local clock by more than the
	// allowed drift; it is held and retried (see RetryFuture).
	StatusFuture
	// StatusRejected: the block broke a rule; the error says which.
	StatusRejected
)

func (s Status) String() string {
	switch s {
	case StatusSideChain:
		return "side chain"
	case StatusMainChain:
		return "main chain"
	case StatusOrphan:
		return "orphan"
	case StatusFuture:
		return "future"
	case StatusRejected:
		return "rejected"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// TipInfo describes the best block.
type TipInfo struct {
	Hash   Hash
	Height uint64
	Work   *big.Int // cumulative work, a copy
	Block  *Block
}

// Chain is a block tree with most-work fork choice and the account state
// of its best chain. All methods are safe for concurrent use.
type Chain struct {
	params  Params
	genesis *Block
	id      Hash
	engine  Engine
	prune   int // Config.PruneDepth; negative: never

	mu      sync.RWMutex
	index   map[Hash]*blockNode
	main    []*blockNode // the best chain by height
	state   ledger       // accounts after the best tip
	arrival uint64
	orphans *blockPool
	future  *blockPool
	hooks   map[int]func(connected, disconnected []*Block)
	nextID  int
	stored  []*blockNode // added to the tree since the last event, in order
	// byHeight lists the stored blocks of each height in arrival order,
	// so the recent part of the tree is read without scanning it all.
	byHeight [][]*blockNode
	// pruneFrom is the lowest height that may hold a side block to prune.
	pruneFrom uint64
	// stakeEng is the engine when it is a *StakeEngine, else nil.
	stakeEng *StakeEngine
	// signed maps a slot and producer to the first stored block they
	// signed (stake rooms), so a second one becomes a proof in proofs.
	signed map[slotSigner]*blockNode
	proofs []*DoubleSign

	events eventQueue
}

// New creates a chain holding only the genesis block of cfg.Params.
func New(cfg Config) (*Chain, error) {
	if err := cfg.Params.Validate(); err != nil {
		return nil, err
	}
	if cfg.Engine == nil {
		e, err := EngineFor(cfg.Params)
		if err != nil {
			return nil, err
		}
		cfg.Engine = e
	}
	if cfg.MaxOrphans <= 0 {
		cfg.MaxOrphans = 128
	}
	if cfg.MaxFutureBlocks <= 0 {
		cfg.MaxFutureBlocks = 32
	}
	if cfg.PruneDepth == 0 {
		cfg.PruneDepth = DefaultPruneDepth
	}
	g := GenesisBlock(cfg.Params)
	c := &Chain{
		params:  cfg.Params,
		genesis: g,
		id:      g.Hash(),
		engine:  cfg.Engine,
		prune:   cfg.PruneDepth,
		index:   make(map[Hash]*blockNode),
		state:   make(ledger),
		orphans: newBlockPool(cfg.MaxOrphans, olderFirst),
		future:  newBlockPool(cfg.MaxFutureBlocks, laterFirst),
		hooks:   make(map[int]func(connected, disconnected []*Block)),
	}
	root := &blockNode{hash: c.id, block: g, totalWork: cfg.Engine.Work(&g.Header), status: nodeConnected}
	if se, ok := cfg.Engine.(*StakeEngine); ok {
		c.stakeEng, root.stake = se, se.genesis
		c.signed = make(map[slotSigner]*blockNode)
	}
	c.index[c.id] = root
	c.main = []*blockNode{root}
	c.byHeight = [][]*blockNode{{root}}
	return c, nil
}

// ID returns the chain id: the genesis hash.
func (c *Chain) ID() Hash { return c.id }

// Params returns the room's parameters.
func (c *Chain) Params() Params { return c.params }

// Genesis returns the genesis block.
func (c *Chain) Genesis() *Block { return c.genesis }

// tip returns the best node. MUST be called with c.mu held.
func (c *Chain) tip() *blockNode { return c.main[len(c.main)-1] }

// onMain reports whether n is on the best chain. MUST be called with c.mu held.
func (c *Chain) onMain(n *blockNode) bool {
	return n.height < uint64(len(c.main)) && c.main[n.height] == n
}

// Tip returns the best block.
func (c *Chain) Tip() TipInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.tip()
	return TipInfo{Hash: n.hash, Height: n.height, Work: new(big.Int).Set(n.totalWork), Block: n.block}
}

// Balance returns the account of a on the best chain: its balance and the
// seq its next transaction must carry. An unknown address has the zero
// Account.
func (c *Chain) Balance(a Address) Account {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.state[a]
}

// Accounts returns a copy of every non-empty account on the best chain.
func (c *Chain) Accounts() map[Address]Account {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[Address]Account, len(c.state))
	for a, acct := range c.state {
		out[a] = acct
	}
	return out
}

// BlockByHash returns any stored valid block, on the best chain or not.
// Orphans, held future blocks and blocks found invalid are not returned.
func (c *Chain) BlockByHash(h Hash) (*Block, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.index[h]
	if !ok || n.invalid() {
		return nil, false
	}
	return n.block, true
}

// IsMainChain reports whether the block with hash h is on the best chain.
func (c *Chain) IsMainChain(h Hash) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.index[h]
	return ok && c.onMain(n)
}

// BlockAtHeight returns the best chain's block at height h.
func (c *Chain) BlockAtHeight(h uint64) (*Block, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if h >= uint64(len(c.main)) {
		return nil, false
	}
	return c.main[h].block, true
}

// MainChain returns the blocks of the best chain, genesis first.
func (c *Chain) MainChain() []*Block {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Block, len(c.main))
	for i, n := range c.main {
		out[i] = n.block
	}
	return out
}

// TreeNode describes one stored block for drawing the fork tree.
type TreeNode struct {
	Hash      Hash
	Parent    Hash
	Height    uint64
	Work      *big.Int // cumulative work
	MainChain bool
	// Invalid is why the block was found invalid when a reorg tried to
	// connect it (or one of its ancestors); nil for a valid block.
	Invalid error
}

// TreeFrom is Tree restricted to blocks at minHeight and above: what a
// page shows of the recent forks. Its cost is that of the blocks it
// returns, not of the whole tree.
func (c *Chain) TreeFrom(minHeight uint64) []TreeNode {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []TreeNode
	for h := minHeight; h < uint64(len(c.byHeight)); h++ {
		for _, n := range c.byHeight[h] {
			t := TreeNode{Hash: n.hash, Height: n.height, Work: new(big.Int).Set(n.totalWork), MainChain: c.onMain(n), Invalid: n.err}
			if n.parent != nil {
				t.Parent = n.parent.hash
			}
			out = append(out, t)
		}
	}
	return out
}

// Tree returns every stored block, valid or found invalid, ordered by
// height then arrival. Orphans, held future blocks and pruned stale
// branches (Config.PruneDepth) are not included.
func (c *Chain) Tree() []TreeNode { return c.TreeFrom(0) }

// Locator returns hashes of the best chain from the tip back to genesis,
// dense at first and then doubling the step, as Bitcoin's block locator.
func (c *Chain) Locator() []Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Hash
	step := 1
	for i := len(c.main) - 1; i > 0; i -= step {
		out = append(out, c.main[i].hash)
		if len(out) >= 10 {
			step *= 2
		}
	}
	return append(out, c.id)
}

// BlocksAfter finds the first locator hash on the best chain (the fork
// point) and returns up to max best-chain blocks after it. An unknown
// locator starts after genesis.
func (c *Chain) BlocksAfter(locator []Hash, max int) []*Block {
	c.mu.RLock()
	defer c.mu.RUnlock()
	start := uint64(0)
	for _, h := range locator {
		if n, ok := c.index[h]; ok && c.onMain(n) {
			start = n.height
			break
		}
	}
	var out []*Block
	for i := start + 1; i < uint64(len(c.main)) && len(out) < max; i++ {
		out = append(out, c.main[i].block)
	}
	return out
}

// NextDifficulty returns the difficulty a child of the stored block
// parent must carry, by the retarget rule (see CalcNextDifficulty).
func (c *Chain) NextDifficulty(parent Hash) (uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.index[parent]
	if !ok {
		return 0, false
	}
	return c.nextDifficulty(n), true
}

// MedianTimePast returns the median time of the last Params.MedianTimeSpan
// blocks ending with the stored block parent: a child's time must be
// greater.
func (c *Chain) MedianTimePast(parent Hash) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.index[parent]
	if !ok {
		return 0, false
	}
	return medianTimePast(n, c.params.MedianTimeSpan), true
}

// nextDifficulty is the engine's difficulty for a child of parent.
func (c *Chain) nextDifficulty(parent *blockNode) uint64 {
	return c.engine.CalcDifficulty(c.params, &parent.block.Header, parent.headerAncestor)
}

// NewTemplate returns an unsolved block on the best tip whose coinbase
// pays the subsidy plus the fees of txs to miner. Its time is now, or one
// millisecond after the median time past if now is not later. txs must be
// valid in this order against the tip's state (Mempool.Template selects
// such a list); NewTemplate does not check them. The caller searches for a
// nonce (see Mine) and may refresh the time.
func (c *Chain) NewTemplate(miner Address, txs []*Tx, now time.Time) *Block {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.newTemplateLocked(miner, txs, now)
}

// newTemplateLocked is NewTemplate. MUST be called with c.mu held.
func (c *Chain) newTemplateLocked(miner Address, txs []*Tx, now time.Time) *Block {
	tip := c.tip()
	height := tip.height + 1
	t := max(now.UnixMilli(), medianTimePast(tip, c.params.MedianTimeSpan)+1)
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	cb := &Tx{To: miner, Amount: c.params.SubsidyAt(height) + fees, Seq: height, Time: t}
	b := &Block{
		Header: Header{Version: headerVersion(c.engine), Height: height, Time: t, Difficulty: c.nextDifficulty(tip), PrevHash: tip.hash},
		Txs:    append([]*Tx{cb}, txs...),
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	return b
}

// ProcessBlock validates b and adds it to the block tree. If b gives its
// branch more cumulative work than the tip, the chain reorganizes to it,
// disconnecting blocks back to the common ancestor (undoing their effect
// on account state) and connecting the new branch; if a block of that
// branch breaks a rule when connected, it is marked invalid and the chain
// stays on (or returns to) the best valid tip.
//
// The result is one of:
//   - StatusMainChain or StatusSideChain, nil: b is stored;
//   - StatusOrphan, nil: b's parent is unknown; b waits in the bounded
//     orphan pool (ask peers for MissingParents) and connects when the
//     parent arrives;
//   - StatusFuture, nil: b's time is more than Params.MaxFutureDriftMs
//     ahead of now; b is held and retried by RetryFuture or the next
//     ProcessBlock;
//   - the block's status and an error wrapping ErrDuplicateBlock: b is
//     already stored or waiting; nothing changed;
//   - StatusRejected and a *RuleError naming the rule b broke. A block
//     that breaks a context-free rule or a header rule is not stored; one
//     found invalid while connecting is remembered as invalid, and so are
//     its descendants.
//
// Orphans and held blocks that b (or the clock) unblocks are processed
// in the same call. now is the local clock. It is safe for concurrent use.
func (c *Chain) ProcessBlock(b *Block, now time.Time) (Status, error) {
	if b == nil {
		return StatusRejected, ruleError(ErrMalformed, "block is missing")
	}
	h := b.Hash()
	c.mu.Lock()
	old := c.tip()
	c.retryFutureLocked(now)
	st, err := c.processLocked(b, h, now, procOpts{})
	c.finishLocked(old)
	c.mu.Unlock()
	c.events.deliver()
	return st, err
}

// BatchResult is what ProcessBlocks did with a batch.
type BatchResult struct {
	// Statuses has the status of each block processed, in order; a
	// duplicate has its stored status. When the batch stopped at a bad
	// block, that block's StatusRejected is the last.
	Statuses []Status
	// Stored counts the blocks this call added to the block tree (orphans
	// that connected included); duplicates are not counted.
	Stored int
	// Orphans and Held count the blocks that wait for an unknown parent
	// and for their time.
	Orphans, Held int
}

// ProcessBlocks runs bs through ProcessBlock in order, under one lock and
// with their signatures verified together first, and reports the net
// change as one event: what a node does with a batch of blocks from a
// peer. It stops at the first block that breaks a rule and returns that
// block's error. It is safe for concurrent use.
func (c *Chain) ProcessBlocks(bs []*Block, now time.Time) (BatchResult, error) {
	sigs := verifySignatures(c.id, bs) // no lock: the slow part, in parallel
	res := BatchResult{Statuses: make([]Status, 0, len(bs))}
	c.mu.Lock()
	old := c.tip()
	c.retryFutureLocked(now)
	before := len(c.stored)
	var err error
	for i, b := range bs {
		if b == nil {
			res.Statuses = append(res.Statuses, StatusRejected)
			err = ruleError(ErrMalformed, "block %d of the batch is missing", i)
			break
		}
		o := procOpts{sigsChecked: true}
		if sigs[i] >= 0 {
			o = procOpts{badSig: sigs[i]}
		}
		var st Status
		st, err = c.processLocked(b, b.Hash(), now, o)
		res.Statuses = append(res.Statuses, st)
		if errors.Is(err, ErrDuplicateBlock) {
			err = nil
			continue
		}
		if err != nil {
			break
		}
		switch st {
		case StatusOrphan:
			res.Orphans++
		case StatusFuture:
			res.Held++
		}
	}
	res.Stored = len(c.stored) - before
	c.finishLocked(old)
	c.mu.Unlock()
	c.events.deliver()
	return res, err
}

// RetryFuture processes the held future blocks whose time is now within
// the allowed drift and returns how many it processed. A node calls it
// when NextFutureTime has passed (ProcessBlock also retries them).
func (c *Chain) RetryFuture(now time.Time) int {
	c.mu.Lock()
	old := c.tip()
	n := c.retryFutureLocked(now)
	c.finishLocked(old)
	c.mu.Unlock()
	c.events.deliver()
	return n
}

// NextFutureTime returns when the earliest held future block becomes
// acceptable (its time minus the allowed drift), or false if none is held.
func (c *Chain) NextFutureTime() (time.Time, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	first, ok := c.future.minTime()
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(first - c.params.MaxFutureDriftMs), true
}

// MissingParents returns the hashes of blocks that orphans are waiting for
// and that are neither stored nor orphans themselves, oldest request
// first: what a node should ask its peers for.
func (c *Chain) MissingParents() []Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Hash
	seen := make(map[Hash]bool)
	for _, o := range c.orphans.sorted() {
		p := o.block.Header.PrevHash
		if seen[p] || c.orphans.has(p) {
			continue
		}
		if _, ok := c.index[p]; ok {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}

// Orphans returns how many blocks wait for their parent and how many are
// held because they are from the future.
func (c *Chain) Orphans() (orphans, future int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.orphans.len(), c.future.len()
}

// retryFutureLocked processes the due future blocks. MUST be called with
// c.mu held for writing.
func (c *Chain) retryFutureLocked(now time.Time) int {
	limit := now.UnixMilli() + c.params.MaxFutureDriftMs
	due := c.future.due(limit)
	for _, p := range due {
		c.future.remove(p.hash)
		c.processLocked(p.block, p.hash, now, procOpts{}) //nolint:errcheck // a bad held block is just dropped
	}
	return len(due)
}

// procOpts tune processLocked.
type procOpts struct {
	strict      bool // import: an unknown parent or a future time is an error, not a wait
	sigsChecked bool // the signatures were verified already
	fromOrphans bool // the caller connects the orphans waiting on this block
	checked     bool // sanity and context were checked already (import)
	// badSig, when sigsChecked is false and badSig > 0, is the index of a
	// transaction whose signature was found bad already.
	badSig int
}

// processLocked is ProcessBlock without events. MUST be called with c.mu
// held for writing.
func (c *Chain) processLocked(b *Block, h Hash, now time.Time, o procOpts) (Status, error) {
	if n, ok := c.index[h]; ok {
		if n.invalid() {
			return StatusRejected, n.err
		}
		return c.statusOf(n), ruleError(ErrDuplicateBlock, "block %s at height %d", h.Short(), n.height)
	}
	if c.orphans.has(h) {
		return StatusOrphan, ruleError(ErrDuplicateBlock, "block %s is waiting for its parent %s", h.Short(), b.Header.PrevHash.Short())
	}
	if c.future.has(h) {
		return StatusFuture, ruleError(ErrDuplicateBlock, "block %s is held until its time", h.Short())
	}
	if !o.checked {
		if _, err := checkBlockSanity(b, h, c.params, c.engine); err != nil {
			return StatusRejected, err
		}
	}
	if limit := now.UnixMilli() + c.params.MaxFutureDriftMs; b.Header.Time > limit {
		if o.strict {
			return StatusRejected, errTimeTooNew(b.Header.Time, now, c.params.MaxFutureDriftMs)
		}
		c.future.add(b, h)
		return StatusFuture, nil
	}
	parent, ok := c.index[b.Header.PrevHash]
	if !ok {
		if o.strict {
			return StatusRejected, ruleError(ErrUnknownParent, "block %s at height %d: parent %s", h.Short(), b.Header.Height, b.Header.PrevHash.Short())
		}
		c.orphans.add(b, h)
		return StatusOrphan, nil
	}
	if parent.invalid() {
		return StatusRejected, ruleErrorHW(ErrInvalidAncestor, parent.hash, nil, "parent %s: %v", parent.hash.Short(), parent.err)
	}
	var stake *stakeState
	if !o.checked {
		s, err := c.checkContextState(b, parent)
		if err != nil {
			return StatusRejected, err
		}
		stake = s
	} else if c.stakeEng != nil {
		s, err := c.stakeEng.checkBranch(b, parent)
		if err != nil {
			return StatusRejected, err
		}
		stake = s
	}
	if !o.sigsChecked {
		i := o.badSig
		if i <= 0 {
			i = verifySignatures(c.id, []*Block{b})[0]
		}
		if i >= 0 {
			return StatusRejected, badSignature(b, i)
		}
	}
	n := c.addNode(b, h, parent)
	if c.stakeEng != nil {
		n.stake = stake
		c.noteSigner(n)
	}
	if err := c.activate(n); err != nil {
		return StatusRejected, err
	}
	if !o.fromOrphans {
		c.connectOrphans(n, now)
	}
	return c.statusOf(n), nil
}

// checkContext applies the header rules that need the parent: height,
// previous hash, difficulty and median time past (and, in a stake room,
// the branch's: see StakeEngine).
func (c *Chain) checkContext(b *Block, parent *blockNode) error {
	_, err := c.checkContextState(b, parent)
	return err
}

// checkContextState is checkContext; in a stake room it also returns the
// stake after b.
func (c *Chain) checkContextState(b *Block, parent *blockNode) (*stakeState, error) {
	if err := c.checkParentRules(b, parent); err != nil {
		return nil, err
	}
	if c.stakeEng == nil {
		return nil, nil
	}
	return c.stakeEng.checkBranch(b, parent)
}

// checkParentRules is checkContext without the stake engine's rules.
func (c *Chain) checkParentRules(b *Block, parent *blockNode) error {
	hd := &b.Header
	if hd.Height != parent.height+1 {
		return ruleErrorHW(ErrBadHeight, hd.Height, parent.height+1, "have %d, want %d", hd.Height, parent.height+1)
	}
	if hd.PrevHash != parent.hash {
		return ruleErrorHW(ErrBadPrevHash, hd.PrevHash, parent.hash, "have %s, want %s", hd.PrevHash, parent.hash)
	}
	if pc, ok := c.engine.(parentChecker); ok {
		if err := pc.checkParent(b, parent.block); err != nil {
			return err
		}
	}
	if want := c.nextDifficulty(parent); hd.Difficulty != want {
		return ruleErrorHW(ErrBadDifficulty, hd.Difficulty, want, "have %d, want %d", hd.Difficulty, want)
	}
	if mtp := medianTimePast(parent, c.params.MedianTimeSpan); hd.Time <= mtp {
		return ruleErrorHW(ErrTimeTooOld, hd.Time, above(mtp), "have %d, want more than %d (the median of the last %d blocks)", hd.Time, mtp, c.params.MedianTimeSpan)
	}
	return nil
}

// addNode stores a block whose header, sanity and signatures are valid.
func (c *Chain) addNode(b *Block, h Hash, parent *blockNode) *blockNode {
	c.arrival++
	n := &blockNode{
		hash:      h,
		block:     b,
		parent:    parent,
		height:    parent.height + 1,
		totalWork: new(big.Int).Add(parent.totalWork, c.engine.Work(&b.Header)),
		seq:       c.arrival,
	}
	parent.children = append(parent.children, n)
	c.index[h] = n
	c.stored = append(c.stored, n)
	for uint64(len(c.byHeight)) <= n.height {
		c.byHeight = append(c.byHeight, nil)
	}
	c.byHeight[n.height] = append(c.byHeight[n.height], n)
	c.pruneFrom = min(c.pruneFrom, n.height)
	return n
}

func (c *Chain) statusOf(n *blockNode) Status {
	if c.onMain(n) {
		return StatusMainChain
	}
	return StatusSideChain
}

// connectOrphans processes, breadth first, the orphans that wait on n and
// on the blocks they bring in.
func (c *Chain) connectOrphans(n *blockNode, now time.Time) {
	queue := []Hash{n.hash}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, o := range c.orphans.takeChildren(p) {
			st, err := c.processLocked(o.block, o.hash, now, procOpts{fromOrphans: true})
			if err == nil && (st == StatusMainChain || st == StatusSideChain) {
				queue = append(queue, o.hash)
			}
		}
	}
}

// activate makes n the tip if it beats the current one. If a block of n's
// branch breaks a rule when connected, that block and its descendants are
// marked invalid, the chain settles on the best valid tip, and the error
// is returned (n's own, or ErrInvalidAncestor).
func (c *Chain) activate(n *blockNode) error {
	if !n.betterThan(c.tip()) {
		return nil
	}
	if err := c.switchTo(n); err == nil {
		return nil
	}
	for {
		best := c.bestValid()
		if best == c.tip() || c.switchTo(best) == nil {
			break
		}
	}
	return n.err
}

// bestValid returns the stored block not known to be invalid with the
// most work, first seen on a tie.
func (c *Chain) bestValid() *blockNode {
	best := c.main[0]
	for _, n := range c.index {
		if !n.invalid() && n.betterThan(best) {
			best = n
		}
	}
	return best
}

// switchTo makes target the tip: it disconnects the best chain back to
// the fork point and connects target's branch. If a block fails to
// connect it is marked invalid and the chain is left at its parent.
func (c *Chain) switchTo(target *blockNode) error {
	fork := target
	var branch []*blockNode
	for !c.onMain(fork) {
		branch = append(branch, fork)
		fork = fork.parent
	}
	for tip := c.tip(); tip != fork; tip = c.tip() {
		c.pruneFrom = min(c.pruneFrom, tip.height) // a side block now: prunable in time
		c.state.undo(tip.undo)
		tip.undo = nil
		c.main = c.main[:len(c.main)-1]
	}
	for i := len(branch) - 1; i >= 0; i-- {
		n := branch[i]
		undo, err := c.state.applyBlock(n.block)
		if err != nil {
			err = in(fmt.Sprintf("block %s at height %d", n.hash.Short(), n.height), err)
			markInvalid(n, err)
			return err
		}
		n.undo = undo
		n.status = nodeConnected
		c.main = append(c.main, n)
	}
	return nil
}

// finishLocked reports the change of tip since old to the hooks (the
// mempools) and queues the event for subscribers. MUST be called with
// c.mu held for writing.
func (c *Chain) finishLocked(old *blockNode) {
	tip := c.tip()
	var pruned []Hash
	if len(c.stored) > 0 || tip != old {
		pruned = c.pruneLocked()
	}
	var stored []*Block
	for _, n := range c.stored { // a block found invalid on connecting, or pruned at once, is no store's business
		if !n.invalid() && !n.pruned {
			stored = append(stored, n.block)
		}
	}
	c.stored = nil
	if tip == old {
		if len(stored) > 0 || len(pruned) > 0 {
			c.events.push(Event{Type: EventStored, Hash: tip.hash, Height: tip.height, Block: tip.block, Stored: stored, Pruned: pruned})
		}
		return
	}
	a, b := old, tip
	for a != b {
		if a.height >= b.height {
			a = a.parent
		} else {
			b = b.parent
		}
	}
	fork := a
	var disconnected []*Block
	for n := old; n != fork; n = n.parent {
		disconnected = append(disconnected, n.block)
	}
	connected := make([]*Block, 0, tip.height-fork.height)
	for _, n := range c.main[fork.height+1:] {
		connected = append(connected, n.block)
	}
	for _, id := range sortedKeys(c.hooks) {
		c.hooks[id](connected, disconnected)
	}
	ev := Event{Type: EventTipChanged, Hash: tip.hash, Height: tip.height, Block: tip.block,
		Connected: connected, Disconnected: disconnected, Stored: stored, Pruned: pruned}
	if len(disconnected) > 0 {
		ev.Type = EventReorg
	}
	c.events.push(ev)
}

// pruneLocked removes the stale side branches, those whose highest block
// is more than c.prune blocks below the tip, and returns the hashes of the
// blocks it removed that were reported stored before (a block added and
// pruned in the same call was never reported). MUST be called with c.mu
// held for writing.
func (c *Chain) pruneLocked() []Hash {
	tip := c.tip()
	if c.prune < 0 || tip.height <= uint64(c.prune) {
		return nil
	}
	limit := tip.height - uint64(c.prune) // a branch reaching no higher is stale
	fresh := make(map[*blockNode]bool, len(c.stored))
	for _, n := range c.stored {
		fresh[n] = true
	}
	var pruned []Hash
	next := limit + 1
	for h := c.pruneFrom; h <= limit && h < uint64(len(c.byHeight)); h++ {
		var side []*blockNode
		for _, n := range c.byHeight[h] {
			if !c.onMain(n) {
				side = append(side, n)
			}
		}
		for _, n := range side {
			if n.pruned {
				continue // removed with an ancestor at a lower height
			}
			if subtreeTop(n) > limit {
				next = min(next, h) // still growing near the tip: look again later
				continue
			}
			for _, d := range c.removeSubtree(n) {
				if !fresh[d] {
					pruned = append(pruned, d.hash)
				}
			}
		}
	}
	c.pruneFrom = next
	return pruned
}

// subtreeTop returns the greatest height in n's subtree.
func subtreeTop(n *blockNode) uint64 {
	top := n.height
	stack := []*blockNode{n}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		top = max(top, d.height)
		stack = append(stack, d.children...)
	}
	return top
}

// removeSubtree takes n and its descendants out of the tree and returns
// them. n must not be on the best chain. MUST be called with c.mu held
// for writing.
func (c *Chain) removeSubtree(n *blockNode) []*blockNode {
	if p := n.parent; p != nil {
		p.children = slices.DeleteFunc(p.children, func(x *blockNode) bool { return x == n })
	}
	var out []*blockNode
	stack := []*blockNode{n}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, d.children...)
		d.pruned = true
		delete(c.index, d.hash)
		c.byHeight[d.height] = slices.DeleteFunc(c.byHeight[d.height], func(x *blockNode) bool { return x == d })
		out = append(out, d)
	}
	return out
}

// addHook registers fn to run, with c.mu held for writing, after every
// change of the best chain and before subscribers hear of it.
func (c *Chain) addHook(fn func(connected, disconnected []*Block)) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID
	c.nextID++
	c.hooks[id] = fn
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.hooks, id)
	}
}
