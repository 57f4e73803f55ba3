package sched_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/wasm/internal/minerproto"
	"github.com/chainplay/chainplay/wasm/miner/sched"
)

// perHash is how long the fake kernel takes per nonce: a 4K call is
// 0.4 ms, a 64K one 6.6 ms (about the wasm SIMD kernel's pace).
const perHash = 100 * time.Nanosecond

// fakeEnv is a Worker's browser on a virtual clock: a sleep moves the
// clock, a yield does not.
type fakeEnv struct {
	now     time.Time
	reports []report
	pauses  []pause
	wake    chan struct{}
	posted  chan minerproto.Report // every report, when set
	slept   chan time.Duration     // when set, a sleep is told here and the test wakes the Worker
}

type report struct {
	minerproto.Report
	at time.Time
}

type pause struct {
	at    time.Time
	sleep time.Duration // 0: a yield
}

func newEnv() *fakeEnv { return &fakeEnv{now: time.Unix(1000, 0), wake: make(chan struct{}, 1)} }

func (e *fakeEnv) Now() time.Time { return e.now }
func (e *fakeEnv) Post(r minerproto.Report) {
	e.reports = append(e.reports, report{r, e.now})
	if e.posted != nil {
		e.posted <- r
	}
}
func (e *fakeEnv) Yield() {
	e.pauses = append(e.pauses, pause{at: e.now})
	e.wake <- struct{}{}
}
func (e *fakeEnv) Sleep(d time.Duration) {
	e.pauses = append(e.pauses, pause{at: e.now, sleep: d})
	e.now = e.now.Add(d)
	if e.slept != nil {
		e.slept <- d
		return
	}
	e.wake <- struct{}{}
}

func (e *fakeEnv) kinds() []string {
	var out []string
	for _, r := range e.reports {
		out = append(out, r.Kind)
	}
	return out
}

// fakeKernel finds solution (if the job's range holds it) and takes
// perHash per nonce on env's clock.
type fakeKernel struct {
	env      *fakeEnv
	solution uint64 // math.MaxUint64: none
	calls    *[]call
	onCall   func(n int) // after the n-th call (from 1), if set
}

type call struct {
	start, count uint64
	at           time.Time // when it began
}

func (k *fakeKernel) Scan(start, count uint64) (uint64, bool, [32]byte, uint64) {
	*k.calls = append(*k.calls, call{start, count, k.env.now})
	n, found := count, false
	if k.solution >= start && k.solution-start < count {
		n, found = k.solution-start+1, true
	}
	k.env.now = k.env.now.Add(time.Duration(n) * perHash)
	var best [32]byte
	best[0] = byte(255 - len(*k.calls)) // lower with every call
	if k.onCall != nil {
		k.onCall(len(*k.calls))
	}
	return k.solution, found, best, start
}

// fixture is a Worker on a fake env and kernel.
type fixture struct {
	env      *fakeEnv
	w        *sched.Worker
	calls    []call
	solution uint64
	onCall   func(n int)
}

func newFixture(first, most uint64) *fixture {
	f := &fixture{env: newEnv(), solution: math.MaxUint64}
	eng := sched.Engine{Kind: "fake", FirstCall: first, MaxCall: most,
		NewKernel: func([minerproto.HeaderSize]byte, [32]byte) sched.Kernel {
			return &fakeKernel{env: f.env, solution: f.solution, calls: &f.calls, onCall: f.onCall}
		}}
	f.w = sched.New(eng, sched.Env{Now: f.env.Now, Post: f.env.Post, Yield: f.env.Yield, Sleep: f.env.Sleep})
	return f
}

func job(id, start, count uint64) minerproto.Command {
	return minerproto.Command{Type: minerproto.TypeJob, Job: minerproto.Job{ID: id, Start: start, Count: count}}
}

// run works slices until the job ends or the clock passes d, and returns
// the slices' work and sleeps.
func (f *fixture) run(t *testing.T, d time.Duration) (work, sleeps []time.Duration) {
	t.Helper()
	end := f.env.now.Add(d)
	for f.w.Busy() && f.env.now.Before(end) {
		began := f.env.now
		sleep := f.w.Slice(nil)
		work = append(work, f.env.now.Sub(began))
		if sleep > 0 {
			sleeps = append(sleeps, sleep)
			f.env.now = f.env.now.Add(sleep)
		}
	}
	return work, sleeps
}

func TestCallsGrowFromFirstToMax(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(1, 0, 1<<20))
	f.run(t, 100*time.Millisecond)
	var sizes []uint64
	for _, c := range f.calls[:7] {
		sizes = append(sizes, c.count)
	}
	require.Equal(t, []uint64{4096, 8192, 16384, 32768, 65536, 65536, 65536}, sizes)

	// The growth is the Worker's, not the job's: a new job starts at Max,
	// and the last call of a range takes only what is left.
	f.calls = nil
	f.w.Handle(job(2, 10, 70000))
	f.run(t, time.Second)
	require.Equal(t, []call{{10, 65536, f.calls[0].at}, {10 + 65536, 70000 - 65536, f.calls[1].at}}, f.calls)
	require.Equal(t, minerproto.TypeExhausted, f.env.reports[len(f.env.reports)-1].Kind)
}

func TestFixedCallSize(t *testing.T) {
	f := newFixture(0, 1<<15) // the Go kernel: no growth
	f.w.Handle(job(1, 0, 1<<20))
	f.run(t, 50*time.Millisecond)
	for _, c := range f.calls {
		require.Equal(t, uint64(1<<15), c.count)
	}
}

func TestYieldsEveryYieldEveryOfWork(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(1, 0, 1<<40))
	work, sleeps := f.run(t, time.Second)
	require.Empty(t, sleeps, "at full duty the Worker only yields")
	require.Greater(t, len(work), 30)
	longestCall := time.Duration(1<<16) * perHash
	for i, w := range work {
		require.LessOrEqual(t, w, sched.YieldEvery+longestCall, "slice %d ran %v without a yield", i, w)
		require.GreaterOrEqual(t, w, sched.YieldEvery, "slice %d yielded after %v: too often", i, w)
	}
}

func TestThrottle30PercentWorks30PercentOfEachPeriod(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(minerproto.Command{Type: minerproto.TypeThrottle, Duty: 0.3})
	f.w.Handle(job(1, 0, 1<<40))
	began := f.env.now
	var worked, slept, period time.Duration
	var periods int
	longestCall := time.Duration(1<<16) * perHash
	for f.env.now.Sub(began) < 2*time.Second {
		t0 := f.env.now
		sleep := f.w.Slice(nil)
		w := f.env.now.Sub(t0)
		require.LessOrEqual(t, w, sched.YieldEvery+longestCall, "a throttled slice ran %v without a yield", w)
		worked += w
		period += w
		if sleep > 0 {
			// Each period works 30 ms (plus at most a call), then sleeps
			// so that the work is 30 % of it.
			require.InDelta(t, 30*time.Millisecond, period, float64(longestCall), "work of period %d", periods)
			require.InDelta(t, 0.3, float64(period)/float64(period+sleep), 0.001)
			slept += sleep
			f.env.now = f.env.now.Add(sleep)
			period = 0
			periods++
		}
	}
	require.InDelta(t, 0.3, float64(worked)/float64(worked+slept), 0.01)
	require.InDelta(t, 20, periods, 2, "about one period per 100 ms")
}

// TestThrottleAfterFullSpeed: a throttle set while the Worker runs at full
// duty takes effect at once: the work at full speed does not count
// against the first throttled period.
func TestThrottleAfterFullSpeed(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(1, 0, 1<<40))
	f.run(t, time.Second)
	f.w.Handle(minerproto.Command{Type: minerproto.TypeThrottle, Duty: 0.3})
	longestCall := time.Duration(1<<16) * perHash
	_, sleeps := f.run(t, time.Second)
	require.NotEmpty(t, sleeps)
	for _, d := range sleeps {
		require.InDelta(t, 70*time.Millisecond, d, float64(3*longestCall))
	}
	// Back at full speed, the Worker only yields.
	f.w.Handle(minerproto.Command{Type: minerproto.TypeThrottle, Duty: 1})
	_, sleeps = f.run(t, time.Second)
	require.Empty(t, sleeps)
}

func TestDutyIsClamped(t *testing.T) {
	f := newFixture(4096, 1<<16)
	for _, c := range []struct{ in, want float64 }{{0.01, sched.MinDuty}, {5, 1}, {0.5, 0.5}} {
		f.w.Handle(minerproto.Command{Type: minerproto.TypeThrottle, Duty: c.in})
		require.Equal(t, c.want, f.w.Duty())
	}
	f.w.Handle(minerproto.Command{Type: minerproto.TypeJob, Job: minerproto.Job{ID: 1, Count: 10, Duty: 0.2}})
	require.Equal(t, 0.2, f.w.Duty(), "a job carries the duty")
	f.w.Handle(minerproto.Command{Type: minerproto.TypeJob, Job: minerproto.Job{ID: 2, Count: 10}})
	require.Equal(t, 0.2, f.w.Duty(), "a job without a duty keeps it")
}

func TestProgressAtMostEveryReportEvery(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(1, 0, 1<<40))
	began := f.env.now
	f.run(t, 2*time.Second)
	last := began
	n := 0
	for _, r := range f.env.reports {
		require.Equal(t, minerproto.TypeProgress, r.Kind)
		gap := r.at.Sub(last)
		require.GreaterOrEqual(t, gap, sched.ReportEvery)
		require.LessOrEqual(t, gap, sched.ReportEvery+time.Duration(1<<16)*perHash)
		require.Equal(t, r.at.Sub(began), r.Elapsed)
		require.Equal(t, uint64(r.Elapsed/perHash), r.Hashes, "hashes so far")
		last = r.at
		n++
	}
	require.InDelta(t, 8, n, 1)
	// The best hash is the lowest the kernel reported.
	require.Less(t, f.env.reports[n-1].Best[0], f.env.reports[0].Best[0])
}

func TestFoundReport(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.solution = 1000 + 12345
	f.w.Handle(job(4, 1000, 1<<20))
	began := f.env.now
	f.run(t, time.Second)
	require.False(t, f.w.Busy())
	require.Equal(t, []string{minerproto.TypeFound}, f.env.kinds())
	r := f.env.reports[0]
	require.Equal(t, uint64(4), r.ID)
	require.Equal(t, f.solution, r.Nonce)
	require.Equal(t, uint64(12346), r.Hashes, "up to and including the nonce found")
	require.Equal(t, mine.HashWithNonce([minerproto.HeaderSize]byte{}, f.solution), r.Hash)
	require.Equal(t, f.env.now.Sub(began), r.Elapsed)
}

func TestExhaustedReport(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(5, 7, 100_000))
	f.run(t, time.Second)
	require.Equal(t, []string{minerproto.TypeExhausted}, f.env.kinds())
	require.Equal(t, uint64(100_000), f.env.reports[0].Hashes)
	var sum uint64
	for _, c := range f.calls {
		sum += c.count
	}
	require.Equal(t, uint64(100_000), sum, "no nonce twice, none past the range")
}

func TestStoppedReports(t *testing.T) {
	f := newFixture(4096, 1<<16)
	f.w.Handle(job(1, 0, 1<<40))
	f.w.Slice(nil)
	scanned := f.scanned()
	f.w.Handle(job(2, 0, 1<<40)) // a new job ends the old one
	f.w.Slice(nil)
	f.w.Handle(minerproto.Command{Type: minerproto.TypeStop})
	f.w.Handle(minerproto.Command{Type: minerproto.TypeStop}) // nothing left to stop
	require.Equal(t, []string{minerproto.TypeStopped, minerproto.TypeStopped}, f.env.kinds())
	require.Equal(t, uint64(1), f.env.reports[0].ID)
	require.Equal(t, scanned, f.env.reports[0].Hashes)
	require.Equal(t, uint64(2), f.env.reports[1].ID)
	require.Equal(t, f.scanned()-scanned, f.env.reports[1].Hashes)
	require.False(t, f.w.Busy())
}

func (f *fixture) scanned() uint64 {
	var n uint64
	for _, c := range f.calls {
		n += c.count
	}
	return n
}

// serve runs the Worker's Serve on its own goroutine until the returned
// stop is called.
func (f *fixture) serve(cmds chan minerproto.Command) (stop func()) {
	done := make(chan struct{})
	go func() { defer close(done); f.w.Serve(cmds, f.env.wake) }()
	return func() { close(cmds); <-done }
}

// TestStopBetweenCallsIsHonoured: a stop that arrives while the Worker
// works ends the job before its next kernel call.
func TestStopBetweenCallsIsHonoured(t *testing.T) {
	f := newFixture(4096, 1<<16)
	cmds := make(chan minerproto.Command, 4)
	f.env.posted = make(chan minerproto.Report, 1024)
	f.onCall = func(n int) {
		if n == 3 {
			cmds <- minerproto.Command{Type: minerproto.TypeStop}
		}
	}
	cmds <- job(1, 0, 1<<40)
	stop := f.serve(cmds)
	r := <-f.env.posted
	stop()
	require.Equal(t, minerproto.TypeStopped, r.Kind)
	require.Len(t, f.calls, 3, "a kernel call after the stop")
	require.Equal(t, uint64(4096+8192+16384), r.Hashes)
}

// TestNewJobBetweenCallsIsHonoured: a new job that arrives while the
// Worker works replaces the old one before its next kernel call.
func TestNewJobBetweenCallsIsHonoured(t *testing.T) {
	f := newFixture(4096, 1<<16)
	cmds := make(chan minerproto.Command, 4)
	f.env.posted = make(chan minerproto.Report, 1024)
	f.onCall = func(n int) {
		if n == 2 {
			cmds <- job(2, 1<<50, 1<<40)
		}
	}
	cmds <- job(1, 0, 1<<40)
	stop := f.serve(cmds)
	r := <-f.env.posted
	require.Equal(t, minerproto.TypeStopped, r.Kind)
	require.Equal(t, uint64(1), r.ID)
	require.Equal(t, uint64(4096+8192), r.Hashes)
	// Let the second job run to its first progress report, then stop.
	for r = <-f.env.posted; r.Kind != minerproto.TypeProgress; r = <-f.env.posted {
	}
	stop()
	require.Equal(t, uint64(2), r.ID)
	for _, c := range f.calls[2:] {
		require.GreaterOrEqual(t, c.start, uint64(1<<50), "a call of the old job after the new one came")
	}
}

// TestCommandsDuringASleepAreHandled: a throttled Worker handles a stop
// while it sleeps, and still takes the wake-up it asked for.
func TestCommandsDuringASleepAreHandled(t *testing.T) {
	f := newFixture(4096, 1<<16)
	cmds := make(chan minerproto.Command, 4)
	f.env.posted = make(chan minerproto.Report, 1024)
	f.env.slept = make(chan time.Duration, 1)
	cmds <- minerproto.Command{Type: minerproto.TypeThrottle, Duty: 0.2}
	cmds <- job(1, 0, 1<<40)
	stop := f.serve(cmds)
	d := <-f.env.slept // asleep, and nobody wakes it
	require.InDelta(t, 80*time.Millisecond, d, float64(4*(1<<16)*perHash), "20 ms of work, then 80 ms asleep")
	cmds <- minerproto.Command{Type: minerproto.TypeStop}
	r := <-f.env.posted
	require.Equal(t, minerproto.TypeStopped, r.Kind)
	calls := len(f.calls)
	f.env.wake <- struct{}{}
	cmds <- job(2, 0, 10) // after the wake-up, the Worker works again
	r = <-f.env.posted
	stop()
	require.Equal(t, minerproto.TypeExhausted, r.Kind)
	require.Equal(t, calls+1, len(f.calls))
}
