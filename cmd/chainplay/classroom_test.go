//go:build !js

package main

import (
	"context"
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/view"
)

// pacedMiner is a Miner that "hashes" at Rate hashes a second of real
// time without using the CPU, and never finds a block: a test measures
// the hashes it tried (HashCounter) under the teacher's throttle exactly,
// however loaded the machine is.
type pacedMiner struct {
	Rate   float64
	active atomic.Int32 // Solves running
	mu     sync.Mutex
	done   float64 // hashes of the finished Solves
	start  time.Time
}

func (m *pacedMiner) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	m.active.Add(1)
	defer m.active.Add(-1)
	began := time.Now()
	m.mu.Lock()
	m.start = began
	m.mu.Unlock()
	<-ctx.Done()
	m.mu.Lock()
	m.done += time.Since(began).Seconds() * m.Rate
	m.start = time.Time{}
	m.mu.Unlock()
	return hdr, ctx.Err()
}

// Hashes implements node.HashCounter, the running Solve included.
func (m *pacedMiner) Hashes() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.done
	if !m.start.IsZero() {
		h += time.Since(m.start).Seconds() * m.Rate
	}
	return uint64(h)
}

// classPeer is a native peer that joined a room the way cmd/node does
// (node.FetchRoom, which brings the control key) and records its events.
type classPeer struct {
	*node.Node
	id     func() string
	miner  *pacedMiner
	mu     sync.Mutex
	events []node.Event
}

func (p *classPeer) rejected(code string) []node.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []node.Event
	for _, e := range p.events {
		if e.Kind == node.EventRejected && e.Code == code {
			out = append(out, e)
		}
	}
	return out
}

// joinClass joins a peer to room; with a miner, its mining loop runs
// with a 100 ms duty period.
func (ts *testServer) joinClass(t *testing.T, room, name string, miner *pacedMiner) *classPeer {
	t.Helper()
	info, err := node.FetchRoom(context.Background(), ts.ws+"/ws/"+room)
	require.NoError(t, err)
	require.Len(t, info.ControlKey, 32, "the room's API gives the control key")
	c, err := chain.New(chain.Config{Params: info.Params})
	require.NoError(t, err)
	cfg := node.Config{Chain: c, Key: chain.GenerateKey(), Name: name, Miner: node.ThreadMiner{Threads: 1}, ControlKey: info.ControlKey}
	if miner != nil {
		cfg.Miner = miner
	}
	n, err := node.New(cfg)
	require.NoError(t, err)
	p := &classPeer{Node: n, miner: miner}
	n.Subscribe(func(ev node.Event) {
		p.mu.Lock()
		p.events = append(p.events, ev)
		p.mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = n.StayJoined(ctx, node.RoomJoinConfig(ts.ws+"/ws/"+room, name, info))
	}()
	if miner != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = n.MineLoop(ctx, node.MineConfig{DutyPeriod: 100 * time.Millisecond, MaxAge: time.Hour})
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	require.Eventually(t, func() bool { return n.Self() != "" }, wait, 5*time.Millisecond)
	p.id = n.Self
	return p
}

// control sends a teacher control and checks it was announced.
func (ts *testServer) sendControl(t *testing.T, room, token string, req map[string]any) node.Control {
	t.Helper()
	var out controlResponse
	status, e := ts.callError(t, "POST", "/api/rooms/"+room+"/control", bearerOf(token), req, &out)
	require.Equal(t, http.StatusOK, status, "%+v", e)
	return out.Control
}

// obeyed waits until every peer obeys the control of sequence seq.
func obeyed(t *testing.T, seq uint64, peers ...*classPeer) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, p := range peers {
			if c, _ := p.Control(); c.Seq != seq {
				return false
			}
		}
		return true
	}, wait, 5*time.Millisecond, "every peer obeys control #%d", seq)
}

// rates measures each miner's hashes a second over d.
func rates(peers []*classPeer, d time.Duration) []float64 {
	before := make([]uint64, len(peers))
	for i, p := range peers {
		before[i] = p.miner.Hashes()
	}
	start := time.Now()
	time.Sleep(d)
	el := time.Since(start).Seconds()
	out := make([]float64, len(peers))
	for i, p := range peers {
		out[i] = float64(p.miner.Hashes()-before[i]) / el
	}
	return out
}

// The teacher's controls over a room of native peers on the real relay:
// refused without the token; a pause stops every miner within a second
// and a resume restarts them; a throttle and a hash share show in the
// measured rates, the miners' own and the room's as the board reports
// them, within ±15 %; a student's forged control is refused by every
// peer and the archive.
func TestTeacherControlsOverTheRoom(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	room := ts.createRoom(t, "ctl", map[string]any{"difficulty": 1 << 40, "retarget_interval": 0})
	token := room.TeacherToken
	const R = 200_000.0
	var peers []*classPeer
	for _, name := range []string{"ana", "ben", "cai"} {
		peers = append(peers, ts.joinClass(t, "ctl", name, &pacedMiner{Rate: R}))
	}
	miningAll := func() bool {
		for _, p := range peers {
			if p.miner.active.Load() == 0 {
				return false
			}
		}
		return true
	}
	require.Eventually(t, miningAll, wait, 5*time.Millisecond)

	// Without the token, or with a wrong one: refused, nothing announced.
	status, e := ts.callError(t, "POST", "/api/rooms/ctl/control", "", map[string]any{"op": "pause"}, nil)
	require.Equal(t, http.StatusUnauthorized, status)
	status, e = ts.callError(t, "POST", "/api/rooms/ctl/control", bearerOf("nope"), map[string]any{"op": "pause"}, nil)
	require.Equal(t, http.StatusForbidden, status)
	status, e = ts.callError(t, "POST", "/api/rooms/ctl/control", bearerOf(token), map[string]any{"op": "throttle", "pct": 0}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "bad-control", e.Code)
	status, e = ts.callError(t, "POST", "/api/rooms/ctl/control", bearerOf(token), map[string]any{"op": "share", "peer": "p999", "pct": 50}, nil)
	require.Equal(t, http.StatusNotFound, status)
	status, _ = ts.callError(t, "POST", "/api/rooms/ctl/control", bearerOf(token), map[string]any{"op": "fly"}, nil)
	require.Equal(t, http.StatusBadRequest, status)
	for _, p := range peers {
		c, _ := p.Control()
		require.Zero(t, c.Seq)
	}

	// Pause: every miner stops within a second; resume: they start again.
	start := time.Now()
	c := ts.sendControl(t, "ctl", token, map[string]any{"op": "pause"})
	require.Eventually(t, func() bool {
		for _, p := range peers {
			if p.miner.active.Load() != 0 {
				return false
			}
		}
		return true
	}, time.Second, time.Millisecond, "every miner stops within a second of the pause")
	t.Logf("pause: every miner stopped %v after the request", time.Since(start).Round(time.Millisecond))
	obeyed(t, c.Seq, peers...)
	before := make([]uint64, len(peers))
	for i, p := range peers {
		before[i] = p.miner.Hashes()
	}
	time.Sleep(300 * time.Millisecond)
	for i, p := range peers {
		require.Equal(t, before[i], p.miner.Hashes(), "%s tried no hash while paused", p.Name())
	}
	start = time.Now()
	ts.sendControl(t, "ctl", token, map[string]any{"op": "resume"})
	require.Eventually(t, miningAll, time.Second, time.Millisecond, "every miner mines again within a second of the resume")
	t.Logf("resume: every miner mining %v after the request", time.Since(start).Round(time.Millisecond))

	// Throttle to 50 %: every miner's rate halves.
	c = ts.sendControl(t, "ctl", token, map[string]any{"op": "throttle", "pct": 50})
	obeyed(t, c.Seq, peers...)
	for i, r := range rates(peers, 2*time.Second) {
		require.InEpsilon(t, 0.5*R, r, 0.15, "%s mines at half speed", peers[i].Name())
	}
	// The room's rates as the board shows them, from the peers' reports.
	require.Eventually(t, func() bool {
		b := ts.board(t, "ctl", 0)
		if len(b.Peers) != 3 {
			return false
		}
		for _, p := range b.Peers {
			if !p.Mining || math.Abs(p.Rate-0.5*R) > 0.15*0.5*R || math.Abs(p.Duty-0.5) > 1e-9 {
				return false
			}
		}
		return true
	}, 3*node.StatsEvery+time.Second, 100*time.Millisecond, "the board shows every peer at half speed: %+v", ts.board(t, "ctl", 0).Peers)

	// Back to full speed, then a 60 % share for ana: the others slow down.
	ts.sendControl(t, "ctl", token, map[string]any{"op": "throttle", "pct": 100})
	time.Sleep(node.StatsEvery + 500*time.Millisecond) // a report at full speed reaches the archive
	ana := peers[0]
	c = ts.sendControl(t, "ctl", token, map[string]any{"op": "share", "peer": ana.id(), "pct": 60})
	require.NotNil(t, c.State.Share)
	require.InDelta(t, 1.0/3, c.State.Duty[peers[1].id()], 0.1, "the others mine a third of the time: %v", c.State.Duty)
	obeyed(t, c.Seq, peers...)
	r := rates(peers, 2*time.Second)
	require.InEpsilon(t, 0.60, r[0]/(r[0]+r[1]+r[2]), 0.15, "ana holds 60 %% of the room's hash rate: %v", r)
	require.Eventually(t, func() bool {
		for _, p := range ts.board(t, "ctl", 0).Peers {
			if p.ID == ana.id() {
				return math.Abs(p.Share-0.6) <= 0.15*0.6
			}
		}
		return false
	}, 3*node.StatsEvery+time.Second, 100*time.Millisecond, "the board shows ana's 60 %% share")

	// A student sends a control of its own through the relay: refused by
	// every peer (the archive too) as forged, reported with its peer id.
	student, err := node.DialRelay(context.Background(), ts.ws+"/ws/ctl", "mallory")
	require.NoError(t, err)
	defer student.Close()
	welcome, err := student.Recv(context.Background())
	require.NoError(t, err)
	var pb node.PeersBody
	require.NoError(t, welcome.DecodeBody(&pb))
	forged, err := node.SignControl(chain.GenerateKey(), node.Control{Room: "ctl", Epoch: room.Epoch, Seq: 1 << 40, Op: "pause", State: node.ControlState{Paused: true}})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", forged)
	require.NoError(t, err)
	require.NoError(t, student.Send(context.Background(), m))
	arch, _ := ts.archives.Node("ctl")
	require.Eventually(t, func() bool {
		for _, p := range peers {
			if len(p.rejected(node.CodeControlForged)) == 0 {
				return false
			}
		}
		return true
	}, wait, 5*time.Millisecond, "every peer refuses the forged control")
	for _, p := range peers {
		ev := p.rejected(node.CodeControlForged)[0]
		require.Equal(t, pb.You, ev.Peer, "the log names the student")
		c, _ := p.Control()
		require.False(t, c.State.Paused, "%s still mines", p.Name())
	}
	ac, _ := arch.Control()
	require.False(t, ac.State.Paused)
	require.Eventually(t, miningAll, time.Second, time.Millisecond)
}

// board reads the room's board (at: 0 for now).
func (ts *testServer) board(t *testing.T, room string, at int64) view.BoardView {
	t.Helper()
	var b view.BoardView
	path := "/api/rooms/" + room + "/board"
	if at > 0 {
		path += "?at=" + strconv.FormatInt(at, 10)
	}
	require.Equal(t, http.StatusOK, ts.call(t, "GET", path, "", nil, &b))
	return b
}

// A split on the real relay: the two groups' tips diverge while the
// board (the archive, an observer) shows both branches; heal, and the
// room converges on the most work; the board and the timeline show the
// reorg, the orphaned block and the reverted transaction; latency shows
// in block arrival times; the board replays a past moment.
func TestSplitHealLatencyAndTheTimeline(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	token := ts.createRoom(t, "split", map[string]any{"retarget_interval": 0}).TeacherToken
	a := ts.joinClass(t, "split", "ana", nil)
	b := ts.joinClass(t, "split", "ben", nil)
	arch := func() *node.Node { n, _ := ts.archives.Node("split"); return n }
	require.Eventually(t, func() bool { return arch() != nil && len(arch().Peers()) == 2 }, wait, 5*time.Millisecond)

	c := ts.sendControl(t, "split", token, map[string]any{"op": "split", "groups": map[string]int{a.id(): 1, b.id(): 2}})
	obeyed(t, c.Seq, a, b)
	require.Equal(t, map[string]int{a.id(): 1, b.id(): 2}, ts.relay.Groups("split"))

	post := chaintest.Post(a.Chain().ID(), chaintest.Key(3), "ana", "reverted soon", 0, 0)
	require.NoError(t, a.Mempool().Add(post, time.Now()))
	a1, err := a.MineBlock(context.Background())
	require.NoError(t, err)
	require.Len(t, a1.Txs, 2)
	waitTip(t, arch(), a1.Hash())
	var bBlocks []*chain.Block
	for range 2 {
		blk, err := b.MineBlock(context.Background())
		require.NoError(t, err)
		bBlocks = append(bBlocks, blk)
	}
	waitTip(t, arch(), bBlocks[1].Hash())
	require.Equal(t, a1.Hash(), a.Chain().Tip().Hash, "ana never heard ben's blocks")
	require.Equal(t, uint64(2), b.Chain().Tip().Height, "ben is at #2")
	_, known := b.Chain().BlockByHash(a1.Hash())
	require.False(t, known, "ben never heard ana's block")

	split := ts.board(t, "split", 0)
	require.True(t, split.Split)
	require.GreaterOrEqual(t, split.Tree.Lanes, 2, "the board shows both branches")
	require.Equal(t, 1, split.Count.Stale)
	then := time.Now().UnixMilli()
	time.Sleep(5 * time.Millisecond)

	ts.sendControl(t, "split", token, map[string]any{"op": "heal"})
	b3, err := b.MineBlock(context.Background())
	require.NoError(t, err)
	waitTip(t, a.Node, b3.Hash())
	waitTip(t, arch(), b3.Hash())
	require.Eventually(t, func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		for _, e := range a.events {
			if e.Kind == node.EventReorg {
				return true
			}
		}
		return false
	}, wait, 5*time.Millisecond, "ana reorged onto ben's branch")

	healed := ts.board(t, "split", 0)
	require.False(t, healed.Split)
	require.GreaterOrEqual(t, healed.Count.Reorgs, 1, "the board counts the reorg")
	require.Equal(t, 1, healed.Count.Stale)
	require.Equal(t, 1, healed.Count.Reverted)
	past := ts.board(t, "split", then)
	require.Equal(t, then, past.At)
	require.Equal(t, bBlocks[1].Hash().String(), past.Tip.Hash, "the replay shows the tip of that moment")

	var x node.TimelineExport
	require.Equal(t, http.StatusOK, ts.call(t, "GET", "/api/rooms/split/timeline", bearerOf(token), nil, &x))
	require.Len(t, x.Orphaned, 1)
	require.Equal(t, a1.Hash().String(), x.Orphaned[0].Hash)
	require.Len(t, x.Reverted, 1)
	require.Equal(t, post.ID().String(), x.Reverted[0].ID)
	var ops []string
	for _, e := range x.Entries {
		if e.Kind == node.KindControl {
			ops = append(ops, e.Op)
		}
	}
	require.Equal(t, []string{"split", "heal"}, ops, "the timeline lists the teacher's controls")
	require.Equal(t, http.StatusUnauthorized, ts.call(t, "GET", "/api/rooms/split/timeline", "", nil, nil))

	resp, err := ts.http.Client().Do(mustRequest(t, "GET", ts.http.URL+"/api/rooms/split/timeline?format=csv", bearerOf(token)))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows, err := csv.NewReader(resp.Body).ReadAll()
	require.NoError(t, err)
	var orphanRow, revertRow bool
	for _, r := range rows {
		orphanRow = orphanRow || r[1] == "orphaned-block" && r[4] == a1.Hash().String()
		revertRow = revertRow || r[1] == "reverted-tx" && r[11] == post.ID().String()
	}
	require.True(t, orphanRow && revertRow, "the CSV lists the orphaned block and the reverted transaction")

	// Latency: 400 ms on ben's frames shows in when his blocks arrive.
	ts.sendControl(t, "split", token, map[string]any{"op": "latency", "peer": b.id(), "ms": 400})
	_, delays := ts.relay.Latency("split")
	require.Equal(t, map[string]time.Duration{b.id(): 400 * time.Millisecond}, delays, "the relay holds ben's frames 400 ms")
	start := time.Now()
	b4, err := b.MineBlock(context.Background())
	require.NoError(t, err)
	waitTip(t, a.Node, b4.Hash())
	slow := time.Since(start)
	ts.sendControl(t, "split", token, map[string]any{"op": "latency", "peer": b.id(), "ms": 0})
	start = time.Now()
	b5, err := b.MineBlock(context.Background())
	require.NoError(t, err)
	waitTip(t, a.Node, b5.Hash())
	fast := time.Since(start)
	t.Logf("block arrival: %v with 400 ms of latency, %v without", slow.Round(time.Millisecond), fast.Round(time.Millisecond))
	require.GreaterOrEqual(t, slow, 400*time.Millisecond, "ben's block was held")
	// Without the latency nothing holds ben's frames: the relay says so
	// (how soon his block then comes is the machine's, not a rule's — a
	// timed bound here failed once under a loaded test run).
	_, delays = ts.relay.Latency("split")
	require.Empty(t, delays, "the latency is lifted")
}

func mustRequest(t *testing.T, method, url, auth string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	return req
}
