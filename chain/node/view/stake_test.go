package view_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// signSlots has the leader of every slot in [from, to) sign its block on
// n's chain, except the slots led by skip (missed).
func signSlots(t *testing.T, n *node.Node, clock *nodetest.FakeClock, keys []ed25519.PrivateKey, from, to uint64, skip chain.Address) {
	t.Helper()
	c := n.Chain()
	byAddr := map[chain.Address]ed25519.PrivateKey{}
	for _, k := range keys {
		byAddr[chain.KeyAddress(k)] = k
	}
	for s := from; s < to; s++ {
		clock.Set(time.UnixMilli(c.Params().SlotTime(s)))
		leader, ok := c.SlotLeader(s)
		if !ok || leader == skip {
			continue
		}
		b, err := c.NewSlotBlock(byAddr[leader], n.Mempool().Select(10), s, nil)
		require.NoError(t, err)
		require.NoError(t, n.SubmitBlock(b))
	}
}

// TestStakeViewSharesMissedAndNextSlots: a PoS room of three validators
// where validator 2 misses its slots: the snapshot names the slot's
// leader, every validator's stake share, signed and missed slots (the
// missed ones all validator 2's), block shares that add up to one, this
// wallet's next slots (each led by it), a stake transaction shown as
// one (not a post), and the stake it locked; a proof-of-work room has no
// stake part.
func TestStakeViewSharesMissedAndNextSlots(t *testing.T) {
	p := chaintest.StakeParams(chain.EnginePoS, 3)
	keys := chaintest.ValidatorKeys(3)
	clock := nodetest.NewFakeClock(time.UnixMilli(p.SlotTime(1)))
	n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, p), Clock: clock, Key: keys[0], Name: "Vera"})
	m := view.New(n, view.Config{Clock: clock})
	defer m.Close()
	lazy := chain.KeyAddress(keys[2])

	signSlots(t, n, clock, keys, 1, 20, lazy)
	// Vera locks 30 of her rewards as stake; the next leader takes it.
	require.Greater(t, n.Chain().Balance(n.Address()).Balance, uint64(30), "Vera led a slot")
	tx, err := n.Send(chain.StakeAddress, 30, 0, "")
	require.NoError(t, err)
	signSlots(t, n, clock, keys, 20, 30, lazy)
	require.Equal(t, uint64(130), n.Chain().StakeOf(n.Address()).Stake, "the stake transaction is in a block")
	clock.Set(time.UnixMilli(p.SlotTime(30) + 10))

	s := m.Snapshot().Stake
	require.NotNil(t, s)
	require.Equal(t, chain.EnginePoS, s.Engine)
	require.Equal(t, uint64(30), s.Slot)
	require.Equal(t, uint64(330), s.Total)
	require.Len(t, s.Validators, 3)
	leader, _ := n.Chain().SlotLeader(30)
	require.Equal(t, leader.String(), s.Leader)
	var share, blockShare float64
	signed, missed := 0, 0
	for _, v := range s.Validators {
		share += v.Share
		blockShare += v.BlockShare
		signed += v.Signed
		missed += v.Missed
		require.Equal(t, v.Led, v.Signed+v.Missed, "%s", v.Address)
		if v.Address == lazy.String() {
			require.Zero(t, v.Signed, "the lazy validator signed nothing")
			require.Positive(t, v.Missed)
		} else {
			require.Zero(t, v.Missed, "%s missed nothing", v.Address)
		}
		require.GreaterOrEqual(t, v.Genesis, 0)
	}
	require.InDelta(t, 1, share, 1e-9)
	require.InDelta(t, 1, blockShare, 1e-9)
	require.Equal(t, s.Blocks, signed)
	require.Equal(t, s.Window, signed+missed, "every recent slot had a leader")
	require.Empty(t, s.Majority, "nobody holds more than half")

	require.NotNil(t, s.Me)
	require.Equal(t, uint64(130), s.Me.Stake)
	require.Equal(t, "Vera", s.Me.Name)
	require.NotEmpty(t, s.Next)
	for _, x := range s.Next {
		a, ok := n.Chain().SlotLeader(x.Slot)
		require.True(t, ok)
		require.Equal(t, n.Address(), a, "slot %d", x.Slot)
		require.GreaterOrEqual(t, x.Slot, s.Slot)
	}

	snap := m.Snapshot()
	for _, post := range snap.Posts {
		require.NotEqual(t, tx.ID().String(), post.ID, "a stake transaction is not a post")
	}
	found := false
	for _, h := range snap.Wallet.History {
		if h.ID == tx.ID().String() {
			found = true
			require.Equal(t, view.TxStake, h.Dir)
			require.Equal(t, view.TxStake, h.Kind)
		}
	}
	require.True(t, found, "the stake transaction is in the history")

	pow := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, chaintest.Params())})
	mp := view.New(pow, view.Config{})
	defer mp.Close()
	require.Nil(t, mp.Snapshot().Stake)
}

// TestStakeViewMajorityAndVotes: one account holding more than half of
// the stake is named; in DPoS the ranking, the producers and each
// account's vote are shown.
func TestStakeViewMajorityAndVotes(t *testing.T) {
	p := chaintest.StakeParams(chain.EnginePoS, 1)
	clock := nodetest.NewFakeClock(time.UnixMilli(p.SlotTime(3)))
	n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, p), Clock: clock, Key: chaintest.ValidatorKey(0)})
	m := view.New(n, view.Config{Clock: clock})
	defer m.Close()
	s := m.Snapshot().Stake
	require.Equal(t, n.Address().String(), s.Majority, "the only validator holds all the stake")

	d := chaintest.StakeParams(chain.EngineDPoS, 3)
	d.Delegates = 2
	keys := chaintest.ValidatorKeys(3)
	clock = nodetest.NewFakeClock(time.UnixMilli(d.SlotTime(1)))
	n = nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, d), Clock: clock, Key: keys[0]})
	md := view.New(n, view.Config{Clock: clock})
	defer md.Close()
	sd := md.Snapshot().Stake
	require.Equal(t, chain.EngineDPoS, sd.Engine)
	require.Len(t, sd.Validators, 3)
	producers := 0
	for i, v := range sd.Validators {
		require.Equal(t, i+1, v.Rank, "ranked in order")
		require.True(t, v.Candidate)
		require.Equal(t, uint64(100), v.Votes)
		require.Equal(t, v.Address, v.Vote, "a genesis delegate votes for itself")
		if v.Producer {
			producers++
		}
	}
	require.Equal(t, 2, producers, "the top N produce")
}

// TestFigures: a PoS room's figures for the engines' comparison: the
// block rate of its one-second slots less the missed ones, finality after
// six blocks, no hashes, and shares of blocks that follow stake within
// the gap measured; a proof-of-work chain costs its difficulty in hashes
// a block and, with nobody reporting a hash rate, has no gap measured.
func TestFigures(t *testing.T) {
	p := chaintest.StakeParams(chain.EnginePoS, 3)
	keys := chaintest.ValidatorKeys(3)
	clock := nodetest.NewFakeClock(time.UnixMilli(p.SlotTime(1)))
	n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, p), Clock: clock, Key: keys[0]})
	signSlots(t, n, clock, keys, 1, 40, chain.Address{})
	f := view.Figures(n, "pos-room", nil, clock.Now().UnixMilli())
	require.Equal(t, chain.EnginePoS, f.Engine)
	require.Equal(t, view.PowerStake, f.Power)
	require.Equal(t, 3, f.Participants)
	require.Equal(t, 38, f.Blocks, "39 blocks, one a slot")
	require.Equal(t, p.BlockTimeMs, f.BlockMs)
	require.InDelta(t, 60000/float64(p.BlockTimeMs), f.BlocksPerMin, 1e-6)
	require.Equal(t, 6, f.FinalBlocks)
	require.Equal(t, 6*p.BlockTimeMs, f.FinalityMs)
	require.Zero(t, f.HashesPerBlock)
	require.GreaterOrEqual(t, f.Gap, 0.0)
	require.Less(t, f.Gap, 1.0)
	require.Len(t, f.Top, 3)
	var blocks float64
	for _, s := range f.Top {
		require.InDelta(t, 1.0/3, s.Power, 1e-9)
		blocks += s.Blocks
	}
	require.InDelta(t, 1, blocks, 1e-9)

	pow := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, chaintest.Params()), Clock: clock})
	for range 3 {
		_, err := pow.MineBlock(context.Background())
		require.NoError(t, err)
	}
	g := view.Figures(pow, "pow-room", nil, clock.Now().UnixMilli())
	require.Equal(t, view.PowerHash, g.Power)
	require.Equal(t, float64(chaintest.Params().Difficulty), g.HashesPerBlock)
	require.Equal(t, -1.0, g.Gap, "nobody reports a hash rate")
}
