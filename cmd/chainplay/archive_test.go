//go:build !js

package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// A room's chain and parameters survive a restart of the server, and a
// native node that joins the tab-less room afterwards syncs from the
// archive peer alone.
func TestRestartKeepsChainAndParams(t *testing.T) {
	dir := t.TempDir()
	first := startServer(t, dir, func(c *serverConfig) { c.Params.Difficulty = 3 })
	class := first.createRoom(t, "class", map[string]any{"difficulty": 2, "subsidy": 25, "block_time_ms": 2000})
	miner := first.joinNative(t, "class", "miner")
	miner.mine(t, 5)
	tip := miner.Chain().Tip()
	first.waitArchive(t, "class", 5, tip.Hash)
	// A room opened by its URL has the server's defaults.
	walker := first.joinNative(t, "walk-in", "walker")
	walker.mine(t, 2)
	walkTip := walker.Chain().Tip().Hash
	first.waitArchive(t, "walk-in", 2, walkTip)
	miner.leave()
	walker.leave()
	first.stop()

	second := startServer(t, dir, func(c *serverConfig) { c.Params.Difficulty = 5 })
	info := second.room(t, "class")
	require.Equal(t, class.Params, info.Params)
	require.Equal(t, class.roomInfo.Genesis, info.Genesis)
	require.True(t, info.Created)
	require.False(t, info.Archive.Running, "nobody is in the room yet")
	require.Equal(t, http.StatusNotFound, second.call(t, "POST", "/api/rooms/class/kick", bearerOf(class.TeacherToken),
		map[string]string{"peer": "p42"}, nil), "the teacher token survives too")
	require.Equal(t, uint64(5), second.room(t, "walk-in").Params.Difficulty, "the new defaults")

	late := second.joinNative(t, "class", "late") // starts the archive from disk
	second.waitArchive(t, "class", 5, tip.Hash)
	waitTip(t, late.Node, tip.Hash)
	require.Equal(t, uint64(5), late.Chain().Tip().Height)
	require.Equal(t, tip.Work, late.Chain().Tip().Work)
	require.Equal(t, uint64(5*25), late.Chain().Balance(miner.Address()).Balance)

	// The room opened by URL starts afresh on the new defaults (its old
	// chain is another chain's), and with unchanged defaults it would
	// have resumed (TestArchiveStopsWhenRoomIdle).
	walker2 := second.joinNative(t, "walk-in", "walker2")
	second.waitArchive(t, "walk-in", 0, walker2.Chain().ID())
	require.NotEqual(t, walkTip, walker2.Chain().Tip().Hash)
	require.Empty(t, second.room(t, "walk-in").Archive.Error)
}

// A room left without peers stops its archive peer after the idle time;
// a created room's chain stays on disk and comes back when a peer does. A
// peer that comes back before the idle time keeps the same archive peer.
func TestArchiveStopsWhenRoomIdle(t *testing.T) {
	ts := startServer(t, t.TempDir(), func(c *serverConfig) { c.ArchiveIdle = 300 * time.Millisecond })
	ts.createRoom(t, "quiet", nil)
	a := ts.joinNative(t, "quiet", "a")
	a.mine(t, 2)
	tip := a.Chain().Tip().Hash
	ts.waitArchive(t, "quiet", 2, tip)
	archiveID := ts.archives.Status("quiet").ID

	a.leave()
	b := ts.joinNative(t, "quiet", "b") // back before the idle time
	waitTip(t, b.Node, tip)
	require.Equal(t, archiveID, ts.archives.Status("quiet").ID, "the archive peer kept running")
	b.leave()

	require.Eventually(t, func() bool { return !ts.archives.Status("quiet").Running }, wait, 10*time.Millisecond)
	require.Eventually(t, func() bool { return len(ts.relay.Rooms()) == 0 }, wait, 10*time.Millisecond,
		"the archive never left the relay room")
	store, err := node.OpenStore(filepath.Join(ts.cfg.Data, "rooms", "quiet.db")) // closed: free to open
	require.NoError(t, err)
	require.Equal(t, 3, store.BlockCount(), "genesis and the two blocks")
	require.NoError(t, store.Close())

	c := ts.joinNative(t, "quiet", "c")
	ts.waitArchive(t, "quiet", 2, tip)
	waitTip(t, c.Node, tip)
}

// An archive peer the relay drops rejoins its room (node.StayJoined) and
// keeps archiving.
func TestArchiveRejoinsAfterADrop(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	a := ts.joinNative(t, "drop", "a")
	a.mine(t, 1)
	ts.waitArchive(t, "drop", 1, a.Chain().Tip().Hash)
	first := ts.archives.Status("drop").ID
	require.True(t, ts.relay.Kick("drop", first))
	require.Eventually(t, func() bool {
		id := ts.archives.Status("drop").ID
		return id != "" && id != first && slices.ContainsFunc(ts.relay.Peers("drop"), func(p relay.PeerInfo) bool { return p.ID == id })
	}, wait, 10*time.Millisecond, "the archive never rejoined")
	a.mine(t, 1)
	ts.waitArchive(t, "drop", 2, a.Chain().Tip().Hash)
}

// kill9Env makes the test binary a child that writes blocks until killed.
const kill9Env = "CHAINPLAY_KILL9_STORE"

// A process killed with SIGKILL while it writes blocks leaves a store that
// opens and holds a valid chain: every stored block replays, and every
// block the child reported as written is there.
func TestKill9LeavesAValidChainPrefix(t *testing.T) {
	if path := os.Getenv(kill9Env); path != "" {
		writeBlocksUntilKilled(path)
		return
	}
	path := filepath.Join(t.TempDir(), "room.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9LeavesAValidChainPrefix$", "-test.count=1")
	cmd.Env = append(os.Environ(), kill9Env+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// Kill it in the middle of writing, once it has written a few dozen.
	reported := uint64(0)
	lines := bufio.NewScanner(out)
	deadline := time.Now().Add(wait)
	for reported < 40 && time.Now().Before(deadline) && lines.Scan() {
		if h, ok := strings.CutPrefix(lines.Text(), "stored "); ok {
			reported, err = strconv.ParseUint(h, 10, 64)
			require.NoError(t, err)
		}
	}
	require.GreaterOrEqual(t, reported, uint64(40), "the child wrote too few blocks")
	time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond) // land anywhere in a write
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err = cmd.Wait()
	require.ErrorContains(t, err, "killed")

	store, err := node.OpenStore(path)
	require.NoError(t, err)
	defer store.Close()
	stored := store.BlockCount()
	n, err := openArchiveNode(store, roomRecord{Params: kill9Params()}, node.SystemClock)
	require.NoError(t, err)
	tip := n.Chain().Tip()
	require.GreaterOrEqual(t, tip.Height, reported, "a block reported as stored is missing")
	require.Equal(t, uint64(stored), tip.Height+1, "every stored block (genesis first) replays onto one chain")
	t.Logf("child reported %d blocks, the store holds %d valid ones", reported, stored)
}

func kill9Params() chain.Params {
	p := chain.TestParams
	p.Name = "kill9"
	return p
}

// writeBlocksUntilKilled is the child: an archive node on the store at
// path mines blocks as fast as it can and prints "stored N" once block N
// is committed.
func writeBlocksUntilKilled(path string) {
	store, err := node.OpenStore(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	n, err := openArchiveNode(store, roomRecord{Params: kill9Params()}, node.SystemClock)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for {
		b, err := n.MineBlock(context.Background())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		n.Flush() // committed
		fmt.Printf("stored %d\n", b.Height())
	}
}

// An archive peer that can't start (its created room's store holds
// another chain) says why in the room's status, and the room still works
// for its tabs. (A room opened by URL starts afresh instead: see
// TestRestartKeepsChainAndParams.)
func TestArchiveReportsAStoreOfAnotherChain(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, nil)
	ts.createRoom(t, "mixed", nil)
	store, err := node.OpenStore(filepath.Join(dir, "rooms", "mixed.db"))
	require.NoError(t, err)
	n, err := openArchiveNode(store, roomRecord{Params: chain.TestParams}, node.SystemClock) // genesis of room "test"
	require.NoError(t, err)
	_, err = n.MineBlock(context.Background())
	require.NoError(t, err)
	require.NoError(t, store.Close())

	a := ts.joinNative(t, "mixed", "a")
	require.Eventually(t, func() bool { return strings.Contains(ts.room(t, "mixed").Archive.Error, "another chain") },
		wait, 10*time.Millisecond)
	require.False(t, ts.archives.Status("mixed").Running)
	b := ts.joinNative(t, "mixed", "b")
	a.mine(t, 1)
	waitTip(t, b.Node, a.Chain().Tip().Hash)
}
