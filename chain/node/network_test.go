package node_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

var (
	mine      = nodetest.Mine
	converged = nodetest.Converged
	pending   = nodetest.Pending
	waitTip   = nodetest.WaitTip
)

func TestRandomMiningConverges(t *testing.T) {
	for _, k := range []int{3, 10} {
		t.Run(fmt.Sprintf("%d nodes", k), func(t *testing.T) {
			tn := nodetest.NewNet(t, k)
			r := rand.New(rand.NewPCG(1, uint64(k)))
			for range 4 * k {
				mine(t, tn.Nodes[r.IntN(k)])
			}
			// Ties of equal work keep the first-seen tip; one more block,
			// mined once every block has reached everybody, breaks them.
			tn.Settle()
			mine(t, tn.Nodes[0])
			converged(t, tn.Nodes...)
			for _, n := range tn.Nodes {
				require.Equal(t, tn.Nodes[0].Chain().Accounts(), n.Chain().Accounts(), "balances differ on %s", n.Name())
			}
		})
	}
}

// TestPartitionHeals splits a room in two halves that both mine and send
// transfers; after healing every node follows the branch with the most
// work, the losing branch's transfers are back in its mempools, no
// transaction is lost or counted twice, and balances agree everywhere.
func TestPartitionHeals(t *testing.T) {
	tn := nodetest.NewNet(t, 6)
	a, b := tn.Nodes[:3], tn.Nodes[3:]
	// Before the split: both sides' first nodes own coins.
	mine(t, a[0])
	converged(t, tn.Nodes...)
	mine(t, b[0])
	converged(t, tn.Nodes...)

	tn.Partition(tn.IDs[:3]...)
	require.Eventually(t, func() bool { return len(a[0].Peers()) == 2 && len(b[0].Peers()) == 2 }, 5*time.Second, 5*time.Millisecond)

	dest := chain.KeyAddress(chain.GenerateKey())
	txA, err := a[0].Send(dest, 7, 1, "paid on side A")
	require.NoError(t, err)
	pending(t, a[1], txA)
	mine(t, a[1]) // side A: 1 block, with txA
	converged(t, a...)
	txB, err := b[0].Send(dest, 11, 2, "paid on side B")
	require.NoError(t, err)
	pending(t, b[1], txB)
	for range 3 { // side B: 3 blocks, more work
		mine(t, b[1])
	}
	converged(t, b...)
	require.Equal(t, uint64(7), a[2].Chain().Balance(dest).Balance)
	require.Equal(t, uint64(11), b[2].Chain().Balance(dest).Balance)

	tn.Heal()
	converged(t, tn.Nodes...)
	tip := tn.Nodes[0].Chain().Tip()
	require.Equal(t, b[0].Chain().Tip().Hash, tip.Hash, "the heavier branch wins")

	for _, n := range a {
		require.True(t, n.Mempool().Has(txA.ID()), "%s lost the losing branch's transfer", n.Name())
	}
	// No transaction twice, none lost: each is on the best chain once, or pending.
	seen := map[chain.Hash]int{}
	for _, blk := range tn.Nodes[0].Chain().MainChain() {
		for _, tx := range blk.Txs {
			seen[tx.ID()]++
		}
	}
	require.Equal(t, 1, seen[txB.ID()])
	require.Equal(t, 0, seen[txA.ID()])
	for id, k := range seen {
		require.Equal(t, 1, k, "tx %s confirmed %d times", id.Short(), k)
	}
	for _, n := range tn.Nodes {
		require.Equal(t, tn.Nodes[0].Chain().Accounts(), n.Chain().Accounts(), "balances differ on %s", n.Name())
	}
	// Mining on the winning chain confirms the returned transfer.
	blk := mine(t, a[0])
	converged(t, tn.Nodes...)
	require.Contains(t, blk.TxIDs(), txA.ID())
	require.Equal(t, uint64(18), tn.Nodes[5].Chain().Balance(dest).Balance)
}

// TestAnnouncedOnce checks there is no echo: a block and a transaction
// cross the room once, from the node that made them.
func TestAnnouncedOnce(t *testing.T) {
	tn := nodetest.NewNet(t, 5)
	mine(t, tn.Nodes[0])
	converged(t, tn.Nodes...)
	tx, err := tn.Nodes[0].Send(chain.KeyAddress(chain.GenerateKey()), 1, 1, "")
	require.NoError(t, err)
	for _, n := range tn.Nodes {
		pending(t, n, tx)
	}
	tn.Settle() // any echo has been sent by now
	require.Equal(t, 1, tn.Sent(node.TypeBlock))
	require.Equal(t, 1, tn.Sent(node.TypeTx))
	require.Zero(t, tn.Sent(node.TypeGetBlocks), "peers already had everything")
}

// TestReconnectCatchesUp drops a node from the room while others mine; it
// catches up by itself when it joins again.
func TestReconnectCatchesUp(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	late := tn.NewNode("late")
	p := tn.Start(late)
	mine(t, tn.Nodes[0])
	converged(t, append(tn.Nodes, late)...)
	p.Stop() // Wi-Fi drops
	for range 3 {
		mine(t, tn.Nodes[1])
	}
	tn.Start(late) // back again
	converged(t, append(tn.Nodes, late)...)
	require.Equal(t, uint64(4), late.Chain().Tip().Height)
}

// TestOtherGenesisIsRefused: a node of another room (other parameters,
// so another genesis) is reported and never synced from.
func TestOtherGenesisIsRefused(t *testing.T) {
	tn := nodetest.NewNet(t, 0)
	a := tn.NewNode("a")
	p := chain.TestParams
	p.Name = "other room"
	c, err := chain.New(chain.Config{Params: p})
	require.NoError(t, err)
	stranger := nodetest.NewNode(t, node.Config{Chain: c, Name: "stranger", Clock: tn.Clock})
	mine(t, stranger) // more work than a, on another chain
	rules := make(chan string, 16)
	a.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventRejected {
			rules <- ev.Code
		}
	})
	tn.Start(a)
	tn.Start(stranger)
	select {
	case rule := <-rules:
		require.Equal(t, chain.ErrBadGenesis.Code(), rule)
	case <-time.After(5 * time.Second):
		t.Fatal("the other chain's hello was not reported")
	}
	tn.Settle()
	require.Equal(t, uint64(0), a.Chain().Tip().Height)
	require.Zero(t, tn.Sent(node.TypeGetBlocks), "nobody asked the stranger for blocks")
}

// TestLostAnswerIsAskedAgain: the blocks answer to a newcomer is lost on
// the way; the newcomer notices on its clock that a peer is still ahead
// and asks again, after ResyncEvery and not before.
func TestLostAnswerIsAskedAgain(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	var last *chain.Block
	for range 3 {
		last = tn.Mine(tn.Nodes[0]) // announced to nobody
	}
	tn.Drop(node.TypeBlocks, 1)
	late := tn.NewNode("late")
	tn.Start(late)
	tn.Settle()
	require.Equal(t, 1, tn.Sent(node.TypeGetBlocks), "the newcomer asked once")
	require.Equal(t, 1, tn.Sent(node.TypeBlocks), "and the answer was lost")
	require.Equal(t, uint64(0), late.Chain().Tip().Height)

	tick(t, tn, node.ResyncEvery-node.RetryEvery)
	require.Equal(t, 1, tn.Sent(node.TypeGetBlocks), "asked again before ResyncEvery")
	require.Equal(t, uint64(0), late.Chain().Tip().Height)

	tick(t, tn, node.RetryEvery)
	require.Equal(t, last.Hash(), late.Chain().Tip().Hash, "the newcomer never asked again")
	require.Equal(t, 2, tn.Sent(node.TypeGetBlocks))
}

// TestHeldBlockIsRetriedOnTheClock: a block from the future is held, and
// Run connects it on the first tick of the node's clock that brings it
// within the allowed drift, not before.
func TestHeldBlockIsRetriedOnTheClock(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	n := tn.Nodes[0]
	ahead := time.Hour
	drift := time.Duration(chain.TestParams.MaxFutureDriftMs) * time.Millisecond
	b := n.Chain().NewTemplate(n.Address(), nil, tn.Clock.Now().Add(ahead))
	nonce, ok := chain.Mine(context.Background(), b.Header, 0, 1<<20)
	require.True(t, ok)
	b.Header.Nonce = nonce
	held := make(chan struct{}, 1)
	n.Subscribe(func(ev node.Event) {
		if ev.Code == node.CodeStatusHeld {
			held <- struct{}{}
		}
	})
	raw := tn.Join("time traveller")
	m, err := node.NewMessage(node.TypeBlock, tn.IDs[0], b)
	require.NoError(t, err)
	require.NoError(t, raw.Send(context.Background(), m))
	tn.Barrier(raw, tn.IDs[0])
	select {
	case <-held:
	default:
		t.Fatal("the block from the future was not held")
	}

	tick(t, tn, ahead-drift-time.Millisecond) // a tick 1 ms before the block's time comes
	require.Equal(t, uint64(0), n.Chain().Tip().Height, "connected before its time")
	tick(t, tn, node.RetryEvery) // the next tick
	require.Equal(t, b.Hash(), n.Chain().Tip().Hash, "not retried on the tick after its time")
}

// TestNewcomerDownloadsOnce: a newcomer to a room of five synced nodes
// asks one of them for the chain, not all five.
func TestNewcomerDownloadsOnce(t *testing.T) {
	tn := nodetest.NewNet(t, 5)
	var last *chain.Block
	for range 10 {
		last = mine(t, tn.Nodes[0])
	}
	converged(t, tn.Nodes...)
	tn.Settle()
	before := tn.Sent(node.TypeGetBlocks)
	late := tn.NewNode("late")
	tn.Start(late)
	waitTip(t, late, last.Hash())
	tn.Settle()
	require.Equal(t, 1, tn.Sent(node.TypeGetBlocks)-before, "one getblocks: one peer answers")
}

// TestPeersKnowWhereEachOtherIs: a peer that announces a block is at it;
// one that only follows says where it got to in a hello, once per
// ResyncEvery, so every peer list shows real heights.
func TestPeersKnowWhereEachOtherIs(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	a, b := tn.Nodes[0], tn.Nodes[1]
	blk := tn.Mine(a)
	nodetest.WaitTip(t, b, blk.Hash())
	tn.Settle()
	height := func(n *node.Node, id string) uint64 {
		for _, p := range n.PeerStates() {
			if p.ID == id {
				return p.Height
			}
		}
		t.Fatalf("%s does not know %s", n.Name(), id)
		return 0
	}
	require.Equal(t, uint64(1), height(b, tn.IDs[0]), "a announced block 1")
	require.Equal(t, uint64(0), height(a, tn.IDs[1]), "b has said nothing yet")
	hellos := tn.Sent(node.TypeHello)

	tick(t, tn, node.ResyncEvery)
	require.Equal(t, uint64(1), height(a, tn.IDs[1]), "b's hello says it is at block 1")
	require.Equal(t, hellos+2, tn.Sent(node.TypeHello), "both tips moved since their hellos (a's announcement was no hello)")

	tick(t, tn, node.ResyncEvery)
	require.Equal(t, hellos+2, tn.Sent(node.TypeHello), "no hello when the tip stayed")
}

// TestAnnouncementsWhileAnAnswerIsOnItsWay: a peer far ahead announces
// block after block, each an orphan here, while its answer to our
// getblocks is still to come. We ask once, not once per announcement (each
// answer would be the same batch), and once more after the answer.
func TestAnnouncementsWhileAnAnswerIsOnItsWay(t *testing.T) {
	tn := nodetest.NewNet(t, 1)
	n := tn.Nodes[0]
	src := chaintest.New(t, chain.TestParams)
	blocks := chaintest.Extend(t, src, 10, chaintest.Addr(1))

	miner := tn.Join("miner")
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	send := func(typ string, body any) {
		m, err := node.NewMessage(typ, "", body)
		require.NoError(t, err)
		require.NoError(t, miner.Send(ctx, m))
	}
	tip := src.Tip()
	send(node.TypeHello, node.HelloBody{Genesis: src.ID(), Tip: tip.Hash, Height: tip.Height, Work: tip.Work.String(), Name: "miner"})
	tn.Barrier(miner, tn.IDs[0])
	require.Equal(t, 1, tn.Sent(node.TypeGetBlocks), "the hello makes n ask")
	for _, b := range blocks[5:] { // orphans here: their parents come with the answer
		send(node.TypeBlock, b)
	}
	tn.Barrier(miner, tn.IDs[0])
	require.Equal(t, 1, tn.Sent(node.TypeGetBlocks), "five announcements while the answer is on its way: no new request")

	// The answer: the first five blocks. More was wanted meanwhile, so n
	// asks again, and connects the orphans that the answer unblocked.
	var body node.BlocksBody
	for _, b := range blocks[:5] {
		body.Blocks = append(body.Blocks, b.Encode())
	}
	send(node.TypeBlocks, body)
	tn.Barrier(miner, tn.IDs[0])
	require.Equal(t, tip.Hash, n.Chain().Tip().Hash, "the orphans connected")
	require.Equal(t, 2, tn.Sent(node.TypeGetBlocks), "one more request after the answer")
}

// tick advances the net's clock by d once both nodes' timers are set, and
// returns when both have handled the tick and the room is quiet.
func tick(t *testing.T, tn *nodetest.Net, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	require.NoError(t, tn.Clock.AwaitWaiters(ctx, 2))
	tn.Clock.Advance(d)
	require.NoError(t, tn.Clock.AwaitWaiters(ctx, 2))
	tn.Settle()
}
