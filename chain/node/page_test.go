package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// What a room page needs of its node: who the peers are (nickname,
// wallet, when last heard), who mined a block, and what a reorg did to
// the pending transactions.

// TestPeersKnowEachOthersWalletAndLastSeen: a hello carries the sender's
// address, and a peer's LastSeen follows the node's clock.
func TestPeersKnowEachOthersWalletAndLastSeen(t *testing.T) {
	tn := nodetest.NewNet(t, 2)
	a, b := tn.Nodes[0], tn.Nodes[1]
	var ps []node.PeerState
	require.Eventually(t, func() bool {
		ps = a.PeerStates()
		return len(ps) == 1 && ps[0].Address != ""
	}, nodetest.Wait, time.Millisecond, "a never learned b's address")
	require.Equal(t, b.Address().String(), ps[0].Address)
	require.Equal(t, "n1", ps[0].Name)
	require.Equal(t, nodetest.Epoch.UnixMilli(), ps[0].LastSeen)

	tn.Clock.Advance(42 * time.Second)
	tn.Mine(b) // b's block announcement is a message from b at the new time
	tn.Settle()
	ps = a.PeerStates()
	require.Equal(t, nodetest.Epoch.Add(42*time.Second).UnixMilli(), ps[0].LastSeen)
}

// TestMinedBlocksCarryTheNickname: the coinbase of a node's block names
// its miner, and the block stays valid.
func TestMinedBlocksCarryTheNickname(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{Name: "Ana"})
	b, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	require.Equal(t, "Ana", b.Txs[0].Name)
	require.Equal(t, "Ana", b.Txs[0].Author())
	require.Equal(t, b.Hash(), n.Chain().Tip().Hash, "the named block is valid")

	unnamed := nodetest.NewNode(t, node.Config{})
	require.Equal(t, unnamed.Address().Short(), unnamed.Template().Txs[0].Name, "the default nickname")
}

// TestReorgSaysWhatCameBackToTheMempool: a transfer mined on a branch that
// loses to a heavier one is back in the mempool, and the reorg event
// counts it.
func TestReorgSaysWhatCameBackToTheMempool(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{})
	var reorgs []node.Event
	n.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventReorg {
			reorgs = append(reorgs, ev)
		}
	})
	_, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	base := n.Chain().Tip().Block
	tx, err := n.Send(chaintest.Addr(7), 5, 1, "")
	require.NoError(t, err)
	_, err = n.MineBlock(context.Background())
	require.NoError(t, err)
	require.False(t, n.Mempool().Has(tx.ID()), "mined")

	// Two blocks on base, without the transfer: more work.
	c := n.Chain()
	var b2 *chain.Block
	for parent, i := base, 0; i < 2; i++ {
		b2 = chaintest.NextBlockAt(c, parent, parent.Header.Time+1, chaintest.Addr(1))
		_, err := c.ProcessBlock(b2, chaintest.Now(c.Params()))
		require.NoError(t, err)
		parent = b2
	}
	require.Equal(t, b2.Hash(), c.Tip().Hash)
	require.True(t, n.Mempool().Has(tx.ID()), "the transfer is pending again")
	require.Eventually(t, func() bool { return len(reorgs) == 1 }, nodetest.Wait, time.Millisecond)
	require.Equal(t, uint64(1), reorgs[0].Count, "one block left")
	require.Equal(t, uint64(2), reorgs[0].Total, "two joined")
	require.Equal(t, uint64(1), reorgs[0].Back, "one transfer back in the mempool")
}

// TestSolveIsAForegroundSearch: Solve finds a nonce for any header with the
// node's miner.
func TestSolveIsAForegroundSearch(t *testing.T) {
	n := nodetest.NewNode(t, node.Config{})
	b := n.Template()
	b.Header.Nonce = 0
	for b.Header.HasProofOfWork() {
		b.Header.Nonce++ // start from a nonce that fails
	}
	hdr, err := n.Solve(context.Background(), b.Header)
	require.NoError(t, err)
	require.True(t, hdr.HasProofOfWork())
	require.Equal(t, b.Header.MerkleRoot, hdr.MerkleRoot, "only the nonce (and the time) change")
}
