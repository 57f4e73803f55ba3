package view_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// newNode is a node on TestParams whose clock is far after the genesis.
func newNode(t testing.TB, name string, blocks ...*chain.Block) *node.Node {
	t.Helper()
	c := chaintest.New(t, chain.TestParams)
	if len(blocks) > 0 {
		_, err := c.ProcessBlocks(blocks, chaintest.Now(chain.TestParams))
		require.NoError(t, err)
	}
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Name: name, Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	return n
}

// join runs n in the room until the test ends.
func join(t *testing.T, mn *nodetest.MemNetwork, n *node.Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx, mn.Join(n.Name())) }()
	t.Cleanup(func() { cancel(); <-done })
}

// dirty reports whether m signals a change now.
func dirty(m *view.Model) bool {
	select {
	case <-m.Dirty():
		return true
	default:
		return false
	}
}

func TestSnapshotOfAFreshNode(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{Extra: func() any { return map[string]int{"workers": 2} }})
	defer m.Close()
	require.True(t, dirty(m), "a new model has something to show")
	s := m.Snapshot()
	require.Equal(t, uint64(1), s.Seq)
	require.Equal(t, uint64(0), s.Tip.Height)
	require.Equal(t, n.Chain().ID().String(), s.Tip.Hash)
	require.Equal(t, chain.TestParams.Difficulty, s.Tip.Difficulty)
	require.Equal(t, 1, s.Tip.ZeroBits, "difficulty 2: the target is half the hash space")
	require.Equal(t, "7fff", s.Tip.Target[:4])
	require.Len(t, s.Blocks, 1, "the genesis")
	require.Empty(t, s.Blocks[0].Miner)
	require.Equal(t, view.ConnConnecting, s.Conn.State)
	require.Equal(t, n.Address().String(), s.Wallet.Address)
	require.Equal(t, "ada", s.Wallet.Name)
	require.Empty(t, s.Log)
	require.NotNil(t, s.Mempool)
	require.NotNil(t, s.Stale)
	require.JSONEq(t, `{"workers": 2}`, string(s.Extra))
	require.False(t, dirty(m), "nothing changed since the snapshot")
}

// TestASyncIsOneLogLine: a newcomer syncs 300 blocks in several chunks;
// the log shows one sync line that ends as done, and none of the tips
// the sync brought; connection and sync state follow the events.
func TestASyncIsOneLogLine(t *testing.T) {
	src := chaintest.New(t, chain.TestParams)
	blocks := chaintest.Extend(t, src, 300, chaintest.Addr(1))
	mn := nodetest.NewMemNetwork()
	old := newNode(t, "archive", blocks...)
	join(t, mn, old)

	fresh := newNode(t, "fresh")
	m := view.New(fresh, view.Config{})
	defer m.Close()
	m.Snapshot()
	join(t, mn, fresh)
	var sync []view.Entry
	var tips int
	var s view.Snapshot
	require.Eventually(t, func() bool {
		s = m.Snapshot()
		for _, e := range s.Log {
			switch e.Event.Kind {
			case node.EventSync:
				sync = append(sync, e)
			case node.EventTip:
				tips++
			}
		}
		return !s.Sync.Active && s.Sync.Height == 300
	}, 5*time.Second, 5*time.Millisecond)
	require.NotEmpty(t, sync)
	for _, e := range sync {
		require.Equal(t, sync[0].ID, e.ID, "every sync event updates the one line")
	}
	require.Equal(t, node.CodeSyncDone, sync[len(sync)-1].Event.Code)
	require.Equal(t, uint64(300), sync[len(sync)-1].Event.Count)
	require.Zero(t, tips, "the tips of the sync are not lines of their own")
	require.Equal(t, view.ConnConnected, s.Conn.State)
	require.Equal(t, uint64(300), s.Tip.Height)
	require.Len(t, s.Blocks, 30)
	require.Equal(t, blocks[299].Hash().String(), s.Blocks[0].Hash)
	require.Equal(t, blocks[270].Hash().String(), s.Blocks[29].Hash, "newest first")
	require.Equal(t, chaintest.Addr(1).String(), s.Blocks[0].Miner)
	require.NotEmpty(t, s.Self)
	var names []string
	for _, p := range s.Peers {
		names = append(names, p.Name)
	}
	require.Contains(t, names, "archive")
}

func TestDirtySignalsOncePerSnapshot(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	m.Snapshot()
	for i := range 50 {
		m.Log(node.Event{Kind: node.EventStatus, Code: "test", Count: uint64(i)})
	}
	require.True(t, dirty(m))
	require.False(t, dirty(m), "fifty changes, one signal")
	s := m.Snapshot()
	require.Len(t, s.Log, 50)
	require.Equal(t, uint64(49), s.Log[49].Event.Count, "oldest first")
	require.Empty(t, m.Snapshot().Log, "a snapshot hands each entry over once")
}

func TestLogKeepsTheNewestEntries(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{LogSize: 10})
	defer m.Close()
	for i := range 25 {
		m.Log(node.Event{Kind: node.EventStatus, Code: "test", Count: uint64(i)})
	}
	s := m.Snapshot()
	require.Len(t, s.Log, 10)
	require.Equal(t, uint64(15), s.Log[0].Event.Count)
	require.Equal(t, uint64(16), s.Log[0].ID)
}

// TestWalletAndMempool: the wallet shows the balance on the best chain
// and what is waiting to be mined; the mempool lists it.
func TestWalletAndMempool(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	_, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	s := m.Snapshot()
	require.Equal(t, chain.TestParams.Subsidy, s.Wallet.Balance)
	require.Zero(t, s.Wallet.PendingOut)

	tx, err := n.Send(chaintest.Addr(5), 10, 2, "for the pizza")
	require.NoError(t, err)
	s = m.Snapshot()
	require.Equal(t, uint64(12), s.Wallet.PendingOut)
	require.Equal(t, 1, s.Wallet.PendingTxs)
	require.Equal(t, uint64(1), s.Wallet.NextSeq)
	require.Equal(t, 1, s.MempoolCount)
	require.Equal(t, tx.ID().String(), s.Mempool[0].ID)
	require.True(t, s.Mempool[0].Mine)
	require.Equal(t, "for the pizza", s.Mempool[0].Memo)
	var logged bool
	for _, e := range s.Log {
		logged = logged || (e.Event.Kind == node.EventTx && e.Event.Tx.ID == tx.ID().String())
	}
	require.True(t, logged, "the transaction is a log line")
}

// TestStaleBlocksShowTheFork: a block of the losing branch, and one found
// invalid when a reorg tried it, are listed beside the best chain.
func TestStaleBlocksShowTheFork(t *testing.T) {
	p := chain.TestParams
	bld := chaintest.NewBuilder(p)
	g := bld.Genesis()
	a1 := bld.Block(g, 0)
	a2 := bld.Block(a1, 0)
	b1 := bld.Block(g, 1)
	spend := chaintest.Transfer(bld.ID(), chaintest.Key(3), chaintest.Addr(4), 40, 0, 0)
	b2 := bld.Block(b1, 1, spend) // Key(3) owns nothing
	b3 := bld.Block(b2, 1)
	n := newNode(t, "ada", a1, a2)
	m := view.New(n, view.Config{})
	defer m.Close()
	now := chaintest.Now(p)
	_, err := n.Chain().ProcessBlock(b1, now)
	require.NoError(t, err)
	_, err = n.Chain().ProcessBlock(b2, now)
	require.NoError(t, err, "b2 ties a2: kept, not yet connected")
	_, err = n.Chain().ProcessBlock(b3, now)
	require.ErrorIs(t, err, chain.ErrInvalidAncestor, "b3 makes b's branch heavier: b2 fails when it connects")
	s := m.Snapshot()
	require.Equal(t, a2.Hash().String(), s.Tip.Hash)
	stale := map[string]view.StaleView{}
	for _, v := range s.Stale {
		stale[v.Hash] = v
	}
	require.Contains(t, stale, b1.Hash().String())
	require.Empty(t, stale[b1.Hash().String()].Invalid, "b1 is valid, only lighter")
	require.Equal(t, chain.ErrOverspend.Code(), stale[b2.Hash().String()].Invalid)
	require.Equal(t, chain.ErrInvalidAncestor.Code(), stale[b3.Hash().String()].Invalid)
	require.Equal(t, g.Hash().String(), stale[b1.Hash().String()].Prev)
}

// TestAMinedBlockIsOneLine: the tip a node's own block makes and the
// mined event are one log line.
func TestAMinedBlockIsOneLine(t *testing.T) {
	n := newNode(t, "ada")
	m := view.New(n, view.Config{})
	defer m.Close()
	m.Snapshot()
	b, err := n.MineBlock(context.Background())
	require.NoError(t, err)
	lines := map[uint64]node.Event{} // as a page keeps them: by id
	require.Eventually(t, func() bool {
		for _, e := range m.Snapshot().Log {
			lines[e.ID] = e.Event
		}
		for _, ev := range lines {
			if ev.Kind == node.EventMined {
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond)
	require.Len(t, lines, 1, "%+v", lines)
	for _, ev := range lines {
		require.Equal(t, b.Hash().String(), ev.Hash)
	}
}

// newNet runs nodes named names in one MemNetwork room until the test
// ends, and waits until each knows the others' wallets.
func newNet(t *testing.T, names ...string) []*node.Node {
	t.Helper()
	mn := nodetest.NewMemNetwork()
	var out []*node.Node
	for _, name := range names {
		n := newNode(t, name)
		join(t, mn, n)
		out = append(out, n)
	}
	waitFor(t, func() bool {
		for _, n := range out {
			known := 0
			for _, p := range n.PeerStates() {
				if p.Address != "" {
					known++
				}
			}
			if known < len(out)-1 {
				return false
			}
		}
		return true
	})
	return out
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond)
}

// TestASideBlockMakesTheViewDirty: a block stored on a side branch (no
// node event) still changes the view.
func TestASideBlockMakesTheViewDirty(t *testing.T) {
	p := chain.TestParams
	bld := chaintest.NewBuilder(p)
	main := bld.Chain(bld.Genesis(), 2, 0)
	n := newNode(t, "ada", main...)
	m := view.New(n, view.Config{})
	defer m.Close()
	m.Snapshot()
	require.False(t, dirty(m))
	status, err := n.Chain().ProcessBlock(bld.Block(main[0], 1), chaintest.Now(p))
	require.NoError(t, err)
	require.Equal(t, chain.StatusSideChain, status)
	waitFor(t, func() bool { return dirty(m) })
	require.Len(t, m.Snapshot().Stale, 1)
}
