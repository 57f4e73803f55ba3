package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// testNet is an in-memory room of nodes.
type testNet struct {
	mn    *MemNetwork
	nodes []*Node
	ids   []string
}

func newTestNet(t *testing.T, k int) *testNet {
	t.Helper()
	tn := &testNet{mn: NewMemNetwork()}
	for i := range k {
		n := newTestNode(t, fmt.Sprintf("n%d", i))
		tr := tn.mn.Join(n.Name())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = n.Run(ctx, tr) }()
		t.Cleanup(func() { cancel(); <-done })
		tn.nodes = append(tn.nodes, n)
		tn.ids = append(tn.ids, ID(tr))
	}
	require.Eventually(t, func() bool {
		for _, n := range tn.nodes {
			if len(n.Peers()) != k-1 {
				return false
			}
		}
		return true
	}, 5*time.Second, 5*time.Millisecond, "nodes never all joined")
	return tn
}

// converged waits until every node in group has the same tip as the first.
func converged(t *testing.T, group []*Node) {
	t.Helper()
	require.Eventually(t, func() bool {
		want := group[0].Chain().Tip().Hash
		for _, n := range group[1:] {
			if n.Chain().Tip().Hash != want {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "nodes did not converge")
}

// pending waits until tx reached n's mempool.
func pending(t *testing.T, n *Node, tx *chain.Tx) {
	t.Helper()
	require.Eventually(t, func() bool { return n.Mempool().Has(tx.ID()) }, 5*time.Second, 5*time.Millisecond)
}

func mine(t *testing.T, n *Node) *chain.Block {
	t.Helper()
	b, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	return b
}

func TestRandomMiningConverges(t *testing.T) {
	for _, k := range []int{3, 10} {
		t.Run(fmt.Sprintf("%d nodes", k), func(t *testing.T) {
			tn := newTestNet(t, k)
			r := rand.New(rand.NewPCG(1, uint64(k)))
			for range 4 * k {
				mine(t, tn.nodes[r.IntN(k)])
			}
			// Ties of equal work keep the first-seen tip; one more block breaks them.
			converged(t, tn.nodes[:1])
			time.Sleep(50 * time.Millisecond)
			mine(t, tn.nodes[0])
			converged(t, tn.nodes)
			for _, n := range tn.nodes {
				require.Equal(t, tn.nodes[0].Chain().Accounts(), n.Chain().Accounts(), "balances differ on %s", n.Name())
			}
		})
	}
}

// TestPartitionHeals splits a room in two halves that both mine and send
// transfers; after healing every node follows the branch with the most
// work, the losing branch's transfers are back in its mempools, no
// transaction is lost or counted twice, and balances agree everywhere.
func TestPartitionHeals(t *testing.T) {
	tn := newTestNet(t, 6)
	a, b := tn.nodes[:3], tn.nodes[3:]
	// Before the split: both sides' first nodes own coins.
	mine(t, a[0])
	converged(t, tn.nodes)
	mine(t, b[0])
	converged(t, tn.nodes)

	tn.mn.Partition(tn.ids[:3]...)
	require.Eventually(t, func() bool { return len(a[0].Peers()) == 2 && len(b[0].Peers()) == 2 }, 5*time.Second, 5*time.Millisecond)

	dest := chain.KeyAddress(chain.GenerateKey())
	txA, err := a[0].Send(dest, 7, 1, "paid on side A")
	require.NoError(t, err)
	pending(t, a[1], txA)
	mine(t, a[1]) // side A: 1 block, with txA
	converged(t, a)
	txB, err := b[0].Send(dest, 11, 2, "paid on side B")
	require.NoError(t, err)
	pending(t, b[1], txB)
	for range 3 { // side B: 3 blocks, more work
		mine(t, b[1])
	}
	converged(t, b)
	require.Equal(t, uint64(7), a[2].Chain().Balance(dest).Balance)
	require.Equal(t, uint64(11), b[2].Chain().Balance(dest).Balance)

	tn.mn.Heal()
	converged(t, tn.nodes)
	tip := tn.nodes[0].Chain().Tip()
	require.Equal(t, b[0].Chain().Tip().Hash, tip.Hash, "the heavier branch wins")

	for _, n := range a {
		require.True(t, n.Mempool().Has(txA.ID()), "%s lost the losing branch's transfer", n.Name())
	}
	// No transaction twice, none lost: each is on the best chain once, or pending.
	seen := map[chain.Hash]int{}
	for _, blk := range tn.nodes[0].Chain().MainChain() {
		for _, tx := range blk.Txs {
			seen[tx.ID()]++
		}
	}
	require.Equal(t, 1, seen[txB.ID()])
	require.Equal(t, 0, seen[txA.ID()])
	for id, k := range seen {
		require.Equal(t, 1, k, "tx %s confirmed %d times", id.Short(), k)
	}
	for _, n := range tn.nodes {
		require.Equal(t, tn.nodes[0].Chain().Accounts(), n.Chain().Accounts(), "balances differ on %s", n.Name())
	}
	// Mining on the winning chain confirms the returned transfer.
	blk := mine(t, a[0])
	converged(t, tn.nodes)
	require.Contains(t, blk.TxIDs(), txA.ID())
	require.Equal(t, uint64(18), tn.nodes[5].Chain().Balance(dest).Balance)
}

// TestAnnouncedOnce checks there is no echo: a block and a transaction
// cross the room once, from the node that made them.
func TestAnnouncedOnce(t *testing.T) {
	tn := newTestNet(t, 5)
	mine(t, tn.nodes[0])
	converged(t, tn.nodes)
	tx, err := tn.nodes[0].Send(chain.KeyAddress(chain.GenerateKey()), 1, 1, "")
	require.NoError(t, err)
	for _, n := range tn.nodes {
		pending(t, n, tx)
	}
	time.Sleep(100 * time.Millisecond) // let any echo happen
	require.Equal(t, 1, tn.mn.Sent(TypeBlock))
	require.Equal(t, 1, tn.mn.Sent(TypeTx))
	require.Zero(t, tn.mn.Sent(TypeGetBlocks), "peers already had everything")
}

// TestReconnectCatchesUp drops a node from the room while others mine; it
// catches up by itself when it joins again.
func TestReconnectCatchesUp(t *testing.T) {
	tn := newTestNet(t, 2)
	late := newTestNode(t, "late")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = late.Run(ctx, tn.mn.Join("late")) }()
	mine(t, tn.nodes[0])
	converged(t, append(tn.nodes, late))
	cancel() // Wi-Fi drops
	<-done
	for range 3 {
		mine(t, tn.nodes[1])
	}
	runOn(t, tn.mn, late) // back again
	converged(t, append(tn.nodes, late))
	require.Equal(t, uint64(4), late.Chain().Tip().Height)
}

// TestOtherGenesisIsRefused: a node of another room (other parameters,
// so another genesis) is reported and never synced from.
func TestOtherGenesisIsRefused(t *testing.T) {
	mn := NewMemNetwork()
	a := newTestNode(t, "a")
	p := chain.TestParams
	p.Name = "other room"
	c, err := chain.New(chain.Config{Params: p})
	require.NoError(t, err)
	stranger, err := New(Config{Chain: c, Key: chain.GenerateKey(), Name: "stranger", Miner: ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	mine(t, stranger) // more work than a, on another chain
	rules := make(chan string, 16)
	a.Subscribe(func(ev Event) {
		if ev.Kind == EventRejected {
			rules <- ev.Code
		}
	})
	runOn(t, mn, a)
	runOn(t, mn, stranger)
	select {
	case rule := <-rules:
		require.Equal(t, chain.ErrBadGenesis.Code(), rule)
	case <-time.After(5 * time.Second):
		t.Fatal("the other chain's hello was not reported")
	}
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, uint64(0), a.Chain().Tip().Height)
	require.Zero(t, mn.Sent(TypeGetBlocks), "nobody asked the stranger for blocks")
}

// TestLostAnswerIsAskedAgain: the blocks answer to a newcomer is lost on
// the way; the newcomer notices a peer is still ahead and asks again.
func TestLostAnswerIsAskedAgain(t *testing.T) {
	tn := newTestNet(t, 1)
	var last *chain.Block
	for range 3 {
		last = mine(t, tn.nodes[0])
	}
	tn.mn.Drop(TypeBlocks, 1)
	late := newTestNode(t, "late")
	runOn(t, tn.mn, late)
	require.Eventually(t, func() bool { return late.Chain().Tip().Hash == last.Hash() }, 3*resyncEvery*time.Second, 20*time.Millisecond,
		"the newcomer never asked again")
	require.GreaterOrEqual(t, tn.mn.Sent(TypeGetBlocks), 2)
}

// TestNewcomerDownloadsOnce: a newcomer to a room of five synced nodes
// asks one of them for the chain, not all five.
func TestNewcomerDownloadsOnce(t *testing.T) {
	tn := newTestNet(t, 5)
	var last *chain.Block
	for range 10 {
		last = mine(t, tn.nodes[0])
	}
	converged(t, tn.nodes)
	before := tn.mn.Sent(TypeGetBlocks)
	late := newTestNode(t, "late")
	runOn(t, tn.mn, late)
	waitTip(t, late, last.Hash())
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, 1, tn.mn.Sent(TypeGetBlocks)-before, "one getblocks: one peer answers")
}
