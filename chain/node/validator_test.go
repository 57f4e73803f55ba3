package node_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// stakeNet starts a stake room of n validator nodes (the genesis
// validators' keys) and one follower on a MemNetwork, each validator
// running ValidatorLoop.
func stakeNet(t *testing.T, engine string, n int) (*nodetest.Net, []*node.Node) {
	t.Helper()
	return stakeNetControl(t, engine, n, nil)
}

// stakeNetControl is stakeNet whose nodes obey controls signed by ctl
// (when not nil).
func stakeNetControl(t *testing.T, engine string, n int, ctl ed25519.PublicKey) (*nodetest.Net, []*node.Node) {
	t.Helper()
	return stakeNetParams(t, chaintest.StakeParams(engine, n), n, ctl)
}

// stakeNetParams is stakeNetControl for a room of parameters p (whose
// genesis validators are ValidatorKeys(n)).
func stakeNetParams(t *testing.T, p chain.Params, n int, ctl ed25519.PublicKey) (*nodetest.Net, []*node.Node) {
	t.Helper()
	p.GenesisTime = nodetest.Epoch.UnixMilli() - 10*p.BlockTimeMs
	tn := nodetest.NewNet(t, 0)
	var nodes []*node.Node
	for i := range n + 1 {
		cfg := node.Config{Chain: chaintest.New(t, p), Clock: tn.Clock, Name: fmt.Sprintf("v%d", i), ControlKey: ctl}
		if i < n {
			cfg.Key = chaintest.ValidatorKey(i)
		} else {
			cfg.Name = "follower"
		}
		nd := nodetest.NewNode(t, cfg)
		tn.Start(nd)
		nodes = append(nodes, nd)
	}
	tn.Settle()
	for _, nd := range nodes[:n] {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- nd.ValidatorLoop(ctx) }()
		t.Cleanup(func() { cancel(); require.ErrorIs(t, <-done, context.Canceled) })
	}
	return tn, nodes
}

// slots advances the clock k slots, letting the validators sign and the
// blocks travel after each.
func slots(t *testing.T, tn *nodetest.Net, nodes []*node.Node, k int) {
	t.Helper()
	d := time.Duration(nodes[0].Chain().Params().BlockTimeMs) * time.Millisecond
	for range 10 * k { // tenths of a slot: a loop a little late still wakes in its slot
		w := tn.Clock.Waiters()
		tn.Clock.Advance(d / 10)
		tn.Settle()
		// The loops the tick woke wait on the clock again once they have
		// signed and sent (bounded: a one-shot timer that fired is not
		// armed again).
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		_ = tn.Clock.AwaitWaiters(ctx, w)
		cancel()
		tn.Settle()
	}
}

// agreeBelowTip waits until every node has the same block one below the
// lowest tip: two blocks at the tip's height (one signed before the
// other arrived, a loaded machine's honest fork) tie, each node keeps the
// one it saw first, and the next slot's block settles it.
func agreeBelowTip(t *testing.T, nodes []*node.Node) {
	t.Helper()
	require.Eventually(t, func() bool {
		h := nodes[0].Chain().Tip().Height
		for _, n := range nodes {
			h = min(h, n.Chain().Tip().Height)
		}
		want, _ := nodes[0].Chain().BlockAtHeight(h - 1)
		for _, n := range nodes {
			if b, ok := n.Chain().BlockAtHeight(h - 1); !ok || b.Hash() != want.Hash() {
				return false
			}
		}
		return true
	}, nodetest.Wait, 10*time.Millisecond, "the nodes disagree below their tips")
}

// TestValidatorsProduceWithoutMining: in a PoS room three validator nodes
// sign the blocks of their slots on the clock, a follower gets them all,
// every node agrees, the blocks come from more than one validator, one a
// slot at most, and nobody computed a hash.
func TestValidatorsProduceWithoutMining(t *testing.T) {
	tn, nodes := stakeNet(t, chain.EnginePoS, 3)
	slots(t, tn, nodes, 12)
	agreeBelowTip(t, nodes)
	c := nodes[3].Chain()
	require.GreaterOrEqual(t, c.Tip().Height, uint64(8), "a block for (nearly) every one of 12 slots: a block still on its way when the next leader signs makes an honest fork")
	producers := map[chain.Address]int{}
	last := uint64(0)
	for _, b := range c.MainChain()[1:] {
		require.Greater(t, b.Header.Nonce, last, "one block a slot")
		last = b.Header.Nonce
		producers[chain.AddressOf(b.Seal.Producer)]++
		require.Equal(t, chain.AddressOf(b.Seal.Producer), b.Txs[0].To, "the reward goes to the leader")
	}
	require.Greater(t, len(producers), 1)
	for _, n := range nodes {
		require.Zero(t, n.Hashes(), "%s mined", n.Name())
	}
	missed := 0
	for _, r := range c.RecentSlots(tn.Clock.Now().UnixMilli(), 10) {
		if r.Missed() {
			missed++
		}
	}
	require.LessOrEqual(t, missed, 2, "of the last 10 slots")
}

// TestDPoSDelegatesTakeTurns: the DPoS producers sign in the ranking's
// order, one slot each.
func TestDPoSDelegatesTakeTurns(t *testing.T) {
	tn, nodes := stakeNet(t, chain.EngineDPoS, 3)
	slots(t, tn, nodes, 7)
	agreeBelowTip(t, nodes)
	c := nodes[0].Chain()
	ranking := c.Delegates()
	for _, b := range c.MainChain()[1:] {
		want := ranking[b.Header.Nonce%3].Address
		require.Equal(t, want, chain.AddressOf(b.Seal.Producer), "slot %d", b.Header.Nonce)
	}
	require.GreaterOrEqual(t, c.Tip().Height, uint64(5))
}

// TestValidatorLoopRefusesOtherRooms: no validator loop in a PoW room.
func TestValidatorLoopRefusesOtherRooms(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{Chain: chaintest.New(t, chaintest.Params())})
	require.ErrorIs(t, n.ValidatorLoop(context.Background()), node.ErrNotStakeRoom)
}

// faultControl is a signed fault control for genesis validator i of the
// room of nodes.
func faultControl(t *testing.T, key ed25519.PrivateKey, nodes []*node.Node, seq uint64, i int, fault string) node.Message {
	t.Helper()
	p := nodes[0].Chain().Params()
	body, err := node.SignControl(key, node.Control{Room: p.Name, Epoch: p.Epoch, Seq: seq, Time: 1, Op: node.CodeControlFault,
		State: node.ControlState{Faults: map[int]string{i: fault}}})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", body)
	require.NoError(t, err)
	return m
}

// TestDoubleSigningValidatorIsSlashed: the teacher's double-sign fault
// makes genesis validator 0 sign two blocks of a slot it leads; the
// others see both, a later leader's block carries the proof, and on
// every node validator 0's stake is gone and it leads no more slots.
func TestDoubleSigningValidatorIsSlashed(t *testing.T) {
	key := chain.GenerateKey()
	tn, nodes := stakeNetControl(t, chain.EnginePoS, 3, key.Public().(ed25519.PublicKey))
	cheat := nodes[0].Address()
	tn.Announce(faultControl(t, key, nodes, 1, 0, node.FaultDoubleSign))
	tn.Settle()
	require.Eventually(t, func() bool {
		slots(t, tn, nodes, 1)
		return nodes[3].Chain().StakeOf(cheat).Slashed
	}, nodetest.Wait, time.Millisecond, "validator 0 was never slashed")
	var proof *chain.Block
	for _, b := range nodes[3].Chain().MainChain()[1:] {
		if len(b.Seal.Proofs) > 0 {
			proof = b
		}
	}
	require.NotNil(t, proof, "a main-chain block carries the double-sign proof")
	require.Equal(t, cheat, chain.AddressOf(proof.Seal.Proofs[0].Producer))
	require.NotEqual(t, cheat, chain.AddressOf(proof.Seal.Producer), "another leader reported it")
	slots(t, tn, nodes, 6)
	agreeBelowTip(t, nodes)
	for _, n := range nodes {
		require.True(t, n.Chain().StakeOf(cheat).Slashed, "%s", n.Name())
		require.Zero(t, n.Chain().StakeOf(cheat).Stake)
	}
	for _, b := range nodes[3].Chain().MainChain() {
		if b.Height() > proof.Height() {
			require.NotEqual(t, cheat, chain.AddressOf(b.Seal.Producer), "a slashed validator signed block %d", b.Height())
		}
	}
}

// TestLazyValidatorMissesItsSlots: under the crash fault genesis
// validator 0 signs nothing: its slots show as missed, the others go on.
func TestLazyValidatorMissesItsSlots(t *testing.T) {
	key := chain.GenerateKey()
	tn, nodes := stakeNetControl(t, chain.EngineDPoS, 3, key.Public().(ed25519.PublicKey))
	lazy := nodes[0].Address()
	tn.Announce(faultControl(t, key, nodes, 1, 0, node.FaultCrash))
	tn.Settle()
	slots(t, tn, nodes, 1) // a block the loops signed as they started, before the control, arrives
	from := nodes[3].Chain().Tip().Height
	slots(t, tn, nodes, 9)
	agreeBelowTip(t, nodes)
	c := nodes[3].Chain()
	require.GreaterOrEqual(t, c.Tip().Height, from+4, "the two others signed on")
	for _, b := range c.MainChain() {
		if b.Height() > from {
			require.NotEqual(t, lazy, chain.AddressOf(b.Seal.Producer), "the lazy delegate signed block %d", b.Height())
		}
	}
	missed := 0
	for _, r := range c.RecentSlots(tn.Clock.Now().UnixMilli(), 6) {
		if r.Missed() && r.Leader == lazy {
			missed++
		}
	}
	require.GreaterOrEqual(t, missed, 1, "its slots show as missed")
}

// TestClassVotesOutALazyDelegate: a DPoS room of seven stakeholders and
// three delegates (the lobby's proportions); a producing delegate goes
// lazy (the teacher's crash fault) and misses its slots; three of the
// stakeholders who produce nothing move their votes to the other
// candidates, and from the round after the votes are in, the lazy
// delegate produces no more: its slots go to the next in the ranking.
func TestClassVotesOutALazyDelegate(t *testing.T) {
	p := chaintest.StakeParams(chain.EngineDPoS, 7)
	p.Delegates = 3
	key := chain.GenerateKey()
	tn, nodes := stakeNetParams(t, p, 7, key.Public().(ed25519.PublicKey))
	c := nodes[7].Chain()
	ranking := c.Delegates()
	require.Len(t, ranking, 7)
	byAddr := map[chain.Address]*node.Node{}
	index := map[chain.Address]int{}
	for i, n := range nodes[:7] {
		byAddr[n.Address()], index[n.Address()] = n, i
	}
	lazy := ranking[2].Address // a producer: the top three produce
	tn.Announce(faultControl(t, key, nodes, 1, index[lazy], node.FaultCrash))
	tn.Settle()
	slots(t, tn, nodes, 6)
	missed := 0
	for _, r := range c.RecentSlots(tn.Clock.Now().UnixMilli(), 6) {
		if r.Missed() {
			require.Equal(t, lazy, r.Leader)
			missed++
		}
	}
	require.Positive(t, missed, "the lazy delegate's slots show as missed")

	// Three voters who are not producers move their stake's votes to the
	// candidates ranked 1, 2 and 4: three candidates now outweigh it.
	for i, to := range []chain.Address{ranking[0].Address, ranking[1].Address, ranking[3].Address} {
		voter := byAddr[ranking[4+i].Address]
		_, err := voter.Send(chain.VoteAddress, 0, 0, to.String())
		require.NoError(t, err)
	}
	tn.Settle()
	require.Eventually(t, func() bool {
		slots(t, tn, nodes, 1)
		for _, d := range c.Delegates()[:3] {
			if d.Address == lazy {
				return false
			}
		}
		return true
	}, nodetest.Wait, time.Millisecond, "the votes never moved the lazy delegate out of the top three: %+v", c.Delegates())
	// Two rounds on, it leads no slot.
	from := c.TipSlot() + 2*uint64(p.Delegates)
	slots(t, tn, nodes, 3*p.Delegates)
	for s := from; s < from+uint64(p.Delegates); s++ {
		if l, ok := c.SlotLeader(s); ok {
			require.NotEqual(t, lazy, l, "slot %d", s)
		}
	}
	for _, r := range c.RecentSlots(tn.Clock.Now().UnixMilli(), p.Delegates) {
		require.NotEqual(t, lazy, r.Leader, "slot %d is still the lazy delegate's", r.Slot)
	}
}
