// Package chaintest helps test code that uses package chain: easy
// parameters, deterministic keys, block and transaction builders that
// compute every derived field and solve the proof of work, and
// btcd-style scenario steps (Accepted, Rejected, ExpectedTip).
//
// It is for tests only; its API may change with chain's.
package chaintest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// Params returns chain.TestParams: difficulty 2 (a block takes a couple of
// hashes), one block a second, no retarget, 50 coins halving every 210
// blocks.
func Params() chain.Params { return chain.TestParams }

// New returns a chain with params p, failing the test on error.
func New(t interface {
	Helper()
	Fatalf(string, ...any)
}, p chain.Params) *chain.Chain {
	t.Helper()
	c, err := chain.New(chain.Config{Params: p})
	if err != nil {
		t.Fatalf("chaintest: new chain: %v", err)
	}
	return c
}

// Now returns a local clock far enough after p's genesis that no block
// built by this package is from the future (about 35 years later).
func Now(p chain.Params) time.Time { return time.UnixMilli(p.GenesisTime + 1<<40) }

// Key returns the i-th deterministic test key: its seed is
// SHA-256("chaintest key <i>").
func Key(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("chaintest key %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Addr returns the address of Key(i).
func Addr(i int) chain.Address { return chain.KeyAddress(Key(i)) }

// Solve sets b's nonce to the first one from 0 that meets its difficulty
// and returns b. It keeps the merkle root as it is.
func Solve(b *chain.Block) *chain.Block {
	nonce, ok := chain.Mine(context.Background(), b.Header, 0, chain.MaxSafeInteger+1)
	if !ok {
		panic("chaintest: no nonce found") // unreachable for sane difficulties
	}
	b.Header.Nonce = nonce
	return b
}

// Seal recomputes b's merkle root, solves it and returns b: what a cheater
// does after editing a block.
func Seal(b *chain.Block) *chain.Block {
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	return Solve(b)
}

// NextBlock builds and solves a child of parent (which c must have
// stored) mined by miner with txs: height, the required difficulty, a time
// BlockTimeMs after the parent's, a coinbase paying the subsidy plus fees
// and the merkle root are all filled in.
func NextBlock(c *chain.Chain, parent *chain.Block, miner chain.Address, txs ...*chain.Tx) *chain.Block {
	return NextBlockAt(c, parent, parent.Header.Time+c.Params().BlockTimeMs, miner, txs...)
}

// NextBlockAt is NextBlock with the block time t (unix ms).
func NextBlockAt(c *chain.Chain, parent *chain.Block, t int64, miner chain.Address, txs ...*chain.Tx) *chain.Block {
	p := c.Params()
	diff, ok := c.NextDifficulty(parent.Hash())
	if !ok {
		panic("chaintest: parent is not stored in the chain")
	}
	height := parent.Header.Height + 1
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	cb := &chain.Tx{To: miner, Amount: p.SubsidyAt(height) + fees, Seq: height, Time: t}
	b := &chain.Block{
		Header: chain.Header{Version: 1, Height: height, Time: t, Difficulty: diff, PrevHash: parent.Hash()},
		Txs:    append([]*chain.Tx{cb}, txs...),
	}
	return Seal(b)
}

// Extend builds n blocks on the tip of c, processing each, all mined by
// miner, and returns them. It fails the test if one is not accepted.
func Extend(t interface {
	Helper()
	Fatalf(string, ...any)
}, c *chain.Chain, n int, miner chain.Address) []*chain.Block {
	t.Helper()
	out := make([]*chain.Block, 0, n)
	now := Now(c.Params())
	for range n {
		b := NextBlock(c, c.Tip().Block, miner)
		if _, err := c.ProcessBlock(b, now); err != nil {
			t.Fatalf("chaintest: extend: %v", err)
		}
		out = append(out, b)
	}
	return out
}

// Transfer returns a transaction from key to to, signed for chainID, with
// a time of 0 unless set later (re-sign after any change).
func Transfer(chainID chain.Hash, key ed25519.PrivateKey, to chain.Address, amount, fee, seq uint64) *chain.Tx {
	tx := &chain.Tx{To: to, Amount: amount, Fee: fee, Seq: seq, Time: 1767225600000}
	tx.Sign(chainID, key)
	return tx
}

// Post returns a post (amount 0, no recipient) by key, signed for chainID.
func Post(chainID chain.Hash, key ed25519.PrivateKey, name, memo string, fee, seq uint64) *chain.Tx {
	tx := &chain.Tx{Fee: fee, Seq: seq, Time: 1767225600000, Name: name, Memo: memo}
	tx.Sign(chainID, key)
	return tx
}

// KeyPair is a key and its address.
type KeyPair struct {
	Key  ed25519.PrivateKey
	Addr chain.Address
}
