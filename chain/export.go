package chain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ChainJSON is the JSON dump of a whole chain, the body of the tutorials'
// `GET /chain`: the best chain's blocks, genesis first.
type ChainJSON struct {
	Length int          `json:"length"`
	Chain  []*BlockJSON `json:"chain"`
}

// Export returns the best chain as the JSON dump of `GET /chain`.
func (c *Chain) Export() *ChainJSON {
	blocks := c.MainChain()
	d := &ChainJSON{Length: len(blocks), Chain: make([]*BlockJSON, len(blocks))}
	for i, b := range blocks {
		d.Chain[i] = b.JSON()
	}
	return d
}

// ExportJSON returns the best chain as the JSON bytes of `GET /chain`.
func (c *Chain) ExportJSON() ([]byte, error) {
	return json.Marshal(c.Export())
}

// MaxImportBlocks bounds the blocks of one dump.
const MaxImportBlocks = 1_000_000

// ParseChainJSON decodes the JSON dump of `GET /chain` into blocks,
// genesis first, checking that `length` matches and that every block's
// derived fields (hash, ids, senders, timestamps…) agree with its hashed
// ones; it checks no consensus rule. Blocks are decoded in parallel.
// Errors are *RuleError wrapping ErrMalformed (or ErrTooManyTxs) and name
// the block.
func ParseChainJSON(data []byte) ([]*Block, error) {
	var raw struct {
		Length int               `json:"length"`
		Chain  []json.RawMessage `json:"chain"`
	}
	var ok bool
	if raw.Length, raw.Chain, ok = splitChainDump(data); !ok {
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, ruleError(ErrMalformed, "chain dump: %v", err)
		}
	}
	switch {
	case len(raw.Chain) == 0:
		return nil, ruleError(ErrMalformed, "chain dump: no blocks, want at least the genesis block")
	case len(raw.Chain) > MaxImportBlocks:
		return nil, ruleErrorHW(ErrMalformed, len(raw.Chain), atMost(MaxImportBlocks), "chain dump: have %d blocks, max %d", len(raw.Chain), MaxImportBlocks)
	case raw.Length != len(raw.Chain):
		return nil, ruleErrorHW(ErrMalformed, raw.Length, len(raw.Chain), "chain dump: length is %d but the chain has %d blocks", raw.Length, len(raw.Chain))
	}
	blocks := make([]*Block, len(raw.Chain))
	errs := make([]error, len(raw.Chain))
	parallel(len(raw.Chain), func(i int) {
		var b Block
		if err := b.UnmarshalJSON(raw.Chain[i]); err != nil {
			errs[i] = err
			return
		}
		blocks[i] = &b
	})
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("chain: import block %d: %w", i, err)
		}
	}
	return blocks, nil
}

// parallel calls fn(0…n−1) on up to GOMAXPROCS goroutines, which take
// small batches of indexes as they go, so a core slowed down by other work
// takes fewer. With one processor (wasm) it is a plain loop.
func parallel(n int, fn func(i int)) {
	const batch = 16
	workers := min(runtime.GOMAXPROCS(0), (n+batch-1)/batch)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(batch)) - batch
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+batch, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
}

// parallelRange is parallel for batches: fn(lo, hi) for consecutive
// ranges of up to batch indexes covering 0…n−1.
func parallelRange(n, batch int, fn func(lo, hi int)) {
	parallel((n+batch-1)/batch, func(k int) { fn(k*batch, min((k+1)*batch, n)) })
}

// ImportChain builds a new Chain from the JSON dump of `GET /chain`. The
// room's parameters come from the dump's genesis coinbase memo, and the
// genesis block must be exactly the one those parameters give
// (ErrBadGenesis). Every block is then fully validated as by ProcessBlock,
// except that a block must extend the one before it in the dump
// (ErrBadPrevHash, ErrBadHeight) and a block from the future is an error
// (ErrTimeTooNew), not held. The first failure is returned as a *RuleError
// naming the block and the rule; nothing is kept.
func ImportChain(data []byte, now time.Time) (*Chain, error) {
	blocks, err := ParseChainJSON(data)
	if err != nil {
		return nil, err
	}
	return NewFromBlocks(Config{}, blocks, now)
}

// NewFromBlocks is ImportChain for decoded blocks, genesis first. The
// chain's parameters come from the genesis block; cfg supplies the other
// settings and cfg.Params is ignored.
func NewFromBlocks(cfg Config, blocks []*Block, now time.Time) (*Chain, error) {
	if len(blocks) == 0 || blocks[0] == nil {
		return nil, ruleError(ErrBadGenesis, "no genesis block")
	}
	p, err := genesisParams(blocks[0])
	if err != nil {
		return nil, err
	}
	cfg.Params = p
	c, err := New(cfg)
	if err != nil {
		return nil, ruleError(ErrBadGenesis, "%v", err)
	}
	if err := c.importBlocks(blocks, now); err != nil {
		return nil, err
	}
	return c, nil
}

// genesisParams reads the room parameters from a genesis block and checks
// that they give exactly this block.
func genesisParams(g *Block) (Params, error) {
	if len(g.Txs) != 1 || g.Txs[0] == nil || !g.Txs[0].IsCoinbase() {
		return Params{}, ruleError(ErrBadGenesis, "block 0 is not a genesis block: want one coinbase carrying the parameters")
	}
	p, err := ParseParams([]byte(g.Txs[0].Memo))
	if err != nil {
		return Params{}, ruleError(ErrBadGenesis, "parameters in the genesis coinbase: %v", err)
	}
	if have, want := g.Hash(), GenesisBlock(p).Hash(); have != want {
		return Params{}, ruleErrorHW(ErrBadGenesis, have, want, "have %s, want %s (the genesis of room %q)", have, want, p.Name)
	}
	return p, nil
}

// Import validates the JSON dump of `GET /chain` (see ImportChain) and
// adds its blocks to c's block tree, where fork choice decides whether
// they become the best chain. The dump's genesis must be c's
// (ErrBadGenesis). It returns how many blocks were new. On any failure it
// returns the *RuleError naming the block and the rule, and c is
// unchanged.
func (c *Chain) Import(data []byte, now time.Time) (added int, err error) {
	blocks, err := ParseChainJSON(data)
	if err != nil {
		return 0, err
	}
	return c.ImportBlocks(blocks, now)
}

// ImportBlocks is Import for decoded blocks, genesis first.
func (c *Chain) ImportBlocks(blocks []*Block, now time.Time) (added int, err error) {
	if len(blocks) == 0 || blocks[0] == nil {
		return 0, ruleError(ErrBadGenesis, "no genesis block")
	}
	if err := c.checkGenesis(blocks[0]); err != nil {
		return 0, err
	}
	// Validate everything on a scratch chain first, so a failure leaves c
	// untouched; validity depends only on a block's ancestors, so what
	// passes there passes here.
	scratch, err := New(Config{Params: c.params, Engine: c.engine})
	if err != nil {
		return 0, err
	}
	if err := scratch.importBlocks(blocks, now); err != nil {
		return 0, err
	}
	c.mu.Lock()
	old := c.tip()
	for _, b := range blocks[1:] {
		h := b.Hash()
		if _, ok := c.index[h]; ok {
			continue
		}
		c.orphans.remove(h)
		c.future.remove(h)
		if _, err := c.processLocked(b, h, now, procOpts{strict: true, sigsChecked: true}); err == nil {
			added++
		}
	}
	c.finishLocked(old)
	c.mu.Unlock()
	c.events.deliver()
	return added, nil
}

// checkGenesis reports a block 0 that differs from c's genesis in any
// byte, header or transactions.
func (c *Chain) checkGenesis(g *Block) error {
	if h := g.Hash(); h != c.id {
		return ruleErrorHW(ErrBadGenesis, h, c.id, "have %s, want %s", h, c.id)
	}
	if !bytes.Equal(g.Encode(), c.genesis.Encode()) {
		return ruleError(ErrBadGenesis, "the header is %s but the transactions differ", c.id.Short())
	}
	return nil
}

// importBlocks validates and adds a linear chain, genesis first, to a
// chain that holds only genesis. Sanity checks and signatures run ahead
// on other goroutines (checkAhead), a chunk of blocks at a time in order,
// while this one checks and connects each block in order as soon as its
// chunk is done; so the error reported is the first one a sequential
// ProcessBlock would meet, and a bad block stops the work ahead of it.
func (c *Chain) importBlocks(blocks []*Block, now time.Time) error {
	if err := c.checkGenesis(blocks[0]); err != nil {
		return err
	}
	rest := blocks[1:]
	ahead := c.checkAhead(rest)
	defer ahead.stop()

	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.main[0]
	for i, b := range rest {
		height := uint64(i + 1)
		wrap := func(err error) error {
			return fmt.Errorf("chain: import block %d: %w", height, err)
		}
		badSig, sanity := ahead.result(i)
		if sanity != nil {
			return wrap(sanity)
		}
		if limit := now.UnixMilli() + c.params.MaxFutureDriftMs; b.Header.Time > limit {
			return wrap(errTimeTooNew(b.Header.Time, now, c.params.MaxFutureDriftMs))
		}
		if b.Header.PrevHash != prev.hash {
			return wrap(ruleErrorHW(ErrBadPrevHash, b.Header.PrevHash, prev.hash, "have %s, want %s (block %d of the dump)", b.Header.PrevHash, prev.hash, i))
		}
		if b.Header.Height != height {
			return wrap(ruleErrorHW(ErrBadHeight, b.Header.Height, height, "have %d, want %d", b.Header.Height, height))
		}
		if err := c.checkContext(b, prev); err != nil {
			return wrap(err)
		}
		if badSig >= 0 {
			return wrap(badSignature(b, badSig))
		}
		h := b.Hash()
		if _, err := c.processLocked(b, h, now, procOpts{strict: true, sigsChecked: true, fromOrphans: true, checked: true}); err != nil {
			return wrap(err)
		}
		prev = c.index[h]
		if c.tip() != prev {
			return wrap(ruleError(ErrMalformed, "block %s did not extend the chain", h.Short()))
		}
	}
	return nil
}
