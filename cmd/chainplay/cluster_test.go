//go:build !js

package main

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/relay/natsbus"
)

// clusterNode is one chainplay process of a test cluster, on its own
// connection to the shared NATS server.
type clusterNode struct {
	*testServer
	nc *nats.Conn
}

// startCluster starts one embedded NATS server and a chainplay server
// per process id, each with its own data directory and NATS connection.
func startCluster(t *testing.T, procs ...string) []*clusterNode {
	t.Helper()
	return startClusterWith(t, nil, procs...)
}

// startClusterWith is startCluster with mod changing every config.
func startClusterWith(t *testing.T, mod func(*serverConfig), procs ...string) []*clusterNode {
	t.Helper()
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	var out []*clusterNode
	for _, proc := range procs {
		nc, err := nats.Connect(e.ClientURL())
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		ts := startServer(t, t.TempDir(), func(c *serverConfig) {
			c.Cluster = &clusterConfig{Conn: nc, ProcessID: proc, LeaseTTL: 1500 * time.Millisecond,
				BusBeat: 100 * time.Millisecond, BusTimeout: time.Second}
			if mod != nil {
				mod(c)
			}
		})
		out = append(out, &clusterNode{testServer: ts, nc: nc})
	}
	return out
}

// crash ends the process as a kill -9 would for the others: its NATS
// connection goes first (no lease released, no goodbye), then the rest.
func (cn *clusterNode) crash() {
	cn.nc.Close()
	cn.stop()
}

// peerID returns the id of the peer called name in room, as cn's relay
// sees it.
func (cn *clusterNode) peerID(t *testing.T, room, name string) string {
	t.Helper()
	var id string
	require.Eventually(t, func() bool {
		for _, p := range cn.relay.Peers(room) {
			if p.Name == name {
				id = p.ID
				return true
			}
		}
		return false
	}, wait, 10*time.Millisecond, "no peer %q in %s", name, room)
	return id
}

// holder returns the process whose archive runs room, waiting for one.
func holder(t *testing.T, room string, nodes ...*clusterNode) *clusterNode {
	t.Helper()
	var h *clusterNode
	require.Eventually(t, func() bool {
		h = nil
		running := 0
		for _, n := range nodes {
			if st := n.archives.Status(room); st.Running && st.ID != "" {
				h = n
				running++
			}
		}
		return running == 1
	}, wait, 10*time.Millisecond, "no single archive for %s", room)
	return h
}

// sameRoom is the part of a room's info every process must answer alike.
func sameRoom(info roomInfo) roomInfo {
	info.Peers, info.Archive = nil, archiveStatus{}
	return info
}

// latencies measures, n times, how long a block mined by from takes to be
// the tip of to.
func latencies(t *testing.T, from, to *nativePeer, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	for range n {
		b, err := from.MineBlock(t.Context())
		require.NoError(t, err)
		start := time.Now()
		for to.Chain().Tip().Hash != b.Hash() {
			require.Less(t, time.Since(start), wait)
			time.Sleep(50 * time.Microsecond)
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out
}

func percentile(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }

func TestClusterSharesRoomsAndFailsOver(t *testing.T) {
	nodes := startCluster(t, "a", "b", "c")
	a, b, c := nodes[0], nodes[1], nodes[2]
	const room = "multi"
	made := a.createRoom(t, room, nil)
	token := bearerOf(made.TeacherToken)

	// Every process answers /api/rooms alike: one registry.
	want := sameRoom(a.room(t, room))
	require.True(t, want.Created)
	require.Equal(t, want, sameRoom(b.room(t, room)))
	require.Equal(t, want, sameRoom(c.room(t, room)))

	pa := a.joinNative(t, room, "ann")
	aid := a.peerID(t, room, "ann")
	pb := b.joinNative(t, room, "bob")
	pc := c.joinNative(t, room, "cid")
	bid, cid := b.peerID(t, room, "bob"), c.peerID(t, room, "cid")
	require.Equal(t, "a-p", aid[:3], "peer ids carry their process")
	for _, n := range nodes { // presence across processes
		for _, name := range []string{"ann", "bob", "cid", archiveName} {
			n.peerID(t, room, name)
		}
	}

	// Blocks cross processes both ways and every peer converges.
	pa.mine(t, 2)
	waitTip(t, pb.Node, pa.Chain().Tip().Hash)
	pb.mine(t, 2)
	waitTip(t, pa.Node, pb.Chain().Tip().Hash)
	waitTip(t, pc.Node, pb.Chain().Tip().Hash)
	cross := latencies(t, pa, pb, 40)
	pa2 := a.joinNative(t, room, "ann2")
	waitTip(t, pa2.Node, pa.Chain().Tip().Hash)
	same := latencies(t, pa, pa2, 40)
	t.Logf("block mined → tip of another peer, loopback, 40 blocks: across processes (a → b over NATS) p50 %v p99 %v; within a: p50 %v p99 %v",
		percentile(cross, .5), percentile(cross, .99), percentile(same, .5), percentile(same, .99))
	pa2.leave()

	// A split decided on b holds on every process: ann (a) and cid (c) in
	// group 1, bob (b) alone in group 2.
	require.Equal(t, http.StatusOK, b.call(t, "POST", "/api/rooms/"+room+"/control", token,
		map[string]any{"op": "split", "groups": map[string]int{aid: 1, cid: 1, bid: 2}}, nil))
	for _, n := range nodes {
		require.Eventually(t, func() bool { return n.relay.Groups(room)[bid] == 2 }, wait, 10*time.Millisecond)
	}
	before := pb.Chain().Tip().Hash
	pa.mine(t, 2)
	waitTip(t, pc.Node, pa.Chain().Tip().Hash)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, before, pb.Chain().Tip().Hash, "bob, split off on another process, hears nothing of ann's blocks")
	require.Equal(t, http.StatusOK, a.call(t, "POST", "/api/rooms/"+room+"/control", token, map[string]any{"op": "heal"}, nil))
	pa.mine(t, 1)
	waitTip(t, pb.Node, pa.Chain().Tip().Hash)

	// The archive runs in exactly one process; kill it.
	h := holder(t, room, a, b, c)
	tip := pa.Chain().Tip()
	h.waitArchive(t, room, tip.Height, tip.Hash)
	n, _ := h.archives.Node(room)
	n.Flush()
	var hashes []chain.Hash
	for i := uint64(1); i <= tip.Height; i++ {
		blk, ok := n.Chain().BlockAtHeight(i)
		require.True(t, ok)
		hashes = append(hashes, blk.Hash())
	}
	var rest []*clusterNode
	for _, x := range nodes {
		if x != h {
			rest = append(rest, x)
		}
	}
	killed := time.Now()
	h.crash()
	next := holder(t, room, rest...)
	failover := time.Since(killed)
	t.Logf("archive failover after its process died: %v (lease TTL 1.5 s)", failover)
	require.Less(t, failover, 5*time.Second)
	require.Eventually(t, func() bool {
		n, _ := next.archives.Node(room)
		if n == nil {
			return false
		}
		for _, hh := range hashes {
			if _, ok := n.Chain().BlockByHash(hh); !ok {
				return false
			}
		}
		return true
	}, wait, 10*time.Millisecond, "the new archive has every block the old one had")
	// And they were in JetStream, not only in the peers: the store the
	// new archive replayed holds them.
	st, err := next.archives.openStore(room, want.Epoch)
	require.NoError(t, err)
	var stored []chain.Hash
	require.NoError(t, st.ForEachBlock(func(b *chain.Block) error { stored = append(stored, b.Hash()); return nil }))
	for _, hh := range hashes {
		require.Contains(t, stored, hh)
	}
	// The survivors time the dead process's peer out.
	gone := map[*clusterNode]string{a: aid, b: bid, c: cid}[h]
	for _, x := range rest {
		require.Eventually(t, func() bool {
			return !slices.ContainsFunc(x.relay.Peers(room), func(p relay.PeerInfo) bool { return p.ID == gone })
		}, wait, 10*time.Millisecond)
	}

	// A teacher reset on one survivor reaches the peers on the other: they
	// are kicked, and every process answers the new epoch.
	r0, r1 := rest[0], rest[1]
	farID := map[*clusterNode]string{a: aid, b: bid, c: cid}[r1]
	var after roomInfo
	require.Equal(t, http.StatusOK, r0.call(t, "POST", "/api/rooms/"+room+"/reset", token, nil, &after))
	require.Equal(t, want.Epoch+1, after.Epoch)
	require.Eventually(t, func() bool {
		return !slices.ContainsFunc(r1.relay.Peers(room), func(p relay.PeerInfo) bool { return p.ID == farID })
	}, wait, 10*time.Millisecond, "the peer on the other process was kicked by the reset")
	require.Equal(t, sameRoom(after), sameRoom(r1.room(t, room)))
}

func TestClusterStandbyIdlingLeavesTheRoomAlone(t *testing.T) {
	nodes := startClusterWith(t, func(c *serverConfig) { c.ArchiveIdle = 200 * time.Millisecond }, "a", "b")
	a, b := nodes[0], nodes[1]
	const room = "open-1" // opened by URL: idle, it is reclaimed
	pa := a.joinNative(t, room, "ann")
	h := holder(t, room, a)
	require.Equal(t, a, h)
	pb := b.joinNative(t, room, "bob")
	require.Eventually(t, func() bool { return b.archives.Status(room).Standby }, wait, 10*time.Millisecond)
	pa.mine(t, 2)
	tip := pa.Chain().Tip()
	waitTip(t, pb.Node, tip.Hash)
	a.waitArchive(t, room, tip.Height, tip.Hash)
	pb.leave() // b's room idles: its standby stops, but a's archive and store stay
	require.Eventually(t, func() bool { return b.archives.Status(room) == archiveStatus{} }, wait, 10*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.True(t, jsStores{c: a.cluster}.has(room), "a standby that idles out does not reclaim the shared store")
	a.waitArchive(t, room, tip.Height, tip.Hash)
}

// TestClusterKickBansOnEveryProcess: a teacher's kick, sent to any
// process, bans the student on every process for the room's session, as
// in one process (hostile_test.go's "a kick bans"): the kicked browser,
// a script without a cookie and a fresh cookie from its address are
// refused whichever process they reach; a classmate behind the same
// address, whose cookie (issued by another process) is older than the
// ban, stays in; a reset decided elsewhere lifts it everywhere.
func TestClusterKickBansOnEveryProcess(t *testing.T) {
	nodes := startCluster(t, "a", "b", "c")
	a, b, c := nodes[0], nodes[1], nodes[2]
	const room = "kick"
	tok := bearerOf(a.createRoom(t, room, nil).TeacherToken)
	cookie := a.pageCookie(t, "/r/"+room, dialOptions{})
	classmate := b.pageCookie(t, "/r/"+room, dialOptions{})
	time.Sleep(5 * time.Millisecond) // a cookie's time has 1 ms precision
	mallory := a.dialRaw(t, room, "mallory", dialOptions{cookie: cookie})
	a.peerID(t, room, "mallory")

	holder(t, room, a) // the room's archive, where the kick is decided
	var out kickResponse
	status, e := b.callError(t, "POST", "/api/rooms/"+room+"/kick", tok, map[string]string{"peer": mallory.id}, &out)
	require.Equal(t, http.StatusOK, status, "the kick reaches the process the student is on: %+v", e)
	require.True(t, out.Banned)
	require.Equal(t, relay.CodeKicked, mallory.closeReason(wait))
	for _, n := range nodes {
		for _, o := range []dialOptions{{cookie: cookie}, {}, {cookie: n.pageCookie(t, "/r/"+room, dialOptions{})}} {
			require.Eventually(t, func() bool {
				_, status, err := n.tryDialRaw(room, "name=again", o)
				return err != nil && status == http.StatusForbidden
			}, wait, 10*time.Millisecond, "the same browser, a script without a cookie, a fresh cookie: refused by every process")
		}
	}
	c.dialRaw(t, room, "classmate", dialOptions{cookie: classmate}) // b's cookie, read by c
	c.dialRaw(t, room, "elsewhere", dialOptions{from: "127.0.0.2"})

	require.Equal(t, http.StatusOK, a.call(t, "POST", "/api/rooms/"+room+"/reset", tok, nil, nil))
	require.Eventually(t, func() bool {
		_, status, err := c.tryDialRaw(room, "name=back", dialOptions{cookie: cookie})
		return err == nil && status == http.StatusSwitchingProtocols
	}, wait, 10*time.Millisecond, "a reset on another process lifts the ban")
}

// TestClusterBoardFromAnyProcess: the board, the timeline and the
// teacher's controls answer the same through every process: the two that
// do not run the room's archive forward them to the one that does
// (archiveproxy.go). Before anyone is in the room, every process answers
// the board's 409 no-archive, as one process does.
func TestClusterBoardFromAnyProcess(t *testing.T) {
	nodes := startCluster(t, "a", "b", "c")
	a, b, c := nodes[0], nodes[1], nodes[2]
	const room = "board"
	tok := bearerOf(a.createRoom(t, room, map[string]any{"retarget_interval": 0}).TeacherToken)
	for _, n := range nodes {
		status, e := n.callError(t, "GET", "/api/rooms/"+room+"/board", "", nil, nil)
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, httpjson.CodeNoArchive, e.Code)
	}
	pa := a.joinNative(t, room, "ann")
	holder(t, room, a)
	pa.mine(t, 3)
	tip := pa.Chain().Tip()
	a.waitArchive(t, room, tip.Height, tip.Hash)
	want := a.board(t, room, 0)
	require.Equal(t, tip.Hash.String(), want.Tip.Hash)
	for _, n := range []*clusterNode{b, c} {
		got := n.board(t, room, 0)
		require.Equal(t, want.Tip, got.Tip, "the board through a process without the archive")
		require.Equal(t, want.Blocks, got.Blocks)
	}

	// A control sent through c names ann, a peer c knows nothing of (c
	// has nobody in the room): the archive's process decides it, and it
	// is on its board and in its timeline, read through b.
	aid := a.peerID(t, room, "ann")
	var ctl controlResponse
	require.Equal(t, http.StatusOK, c.call(t, "POST", "/api/rooms/"+room+"/control", tok,
		map[string]any{"op": "rename", "peer": aid, "name": "Ann B."}, &ctl))
	require.Eventually(t, func() bool { return b.board(t, room, 0).Control.Seq == ctl.Control.Seq }, wait, 10*time.Millisecond)
	var x node.TimelineExport
	require.Equal(t, http.StatusOK, b.call(t, "GET", "/api/rooms/"+room+"/timeline", tok, nil, &x))
	require.Equal(t, room, x.Room)
	require.Len(t, x.Blocks, int(tip.Height)+1, "the archive's timeline, through b")
	status, e := c.callError(t, "GET", "/api/rooms/"+room+"/timeline", bearerOf("wrong"), nil, nil)
	require.Equal(t, http.StatusForbidden, status, "the teacher's token is checked: %+v", e)

	// CSV goes through too, with its own type.
	req, err := http.NewRequest("GET", c.http.URL+"/api/rooms/"+room+"/timeline?format=csv", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/csv")
}
