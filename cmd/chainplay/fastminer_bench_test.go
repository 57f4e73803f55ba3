//go:build !js

package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/relay"
)

// TestFastMinerBench is the fast-miner room (make bench): the
// relay's real limits, a room of difficulty 16 without retarget, a native
// node mining 3,000 blocks back to back on one thread, the archive and a
// Chromium tab following. It prints the heights of the miner, the archive
// and the tab when the miner stops and once they agree, how long that
// took, and how many peers the relay closed (the target: none).
func TestFastMinerBench(t *testing.T) {
	if os.Getenv("CHAINPLAY_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench (CHAINPLAY_BENCH=1)")
	}
	requireWasm(t)
	blocks := 3000
	if s := os.Getenv("CHAINPLAY_FAST_BLOCKS"); s != "" {
		var err error
		blocks, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	var log lockedBuffer
	ts := startServer(t, t.TempDir(), func(c *serverConfig) {
		c.Relay = relay.DefaultConfig()
		c.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ts.createRoom(t, "fast", map[string]any{"difficulty": 16, "retarget_interval": 0})
	miner := ts.joinNative(t, "fast", "miner")
	browser := newBrowserFor(t, 10*time.Minute)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate("about:blank")))
	tab := openTab(t, browser, ts.http.URL+"/r/fast", 2)
	tabHeight := func() uint64 {
		h, _ := strconv.ParseUint(strings.ReplaceAll(evalJS[string](t, tab, `document.getElementById("tip-height").textContent`), ",", ""), 10, 64)
		return h
	}

	start := time.Now()
	for i := 0; i < blocks; i++ {
		_, err := miner.MineBlock(context.Background())
		require.NoError(t, err)
	}
	mined := time.Since(start)
	tip := miner.Chain().Tip()
	arch := ts.archives.Status("fast")
	t.Logf("fast miner: %d blocks in %.1f s (%.0f blocks/s); when it stopped: miner #%d, archive #%d, tab #%d",
		blocks, mined.Seconds(), float64(blocks)/mined.Seconds(), tip.Height, arch.Height, tabHeight())

	stopped := time.Now()
	ts.waitArchive(t, "fast", tip.Height, tip.Hash)
	waitJS(t, tab, `document.getElementById("tip-hash").textContent === "`+tip.Hash.String()+`"`, 3*time.Minute, "the tab never reached the miner's tip")
	closed := strings.Count(log.String(), "peer closed by relay")
	if os.Getenv("DIAG") != "" {
		t.Log(evalJS[string](t, tab, `JSON.stringify(__cp.blockAt.map((b) => [Math.round(b.t), b.type, b.n]))`))
	}
	t.Logf("fast miner: miner #%d, archive #%d, tab #%d, all on the miner's tip %.1f s after it stopped; peers closed by the relay: %d",
		tip.Height, ts.archives.Status("fast").Height, tabHeight(), time.Since(stopped).Seconds(), closed)
	require.Zero(t, closed, "the relay closed a peer:\n%s", log.String())
}
