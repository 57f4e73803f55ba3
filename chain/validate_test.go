package chain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// fixture is a chain whose block 1 paid 50 coins to Key(0).
type fixture struct {
	c   *chain.Chain
	p   chain.Params
	now time.Time
	b1  *chain.Block
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	p := chaintest.Params()
	c := chaintest.New(t, p)
	b1 := chaintest.Extend(t, c, 1, chaintest.Addr(0))[0]
	return &fixture{c: c, p: p, now: chaintest.Now(p), b1: b1}
}

// next builds a valid child of the tip mined by Addr(2).
func (f *fixture) next(txs ...*chain.Tx) *chain.Block {
	return chaintest.NextBlock(f.c, f.c.Tip().Block, chaintest.Addr(2), txs...)
}

// pay is a transfer from Key(0) to Addr(1).
func (f *fixture) pay(amount, fee, seq uint64) *chain.Tx {
	return chaintest.Transfer(f.c.ID(), chaintest.Key(0), chaintest.Addr(1), amount, fee, seq)
}

// resign signs tx again with Key(0) after an edit.
func (f *fixture) resign(tx *chain.Tx) *chain.Tx {
	tx.Sign(f.c.ID(), chaintest.Key(0))
	return tx
}

// fixReward sets the coinbase amount to subsidy + fees again.
func fixReward(p chain.Params, b *chain.Block) {
	var fees uint64
	for _, tx := range b.Txs[1:] {
		fees += tx.Fee
	}
	b.Txs[0].Amount = p.SubsidyAt(b.Header.Height) + fees
}

// rejectedCase builds, on a fixture, a block that breaks exactly one rule.
type rejectedCase struct {
	name  string
	build func(f *fixture) *chain.Block
	rule  error
}

// rejectedCases reject by every rule a single block can break.
var rejectedCases = []rejectedCase{
	// Header sanity.
	{"version 2", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Version = 2
		return chaintest.Solve(b)
	}, chain.ErrBadVersion},
	{"height 0", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Height, b.Txs[0].Seq = 0, 0
		return chaintest.Seal(b)
	}, chain.ErrBadGenesis},
	{"zero previous hash", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.PrevHash = chain.ZeroHash
		return chaintest.Solve(b)
	}, chain.ErrBadGenesis},
	{"height above 2^53-1", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Height = chain.MaxSafeInteger + 1
		return chaintest.Solve(b)
	}, chain.ErrBadHeight},
	{"difficulty 0", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Difficulty = 0
		return chaintest.Solve(b)
	}, chain.ErrBadDifficulty},
	{"difficulty above 2^53-1", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Difficulty = chain.MaxSafeInteger + 1
		return b // no nonce search at that difficulty: the range check comes first
	}, chain.ErrBadDifficulty},
	{"negative time", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Time = -1
		return chaintest.Solve(b)
	}, chain.ErrBadTime},
	{"nonce above 2^53-1", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Nonce = chain.MaxSafeInteger + 1
		return b
	}, chain.ErrBadNonce},
	{"hash above target", func(f *fixture) *chain.Block {
		b := f.next()
		for b.Header.HasProofOfWork() {
			b.Header.Nonce++
		}
		return b
	}, chain.ErrHighHash},

	// Block body sanity.
	{"no transactions", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs = nil
		return chaintest.Seal(b)
	}, chain.ErrNoTxs},
	{"too many transactions", func(f *fixture) *chain.Block {
		b := f.next()
		for range f.p.MaxBlockTxs {
			b.Txs = append(b.Txs, f.pay(1, 0, 0))
		}
		return chaintest.Seal(b)
	}, chain.ErrTooManyTxs},
	{"merkle root of other transactions", func(f *fixture) *chain.Block {
		b := f.next(f.pay(10, 1, 0))
		b.Header.MerkleRoot = f.b1.Header.MerkleRoot
		return chaintest.Solve(b)
	}, chain.ErrBadMerkleRoot},
	{"transfer before the coinbase", func(f *fixture) *chain.Block {
		b := f.next(f.pay(10, 1, 0))
		b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0]
		return chaintest.Seal(b)
	}, chain.ErrFirstNotCoinbase},
	{"second coinbase", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs = append(b.Txs, &chain.Tx{To: chaintest.Addr(3), Amount: 1, Seq: 2})
		return chaintest.Seal(b)
	}, chain.ErrExtraCoinbase},
	{"signed coinbase", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs[0].Sig = make([]byte, 64)
		return chaintest.Seal(b)
	}, chain.ErrBadCoinbase},
	{"coinbase with a fee", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs[0].Fee = 1
		return chaintest.Seal(b)
	}, chain.ErrBadCoinbase},
	{"coinbase seq not the height", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs[0].Seq = 7
		return chaintest.Seal(b)
	}, chain.ErrBadCoinbaseSeq},
	{"coinbase pays one coin too many", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs[0].Amount++
		return chaintest.Seal(b)
	}, chain.ErrBadReward},
	{"coinbase leaves out the fees", func(f *fixture) *chain.Block {
		b := f.next(f.pay(10, 3, 0))
		b.Txs[0].Amount = f.p.SubsidyAt(2)
		return chaintest.Seal(b)
	}, chain.ErrBadReward},
	{"coinbase memo of 281 bytes", func(f *fixture) *chain.Block {
		b := f.next()
		b.Txs[0].Memo = strings.Repeat("m", 281)
		return chaintest.Seal(b)
	}, chain.ErrTxTooBig},
	{"same transfer twice", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		return f.next(tx, tx)
	}, chain.ErrDuplicateTx},

	// Transaction sanity.
	{"sender key of 31 bytes", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.From = tx.From[:31]
		return f.next(tx)
	}, chain.ErrMalformed},
	{"signature of 63 bytes", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Sig = tx.Sig[:63]
		return f.next(tx)
	}, chain.ErrBadSignature},
	{"name of 33 bytes", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Name = strings.Repeat("n", 33)
		return f.next(f.resign(tx))
	}, chain.ErrTxTooBig},
	{"memo of 281 bytes", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Memo = strings.Repeat("é", 140) + "x" // 281 bytes, 141 characters
		return f.next(f.resign(tx))
	}, chain.ErrTxTooBig},
	{"name not UTF-8", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Name = "bob\xff"
		return f.next(f.resign(tx))
	}, chain.ErrBadText},
	{"amount above 2^53-1", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Amount = chain.MaxSafeInteger + 1
		return f.next(f.resign(tx))
	}, chain.ErrBadAmount},
	{"amount plus fee above 2^53-1", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Amount = chain.MaxSafeInteger
		return f.next(f.resign(tx))
	}, chain.ErrBadAmount},
	{"seq above 2^53-1", func(f *fixture) *chain.Block {
		return f.next(f.pay(10, 1, chain.MaxSafeInteger+1))
	}, chain.ErrBadSeq},
	{"negative transaction time", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Time = -5
		return f.next(f.resign(tx))
	}, chain.ErrBadTime},
	{"transfer to no one", func(f *fixture) *chain.Block {
		return f.next(chaintest.Transfer(f.c.ID(), chaintest.Key(0), chain.Address{}, 10, 1, 0))
	}, chain.ErrNoRecipient},
	{"transfer to oneself", func(f *fixture) *chain.Block {
		return f.next(chaintest.Transfer(f.c.ID(), chaintest.Key(0), chaintest.Addr(0), 10, 1, 0))
	}, chain.ErrSelfSend},

	// Header context.
	{"height skips one", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Height, b.Txs[0].Seq = 3, 3
		return chaintest.Seal(b)
	}, chain.ErrBadHeight},
	{"difficulty not the retarget rule's", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Difficulty = 3
		return chaintest.Solve(b)
	}, chain.ErrBadDifficulty},
	{"time not after the median time past", func(f *fixture) *chain.Block {
		b := f.next()
		b.Header.Time = f.b1.Header.Time // median of {genesis, block 1} is block 1's time
		return chaintest.Solve(b)
	}, chain.ErrTimeTooOld},

	// Signatures.
	{"amount changed after signing", func(f *fixture) *chain.Block {
		tx := f.pay(10, 1, 0)
		tx.Amount = 20
		return f.next(tx)
	}, chain.ErrBadSignature},
	{"signed for another room", func(f *fixture) *chain.Block {
		other := chain.TestParams
		other.Name = "other room"
		tx := chaintest.Transfer(chain.GenesisBlock(other).Hash(), chaintest.Key(0), chaintest.Addr(1), 10, 1, 0)
		return f.next(tx)
	}, chain.ErrBadSignature},

	// Account state.
	{"seq ahead of the sender's next", func(f *fixture) *chain.Block {
		return f.next(f.pay(10, 1, 1))
	}, chain.ErrBadSeq},
	{"two transfers with the same seq", func(f *fixture) *chain.Block {
		return f.next(f.pay(10, 1, 0), f.pay(11, 1, 0))
	}, chain.ErrBadSeq},
	{"spends more than the balance", func(f *fixture) *chain.Block {
		return f.next(f.pay(50, 1, 0))
	}, chain.ErrOverspend},
	{"second transfer spends what the first left", func(f *fixture) *chain.Block {
		return f.next(f.pay(30, 0, 0), f.pay(30, 0, 1))
	}, chain.ErrOverspend},
	{"sender without an account", func(f *fixture) *chain.Block {
		return f.next(chaintest.Transfer(f.c.ID(), chaintest.Key(5), chaintest.Addr(1), 1, 0, 0))
	}, chain.ErrOverspend},
}

func TestRejectedBlocks(t *testing.T) {
	for _, tc := range rejectedCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			b := tc.build(f)
			tip, accounts := f.c.Tip(), f.c.Accounts()

			st, err := f.c.ProcessBlock(b, f.now)
			require.ErrorIs(t, err, tc.rule)
			var re *chain.RuleError
			require.True(t, errors.As(err, &re), "not a RuleError: %v", err)
			require.NotEmpty(t, re.Detail)
			require.Equal(t, chain.StatusRejected, st)
			require.Equal(t, tip.Hash, f.c.Tip().Hash, "tip moved")
			require.Equal(t, accounts, f.c.Accounts(), "state changed")

			// The same block built right is accepted: the case breaks one rule.
			good := f.next(f.pay(10, 1, 0))
			st, err = f.c.ProcessBlock(good, f.now)
			require.NoError(t, err)
			require.Equal(t, chain.StatusMainChain, st)
		})
	}
}

func TestCheckTxSanityAcceptsPostsAndTransfers(t *testing.T) {
	id := chain.GenesisBlock(chain.TestParams).Hash()
	for name, tx := range map[string]*chain.Tx{
		"transfer":            chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(1), 5, 1, 0),
		"post, no fee":        chaintest.Post(id, chaintest.Key(0), "ada", "hello, chain", 0, 0),
		"post with recipient": chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(0), 0, 0, 3), // amount 0 to self is a post
		"memo of 280 bytes":   chaintest.Post(id, chaintest.Key(0), "", strings.Repeat("é", 140), 0, 0),
		"max amount":          chaintest.Transfer(id, chaintest.Key(0), chaintest.Addr(1), chain.MaxSafeInteger-1, 1, chain.MaxSafeInteger),
		"coinbase":            {To: chaintest.Addr(1), Amount: 50, Seq: 9},
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, chain.CheckTxSanity(tx))
		})
	}
	require.ErrorIs(t, chain.CheckTxSanity(nil), chain.ErrMalformed)
}

func TestCheckBlockSanityNil(t *testing.T) {
	require.ErrorIs(t, chain.CheckBlockSanity(nil, chain.TestParams), chain.ErrMalformed)
	b := &chain.Block{Header: chain.Header{Version: 1, Height: 1, PrevHash: chain.Hash{1}, Difficulty: 1}, Txs: []*chain.Tx{nil}}
	require.ErrorIs(t, chain.CheckBlockSanity(b, chain.TestParams), chain.ErrMalformed)
	_, err := (&chain.Chain{}).ProcessBlock(nil, time.Now())
	require.ErrorIs(t, err, chain.ErrMalformed)
}
