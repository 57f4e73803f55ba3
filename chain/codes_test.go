package chain_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// goldenCodes is every rule code, in the order of chain.Rules. Codes are
// an API (pages, REST clients and catalogs key on them): renaming one
// must fail here, and adding one must be done here on purpose.
var goldenCodes = []string{
	"malformed", "bad-text", "tx-too-big",
	"bad-version", "bad-genesis", "bad-height", "bad-prev-hash", "bad-difficulty",
	"high-hash", "bad-time", "bad-nonce", "time-too-old", "time-too-new",
	"no-txs", "too-many-txs", "bad-merkle-root", "first-not-coinbase", "extra-coinbase",
	"bad-coinbase", "bad-coinbase-seq", "bad-reward", "duplicate-tx",
	"unknown-parent", "duplicate-block", "invalid-ancestor",
	"no-certificate", "short-certificate", "bad-certificate", "bad-certificate-seq",
	"bad-block-signature", "wrong-slot", "wrong-leader", "slashed-validator", "bad-double-sign-proof", "bad-stake", "bad-vote", "vote-non-candidate",
	"bad-signature", "bad-seq", "overspend", "bad-amount", "self-send", "no-recipient",
	"seq-gap", "mempool-conflict", "mempool-full", "too-many-free-txs", "coinbase-not-alone",
}

var codeSyntax = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

func TestRuleCodes(t *testing.T) {
	var codes []string
	seen := map[string]bool{}
	for _, rule := range chain.Rules {
		code := rule.Code()
		require.Regexp(t, codeSyntax, code)
		require.False(t, seen[code], "duplicate code %q", code)
		seen[code] = true
		codes = append(codes, code)
		require.Equal(t, code, chain.Code(rule), "Code of the sentinel")
		require.Equal(t, code, chain.Code(fmt.Errorf("wrapped: %w", &chain.RuleError{Rule: rule})), "Code of a wrapped RuleError")
	}
	require.Equal(t, goldenCodes, codes)
	require.Empty(t, chain.Code(errors.New("disk full")))
	require.Empty(t, chain.Code(nil))
}

// numbered lists the rules whose every rejection carries numbers: true
// when both Have and Want, false when only Have (there is nothing the
// rule wants but "not this").
var numbered = map[error]bool{
	chain.ErrBadVersion: true, chain.ErrBadHeight: true, chain.ErrBadPrevHash: true,
	chain.ErrBadDifficulty: true, chain.ErrHighHash: true, chain.ErrBadTime: true, chain.ErrBadNonce: true,
	chain.ErrTimeTooOld: true, chain.ErrTimeTooNew: true, chain.ErrNoTxs: true, chain.ErrTooManyTxs: true,
	chain.ErrBadMerkleRoot: true, chain.ErrBadCoinbase: true, chain.ErrBadCoinbaseSeq: true,
	chain.ErrBadReward: true, chain.ErrTxTooBig: true, chain.ErrBadAmount: true, chain.ErrBadSeq: true,
	chain.ErrOverspend: true, chain.ErrSeqGap: true, chain.ErrMempoolConflict: true, chain.ErrMempoolFull: true,
	chain.ErrDuplicateTx: false, chain.ErrInvalidAncestor: false,
}

// exactNumbers gives, for some rejectedCases, the exact Have and Want.
var exactNumbers = map[string]func(f *fixture, b *chain.Block) (have, want string){
	"hash above target": func(f *fixture, b *chain.Block) (string, string) {
		return b.Hash().String(), "≤ " + chain.Hash(chain.Target(b.Header.Difficulty)).String()
	},
	"merkle root of other transactions": func(f *fixture, b *chain.Block) (string, string) {
		return f.b1.Header.MerkleRoot.String(), b.ComputeMerkleRoot().String()
	},
	"difficulty 0":                    func(*fixture, *chain.Block) (string, string) { return "0", "≥ 1" },
	"difficulty above 2^53-1":         func(*fixture, *chain.Block) (string, string) { return "9007199254740992", "≤ 9007199254740991" },
	"nonce above 2^53-1":              func(*fixture, *chain.Block) (string, string) { return "9007199254740992", "≤ 9007199254740991" },
	"negative time":                   func(*fixture, *chain.Block) (string, string) { return "-1", "≥ 0" },
	"version 2":                       func(*fixture, *chain.Block) (string, string) { return "2", "1" },
	"height skips one":                func(*fixture, *chain.Block) (string, string) { return "3", "2" },
	"no transactions":                 func(*fixture, *chain.Block) (string, string) { return "0", "≥ 1" },
	"coinbase seq not the height":     func(*fixture, *chain.Block) (string, string) { return "7", "2" },
	"coinbase with a fee":             func(*fixture, *chain.Block) (string, string) { return "1", "0" },
	"signature of 63 bytes":           func(*fixture, *chain.Block) (string, string) { return "63", "64" },
	"name of 33 bytes":                func(*fixture, *chain.Block) (string, string) { return "33", "≤ 32" },
	"memo of 281 bytes":               func(*fixture, *chain.Block) (string, string) { return "281", "≤ 280" },
	"seq ahead of the sender's next":  func(*fixture, *chain.Block) (string, string) { return "1", "0" },
	"two transfers with the same seq": func(*fixture, *chain.Block) (string, string) { return "0", "1" },
	"spends more than the balance":    func(*fixture, *chain.Block) (string, string) { return "51", "≤ 50" },
	"sender without an account":       func(*fixture, *chain.Block) (string, string) { return "1", "≤ 0" },
	"too many transactions": func(f *fixture, b *chain.Block) (string, string) {
		return fmt.Sprint(len(b.Txs)), fmt.Sprint("≤ ", f.p.MaxBlockTxs)
	},
	"coinbase pays one coin too many": func(f *fixture, b *chain.Block) (string, string) {
		return fmt.Sprint(f.p.SubsidyAt(2) + 1), fmt.Sprint(f.p.SubsidyAt(2))
	},
	"coinbase leaves out the fees": func(f *fixture, b *chain.Block) (string, string) {
		return fmt.Sprint(f.p.SubsidyAt(2)), fmt.Sprint(f.p.SubsidyAt(2) + 3)
	},
	"same transfer twice": func(f *fixture, b *chain.Block) (string, string) { return b.Txs[1].ID().String(), "" },
	"time not after the median time past": func(f *fixture, b *chain.Block) (string, string) {
		return fmt.Sprint(f.b1.Header.Time), fmt.Sprint("> ", f.b1.Header.Time)
	},
	"difficulty not the retarget rule's": func(f *fixture, b *chain.Block) (string, string) {
		return "3", fmt.Sprint(f.b1.Header.Difficulty)
	},
}

// TestRejectionCodesAndNumbers checks that every block rejection of
// rejectedCases names its rule by code and carries the rule's numbers.
func TestRejectionCodesAndNumbers(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range rejectedCases {
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			b := tc.build(f)
			_, err := f.c.ProcessBlock(b, f.now)
			var re *chain.RuleError
			require.True(t, errors.As(err, &re), "not a RuleError: %v", err)
			rule := tc.rule.(*chain.Rule)
			require.Equal(t, rule.Code(), chain.Code(err))
			require.Equal(t, rule, re.Rule)
			if both, ok := numbered[tc.rule]; ok {
				require.NotEmpty(t, re.Have, "Have of %s: %v", rule.Code(), err)
				if both {
					require.NotEmpty(t, re.Want, "Want of %s: %v", rule.Code(), err)
				}
			}
			if exact := exactNumbers[tc.name]; exact != nil {
				have, want := exact(f, b)
				require.Equal(t, have, re.Have, "Have")
				require.Equal(t, want, re.Want, "Want")
			}
		})
	}
	for name := range exactNumbers {
		require.True(t, names[name], "exactNumbers names no rejectedCase %q", name)
	}
}

// TestRejectionDetailNamesTheBlockAndTransaction: an account-state
// failure found while connecting (switchTo → applyBlock) keeps the numbers
// and names the block and the transaction in Detail, once each.
func TestRejectionDetailNamesTheBlockAndTransaction(t *testing.T) {
	f := newFixture(t)
	tx := f.pay(50, 1, 0)
	b := f.next(tx)
	_, err := f.c.ProcessBlock(b, f.now)
	var re *chain.RuleError
	require.True(t, errors.As(err, &re))
	require.Equal(t, "overspend", chain.Code(err))
	require.Equal(t, "51", re.Have)
	require.Equal(t, "≤ 50", re.Want)
	prefix := fmt.Sprintf("block %s at height 2: transaction 1 (%s): sender ", b.Hash().Short(), tx.ID().Short())
	require.True(t, strings.HasPrefix(re.Detail, prefix), re.Detail)
	require.Equal(t, 1, strings.Count(re.Detail, "transaction 1 ("), re.Detail)

	// The same block again: the remembered error, unchanged.
	_, again := f.c.ProcessBlock(b, f.now)
	require.Equal(t, err.Error(), again.Error())

	// A child of the invalid block names its ancestor.
	child := chaintest.NextBlock(f.c, b, chaintest.Addr(2))
	_, err = f.c.ProcessBlock(child, f.now)
	require.True(t, errors.As(err, &re))
	require.Equal(t, "invalid-ancestor", chain.Code(err))
	require.Equal(t, b.Hash().String(), re.Have)
}

// TestSanityDetailNamesTheTransaction: a transaction rule broken inside a
// block keeps its numbers and its detail names the transaction.
func TestSanityDetailNamesTheTransaction(t *testing.T) {
	f := newFixture(t)
	tx := f.pay(10, 1, 0)
	tx.Name = strings.Repeat("n", 40)
	f.resign(tx)
	b := f.next(tx)
	err := chain.CheckBlockSanity(b, f.p)
	var re *chain.RuleError
	require.True(t, errors.As(err, &re))
	require.Equal(t, "tx-too-big", chain.Code(err))
	require.Equal(t, "40", re.Have)
	require.Equal(t, "≤ 32", re.Want)
	require.Equal(t, fmt.Sprintf("transaction 1 (%s): name: have 40 bytes, max 32", tx.ID().Short()), re.Detail)
	require.Equal(t, "name: have 40 bytes, max 32", chain.CheckTxSanity(tx).(*chain.RuleError).Detail)
}

func TestTimeTooNewNumbers(t *testing.T) {
	p := chaintest.Params()
	bld := chaintest.NewBuilder(p)
	b1 := bld.Block(bld.Genesis(), 0)
	now := time.UnixMilli(b1.Header.Time - p.MaxFutureDriftMs - 5000)
	_, err := chain.ImportChain(dumpOf(t, []*chain.Block{bld.Genesis(), b1}), now)
	var re *chain.RuleError
	require.True(t, errors.As(err, &re), "%v", err)
	require.Equal(t, "time-too-new", chain.Code(err))
	require.Equal(t, fmt.Sprint(b1.Header.Time), re.Have)
	require.Equal(t, fmt.Sprint("≤ ", now.UnixMilli()+p.MaxFutureDriftMs), re.Want)
}

// TestMempoolRejectionNumbers checks the code and numbers of every
// mempool refusal that has numbers.
func TestMempoolRejectionNumbers(t *testing.T) {
	tests := []struct {
		name       string
		cfg        chain.MempoolConfig
		pending    func(f *poolFixture) []*chain.Tx
		tx         func(f *poolFixture) *chain.Tx
		code       string
		have, want func(f *poolFixture, tx *chain.Tx) string
	}{
		{"seq gap", chain.MempoolConfig{}, nil, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 1) },
			"seq-gap", str("1"), str("0")},
		{"replacement without a higher fee", chain.MempoolConfig{}, func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 4, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 3, 10, 3, 0) }, "mempool-conflict", str("3"), str("> 4")},
		{"pending chain overspends", chain.MempoolConfig{}, func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 30, 0, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 15, 6, 1) }, "overspend", str("21"), str("≤ 20")},
		{"same transaction twice", chain.MempoolConfig{}, func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 10, 1, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 10, 1, 0) }, "duplicate-tx",
			func(f *poolFixture, tx *chain.Tx) string { return tx.ID().String() }, str("")},
		{"per sender", chain.MempoolConfig{MaxPerSender: 2}, func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 1, 1, 0), f.pay(0, 2, 1, 1, 1)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 1, 1, 2) }, "mempool-full", str("2"), str("< 2")},
		{"whole pool", chain.MempoolConfig{MaxTxs: 2}, func(f *poolFixture) []*chain.Tx {
			return []*chain.Tx{f.pay(0, 2, 1, 3, 0), f.pay(1, 2, 1, 3, 0)}
		}, func(f *poolFixture) *chain.Tx { return f.pay(0, 2, 1, 1, 1) }, "mempool-full", str("2"), str("< 2")},
		{"amount above 2^53-1", chain.MempoolConfig{}, nil, func(f *poolFixture) *chain.Tx {
			return f.pay(0, 2, chain.MaxSafeInteger+1, 0, 0)
		}, "bad-amount", str("9007199254740992"), str("≤ 9007199254740991")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newPool(t, tc.cfg)
			if tc.pending != nil {
				for _, tx := range tc.pending(f) {
					require.NoError(t, f.mp.Add(tx, f.now))
				}
			}
			tx := tc.tx(f)
			err := f.mp.Add(tx, f.now)
			var re *chain.RuleError
			require.True(t, errors.As(err, &re), "%v", err)
			require.Equal(t, tc.code, chain.Code(err))
			require.Equal(t, tc.have(f, tx), re.Have, "Have")
			require.Equal(t, tc.want(f, tx), re.Want, "Want")
		})
	}

	t.Run("confirmed seq", func(t *testing.T) {
		f := newPool(t, chain.MempoolConfig{})
		tx := f.pay(0, 2, 10, 1, 0)
		require.NoError(t, f.mp.Add(tx, f.now))
		f.mine(t, 3)
		err := f.mp.Add(f.pay(0, 4, 10, 5, 0), f.now)
		var re *chain.RuleError
		require.True(t, errors.As(err, &re))
		require.Equal(t, "bad-seq", chain.Code(err))
		require.Equal(t, "0", re.Have)
		require.Equal(t, "1", re.Want)
	})
}

func str(s string) func(*poolFixture, *chain.Tx) string {
	return func(*poolFixture, *chain.Tx) string { return s }
}
