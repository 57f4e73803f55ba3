//go:build !js

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/relay"
)

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{
		"-read-limit", "2048", "-rate", "10", "-rate-burst", "20", "-send-queue", "40", "-write-timeout", "3s",
		"-ping", "0", "-max-peers", "60", "-max-rooms", "5", "-origins", "a.example, *.b.example", "-archive-idle", "30s",
	})
	require.NoError(t, err)
	want := relay.DefaultConfig()
	want.ReadLimit, want.RatePerSec, want.RateBurst, want.SendQueue, want.WriteTimeout = 2048, 10, 20, 40, 3*time.Second
	want.PingInterval, want.MaxPeersPerRoom, want.MaxRooms = 0, 60, 5
	want.OriginPatterns = []string{"a.example", "*.b.example"}
	require.Equal(t, want, o.relay)
	require.Equal(t, 30*time.Second, o.archiveIdle)

	o, err = parseFlags(nil)
	require.NoError(t, err)
	require.Equal(t, relay.DefaultConfig(), o.relay)
	require.Equal(t, 2*time.Minute, o.archiveIdle)

	for _, args := range [][]string{
		{"-send-queue", "0"},
		{"-rate-burst", "300"}, // the queue must hold two bursts
		{"-rate", "0"},
		{"-max-peers", "-1"},
		{"-origins", "[bad"},
		{"-archive-idle", "0s"},
		{"extra"},
	} {
		_, err := parseFlags(args)
		require.Error(t, err, "%v", args)
	}
}

// run shuts down when its context ends (as on SIGINT/SIGTERM) and leaves
// the data directory free for the next start.
func TestRunShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, fakeAssets()) }()
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "registry.db"))
		return err == nil
	}, wait, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(wait):
		t.Fatal("run did not return")
	}
	reg, err := openRegistry(filepath.Join(dir, "registry.db"))
	require.NoError(t, err, "the registry was left open")
	require.NoError(t, reg.close())
}

// fakeAssets stand in for what `make wasm` builds.
func fakeAssets() fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, name := range builtAssets {
		fsys[name] = &fstest.MapFile{Data: []byte("built")}
	}
	return fsys
}

// A binary built without `make wasm` refuses to start and says how to
// build it, rather than serve a page that fails in every browser.
func TestRunRefusesWithoutTheWasm(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, fstest.MapFS{"app.js": {Data: []byte("x")}})
	require.ErrorContains(t, err, "web/static/node.wasm")
	require.ErrorContains(t, err, "make build")
	require.NoError(t, checkAssets(fakeAssets()))
	partial := fakeAssets()
	partial["miner.wasm"] = &fstest.MapFile{} // empty: a failed build
	require.ErrorContains(t, checkAssets(partial), "web/static/miner.wasm missing")
}
