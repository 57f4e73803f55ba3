package node

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// newTestNode returns a node on an easy chain with a fresh wallet.
func newTestNode(t *testing.T, name string) *Node {
	t.Helper()
	c, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	n, err := New(Config{Chain: c, Key: chain.GenerateKey(), Name: name, Miner: ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	return n
}

// runOn joins n to the in-memory room and stops it at the end of the test.
func runOn(t *testing.T, mn *MemNetwork, n *Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = n.Run(ctx, mn.Join(n.Name())) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitTip(t *testing.T, n *Node, want chain.Hash) {
	t.Helper()
	require.Eventually(t, func() bool { return n.Chain().Tip().Hash == want }, 5*time.Second, 5*time.Millisecond,
		"%s never reached tip %s (at #%d)", n.Name(), want.Short(), n.Chain().Tip().Height)
}

func TestMinedBlockReachesPeer(t *testing.T) {
	mn := NewMemNetwork()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	runOn(t, mn, a)
	runOn(t, mn, b)
	require.Eventually(t, func() bool { return len(a.Peers()) == 1 && len(b.Peers()) == 1 }, 5*time.Second, 5*time.Millisecond)

	blk, err := a.MineBlock(context.Background())
	require.NoError(t, err)
	waitTip(t, b, blk.Hash())
	require.Equal(t, uint64(1), b.Chain().Tip().Height)
}

func TestLateJoinerSyncs(t *testing.T) {
	mn := NewMemNetwork()
	a := newTestNode(t, "a")
	runOn(t, mn, a)
	var last *chain.Block
	for range 5 {
		var err error
		last, err = a.MineBlock(context.Background())
		require.NoError(t, err)
	}
	b := newTestNode(t, "b")
	runOn(t, mn, b)
	waitTip(t, b, last.Hash())
}

func TestForgedBlockIsRejectedAndReported(t *testing.T) {
	mn := NewMemNetwork()
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	events := make(chan Event, 64)
	b.Subscribe(func(ev Event) {
		if ev.Kind == EventRejected {
			events <- ev
		}
	})
	runOn(t, mn, a)
	runOn(t, mn, b)
	require.Eventually(t, func() bool { return len(a.Peers()) == 1 }, 5*time.Second, 5*time.Millisecond)

	forged := a.Template()
	forged.Header.Difficulty = 4 // proof of work for a difficulty the rule does not give
	nonce, ok := chain.Mine(context.Background(), forged.Header, 0, 1<<20)
	require.True(t, ok)
	forged.Header.Nonce = nonce
	a.send(TypeBlock, "", forged)
	select {
	case ev := <-events:
		require.Equal(t, chain.ErrBadDifficulty.Code(), ev.Code)
		require.Contains(t, ev.Text, "a (")
	case <-time.After(5 * time.Second):
		t.Fatal("no rejection reported")
	}
	require.Equal(t, uint64(0), b.Chain().Tip().Height)
}

func TestAPIChainListsMinedBlock(t *testing.T) {
	n := newTestNode(t, "a")
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/mine")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var mined MineResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&mined))
	res.Body.Close()
	require.Equal(t, uint64(1), mined.Index)

	res, err = http.Get(srv.URL + "/chain")
	require.NoError(t, err)
	var got ChainResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	res.Body.Close()
	require.Equal(t, 2, got.Length)
	require.Equal(t, mined.Hash, got.Chain[1].Hash())
}

func TestAPIAddBlockRefusesForgery(t *testing.T) {
	a, b := newTestNode(t, "a"), newTestNode(t, "b")
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	blk := a.Template()
	blk.Header.Nonce = 0
	for blk.Header.HasProofOfWork() { // make sure the forged nonce fails the proof of work
		blk.Header.Nonce++
	}
	body, err := json.Marshal(blk)
	require.NoError(t, err)
	res, err := http.Post(srv.URL+"/add_block", "application/json", bytesReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	var e apiError
	require.NoError(t, json.NewDecoder(res.Body).Decode(&e))
	require.Equal(t, chain.ErrHighHash.Code(), e.Rule)
	require.Equal(t, uint64(0), b.Chain().Tip().Height)
}
