package view_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
)

// mineOn mines a block on n's tip with n's miner.
func mineOn(t *testing.T, n *node.Node) *chain.Block {
	t.Helper()
	b, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	return b
}

// TestPostsFeed: posts waiting in the mempool come first, then the best
// chain's newest first, with their confirmations; transfers and rewards
// are not posts.
func TestPostsFeed(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	mineOn(t, n)
	firsts, err := n.Post("", "first post")
	require.NoError(t, err)
	_, err = n.Send(chaintest.Addr(3), 5, 0, "a transfer's memo is no post")
	require.NoError(t, err)
	mineOn(t, n)
	seconds, err := n.Post("Ada L.", "<img src=x onerror=alert(1)>")
	require.NoError(t, err)
	mineOn(t, n)
	waitings, err := n.Post("", "not mined yet")
	require.NoError(t, err)

	s := m.Snapshot()
	require.Len(t, s.Posts, 3)
	require.Equal(t, waitings[0].ID().String(), s.Posts[0].ID)
	require.True(t, s.Posts[0].Pending)
	require.Zero(t, s.Posts[0].Height)
	require.Equal(t, seconds[0].ID().String(), s.Posts[1].ID)
	require.Equal(t, "<img src=x onerror=alert(1)>", s.Posts[1].Content, "the model keeps text as it is: the page escapes it")
	require.Equal(t, "Ada L.", s.Posts[1].Author)
	require.Equal(t, uint64(3), s.Posts[1].Height)
	require.Equal(t, uint64(1), s.Posts[1].Confirmations)
	require.Equal(t, firsts[0].ID().String(), s.Posts[2].ID)
	require.Equal(t, uint64(2), s.Posts[2].Confirmations)
	require.True(t, s.Posts[2].Mine)
	require.Equal(t, s.Tip.Height, uint64(3))

	m2 := view.New(n, view.Config{Posts: 2})
	defer m2.Close()
	require.Len(t, m2.Snapshot().Posts, 2, "Config.Posts bounds the feed")
}

// TestWalletHistoryAndContacts: the wallet lists its transactions newest
// first (pending, then confirmed with confirmations), its pending in and
// out, and the peers it can pay by nickname; cards name the miner.
func TestWalletHistoryAndContacts(t *testing.T) {
	tn := newNet(t, "ana", "bob")
	ana, bob := tn[0], tn[1]
	ma := view.New(ana, view.Config{})
	defer ma.Close()
	mb := view.New(bob, view.Config{})
	defer mb.Close()
	waitFor(t, func() bool { s := ma.Snapshot(); return len(s.Wallet.Contacts) == 1 })
	s := ma.Snapshot()
	require.Equal(t, view.Contact{Name: "bob", Address: bob.Address().String(), Peer: s.Peers[0].ID}, s.Wallet.Contacts[0])

	reward := mineOn(t, ana)
	waitFor(t, func() bool { return bob.Chain().Tip().Hash == reward.Hash() })
	pay, err := ana.Send(bob.Address(), 7, 1, "for the pizza")
	require.NoError(t, err)
	waitFor(t, func() bool { return bob.Mempool().Has(pay.ID()) })

	s = ma.Snapshot()
	require.Equal(t, chain.TestParams.Subsidy, s.Wallet.Balance)
	require.Equal(t, uint64(8), s.Wallet.PendingOut)
	require.Equal(t, chain.TestParams.Subsidy-8, s.Wallet.Available)
	require.Len(t, s.Wallet.History, 2)
	require.Equal(t, view.HistOut, s.Wallet.History[0].Dir)
	require.Equal(t, view.StatusPending, s.Wallet.History[0].Status)
	require.Equal(t, "bob", s.Wallet.History[0].ToName, "the recipient by nickname")
	require.Equal(t, view.HistMined, s.Wallet.History[1].Dir)
	require.Equal(t, uint64(1), s.Wallet.History[1].Confirmations)
	require.Equal(t, "ana", s.Blocks[0].MinerName, "the card names the miner")
	require.True(t, s.Blocks[0].Mine)
	require.Equal(t, 1, s.Blocks[0].DiffBits)

	sb := mb.Snapshot()
	require.Equal(t, uint64(7), sb.Wallet.PendingIn)
	require.Equal(t, view.HistIn, sb.Wallet.History[0].Dir)
	require.Equal(t, "ana", sb.Blocks[0].MinerName, "bob knows who mined it")
	require.False(t, sb.Blocks[0].Mine)

	mineOn(t, bob) // confirms the payment
	mineOn(t, bob)
	waitFor(t, func() bool { return ana.Chain().Tip().Height == 3 })
	s = ma.Snapshot()
	require.Equal(t, view.StatusConfirmed, s.Wallet.History[0].Status)
	require.Equal(t, uint64(2), s.Wallet.History[0].Height)
	require.Equal(t, uint64(2), s.Wallet.History[0].Confirmations)
	require.Equal(t, uint64(3), s.Wallet.History[1].Confirmations, "the reward of block 1")
	require.Equal(t, "bob", s.Blocks[0].MinerName)
	require.Equal(t, "for the pizza", s.Blocks[1].TxLines[0].Memo)
	require.Equal(t, "bob", s.Blocks[1].TxLines[0].ToName)
}

// TestBackInTheMempool: a reorg takes the block with the wallet's
// transfer off the best chain; the history says it is back in the
// mempool, then confirmed again once a block of the new branch takes it.
func TestBackInTheMempool(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	mineOn(t, n)
	base := n.Chain().Tip().Block
	pay, err := n.Send(chaintest.Addr(3), 5, 1, "")
	require.NoError(t, err)
	mineOn(t, n)
	require.Equal(t, view.StatusConfirmed, m.Snapshot().Wallet.History[0].Status)

	c := n.Chain()
	parent := base
	for range 2 { // a heavier branch without the transfer
		b := chaintest.NextBlockAt(c, parent, parent.Header.Time+1, chaintest.Addr(1))
		_, err := c.ProcessBlock(b, chaintest.Now(c.Params()))
		require.NoError(t, err)
		parent = b
	}
	s := m.Snapshot()
	require.Equal(t, parent.Hash().String(), s.Tip.Hash)
	require.Equal(t, pay.ID().String(), s.Wallet.History[0].ID)
	require.Equal(t, view.StatusBack, s.Wallet.History[0].Status)
	require.Equal(t, uint64(6), s.Wallet.PendingOut)

	mineOn(t, n)
	s = m.Snapshot()
	require.Equal(t, view.StatusConfirmed, s.Wallet.History[0].Status, "mined again on the new branch")
	require.Equal(t, uint64(4), s.Wallet.History[0].Height)
}

// TestDroppedByAReorg: a transfer whose block left the best chain and
// that can't be pending any more (the new branch spent the coins) shows
// as dropped.
func TestDroppedByAReorg(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	c := n.Chain()
	base := c.Tip().Block
	mineOn(t, n) // block 1 pays ada
	pay, err := n.Send(chaintest.Addr(3), 5, 1, "")
	require.NoError(t, err)
	mineOn(t, n)
	parent := base
	for range 3 { // from the genesis: ada never had coins there
		b := chaintest.NextBlockAt(c, parent, parent.Header.Time+1, chaintest.Addr(1))
		_, err := c.ProcessBlock(b, chaintest.Now(c.Params()))
		require.NoError(t, err)
		parent = b
	}
	s := m.Snapshot()
	require.False(t, n.Mempool().Has(pay.ID()))
	require.Len(t, s.Wallet.History, 1, "the reward is gone with its block; the transfer stays, dropped")
	require.Equal(t, pay.ID().String(), s.Wallet.History[0].ID)
	require.Equal(t, view.StatusDropped, s.Wallet.History[0].Status)
	require.Zero(t, s.Wallet.Balance)
}
