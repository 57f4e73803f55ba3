//go:build !js

package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay/natsbus"
)

// testCluster opens a cluster on a fresh embedded NATS server.
func testCluster(t *testing.T, proc string, ttl time.Duration) *cluster {
	t.Helper()
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return joinTestCluster(t, e, proc, ttl)
}

func joinTestCluster(t *testing.T, e *natsbus.Embedded, proc string, ttl time.Duration) *cluster {
	t.Helper()
	nc, err := nats.Connect(e.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	c, err := openCluster(context.Background(), clusterConfig{Conn: nc, ProcessID: proc, LeaseTTL: ttl})
	require.NoError(t, err)
	return c
}

func TestKVRegistryComparesAndSets(t *testing.T) {
	reg := kvRegistry{kv: testCluster(t, "a", time.Second).rooms}
	_, ok, err := reg.get("r")
	require.NoError(t, err)
	require.False(t, ok)
	_, err = reg.update("r", func(*roomRecord) error { return nil })
	require.ErrorIs(t, err, errNoRecord)

	// Ten processes claim one room at once: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, exists := 0, 0
	for range 10 {
		wg.Go(func() {
			rec := roomRecord{Params: chain.TestParams, TokenHash: []byte{1}}
			_, err := reg.claim("r", rec, false)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrRoomExists):
				exists++
			default:
				t.Errorf("claim: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
	require.Equal(t, 9, exists)

	// Concurrent updates all land: none is lost to a race.
	for range 10 {
		wg.Go(func() {
			_, err := reg.update("r", func(rec *roomRecord) error { rec.ControlSeq++; return nil })
			require.NoError(t, err)
		})
	}
	wg.Wait()
	rec, ok, err := reg.get("r")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, uint64(10), rec.ControlSeq)

	// A failing change changes nothing.
	boom := errors.New("boom")
	_, err = reg.update("r", func(rec *roomRecord) error { rec.Epoch = 99; return boom })
	require.ErrorIs(t, err, boom)
	rec, _, _ = reg.get("r")
	require.Zero(t, rec.Epoch)

	// A room without a teacher is deleted, one with a teacher is not.
	require.NoError(t, reg.deleteUncreated("r"))
	_, ok, _ = reg.get("r")
	require.True(t, ok)
	_, err = reg.claim("u", roomRecord{Params: chain.TestParams}, true)
	require.NoError(t, err)
	require.NoError(t, reg.deleteUncreated("u"))
	_, ok, _ = reg.get("u")
	require.False(t, ok)
	rec, err = reg.claim("u", roomRecord{Params: chain.TestParams, TokenHash: []byte{1}}, true)
	require.NoError(t, err)
	require.Equal(t, uint64(1), rec.Epoch, "a claimed room with traces gets a new epoch")
}

func TestKVLeaseIsExclusiveAndExpires(t *testing.T) {
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	ttl := 900 * time.Millisecond
	ca, cb := joinTestCluster(t, e, "a", ttl), joinTestCluster(t, e, "b", ttl)
	ctx := context.Background()
	la, ok, err := ca.leases().acquire(ctx, "r")
	require.NoError(t, err)
	require.True(t, ok)
	time.Sleep(2 * ttl) // renewals keep it past its TTL
	_, ok, err = cb.leases().acquire(ctx, "r")
	require.NoError(t, err)
	require.False(t, ok, "b cannot take a's lease while a renews it")
	la.release()
	lb, ok, err := cb.leases().acquire(ctx, "r")
	require.NoError(t, err)
	require.True(t, ok, "released: b takes it at once")

	// b dies without a word: its lease expires and a takes it.
	cb.cfg.Conn.Close()
	start := time.Now()
	for {
		l, ok, err := ca.leases().acquire(ctx, "r")
		require.NoError(t, err)
		if ok {
			l.release()
			break
		}
		require.Less(t, time.Since(start), 5*ttl)
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("a dead holder's lease was taken after %v (TTL %v)", time.Since(start), ttl)
	select {
	case <-lb.lost():
	case <-time.After(2 * ttl):
		t.Fatal("the dead holder was never told its lease is lost")
	}
}

func TestJetStreamStoreFencesAStaleWriter(t *testing.T) {
	c := testCluster(t, "a", time.Second)
	stores := jsStores{c: c}
	ch, err := chain.New(chain.Config{Params: chain.TestParams})
	require.NoError(t, err)
	n, err := node.New(node.Config{Chain: ch, Key: chain.GenerateKey(), Name: "m", Miner: node.ThreadMiner{Threads: 1}})
	require.NoError(t, err)
	var blocks []*chain.Block
	for range 3 {
		b, err := n.MineBlock(context.Background())
		require.NoError(t, err)
		blocks = append(blocks, b)
	}
	old, err := stores.open("r", 0)
	require.NoError(t, err)
	require.NoError(t, old.PutBlocks(blocks[:1]))
	next, err := stores.open("r", 0) // the next holder, after a takeover
	require.NoError(t, err)
	var got []*chain.Block
	require.NoError(t, next.ForEachBlock(func(b *chain.Block) error { got = append(got, b); return nil }))
	require.Len(t, got, 1)
	require.NoError(t, next.PutBlocks(blocks[1:2]))
	require.Error(t, old.PutBlocks(blocks[2:]), "the old holder cannot write behind its successor")
	require.True(t, stores.has("r"))
	require.NoError(t, stores.removeOld("r", nil))
	require.False(t, stores.has("r"))
}

// laggingKV is a bucket whose reads miss a key misses times before they
// see it, as a read can right after another process created it.
type laggingKV struct {
	jetstream.KeyValue
	mu     sync.Mutex
	misses int
	gets   int
}

func (l *laggingKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	l.mu.Lock()
	l.gets++
	miss := l.misses > 0
	if miss {
		l.misses--
	}
	l.mu.Unlock()
	if miss {
		return nil, jetstream.ErrKeyNotFound
	}
	return l.KeyValue.Get(ctx, key)
}

// TestCookieKeyOfAnotherProcess: the process whose Create of the cookie
// key is refused takes the other's key, even when its first reads miss
// it; every process of the cluster signs with the same key.
func TestCookieKeyOfAnotherProcess(t *testing.T) {
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	a := joinTestCluster(t, e, "a", time.Second)
	b := joinTestCluster(t, e, "b", time.Second)
	first, err := a.cookieKey()
	require.NoError(t, err)
	require.Len(t, first, 32)
	lag := &laggingKV{KeyValue: b.settings, misses: 3}
	b.settings = lag
	second, err := b.cookieKey()
	require.NoError(t, err, "a read that missed the key is asked again")
	require.Equal(t, first, second, "the first process's key")
	require.Equal(t, 4, lag.gets)
}
