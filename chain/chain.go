package chain

import (
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Config configures a Chain.
type Config struct {
	// Params are the room's consensus parameters. This field is required.
	Params Params
}

// Status says what ProcessBlock did with a valid or pending block.
type Status int

const (
	// StatusSideChain: valid and stored, but not on the best chain.
	StatusSideChain Status = iota
	// StatusMainChain: valid and now part of the best chain (a new tip or a reorg).
	StatusMainChain
	// StatusOrphan: its parent is unknown; it waits in the orphan pool.
	StatusOrphan
	// StatusFuture: its time is ahead of the local clock; it is held and retried.
	StatusFuture
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

// Chain is a block tree with most-work fork choice.
// All methods are safe for concurrent use.
type Chain struct {
	params  Params
	genesis *Block
	id      Hash

	mu      sync.RWMutex
	index   map[Hash]*blockNode
	main    []*blockNode // the best chain by height
	arrival uint64
	subs    map[int]func(Event)
	nextSub int
}

// New creates a chain holding only the genesis block of cfg.Params.
func New(cfg Config) (*Chain, error) {
	if err := cfg.Params.Validate(); err != nil {
		return nil, err
	}
	g := GenesisBlock(cfg.Params)
	c := &Chain{
		params:  cfg.Params,
		genesis: g,
		id:      g.Hash(),
		index:   make(map[Hash]*blockNode),
		subs:    make(map[int]func(Event)),
	}
	root := &blockNode{hash: c.id, block: g, totalWork: Work(g.Header.Difficulty)}
	c.index[c.id] = root
	c.main = []*blockNode{root}
	return c, nil
}

// ID returns the chain id: the genesis hash.
func (c *Chain) ID() Hash { return c.id }

// Params returns the room's parameters.
func (c *Chain) Params() Params { return c.params }

// Genesis returns the genesis block.
func (c *Chain) Genesis() *Block { return c.genesis }

// Tip returns the best block.
func (c *Chain) Tip() TipInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.main[len(c.main)-1]
	return TipInfo{Hash: n.hash, Height: n.height, Work: new(big.Int).Set(n.totalWork), Block: n.block}
}

// BlockByHash returns any known block, on the best chain or not.
func (c *Chain) BlockByHash(h Hash) (*Block, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.index[h]
	if !ok {
		return nil, false
	}
	return n.block, true
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
		if n, ok := c.index[h]; ok && n.height < uint64(len(c.main)) && c.main[n.height] == n {
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

// NextDifficulty returns the difficulty required of a child of parent.
func (c *Chain) nextDifficulty(parent *blockNode) uint64 {
	return parent.block.Header.Difficulty
}

// NewTemplate returns an unsolved block on the best tip paying the reward
// and the fees of txs to miner. The caller searches for a nonce.
func (c *Chain) NewTemplate(miner Address, txs []*Tx, now time.Time) *Block {
	c.mu.RLock()
	tip := c.main[len(c.main)-1]
	diff := c.nextDifficulty(tip)
	c.mu.RUnlock()

	height := tip.height + 1
	t := now.UnixMilli()
	if min := tip.block.Header.Time + 1; t < min {
		t = min
	}
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	cb := &Tx{To: miner, Amount: c.params.SubsidyAt(height) + fees, Seq: height, Time: t}
	b := &Block{
		Header: Header{Version: 1, Height: height, Time: t, Difficulty: diff, PrevHash: tip.hash},
		Txs:    append([]*Tx{cb}, txs...),
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	return b
}

// ProcessBlock validates b and adds it to the tree, moving the tip when its
// branch has the most work. A block that breaks a rule returns a
// *RuleError and changes nothing.
func (c *Chain) ProcessBlock(b *Block, now time.Time) (Status, error) {
	h := b.Hash()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[h]; ok {
		return StatusSideChain, ruleError(ErrDuplicateBlock, "block %s", h.Short())
	}
	parent, ok := c.index[b.Header.PrevHash]
	if !ok {
		return StatusOrphan, ruleError(ErrUnknownParent, "block %s: parent %s", h.Short(), b.Header.PrevHash.Short())
	}
	if err := c.checkBlock(b, parent, now); err != nil {
		return StatusSideChain, err
	}
	c.arrival++
	n := &blockNode{
		hash:      h,
		block:     b,
		parent:    parent,
		height:    parent.height + 1,
		totalWork: new(big.Int).Add(parent.totalWork, Work(b.Header.Difficulty)),
		seq:       c.arrival,
	}
	c.index[h] = n
	tip := c.main[len(c.main)-1]
	if n.totalWork.Cmp(tip.totalWork) <= 0 {
		return StatusSideChain, nil
	}
	c.setTip(n)
	return StatusMainChain, nil
}

// setTip rewrites the best chain to end at n. MUST be called with c.mu held.
func (c *Chain) setTip(n *blockNode) {
	fork := n
	var branch []*blockNode
	for fork.height >= uint64(len(c.main)) || c.main[fork.height] != fork {
		branch = append(branch, fork)
		fork = fork.parent
	}
	var disconnected []*Block
	for i := len(c.main) - 1; i > int(fork.height); i-- {
		disconnected = append(disconnected, c.main[i].block)
	}
	c.main = c.main[:fork.height+1]
	for i := len(branch) - 1; i >= 0; i-- {
		c.main = append(c.main, branch[i])
	}
	ev := Event{Type: EventTipChanged, Block: n.block, Hash: n.hash, Height: n.height, Disconnected: disconnected}
	if len(disconnected) > 0 {
		ev.Type = EventReorg
	}
	c.notify(ev)
}

// checkBlock applies the consensus rules that need the parent.
// MUST be called with c.mu held.
func (c *Chain) checkBlock(b *Block, parent *blockNode, now time.Time) error {
	hd := &b.Header
	h := b.Hash()
	switch {
	case hd.Version != 1:
		return ruleError(ErrBadVersion, "have %d, want 1", hd.Version)
	case hd.Height != parent.height+1:
		return ruleError(ErrBadHeight, "have %d, want %d", hd.Height, parent.height+1)
	case hd.PrevHash != parent.hash:
		return ruleError(ErrBadPrevHash, "have %s, want %s", hd.PrevHash.Short(), parent.hash.Short())
	}
	if want := c.nextDifficulty(parent); hd.Difficulty != want {
		return ruleError(ErrBadDifficulty, "have %d, want %d", hd.Difficulty, want)
	}
	if t := Target(hd.Difficulty); !MeetsTarget(h, t) {
		return ruleError(ErrHighHash, "hash %s > target %s", h.Short(), Hash(t).Short())
	}
	if len(b.Txs) == 0 {
		return ruleError(ErrNoTxs, "block %s", h.Short())
	}
	if root := b.ComputeMerkleRoot(); root != hd.MerkleRoot {
		return ruleError(ErrBadMerkleRoot, "have %s, want %s", hd.MerkleRoot.Short(), root.Short())
	}
	if !b.Txs[0].IsCoinbase() {
		return ruleError(ErrFirstNotCoinbase, "block %s", h.Short())
	}
	if max := int64(c.params.MaxFutureDriftMs); hd.Time > now.UnixMilli()+max {
		return ruleError(ErrTimeTooNew, "time %d is %d ms ahead of the local clock, max %d", hd.Time, hd.Time-now.UnixMilli(), max)
	}
	if hd.Time <= parent.block.Header.Time {
		return ruleError(ErrTimeTooOld, "time %d, parent %d", hd.Time, parent.block.Header.Time)
	}
	return nil
}

var _ = errors.New
