package node

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
)

// fakeClock is a Clock that moves only when told. (A stand-in for
// nodetest's FakeClock: small and private, so it can be swapped.)
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires at once when d ≤ 0, else when Advance reaches now + d.
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

// waitTimer waits until someone waits for the time d from now: advancing
// the clock before a timer is set would move its deadline too.
func (c *fakeClock) waitTimer(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		at := c.now.Add(d)
		set := slices.ContainsFunc(c.timers, func(t fakeTimer) bool { return t.at.Equal(at) })
		c.mu.Unlock()
		if set {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody waits for %v from now", d)
		}
		time.Sleep(time.Millisecond)
	}
}

// Advance moves the clock by d and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

// fakeMiner hands every Solve to the test, which answers it or lets its
// context end it.
type fakeMiner struct {
	calls    chan *solveCall
	stubborn bool // Solve returns only when answered, cancelled or not
	mu       sync.Mutex
	running  int
	most     int // most Solves running at once
}

type solveCall struct {
	ctx   context.Context
	hdr   chain.Header
	reply chan solveReply
}

type solveReply struct {
	hdr chain.Header
	err error
}

func newFakeMiner() *fakeMiner { return &fakeMiner{calls: make(chan *solveCall, 64)} }

func (m *fakeMiner) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	m.mu.Lock()
	m.running++
	m.most = max(m.most, m.running)
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.running--
		m.mu.Unlock()
	}()
	c := &solveCall{ctx: ctx, hdr: hdr, reply: make(chan solveReply, 1)}
	m.calls <- c
	done := ctx.Done()
	if m.stubborn {
		done = nil
	}
	select {
	case r := <-c.reply:
		return r.hdr, r.err
	case <-done:
		return hdr, ctx.Err()
	}
}

// next returns the next Solve call.
func (m *fakeMiner) next(t *testing.T) *solveCall {
	t.Helper()
	select {
	case c := <-m.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no Solve call")
		return nil
	}
}

// solve answers c with a real solution.
func (c *solveCall) solve() {
	h := c.hdr
	for !h.HasProofOfWork() {
		h.Nonce++
	}
	c.reply <- solveReply{hdr: h}
}

// cancelled waits until c's context ends.
func (c *solveCall) cancelled(t *testing.T) {
	t.Helper()
	select {
	case <-c.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the search was not abandoned")
	}
}

// loopFixture is a node on a fake clock and a fake Miner, running a
// mining loop whose decisions the test reads from trace.
type loopFixture struct {
	n      *Node
	clock  *fakeClock
	miner  *fakeMiner
	trace  chan string
	events chan Event
	cfg    MineConfig
}

func newLoopFixture(t *testing.T, p chain.Params) *loopFixture {
	t.Helper()
	c, err := chain.New(chain.Config{Params: p})
	require.NoError(t, err)
	f := &loopFixture{clock: newFakeClock(time.UnixMilli(p.GenesisTime + 3_600_000)), miner: newFakeMiner(),
		trace: make(chan string, 256), events: make(chan Event, 256)}
	f.n, err = New(Config{Chain: c, Key: chain.GenerateKey(), Clock: f.clock, Miner: f.miner})
	require.NoError(t, err)
	f.n.Subscribe(func(ev Event) {
		if ev.Kind == EventStatus {
			f.events <- ev
		}
	})
	f.cfg = MineConfig{trace: func(s string) { f.trace <- s }}
	return f
}

// start runs the loop until the end of the test, and checks that it
// returns and leaves no goroutine behind.
func (f *loopFixture) start(t *testing.T) {
	t.Helper()
	m := NewMining(f.n, f.cfg)
	m.Start()
	t.Cleanup(func() { stopAndCheck(t, m) })
}

// stopAndCheck stops m and fails t unless its loop ends promptly with no
// goroutine of the loop left.
func stopAndCheck(t *testing.T, m *Mining) {
	t.Helper()
	select {
	case <-m.Stop():
	case <-time.After(2 * time.Second):
		t.Fatal("the loop did not end within 2 s of Stop")
	}
	require.False(t, m.Running())
	// The goroutine that closed done may still be on its way out.
	deadline := time.Now().Add(2 * time.Second)
	for left := loopGoroutines(); left != ""; left = loopGoroutines() {
		if time.Now().After(deadline) {
			t.Fatalf("a goroutine of the loop outlived it:\n%s", left)
		}
		time.Sleep(time.Millisecond)
	}
}

// loopGoroutines returns the stacks of the goroutines running the loop's
// code, if any.
func loopGoroutines() string {
	buf := make([]byte, 1<<20)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		for _, fn := range []string{"(*mineLoop)", "(*Mining)", "(*minerGate)", "ThreadMiner"} {
			if strings.Contains(g, "node."+fn) {
				out = append(out, g)
				break
			}
		}
	}
	return strings.Join(out, "\n\n")
}

// expect reads the next decisions of the loop.
func (f *loopFixture) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		select {
		case got := <-f.trace:
			require.Equal(t, w, got, "decision %d of %v", i, want)
		case <-time.After(5 * time.Second):
			t.Fatalf("waiting for %q (decision %d of %v)", w, i, want)
		}
	}
}

// quiet fails if the loop made a decision it has not been asked to.
func (f *loopFixture) quiet(t *testing.T) {
	t.Helper()
	select {
	case got := <-f.trace:
		t.Fatalf("unexpected decision %q", got)
	default:
	}
	require.Empty(t, f.miner.calls, "a template was searched that nothing asked for")
}

// post adds a fee-0 post of key i to the node's mempool.
func (f *loopFixture) post(t *testing.T, i int) *chain.Tx {
	t.Helper()
	tx := chaintest.Post(f.n.Chain().ID(), chaintest.Key(i), "", "hi", 0, 0)
	require.NoError(t, f.n.Mempool().Add(tx, f.clock.Now()))
	return tx
}

// twoTxParams are test parameters whose blocks hold one transaction
// besides the coinbase, so a template can be full.
func twoTxParams() chain.Params {
	p := chain.TestParams
	p.MaxBlockTxs = 2
	return p
}

func TestMineLoopMinesAndSubmits(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	c := f.miner.next(t)
	require.Equal(t, uint64(1), c.hdr.Height)
	c.solve()
	f.expect(t, "mined", "template")
	require.Equal(t, uint64(1), f.n.Chain().Tip().Height)
	c = f.miner.next(t)
	require.Equal(t, f.n.Chain().Tip().Hash, c.hdr.PrevHash, "the next template builds on our block")
	f.quiet(t)
}

func TestMineLoopNewTipAbandonsTheTemplate(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	first := f.miner.next(t)

	// A block from the room: the search on the old tip ends at once.
	c := f.n.Chain()
	b := chaintest.NextBlockAt(c, c.Genesis(), f.clock.Now().UnixMilli(), chaintest.Addr(1))
	_, err := c.ProcessBlock(b, f.clock.Now())
	require.NoError(t, err)
	first.cancelled(t)
	f.expect(t, "tip", "template")
	second := f.miner.next(t)
	require.Equal(t, b.Hash(), second.hdr.PrevHash)
	require.Equal(t, uint64(2), second.hdr.Height)

	// A block on a side branch changes nothing.
	side := chaintest.NextBlockAt(c, c.Genesis(), f.clock.Now().UnixMilli()+1, chaintest.Addr(2))
	st, err := c.ProcessBlock(side, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, chain.StatusSideChain, st)
	// Barrier: a post, which the loop must look at; anything the side
	// block set off would come before it.
	f.post(t, 5)
	f.clock.waitTimer(t, f.cfg.withDefaults().Settle)
	f.clock.Advance(f.cfg.withDefaults().Settle)
	f.expect(t, "txs", "template") // the template was empty: the post gets in
	f.miner.next(t)
	f.quiet(t)
}

func TestMineLoopMempoolChangeRefreshesOnce(t *testing.T) {
	f := newLoopFixture(t, twoTxParams())
	settle := f.cfg.withDefaults().Settle
	f.start(t)
	f.expect(t, "template")
	first := f.miner.next(t)

	tx := f.post(t, 5)
	f.clock.waitTimer(t, settle)
	f.clock.Advance(settle - time.Millisecond)
	f.quiet(t) // the template is younger than Settle
	require.NoError(t, first.ctx.Err())
	f.clock.Advance(time.Millisecond)
	first.cancelled(t)
	f.expect(t, "txs", "template")
	second := f.miner.next(t)
	b := f.n.Template() // the same instant builds the same template
	require.Equal(t, tx.ID(), b.Txs[1].ID())
	require.Equal(t, b.Header, second.hdr, "the new template carries the post")

	// A post the full template has no room for leaves it as it is: it is
	// compared once, and the search goes on.
	f.post(t, 6)
	f.clock.waitTimer(t, settle)
	f.clock.Advance(settle)
	f.expect(t, "kept")
	f.quiet(t)
	require.NoError(t, second.ctx.Err())
}

func TestMineLoopBurstOfTransactionsCostsOneTemplate(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	first := f.miner.next(t)
	for i := range 5 {
		f.post(t, 10+i)
	}
	f.clock.waitTimer(t, f.cfg.withDefaults().Settle)
	f.clock.Advance(f.cfg.withDefaults().Settle)
	first.cancelled(t)
	f.expect(t, "txs", "template")
	f.miner.next(t)
	f.quiet(t)
}

func TestMineLoopNothingChangesNothingIsRebuilt(t *testing.T) {
	f := newLoopFixture(t, twoTxParams())
	settle := f.cfg.withDefaults().Settle
	f.start(t)
	f.expect(t, "template")
	f.miner.next(t).solve()
	f.expect(t, "mined", "template")
	f.miner.next(t)
	tx := f.post(t, 5)
	f.clock.waitTimer(t, settle)
	f.clock.Advance(settle)
	f.expect(t, "txs", "template")
	searching := f.miner.next(t)

	// A refused transaction and a block on a side branch change nothing,
	// and time stands still.
	require.ErrorIs(t, f.n.Mempool().Add(tx, f.clock.Now()), chain.ErrDuplicateTx)
	c := f.n.Chain()
	side := chaintest.NextBlockAt(c, c.Genesis(), f.clock.Now().UnixMilli(), chaintest.Addr(1))
	st, err := c.ProcessBlock(side, f.clock.Now())
	require.NoError(t, err)
	require.Equal(t, chain.StatusSideChain, st)
	// The barrier: a change the loop must look at, and keep (the full
	// template holds the first post). Anything the steps above set off
	// would come before it.
	f.post(t, 6)
	f.clock.waitTimer(t, settle)
	f.clock.Advance(settle)
	f.expect(t, "kept")
	f.quiet(t)
	require.NoError(t, searching.ctx.Err())
}

func TestMineLoopMaxAgeRefreshesTheTimestamp(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	maxAge := f.cfg.withDefaults().MaxAge
	f.start(t)
	f.expect(t, "template")
	first := f.miner.next(t)
	f.clock.waitTimer(t, maxAge)
	f.clock.Advance(maxAge - time.Millisecond)
	f.quiet(t)
	f.clock.Advance(time.Millisecond)
	first.cancelled(t)
	f.expect(t, "max-age", "template")
	second := f.miner.next(t)
	require.Equal(t, first.hdr.Time+maxAge.Milliseconds(), second.hdr.Time)
	require.Equal(t, first.hdr.PrevHash, second.hdr.PrevHash)
}

func TestMineLoopNoNonceGivesANewTemplate(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	f.miner.next(t).reply <- solveReply{err: ErrNoNonce}
	f.expect(t, "no-nonce", "template")
	f.miner.next(t)
	f.quiet(t)
}

func TestMineLoopBacksOffAfterAnError(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	backoff := f.cfg.withDefaults().Backoff
	f.start(t)
	f.expect(t, "template")
	f.miner.next(t).reply <- solveReply{err: errors.New("the GPU melted")}
	f.expect(t, "failed")
	ev := <-f.events
	require.Equal(t, CodeStatusMineFailed, ev.Code)
	require.Equal(t, "the GPU melted", ev.Reason)
	f.clock.waitTimer(t, backoff)
	f.clock.Advance(backoff - time.Millisecond)
	f.quiet(t)
	f.clock.Advance(time.Millisecond)
	f.expect(t, "template")
	f.miner.next(t)
}

func TestMineLoopRefusedBlockIsReported(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	call := f.miner.next(t)
	bad := call.hdr // a Miner that lies: a nonce without the proof of work
	for bad.HasProofOfWork() {
		bad.Nonce++
	}
	call.reply <- solveReply{hdr: bad}
	f.expect(t, "failed")
	ev := <-f.events
	require.Equal(t, CodeStatusMineFailed, ev.Code)
	require.Equal(t, chain.Code(chain.ErrHighHash), ev.Reason)
	require.Zero(t, f.n.Chain().Tip().Height)
}

func TestMineLoopWaitsWhileGetMineHasTheMiner(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.start(t)
	f.expect(t, "template")
	bg := f.miner.next(t)

	type result struct {
		b   *chain.Block
		err error
	}
	mined := make(chan result, 1)
	go func() {
		b, err := f.n.MineBlock(context.Background()) // GET /mine
		mined <- result{b, err}
	}()
	bg.cancelled(t)
	f.expect(t, "preempted")
	fg := f.miner.next(t)
	f.quiet(t) // the loop waits: no search of its own beside GET /mine's
	fg.solve()
	r := <-mined
	require.NoError(t, r.err)
	b := r.b
	f.expect(t, "idle", "template")
	next := f.miner.next(t)
	if next.hdr.PrevHash != b.Hash() {
		// The Miner was free before GET /mine submitted its block: the
		// template built in between is abandoned when the block lands.
		next.cancelled(t)
		f.expect(t, "tip", "template")
		next = f.miner.next(t)
	}
	require.Equal(t, b.Hash(), next.hdr.PrevHash, "the loop goes on from GET /mine's block")
	f.quiet(t)
	require.Equal(t, 1, f.miner.most, "two searches ran at once")
}

// TestGetMineWhileThreadMinerMines: with the native Miner, GET /mine
// (MineBlock) during the loop always succeeds and the loop goes on.
func TestGetMineWhileThreadMinerMines(t *testing.T) {
	p := chain.TestParams
	p.Difficulty = 1 << 12 // a few ms a block: the loop is mostly searching
	c, err := chain.New(chain.Config{Params: p})
	require.NoError(t, err)
	n, err := New(Config{Chain: c, Key: chain.GenerateKey(), Miner: ThreadMiner{Threads: 2}})
	require.NoError(t, err)
	m := NewMining(n, MineConfig{})
	m.Start()
	for range 5 {
		b, err := n.MineBlock(context.Background())
		require.NoError(t, err)
		require.True(t, b.Header.HasProofOfWork())
	}
	require.True(t, m.Running())
	require.Eventually(t, func() bool { return c.Tip().Height >= 7 }, 10*time.Second, time.Millisecond, "the loop stopped mining")
	stopAndCheck(t, m)
}

func TestMiningStartStop(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	m := NewMining(f.n, f.cfg)
	require.False(t, m.Running())
	select {
	case <-m.Stop():
	default:
		t.Fatal("a Mining never started is stopped")
	}
	m.Start()
	m.Start() // a second Start changes nothing
	require.True(t, m.Running())
	f.expect(t, "template")
	first := f.miner.next(t)
	done := m.Stop()
	first.cancelled(t)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Stop did not end the loop")
	}
	// Start again: one loop, one search.
	m.Start()
	f.expect(t, "template")
	f.miner.next(t)
	f.quiet(t)
	stopAndCheck(t, m)
	require.Equal(t, 1, f.miner.most)
}

// TestMinerGate: the node's rule for sharing its Miner, search by search.
func TestMinerGate(t *testing.T) {
	m := newFakeMiner()
	g := newMinerGate(m)
	hdr := chain.Header{Height: 1, Difficulty: 2}
	type result struct {
		hdr chain.Header
		err error
	}
	run := func(solve func(context.Context, chain.Header) (chain.Header, error)) chan result {
		out := make(chan result, 1)
		go func() {
			h, err := solve(context.Background(), hdr)
			out <- result{h, err}
		}()
		return out
	}

	// A foreground search preempts a background one...
	bg := run(g.background)
	bgCall := m.next(t)
	fg := run(g.Solve)
	bgCall.cancelled(t)
	require.ErrorIs(t, (<-bg).err, ErrPreempted)
	fgCall := m.next(t)

	// ...a background search does not start beside a foreground one...
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := g.background(ctx, hdr)
	require.ErrorIs(t, err, ErrPreempted)
	idle := make(chan error, 1)
	go func() { idle <- g.waitIdle(context.Background()) }()

	// ...a second foreground search waits for the first...
	fg2 := run(g.Solve)
	require.Empty(t, m.calls)
	fgCall.solve()
	require.NoError(t, (<-fg).err)
	m.next(t).solve()
	require.NoError(t, (<-fg2).err)

	// ...and the background one goes on once they are done.
	require.NoError(t, <-idle)
	bg = run(g.background)
	m.next(t).solve()
	r := <-bg
	require.NoError(t, r.err)
	require.True(t, r.hdr.HasProofOfWork())
	require.Equal(t, 1, m.most)

	// A cancelled background search is not a preemption.
	ctx, cancel = context.WithCancel(context.Background())
	out := make(chan error, 1)
	go func() { _, err := g.background(ctx, hdr); out <- err }()
	m.next(t)
	cancel()
	require.ErrorIs(t, <-out, context.Canceled)
}

// TestMiningRestartWaitsForTheOldLoop: Start right after Stop runs the new
// loop only once the old one has ended, so two loops never share the Miner.
func TestMiningRestartWaitsForTheOldLoop(t *testing.T) {
	f := newLoopFixture(t, chain.TestParams)
	f.miner.stubborn = true
	m := NewMining(f.n, f.cfg)
	m.Start()
	f.expect(t, "template")
	old := f.miner.next(t)
	m.Stop()
	old.cancelled(t)
	m.Start()
	f.quiet(t) // the old loop is still in its search
	old.reply <- solveReply{err: context.Canceled}
	f.expect(t, "template")
	f.miner.next(t).reply <- solveReply{err: context.Canceled}
	stopAndCheck(t, m)
	require.Equal(t, 1, f.miner.most)
}
