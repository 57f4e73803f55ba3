package chain_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// stakeRoom is a stake chain with its genesis validators' keys.
type stakeRoom struct {
	c    *chain.Chain
	keys []ed25519.PrivateKey
}

func newStakeRoom(t *testing.T, engine string, n int) *stakeRoom {
	t.Helper()
	return &stakeRoom{c: chaintest.New(t, chaintest.StakeParams(engine, n)), keys: chaintest.ValidatorKeys(n)}
}

// nextSlot returns the first slot after the tip with a leader among the
// room's keys, and that leader's key.
func (r *stakeRoom) nextSlot(t *testing.T) (uint64, ed25519.PrivateKey) {
	t.Helper()
	for s := r.c.TipSlot() + 1; s < r.c.TipSlot()+100; s++ {
		if a, ok := r.c.SlotLeader(s); ok {
			if k := chaintest.KeyFor(r.keys, a); k != nil {
				return s, k
			}
		}
	}
	t.Fatal("no slot with a known leader in 100 slots")
	return 0, nil
}

// produce has the next leader build, on the tip, the block of its slot
// with txs and the pending proofs, and processes it.
func (r *stakeRoom) produce(t *testing.T, txs ...*chain.Tx) *chain.Block {
	t.Helper()
	s, k := r.nextSlot(t)
	b, err := r.c.NewSlotBlock(k, txs, s, r.c.DoubleSigns())
	require.NoError(t, err)
	st, err := r.c.ProcessBlock(b, chaintest.Now(r.c.Params()))
	require.NoError(t, err)
	require.Equal(t, chain.StatusMainChain, st)
	return b
}

// nonLeader returns a room key that does not lead slot s on the tip.
func (r *stakeRoom) nonLeader(s uint64) ed25519.PrivateKey {
	a, _ := r.c.SlotLeader(s)
	for _, k := range r.keys {
		if chain.KeyAddress(k) != a {
			return k
		}
	}
	return nil
}

// TestStakeRules: a PoS chain accepts its leaders' slot blocks and
// refuses, by rule, a missing or forged seal, a slot not after the
// parent's, a time off the slot's start, a block signed by a validator
// that does not lead the slot, a stake of nothing, bad double-sign proofs
// and a proof-of-work block.
func TestStakeRules(t *testing.T) {
	r := newStakeRoom(t, chain.EnginePoS, 3)
	b1 := r.produce(t)
	p := r.c.Params()
	tip := func() *chain.Block { return r.c.Tip().Block }
	cases := []struct {
		name       string
		build      func() *chain.Block
		rule       error
		have, want string
	}{
		{"no seal", func() *chain.Block {
			s, k := r.nextSlot(t)
			b := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			b.Seal = nil
			return b
		}, chain.ErrBadBlockSig, "", ""},
		{"a forged signature", func() *chain.Block {
			s, k := r.nextSlot(t)
			b := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			b.Seal.Sig[3] ^= 1
			return b
		}, chain.ErrBadBlockSig, "", ""},
		{"signed by one key, naming another", func() *chain.Block {
			s, k := r.nextSlot(t)
			b := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			b.Seal.Producer = r.nonLeader(s).Public().(ed25519.PublicKey)
			return b
		}, chain.ErrBadBlockSig, "", ""},
		{"the parent's slot again", func() *chain.Block {
			return chaintest.SlotBlock(r.c, tip(), b1.Header.Nonce, r.keys[0], nil)
		}, chain.ErrWrongSlot, fmt.Sprint(b1.Header.Nonce), "> " + fmt.Sprint(b1.Header.Nonce)},
		{"a time off its slot's start", func() *chain.Block {
			s, k := r.nextSlot(t)
			b := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			b.Header.Time++
			chain.SignSeal(b, r.c.ID(), k)
			return b
		}, chain.ErrWrongSlot, "time", ""},
		{"signed by a validator that does not lead the slot", func() *chain.Block {
			s, _ := r.nextSlot(t)
			return chaintest.SlotBlock(r.c, tip(), s, r.nonLeader(s), nil)
		}, chain.ErrWrongLeader, "leader", ""},
		{"a stake of nothing", func() *chain.Block {
			s, k := r.nextSlot(t)
			return chaintest.SlotBlock(r.c, tip(), s, k, nil, chaintest.Transfer(r.c.ID(), k, chain.StakeAddress, 0, 0, 0))
		}, chain.ErrBadStake, "0", "≥ 1"},
		{"a proof of two slots", func() *chain.Block {
			s, k := r.nextSlot(t)
			x := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			y := chaintest.SlotBlock(r.c, tip(), s+1, k, nil)
			proof := &chain.DoubleSign{Producer: k.Public().(ed25519.PublicKey),
				A: chain.SignedHeader{Header: x.Header, Sig: x.Seal.Sig}, B: chain.SignedHeader{Header: y.Header, Sig: y.Seal.Sig}}
			return chaintest.SlotBlock(r.c, tip(), s, k, []*chain.DoubleSign{proof})
		}, chain.ErrBadProof, "", ""},
		{"a proof of one header twice", func() *chain.Block {
			s, k := r.nextSlot(t)
			x := chaintest.SlotBlock(r.c, tip(), s, k, nil)
			sh := chain.SignedHeader{Header: x.Header, Sig: x.Seal.Sig}
			proof := &chain.DoubleSign{Producer: k.Public().(ed25519.PublicKey), A: sh, B: sh}
			return chaintest.SlotBlock(r.c, tip(), s, k, []*chain.DoubleSign{proof})
		}, chain.ErrBadProof, "", ""},
		{"a proof-of-work block", func() *chain.Block {
			return chaintest.NextBlockAt(r.c, tip(), p.SlotTime(r.c.TipSlot()+1), chaintest.Addr(1))
		}, chain.ErrBadVersion, "1", "3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := r.c.Tip()
			b := tc.build()
			st, err := r.c.ProcessBlock(b, chaintest.Now(p))
			require.Equal(t, chain.StatusRejected, st)
			require.ErrorIs(t, err, tc.rule)
			var re *chain.RuleError
			require.ErrorAs(t, err, &re)
			switch tc.have {
			case "":
			case "leader": // Have the signer, Want the slot's leader
				leader, _ := r.c.SlotLeader(b.Header.Nonce)
				require.Equal(t, chain.AddressOf(b.Seal.Producer).String(), re.Have)
				require.Equal(t, leader.String(), re.Want)
			case "time": // a time one ms after its slot's start
				require.Equal(t, fmt.Sprint(b.Header.Time), re.Have)
				require.Equal(t, fmt.Sprint(b.Header.Time-1), re.Want)
			default:
				require.Equal(t, tc.have, re.Have)
				require.Equal(t, tc.want, re.Want)
			}
			require.Equal(t, before.Hash, r.c.Tip().Hash, "nothing changed")
			_, stored := r.c.BlockByHash(b.Hash())
			require.False(t, stored)
		})
	}
	// The leader's own block of that slot is still welcome.
	r.produce(t)
}

// TestDoubleSignIsSlashed: a leader that signs two blocks of its slot
// (nothing at stake: it signs on both branches) is caught by the chain,
// the next leader's block applies the proof, the validator's stake is
// gone, its next drawn slot stays empty (its block refused as
// slashed-validator), the same proof can't be applied twice and the
// slashed key can't stake again.
func TestDoubleSignIsSlashed(t *testing.T) {
	r := newStakeRoom(t, chain.EnginePoS, 3)
	now := chaintest.Now(r.c.Params())
	r.produce(t)
	parent := r.c.Tip().Block
	s, cheat := r.nextSlot(t)
	cheater := chain.KeyAddress(cheat)
	a := chaintest.SlotBlock(r.c, parent, s, cheat, nil)
	b := chaintest.SlotBlock(r.c, parent, s, cheat, nil, chaintest.Post(r.c.ID(), cheat, "", "the other branch", 0, 0))
	for _, x := range []*chain.Block{a, b} {
		_, err := r.c.ProcessBlock(x, now)
		require.NoError(t, err)
	}
	proofs := r.c.DoubleSigns()
	require.Len(t, proofs, 1)
	require.Equal(t, cheater, chain.AddressOf(proofs[0].Producer))

	// Honest leaders build on; the first whose slot comes applies it.
	for i := 0; r.c.StakeOf(cheater).Stake > 0; i++ {
		require.Less(t, i, 20, "the proof is applied by the next honest leader")
		s, k := r.nextSlot(t)
		if chain.KeyAddress(k) == cheater {
			blk, err := r.c.NewSlotBlock(k, nil, s, nil)
			require.NoError(t, err)
			_, err = r.c.ProcessBlock(blk, now)
			require.NoError(t, err)
			continue
		}
		r.produce(t)
	}
	require.Equal(t, chain.StakeAccount{Slashed: true}, r.c.StakeOf(cheater))
	require.Empty(t, r.c.DoubleSigns(), "applied: nobody left to slash")

	// The slashed validator's next drawn slot: it may not sign it.
	var slot uint64
	for x := r.c.TipSlot() + 1; slot == 0; x++ {
		require.Less(t, x, r.c.TipSlot()+200, "the cheater is drawn within two epochs")
		if a, ok := r.c.SlotLeader(x); a == cheater {
			require.False(t, ok)
			slot = x
		}
	}
	_, err := r.c.NewSlotBlock(cheat, nil, slot, nil)
	require.ErrorIs(t, err, chain.ErrSlashed)
	st, err := r.c.ProcessBlock(chaintest.SlotBlock(r.c, r.c.Tip().Block, slot, cheat, nil), now)
	require.Equal(t, chain.StatusRejected, st)
	require.ErrorIs(t, err, chain.ErrSlashed)

	// The proof again: nothing left to slash.
	s2, k2 := r.nextSlot(t)
	st, err = r.c.ProcessBlock(chaintest.SlotBlock(r.c, r.c.Tip().Block, s2, k2, proofs), now)
	require.Equal(t, chain.StatusRejected, st)
	require.ErrorIs(t, err, chain.ErrBadProof)
	require.ErrorIs(t, r.c.CheckStakeTx(chaintest.Transfer(r.c.ID(), cheat, chain.StakeAddress, 10, 0, 0)), chain.ErrSlashed)
}

// TestStakeLocksCoinsAndGrowsTheDraw: a stake transaction moves coins out
// of the balance into stake; two epochs later the staker leads slots.
func TestStakeLocksCoinsAndGrowsTheDraw(t *testing.T) {
	r := newStakeRoom(t, chain.EnginePoS, 1)
	id := r.c.ID()
	student := chaintest.Key(7)
	r.produce(t, chaintest.Transfer(id, r.keys[0], chain.KeyAddress(student), 40, 0, 0))
	require.ErrorIs(t, r.c.CheckStakeTx(chaintest.Transfer(id, student, chain.StakeAddress, 0, 0, 0)), chain.ErrBadStake)
	r.produce(t, chaintest.Transfer(id, student, chain.StakeAddress, 30, 0, 0))
	require.Equal(t, uint64(10), r.c.Balance(chain.KeyAddress(student)).Balance)
	require.Equal(t, uint64(30), r.c.StakeOf(chain.KeyAddress(student)).Stake)
	require.Equal(t, uint64(30), r.c.Balance(chain.StakeAddress).Balance, "the coins are locked in the stake account")

	r.keys = append(r.keys, student)
	led := 0
	for range 40 {
		if chain.KeyAddress(r.produceAny(t)) == chain.KeyAddress(student) {
			led++
		}
	}
	require.Positive(t, led, "30 of 130 coins of stake lead about a quarter of the slots")
}

// produceAny is produce, returning the leader's key.
func (r *stakeRoom) produceAny(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k := r.nextSlot(t)
	r.produce(t)
	return k
}

// TestStakeBlockEncoding: a PoS block with a seal and a proof encodes,
// decodes and goes through JSON unchanged; its seal is not hashed.
func TestStakeBlockEncoding(t *testing.T) {
	r := newStakeRoom(t, chain.EnginePoS, 2)
	s, k := r.nextSlot(t)
	x := chaintest.SlotBlock(r.c, r.c.Genesis(), s, k, nil)
	y := chaintest.SlotBlock(r.c, r.c.Genesis(), s, k, nil, chaintest.Post(r.c.ID(), k, "", "y", 0, 0))
	proof := &chain.DoubleSign{Producer: k.Public().(ed25519.PublicKey),
		A: chain.SignedHeader{Header: x.Header, Sig: x.Seal.Sig}, B: chain.SignedHeader{Header: y.Header, Sig: y.Seal.Sig}}
	b := chaintest.SlotBlock(r.c, r.c.Genesis(), s, k, []*chain.DoubleSign{proof})
	enc := b.Encode()
	got, err := chain.DecodeBlock(enc)
	require.NoError(t, err)
	require.Equal(t, b, got)
	require.Equal(t, enc, got.Encode())
	data, err := b.MarshalJSON()
	require.NoError(t, err)
	var j chain.Block
	require.NoError(t, j.UnmarshalJSON(data))
	require.Equal(t, b, &j)
	h := b.Hash()
	b.Seal = nil
	require.Equal(t, h, b.Hash())
	_, err = chain.DecodeBlock(append(enc[:chain.HeaderSize:chain.HeaderSize], 2))
	require.Error(t, err, "a bad seal marker")
}

// TestStakeParams: the stake engines' parameters are checked, and the
// new fields are refused in other rooms (whose genesis is unchanged).
func TestStakeParams(t *testing.T) {
	good := chaintest.StakeParams(chain.EnginePoS, 2)
	require.NoError(t, good.Validate())
	require.NoError(t, chaintest.StakeParams(chain.EngineDPoS, 3).Validate())
	for name, f := range map[string]func(p *chain.Params){
		"no validators":         func(p *chain.Params) { p.Validators = "" },
		"no genesis stake":      func(p *chain.Params) { p.GenesisStake = 0 },
		"difficulty 2":          func(p *chain.Params) { p.Difficulty = 2 },
		"a drift of two slots":  func(p *chain.Params) { p.MaxFutureDriftMs = 2 * p.BlockTimeMs },
		"an epoch of one slot":  func(p *chain.Params) { p.EpochSlots = 1 },
		"delegates in PoS":      func(p *chain.Params) { p.Delegates = 3 },
		"a repeated validator":  func(p *chain.Params) { p.Validators += "," + p.Validators[:64] },
		"seats in a stake room": func(p *chain.Params) { p.Seats = p.Validators },
	} {
		p := good
		f(&p)
		require.Error(t, p.Validate(), name)
	}
	pow := chain.TestParams
	pow.GenesisStake = 1
	require.Error(t, pow.Validate())
	require.NotContains(t, string(chain.TestParams.CanonicalJSON()), "validators")
}
