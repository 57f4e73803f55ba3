//go:build !js

package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/relay"
)

// lockedBuffer is a bytes.Buffer safe for the logger's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// mineFor mines blocks on p back to back, as fast as one thread allows,
// for d, and returns how many it mined.
func mineFor(t *testing.T, p *nativePeer, d time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	k := 0
	for ctx.Err() == nil {
		if _, err := p.MineBlock(ctx); err != nil {
			break
		}
		k++
	}
	return k
}

// TestAFastMinerIsNeverClosedByTheRelay is the fast-miner room
// at test scale, with the relay's real limits (50 frames a second, a
// queue of 64): a native node mines blocks of 16 expected hashes as fast
// as it can — thousands a second, far more frames than the relay carries —
// while the archive and a second peer follow. The relay closes nobody, and
// once the miner stops every peer reaches its tip.
func TestAFastMinerIsNeverClosedByTheRelay(t *testing.T) {
	var log lockedBuffer
	ts := startServer(t, t.TempDir(), func(c *serverConfig) {
		c.Relay = relay.DefaultConfig()
		c.Relay.PingInterval = 0
		c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ts.createRoom(t, "fast", map[string]any{"difficulty": 16, "retarget_interval": 0})
	miner := ts.joinNative(t, "fast", "miner")
	follower := ts.joinNative(t, "fast", "follower")
	require.Eventually(t, func() bool { return ts.archives.Status("fast").ID != "" && len(miner.Peers()) == 2 },
		wait, 10*time.Millisecond, "the room never filled")

	mined := mineFor(t, miner, 2*time.Second)
	tip := miner.Chain().Tip()
	t.Logf("mined %d blocks in 2 s; tip #%d", mined, tip.Height)
	require.Greater(t, mined, 500, "the miner should outrun the relay's 50 frames a second by far")

	ts.waitArchive(t, "fast", tip.Height, tip.Hash)
	waitTip(t, follower.Node, tip.Hash)
	require.NotContains(t, log.String(), "peer closed by relay", "the relay closed a peer:\n%s", log.String())
	require.NotContains(t, log.String(), "dropped from room")
	require.Equal(t, tip.Hash, chain.Hash(ts.archives.Status("fast").Tip))
	require.False(t, strings.Contains(log.String(), "send queue full"))
}
