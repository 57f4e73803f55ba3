package chain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

func newPBFT(t *testing.T) (*chain.Chain, *chain.Block) {
	t.Helper()
	p := chaintest.PBFTParams(4, 10)
	c := chaintest.New(t, p)
	b1 := chaintest.NextPBFTBlock(c, c.Genesis(), chaintest.Addr(1))
	_, err := c.ProcessBlock(b1, chaintest.Now(p))
	require.NoError(t, err)
	return c, b1
}

// TestPBFTCertificateRules: a PBFT chain accepts a block with 2f+1 valid
// signatures and refuses, by rule, a missing, short, forged, repeated,
// foreign or out-of-order certificate, one whose sequence does not grow,
// and a proof-of-work block.
func TestPBFTCertificateRules(t *testing.T) {
	keys := chaintest.SeatKeys(4)
	recertify := func(c *chain.Chain, b *chain.Block, seats []int, view, seq uint64) *chain.Block {
		return chaintest.Certify(c.ID(), keys, seats, view, seq, b)
	}
	cases := []struct {
		name  string
		build func(c *chain.Chain, parent *chain.Block) *chain.Block
		rule  error
		have  string
		want  string
	}{
		{"no certificate", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			b.Cert = nil
			return b
		}, chain.ErrNoCert, "", ""},
		{"two signatures of four seats", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			return recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{0, 1}, 0, 2)
		}, chain.ErrShortCert, "2", "≥ 3"},
		{"one seat twice", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{0, 1, 2}, 0, 2)
			b.Cert.Sigs[2] = b.Cert.Sigs[1]
			return b
		}, chain.ErrBadCert, "1", "> 1"},
		{"seats out of order", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			return recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{2, 1, 3}, 0, 2)
		}, chain.ErrBadCert, "1", "> 2"},
		{"a seat the room does not have", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{0, 1, 2}, 0, 2)
			b.Cert.Sigs[2].Seat = 4
			return b
		}, chain.ErrBadCert, "4", "< 4"},
		{"a forged signature", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			b.Cert.Sigs[1].Sig[5] ^= 1
			return b
		}, chain.ErrBadCert, "1", ""},
		{"signed by a key that holds no seat", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			other := []*chain.Block{chaintest.Certify(c.ID(), chaintest.SeatKeys(8)[4:], []int{0, 1, 2}, 0, 2, b)}
			return other[0]
		}, chain.ErrBadCert, "0", ""},
		{"signatures of another view", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{0, 1, 2}, 0, 2)
			b.Cert.View = 1
			return b
		}, chain.ErrBadCert, "0", ""},
		{"signatures of another block", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			b.Header.Time++
			b.Txs[0].Time++
			b.Header.MerkleRoot = b.ComputeMerkleRoot()
			return b
		}, chain.ErrBadCert, "0", ""},
		{"sequence not above the parent's", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			return recertify(c, chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1)), []int{0, 1, 2}, 0, 1)
		}, chain.ErrBadCertSeq, "1", "> 1"},
		{"a proof-of-work block", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			b.Header.Version = 1
			b.Cert = nil
			return b
		}, chain.ErrBadVersion, "1", "2"},
		{"difficulty 2", func(c *chain.Chain, parent *chain.Block) *chain.Block {
			b := chaintest.NextPBFTBlock(c, parent, chaintest.Addr(1))
			b.Header.Difficulty = 2
			return recertify(c, b, []int{0, 1, 2}, 0, 2)
		}, chain.ErrBadDifficulty, "2", "1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, b1 := newPBFT(t)
			b := tc.build(c, b1)
			st, err := c.ProcessBlock(b, chaintest.Now(c.Params()))
			require.Equal(t, chain.StatusRejected, st)
			require.ErrorIs(t, err, tc.rule)
			var re *chain.RuleError
			require.True(t, errors.As(err, &re))
			require.Equal(t, tc.have, re.Have, "Have: %v", err)
			require.Equal(t, tc.want, re.Want, "Want: %v", err)
			require.Equal(t, uint64(1), c.Tip().Height, "nothing stored")
			_, stored := c.BlockByHash(b.Hash())
			require.False(t, stored)
		})
	}

	t.Run("a valid certificate, and another valid one for the same block", func(t *testing.T) {
		c, b1 := newPBFT(t)
		b2 := chaintest.NextPBFTBlock(c, b1, chaintest.Addr(1))
		st, err := c.ProcessBlock(b2, chaintest.Now(c.Params()))
		require.NoError(t, err)
		require.Equal(t, chain.StatusMainChain, st)
		again := *b2
		recertify(c, &again, []int{1, 2, 3}, 4, 9)
		_, err = c.ProcessBlock(&again, chaintest.Now(c.Params()))
		require.ErrorIs(t, err, chain.ErrDuplicateBlock, "the certificate is not hashed")
		// All four seats sign: more than 2f+1 is fine.
		b3 := recertify(c, chaintest.NextPBFTBlock(c, b2, chaintest.Addr(1)), []int{0, 1, 2, 3}, 2, 7)
		_, err = c.ProcessBlock(b3, chaintest.Now(c.Params()))
		require.NoError(t, err)
		require.Equal(t, uint64(3), c.Tip().Height)
		require.Equal(t, int64(4), c.Tip().Work.Int64(), "the genesis and every block weigh 1")
	})

	t.Run("a proof-of-work chain refuses a PBFT block", func(t *testing.T) {
		pow := chaintest.New(t, chaintest.Params())
		c, _ := newPBFT(t)
		b := chaintest.NextPBFTBlock(c, c.Genesis(), chaintest.Addr(1))
		b.Header.PrevHash = pow.ID()
		_, err := pow.ProcessBlock(b, chaintest.Now(pow.Params()))
		require.ErrorIs(t, err, chain.ErrBadVersion)
	})
}

// TestPBFTTemplate: a PBFT chain's template is version 2 with difficulty 1.
func TestPBFTTemplate(t *testing.T) {
	c, b1 := newPBFT(t)
	tpl := c.NewTemplate(chaintest.Addr(2), nil, chaintest.Now(c.Params()))
	require.Equal(t, uint32(chain.VersionPBFT), tpl.Header.Version)
	require.Equal(t, uint64(1), tpl.Header.Difficulty)
	require.Equal(t, b1.Hash(), tpl.Header.PrevHash)
	require.Nil(t, tpl.Cert)
}

// TestPBFTBlockEncoding: a PBFT block's certificate round-trips through
// the binary encoding and JSON, beside the unchanged 100 header bytes; a
// proof-of-work block's encoding has no certificate.
func TestPBFTBlockEncoding(t *testing.T) {
	c, b1 := newPBFT(t)
	enc := b1.Encode()
	hdr := b1.Header.Encode()
	require.Equal(t, hdr[:], enc[:chain.HeaderSize], "the header comes first, as in version 1")
	back, err := chain.DecodeBlock(enc)
	require.NoError(t, err)
	require.Equal(t, b1.Cert, back.Cert)
	require.Equal(t, enc, back.Encode())
	require.Equal(t, b1.Hash(), back.Hash())

	var viaJSON chain.Block
	data, err := json.Marshal(b1)
	require.NoError(t, err)
	require.Contains(t, string(data), `"cert":{"view":0,"seq":1,"sigs":[{"seat":0,"sig":"`)
	require.NoError(t, json.Unmarshal(data, &viaJSON))
	require.Equal(t, enc, viaJSON.Encode())

	// A version-2 block without a certificate round-trips too (the rules refuse it).
	none := *b1
	none.Cert = nil
	back, err = chain.DecodeBlock(none.Encode())
	require.NoError(t, err)
	require.Nil(t, back.Cert)

	// Bad markers and counts are refused by the decoder.
	bad := bytes.Clone(enc)
	bad[chain.HeaderSize] = 2
	_, err = chain.DecodeBlock(bad)
	require.ErrorContains(t, err, "certificate marker")
	bad = bytes.Clone(enc)
	bad[chain.HeaderSize+17] = chain.MaxSeats + 1
	_, err = chain.DecodeBlock(bad)
	require.ErrorContains(t, err, "signatures, max")

	// A proof-of-work block: a certificate in memory is not encoded, and
	// JSON refuses one.
	pow := chaintest.New(t, chaintest.Params())
	pb := chaintest.NextBlock(pow, pow.Genesis(), chaintest.Addr(1))
	plain := pb.Encode()
	pb.Cert = b1.Cert
	require.Equal(t, plain, pb.Encode())
	j := pb.JSON()
	require.Nil(t, j.Cert)
	j.Cert = b1.Cert.JSON()
	_, err = j.Block()
	require.ErrorIs(t, err, chain.ErrMalformed)

	// The whole chain exports and imports with its certificates.
	dump, err := c.ExportJSON()
	require.NoError(t, err)
	imported, err := chain.ImportChain(dump, chaintest.Now(c.Params()))
	require.NoError(t, err)
	require.Equal(t, c.Tip().Hash, imported.Tip().Hash)
}

// TestPBFTParams: the replica set and K are fixed in the genesis, and bad
// engine parameters are refused.
func TestPBFTParams(t *testing.T) {
	p := chaintest.PBFTParams(4, 10)
	require.NoError(t, p.Validate())
	g := chain.GenesisBlock(p)
	require.Contains(t, g.Txs[0].Memo, `"engine":"pbft","seats":"`)
	require.Contains(t, g.Txs[0].Memo, `"checkpoint_interval":10`)
	other := chaintest.PBFTParams(7, 10)
	require.NotEqual(t, g.Hash(), chain.GenesisBlock(other).Hash(), "the seats are part of the chain id")
	back, err := chain.ParseParams([]byte(g.Txs[0].Memo))
	require.NoError(t, err)
	require.Equal(t, p, back)
	e, err := chain.EngineFor(p)
	require.NoError(t, err)
	require.Equal(t, g.Hash(), e.(*chain.PBFTEngine).ChainID())
	require.Equal(t, 3, e.(*chain.PBFTEngine).Quorum())

	ten := chaintest.PBFTParams(10, 10)
	ten.Name = strings.Repeat("n", 32)
	ten.Epoch = chain.MaxSafeInteger
	require.NoError(t, ten.Validate(), "ten seats fit the genesis memo with the longest name")

	bad := map[string]func(p *chain.Params){
		"three seats":          func(p *chain.Params) { p.Seats = p.Seats[:65*3-1] },
		"eleven seats":         func(p *chain.Params) { p.Seats = chaintest.PBFTParams(10, 1).Seats + "," + p.Seats[:64] },
		"a seat twice":         func(p *chain.Params) { p.Seats = p.Seats[:65*3] + p.Seats[:64] },
		"uppercase hex":        func(p *chain.Params) { p.Seats = strings.ToUpper(p.Seats) },
		"no checkpoint":        func(p *chain.Params) { p.CheckpointInterval = 0 },
		"difficulty 2":         func(p *chain.Params) { p.Difficulty = 2 },
		"a retarget":           func(p *chain.Params) { p.RetargetInterval = 10 },
		"an unknown engine":    func(p *chain.Params) { p.Engine = "pos" },
		"seats without engine": func(p *chain.Params) { p.Engine = "" },
	}
	for name, mutate := range bad {
		q := chaintest.PBFTParams(4, 10)
		mutate(&q)
		require.Error(t, q.Validate(), name)
		_, err := chain.New(chain.Config{Params: q})
		require.Error(t, err, name)
	}
	_, err = chain.NewPBFTEngine(chain.TestParams)
	require.Error(t, err)
}

// TestCheckProposal: a replica checks a proposed block (no certificate
// yet) against the tip's state without storing it.
func TestCheckProposal(t *testing.T) {
	c, b1 := newPBFT(t)
	now := chaintest.Now(c.Params())
	tpl := c.NewTemplate(chaintest.Addr(2), nil, time.UnixMilli(b1.Header.Time+1000))
	require.NoError(t, c.CheckProposal(tpl, now))
	require.Equal(t, uint64(1), c.Tip().Height, "nothing stored")

	// Coins of seat 1's proposer: spend more than it has.
	key := chaintest.Key(1)
	over := chaintest.Transfer(c.ID(), key, chaintest.Addr(3), c.Balance(chaintest.Addr(1)).Balance+1, 0, 0)
	bad := c.NewTemplate(chaintest.Addr(2), []*chain.Tx{over}, time.UnixMilli(b1.Header.Time+1000))
	require.ErrorIs(t, c.CheckProposal(bad, now), chain.ErrOverspend)
	require.Equal(t, c.Balance(chaintest.Addr(1)), c.Balance(chaintest.Addr(1)), "state unchanged")

	stale := c.NewTemplate(chaintest.Addr(2), nil, time.UnixMilli(b1.Header.Time+1000))
	stale.Header.PrevHash = c.ID()
	require.ErrorIs(t, c.CheckProposal(stale, now), chain.ErrBadPrevHash)

	future := c.NewTemplate(chaintest.Addr(2), nil, now.Add(time.Hour))
	require.ErrorIs(t, c.CheckProposal(future, now), chain.ErrTimeTooNew)

	forged := c.NewTemplate(chaintest.Addr(2), nil, time.UnixMilli(b1.Header.Time+1000))
	forged.Txs[0].Amount++
	forged.Header.MerkleRoot = forged.ComputeMerkleRoot()
	require.ErrorIs(t, c.CheckProposal(forged, now), chain.ErrBadReward)
}
