package node_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// gateStore is a BlockStore whose writes wait for a gate, like IndexedDB
// taking its time, and that records each write.
type gateStore struct {
	gate   chan struct{} // a write takes one token
	fail   error         // returned by every write when set
	mu     sync.Mutex
	writes [][]*chain.Block
}

func (s *gateStore) PutBlocks(bs []*chain.Block) error {
	<-s.gate
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, bs)
	return s.fail
}

func (s *gateStore) ForEachBlock(func(*chain.Block) error) error { return nil }

func (s *gateStore) stored() (writes int, blocks []chain.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.writes {
		for _, b := range w {
			blocks = append(blocks, b.Hash())
		}
	}
	return len(s.writes), blocks
}

// TestStoreWritesDoNotHoldUpValidation: while the store is slow, the node
// keeps accepting blocks; what piles up meanwhile goes in one write, in
// order; Flush waits for it.
func TestStoreWritesDoNotHoldUpValidation(t *testing.T) {
	st := &gateStore{gate: make(chan struct{}, 100)}
	st.gate <- struct{}{} // the genesis write on an empty store
	c := chaintest.New(t, chain.TestParams)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Store: st, Clock: nodetest.NewFakeClock(chaintest.Now(chain.TestParams))})
	require.NoError(t, err)

	src := chaintest.New(t, chain.TestParams)
	blocks := chaintest.Extend(t, src, 30, chaintest.Addr(1))
	for _, b := range blocks {
		_, err := c.ProcessBlock(b, chaintest.Now(chain.TestParams))
		require.NoError(t, err) // returns although no write finished
	}
	require.Equal(t, uint64(30), c.Tip().Height)
	writes, _ := st.stored()
	require.Equal(t, 1, writes, "only the genesis is written so far")

	st.gate <- struct{}{} // the write under way (the first block, or a few)
	st.gate <- struct{}{} // everything that piled up behind it
	n.Flush()
	writes, got := st.stored()
	require.LessOrEqual(t, writes, 3, "genesis, the write under way, then what waited in one write")
	want := []chain.Hash{c.Genesis().Hash()}
	for _, b := range blocks {
		want = append(want, b.Hash())
	}
	require.Equal(t, want, got, "in the order the chain stored them")
}

func TestStoreFailureIsReported(t *testing.T) {
	st := &gateStore{gate: make(chan struct{}, 100)}
	for range 10 {
		st.gate <- struct{}{}
	}
	c := chaintest.New(t, chain.TestParams)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Store: st, Clock: nodetest.NewFakeClock(chaintest.Now(chain.TestParams))})
	require.NoError(t, err)
	failed := make(chan node.Event, 1)
	n.Subscribe(func(ev node.Event) {
		if ev.Code == node.CodeStatusStoreFailed {
			failed <- ev
		}
	})
	st.mu.Lock()
	st.fail = errors.New("disk full")
	st.mu.Unlock()
	chaintest.Extend(t, c, 1, chaintest.Addr(1))
	n.Flush()
	ev := <-failed
	require.Equal(t, "disk full", ev.Reason)
	require.Equal(t, uint64(1), ev.Count)
}

// TestStoreDelayGathersWrites: with a StoreDelay, a block after a quiet
// spell is written at once, and the blocks that come within the delay
// after a write wait on the clock and go to the store in one write.
func TestStoreDelayGathersWrites(t *testing.T) {
	st := &gateStore{gate: make(chan struct{}, 100)}
	for range 10 {
		st.gate <- struct{}{}
	}
	clock := nodetest.NewFakeClock(chaintest.Now(chain.TestParams))
	c := chaintest.New(t, chain.TestParams)
	n, err := node.New(node.Config{Chain: c, Key: chain.GenerateKey(), Store: st, Clock: clock, StoreDelay: time.Second})
	require.NoError(t, err)
	src := chaintest.New(t, chain.TestParams)
	blocks := chaintest.Extend(t, src, 31, chaintest.Addr(1))
	_, err = c.ProcessBlocks(blocks[:1], chaintest.Now(chain.TestParams))
	require.NoError(t, err)
	n.Flush() // the first block: no wait
	writes, _ := st.stored()
	require.Equal(t, 2, writes, "the genesis, then the first block at once")

	for i := 1; i < 31; i += 10 {
		_, err := c.ProcessBlocks(blocks[i:i+10], chaintest.Now(chain.TestParams))
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), nodetest.Wait)
	defer cancel()
	require.NoError(t, clock.AwaitWaiters(ctx, 1))
	writes, _ = st.stored()
	require.Equal(t, 2, writes, "right after a write, the next waits")
	clock.Advance(time.Second)
	n.Flush()
	writes, got := st.stored()
	require.Equal(t, 3, writes, "the three batches in one write")
	require.Len(t, got, 32)
}
