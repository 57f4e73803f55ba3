package chain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// dumpFixture is a 5-block chain whose block 2 has two transfers.
func dumpFixture(t testing.TB) (*chain.Chain, []*chain.Block) {
	t.Helper()
	p := chaintest.Params()
	c := chaintest.New(t, p)
	chaintest.Extend(t, c, 1, chaintest.Addr(0))
	tx1 := chaintest.Transfer(c.ID(), chaintest.Key(0), chaintest.Addr(1), 10, 2, 0)
	tx2 := chaintest.Post(c.ID(), chaintest.Key(0), "ada", "first post!", 1, 1)
	b2 := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(2), tx1, tx2)
	_, err := c.ProcessBlock(b2, chaintest.Now(p))
	require.NoError(t, err)
	chaintest.Extend(t, c, 2, chaintest.Addr(1))
	return c, c.MainChain()
}

func dumpOf(t testing.TB, blocks []*chain.Block) []byte {
	t.Helper()
	d := chain.ChainJSON{Length: len(blocks)}
	for _, b := range blocks {
		d.Chain = append(d.Chain, b.JSON())
	}
	data, err := json.Marshal(d)
	require.NoError(t, err)
	return data
}

func copyBlocks(t testing.TB, blocks []*chain.Block) []*chain.Block {
	t.Helper()
	out := make([]*chain.Block, len(blocks))
	for i, b := range blocks {
		cp, err := chain.DecodeBlock(b.Encode())
		require.NoError(t, err)
		out[i] = cp
	}
	return out
}

func TestExportImportRoundTrip(t *testing.T) {
	c, blocks := dumpFixture(t)
	data, err := c.ExportJSON()
	require.NoError(t, err)
	require.Equal(t, dumpOf(t, blocks), data)

	var shape struct {
		Length int              `json:"length"`
		Chain  []map[string]any `json:"chain"`
	}
	require.NoError(t, json.Unmarshal(data, &shape))
	require.Equal(t, 5, shape.Length)
	require.EqualValues(t, 0, shape.Chain[0]["index"])
	post := shape.Chain[2]["transactions"].([]any)[2].(map[string]any)
	require.Equal(t, "ada", post["author"])
	require.Equal(t, "first post!", post["content"])
	require.Equal(t, "0", shape.Chain[2]["transactions"].([]any)[0].(map[string]any)["sender"])

	imported, err := chain.ImportChain(data, chaintest.Now(c.Params()))
	require.NoError(t, err)
	require.Equal(t, c.ID(), imported.ID())
	require.Equal(t, c.Params(), imported.Params())
	require.Equal(t, c.Tip().Hash, imported.Tip().Hash)
	require.Equal(t, c.Accounts(), imported.Accounts())

	// Into an existing chain: only the new blocks count, and a heavier
	// dump wins fork choice.
	other := chaintest.New(t, c.Params())
	mine := chaintest.Extend(t, other, 2, chaintest.Addr(7))
	var events []chain.Event
	other.Subscribe(func(ev chain.Event) {
		if ev.Type != chain.EventStored { // side branches growing are not tip changes
			events = append(events, ev)
		}
	})
	added, err := other.Import(data, chaintest.Now(c.Params()))
	require.NoError(t, err)
	require.Equal(t, 4, added)
	require.Equal(t, c.Tip().Hash, other.Tip().Hash)
	require.Len(t, events, 1)
	require.Equal(t, []*chain.Block{mine[1], mine[0]}, events[0].Disconnected)
	added, err = other.Import(data, chaintest.Now(c.Params()))
	require.NoError(t, err)
	require.Zero(t, added)
}

// TestImportFlippedByte flips one byte of every field of a block and of a
// transaction in the dump, without fixing anything else: the derived
// fields (hash, id, sender, timestamps…) no longer match.
func TestImportFlippedByte(t *testing.T) {
	c, blocks := dumpFixture(t)
	now := chaintest.Now(c.Params())
	bj := reflect.TypeOf(chain.BlockJSON{})
	tj := reflect.TypeOf(chain.TxJSON{})
	type target struct {
		name  string
		field func(d *chain.ChainJSON) reflect.Value
	}
	var targets []target
	for i := range bj.NumField() {
		f := bj.Field(i)
		if f.Name == "Transactions" || f.Name == "Cert" || f.Name == "Seal" { // Cert, Seal: not hashed, absent from a PoW block (pbft_test.go, stake_test.go check them)
			continue
		}
		targets = append(targets, target{"block " + f.Tag.Get("json"), func(d *chain.ChainJSON) reflect.Value {
			return reflect.ValueOf(d.Chain[2]).Elem().Field(i)
		}})
	}
	for _, tx := range []int{0, 1, 2} {
		for i := range tj.NumField() {
			f := tj.Field(i)
			targets = append(targets, target{fmt.Sprintf("tx %d %s", tx, f.Tag.Get("json")), func(d *chain.ChainJSON) reflect.Value {
				return reflect.ValueOf(d.Chain[2].Transactions[tx]).Elem().Field(i)
			}})
		}
	}
	require.Len(t, targets, bj.NumField()-3+3*tj.NumField())
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			d := c.Export()
			flipByte(t, tg.field(d))
			data, err := json.Marshal(d)
			require.NoError(t, err)

			_, err = chain.ImportChain(data, now)
			require.ErrorIs(t, err, chain.ErrMalformed)
			require.True(t, chain.IsRuleError(err))

			fresh := chaintest.New(t, c.Params())
			added, err := fresh.Import(data, now)
			require.ErrorIs(t, err, chain.ErrMalformed)
			require.Zero(t, added)
			require.Equal(t, uint64(0), fresh.Tip().Height, "nothing kept")
		})
	}
	_ = blocks
}

// flipByte changes one byte of a field's value: a byte of a hash or an
// address, a bit of a number, a character of a string.
func flipByte(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Array: // Hash, Address
		v.Index(3).SetUint(v.Index(3).Uint() ^ 0x10)
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() ^ 1)
	case reflect.Int64:
		v.SetInt(v.Int() ^ 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.String:
		s := []byte(v.String())
		if len(s) == 0 {
			s = []byte("x")
		} else if s[0] == 'a' {
			s[0] = 'b'
		} else {
			s[0] = 'a'
		}
		v.SetString(string(s))
	default:
		t.Fatalf("no flip for %v", v.Kind())
	}
}

// TestImportTampered edits one field of block 2 the way a cheater would:
// every derived field is recomputed and the block re-mined, so the dump
// is well formed and the rule that breaks shows.
func TestImportTampered(t *testing.T) {
	c, _ := dumpFixture(t)
	now := chaintest.Now(c.Params())
	otherRoom := chain.TestParams
	otherRoom.Name = "other"
	tests := []struct {
		name string
		edit func(blocks []*chain.Block) // then blocks[2] is re-sealed unless noted
		seal func(b *chain.Block) *chain.Block
		rule error
		into error // the rule when importing into an existing chain, if not rule
	}{
		{"version", func(bs []*chain.Block) { bs[2].Header.Version = 3 }, chaintest.Solve, chain.ErrBadVersion, nil},
		{"index", func(bs []*chain.Block) { bs[2].Header.Height = 5 }, chaintest.Solve, chain.ErrBadCoinbaseSeq, nil},
		{"index and coinbase seq", func(bs []*chain.Block) { bs[2].Header.Height, bs[2].Txs[0].Seq = 5, 5 }, chaintest.Seal, chain.ErrBadHeight, nil},
		{"time in the past", func(bs []*chain.Block) { bs[2].Header.Time = bs[1].Header.Time }, chaintest.Solve, chain.ErrTimeTooOld, nil},
		{"time in the future", func(bs []*chain.Block) { bs[2].Header.Time += 1 << 41 }, chaintest.Solve, chain.ErrTimeTooNew, nil},
		{"time, slightly", func(bs []*chain.Block) { bs[2].Header.Time ^= 1 }, chaintest.Solve, chain.ErrBadPrevHash, nil},
		{"difficulty", func(bs []*chain.Block) { bs[2].Header.Difficulty ^= 1 }, chaintest.Solve, chain.ErrBadDifficulty, nil},
		{"previous_hash", func(bs []*chain.Block) { bs[2].Header.PrevHash[0] ^= 1 }, chaintest.Solve, chain.ErrBadPrevHash, nil},
		{"merkle_root", func(bs []*chain.Block) { bs[2].Header.MerkleRoot[0] ^= 1 }, chaintest.Solve, chain.ErrBadMerkleRoot, nil},
		{"nonce", func(bs []*chain.Block) {
			for bit := uint(0); ; bit++ {
				bs[2].Header.Nonce ^= 1 << bit
				if !bs[2].Header.HasProofOfWork() {
					return
				}
				bs[2].Header.Nonce ^= 1 << bit
			}
		}, func(b *chain.Block) *chain.Block { return b }, chain.ErrHighHash, nil},
		{"coinbase amount", func(bs []*chain.Block) { bs[2].Txs[0].Amount ^= 1 }, chaintest.Seal, chain.ErrBadReward, nil},
		{"coinbase seq", func(bs []*chain.Block) { bs[2].Txs[0].Seq ^= 1 }, chaintest.Seal, chain.ErrBadCoinbaseSeq, nil},
		{"coinbase recipient", func(bs []*chain.Block) { bs[2].Txs[0].To[0] ^= 1 }, chaintest.Seal, chain.ErrBadPrevHash, nil},
		{"tx recipient", func(bs []*chain.Block) { bs[2].Txs[1].To[0] ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx amount", func(bs []*chain.Block) { bs[2].Txs[1].Amount ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx fee", func(bs []*chain.Block) { bs[2].Txs[1].Fee ^= 1 }, chaintest.Seal, chain.ErrBadReward, nil},
		{"tx fee and reward", func(bs []*chain.Block) { bs[2].Txs[1].Fee ^= 1; fixReward(chain.TestParams, bs[2]) }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx seq", func(bs []*chain.Block) { bs[2].Txs[1].Seq ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx time", func(bs []*chain.Block) { bs[2].Txs[1].Time ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx from", func(bs []*chain.Block) { bs[2].Txs[1].From[0] ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"tx sig", func(bs []*chain.Block) { bs[2].Txs[1].Sig[0] ^= 1 }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"post name", func(bs []*chain.Block) { bs[2].Txs[2].Name = "bda" }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"post memo", func(bs []*chain.Block) { bs[2].Txs[2].Memo = "first post?" }, chaintest.Seal, chain.ErrBadSignature, nil},
		{"transactions swapped", func(bs []*chain.Block) { bs[2].Txs[1], bs[2].Txs[2] = bs[2].Txs[2], bs[2].Txs[1] }, chaintest.Seal, chain.ErrBadSeq, nil},
		{"genesis parameters", func(bs []*chain.Block) { bs[0] = chain.GenesisBlock(otherRoom) }, func(b *chain.Block) *chain.Block { return b }, chain.ErrBadPrevHash, chain.ErrBadGenesis},
		{"genesis memo", func(bs []*chain.Block) { bs[0].Txs[0].Memo = bs[0].Txs[0].Memo[:len(bs[0].Txs[0].Memo)-2] + "}}" }, func(b *chain.Block) *chain.Block { return b }, chain.ErrBadGenesis, nil},
		{"genesis time", func(bs []*chain.Block) { bs[0].Header.Time++ }, func(b *chain.Block) *chain.Block { return b }, chain.ErrBadGenesis, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			blocks := copyBlocks(t, c.MainChain())
			tc.edit(blocks)
			tc.seal(blocks[2])
			data := dumpOf(t, blocks)

			_, err := chain.ImportChain(data, now)
			require.ErrorIs(t, err, tc.rule)
			var re *chain.RuleError
			require.True(t, errors.As(err, &re))

			fresh := chaintest.New(t, c.Params())
			_, err = fresh.Import(data, now)
			if tc.into == nil {
				tc.into = tc.rule
			}
			require.ErrorIs(t, err, tc.into)
			require.Equal(t, uint64(0), fresh.Tip().Height, "nothing kept")
		})
	}
}

func TestImportRefusesAndKeepsNothing(t *testing.T) {
	c, blocks := dumpFixture(t)
	now := chaintest.Now(c.Params())
	t.Run("length mismatch", func(t *testing.T) {
		d := c.Export()
		d.Length++
		data, _ := json.Marshal(d)
		_, err := chain.ImportChain(data, now)
		require.ErrorIs(t, err, chain.ErrMalformed)
	})
	for name, data := range map[string]string{
		"not json": "{", "no blocks": `{"length":0,"chain":[]}`, "null block": `{"length":1,"chain":[null]}`,
		"array": `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := chain.ImportChain([]byte(data), now)
			require.Error(t, err)
			require.True(t, chain.IsRuleError(err), "%v", err)
		})
	}
	t.Run("another room's chain", func(t *testing.T) {
		p := chaintest.Params()
		p.Name = "elsewhere"
		other := chaintest.New(t, p)
		chaintest.Extend(t, other, 2, chaintest.Addr(0))
		data, err := other.ExportJSON()
		require.NoError(t, err)
		_, err = c.Import(data, now)
		require.ErrorIs(t, err, chain.ErrBadGenesis)
		imported, err := chain.ImportChain(data, now)
		require.NoError(t, err, "on its own it is fine")
		require.Equal(t, other.ID(), imported.ID())
	})
	t.Run("a later block fails: the earlier ones are not kept", func(t *testing.T) {
		bs := copyBlocks(t, blocks)
		bs[4].Txs[0].Amount++
		chaintest.Seal(bs[4])
		fresh := chaintest.New(t, c.Params())
		var events int
		fresh.Subscribe(func(chain.Event) { events++ })
		_, err := fresh.Import(dumpOf(t, bs), now)
		require.ErrorIs(t, err, chain.ErrBadReward)
		require.ErrorContains(t, err, "import block 4")
		require.Equal(t, uint64(0), fresh.Tip().Height)
		require.Zero(t, events)
		for _, b := range bs[1:] {
			_, ok := fresh.BlockByHash(b.Hash())
			require.False(t, ok)
		}
	})
	t.Run("a gap", func(t *testing.T) {
		bs := append([]*chain.Block{blocks[0], blocks[1]}, blocks[3:]...)
		_, err := chain.ImportChain(dumpOf(t, bs), now)
		require.ErrorIs(t, err, chain.ErrBadPrevHash)
	})
	t.Run("clock before the blocks", func(t *testing.T) {
		_, err := chain.ImportChain(dumpOf(t, blocks), time.UnixMilli(blocks[0].Header.Time-3_600_000))
		require.ErrorIs(t, err, chain.ErrTimeTooNew)
	})
	t.Run("overspend", func(t *testing.T) {
		bld := chaintest.NewBuilder(c.Params())
		b1 := bld.Block(bld.Genesis(), 0)
		b2 := bld.Block(b1, 1, chaintest.Transfer(bld.ID(), chaintest.Key(0), chaintest.Addr(1), 51, 0, 0))
		_, err := chain.ImportChain(dumpOf(t, []*chain.Block{bld.Genesis(), b1, b2}), now)
		require.ErrorIs(t, err, chain.ErrOverspend)
	})
}
