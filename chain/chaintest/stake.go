package chaintest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// ValidatorKey returns the i-th deterministic genesis validator key of a
// stake room: its seed is SHA-256("chaintest validator <i>").
func ValidatorKey(i int) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(fmt.Sprintf("chaintest validator %d", i)))
	return ed25519.NewKeyFromSeed(seed[:])
}

// ValidatorKeys returns ValidatorKey(0) … ValidatorKey(n−1).
func ValidatorKeys(n int) []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, n)
	for i := range keys {
		keys[i] = ValidatorKey(i)
	}
	return keys
}

// StakeParams returns TestParams as a stake room (engine chain.EnginePoS
// or chain.EngineDPoS): n genesis validators held by ValidatorKeys(n),
// 100 coins of genesis stake each, epochs of 4 slots (PoS) or rounds of
// n delegates (DPoS), slots of one second and a drift of one slot.
func StakeParams(engine string, n int) chain.Params {
	p := chain.TestParams
	p.Name = engine + " test"
	p.Difficulty, p.RetargetInterval = 1, 0
	p.MaxFutureDriftMs = p.BlockTimeMs
	p.Engine = engine
	pubs := make([]ed25519.PublicKey, n)
	for i, key := range ValidatorKeys(n) {
		pubs[i] = key.Public().(ed25519.PublicKey)
	}
	p.Validators = chain.SeatsOf(pubs)
	p.GenesisStake = 100
	if engine == chain.EnginePoS {
		p.EpochSlots = 4
	} else {
		p.Delegates = n
	}
	return p
}

// SlotBlock builds the block of slot on parent (any block c stores),
// paying and signed by key, with txs and proofs: what NewSlotBlock builds
// on the tip, without any check, for tests to break.
func SlotBlock(c *chain.Chain, parent *chain.Block, slot uint64, key ed25519.PrivateKey, proofs []*chain.DoubleSign, txs ...*chain.Tx) *chain.Block {
	p := c.Params()
	height := parent.Header.Height + 1
	t := p.SlotTime(slot)
	var fees uint64
	for _, tx := range txs {
		fees += tx.Fee
	}
	version := uint32(chain.VersionPoS)
	if p.Engine == chain.EngineDPoS {
		version = chain.VersionDPoS
	}
	cb := &chain.Tx{To: chain.KeyAddress(key), Amount: p.SubsidyAt(height) + fees, Seq: height, Time: t}
	b := &chain.Block{
		Header: chain.Header{Version: version, Height: height, Time: t, Difficulty: 1, PrevHash: parent.Hash(), Nonce: slot},
		Txs:    append([]*chain.Tx{cb}, txs...),
		Seal:   &chain.StakeSeal{Proofs: proofs},
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	chain.SignSeal(b, c.ID(), key)
	return b
}

// KeyFor returns the key among keys whose address is a, or nil.
func KeyFor(keys []ed25519.PrivateKey, a chain.Address) ed25519.PrivateKey {
	for _, k := range keys {
		if chain.KeyAddress(k) == a {
			return k
		}
	}
	return nil
}
