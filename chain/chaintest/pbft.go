package chaintest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// SeatKey returns the i-th deterministic PBFT seat key: its seed is
// SHA-256("chaintest seat <i>").
func SeatKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("chaintest seat %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// SeatKeys returns SeatKey(0) … SeatKey(n−1).
func SeatKeys(n int) []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, n)
	for i := range keys {
		keys[i] = SeatKey(i)
	}
	return keys
}

// PBFTParams returns TestParams as a PBFT room: n seats held by
// SeatKeys(n), checkpoints every k sequence numbers, difficulty 1.
func PBFTParams(n int, k uint64) chain.Params {
	p := chain.TestParams
	p.Name = "pbft test"
	p.Difficulty = 1
	p.RetargetInterval = 0
	p.Engine = chain.EnginePBFT
	pubs := make([]ed25519.PublicKey, n)
	for i, key := range SeatKeys(n) {
		pubs[i] = key.Public().(ed25519.PublicKey)
	}
	p.Seats = chain.SeatsOf(pubs)
	p.CheckpointInterval = k
	return p
}

// Certify sets b's commit certificate for view and seq, signed by the
// given seats (in increasing order) with keys[seat], and returns b.
func Certify(chainID chain.Hash, keys []ed25519.PrivateKey, seats []int, view, seq uint64, b *chain.Block) *chain.Block {
	msg := chain.CommitSigningBytes(chainID, view, seq, b.Hash())
	c := &chain.CommitCert{View: view, Seq: seq}
	for _, s := range seats {
		c.Sigs = append(c.Sigs, chain.SeatSig{Seat: s, Sig: ed25519.Sign(keys[s], msg)})
	}
	b.Cert = c
	return b
}

// NextPBFTBlock builds a version-2 child of parent (which c, a PBFT
// chain, must have stored) proposed by miner with txs, certified at view
// 0 and the parent's sequence + 1 by the first 2f+1 of SeatKeys.
func NextPBFTBlock(c *chain.Chain, parent *chain.Block, miner chain.Address, txs ...*chain.Tx) *chain.Block {
	p := c.Params()
	height := parent.Header.Height + 1
	t := parent.Header.Time + p.BlockTimeMs
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	cb := &chain.Tx{To: miner, Amount: p.SubsidyAt(height) + fees, Seq: height, Time: t}
	b := &chain.Block{
		Header: chain.Header{Version: chain.VersionPBFT, Height: height, Time: t, Difficulty: 1, PrevHash: parent.Hash()},
		Txs:    append([]*chain.Tx{cb}, txs...),
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	keys, _ := p.SeatKeys()
	seq := uint64(1)
	if parent.Cert != nil {
		seq = parent.Cert.Seq + 1
	}
	seats := make([]int, chain.Quorum(len(keys)))
	for i := range seats {
		seats[i] = i
	}
	return Certify(c.ID(), SeatKeys(len(keys)), seats, 0, seq, b)
}
