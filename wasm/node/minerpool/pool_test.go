package minerpool_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/wasm/node/minerpool"
)

// behaviour makes a fake worker misbehave on its first job.
type behaviour int

const (
	honest    behaviour = iota
	lie                 // claim a wrong nonce once, then search honestly
	crash               // crash instead of searching
	exhaust             // report its range exhausted at once
	claimHuge           // claim nonce 2^53+1 once, then search honestly
	neverFind           // hash but never report a solution
	manual              // do nothing: the test reports for it
)

// fakeWorker runs the real kernel on a goroutine, like wasm/miner does in a
// Web Worker.
type fakeWorker struct {
	f      *farm
	index  int // spawn order
	report func(minerpool.Report)
	cmds   chan any
	done   chan struct{}
}

type stopCmd struct{}
type dutyCmd float64

func (w *fakeWorker) Start(j minerpool.Job) { w.send(j) }
func (w *fakeWorker) Stop()                 { w.send(stopCmd{}) }
func (w *fakeWorker) SetDuty(d float64)     { w.send(dutyCmd(d)) }
func (w *fakeWorker) Close() {
	w.f.mu.Lock()
	w.f.closed++
	w.f.mu.Unlock()
	close(w.done)
}

func (w *fakeWorker) send(c any) {
	w.f.mu.Lock()
	w.f.log = append(w.f.log, logEntry{w.index, c})
	w.f.mu.Unlock()
	select {
	case w.cmds <- c:
	case <-w.done:
	}
}

func (w *fakeWorker) run(b behaviour) {
	w.report(minerpool.Report{Kind: minerpool.KindReady})
	if b == manual {
		for {
			select {
			case <-w.cmds:
			case <-w.done:
				return
			}
		}
	}
	var (
		j      *minerpool.Job
		k      *mine.Job
		pos    uint64
		hashes uint64
		began  time.Time
	)
	for {
		var c any
		if j == nil {
			select {
			case c = <-w.cmds:
			case <-w.done:
				return
			}
		} else {
			select {
			case c = <-w.cmds:
			case <-w.done:
				return
			default:
			}
		}
		switch c := c.(type) {
		case minerpool.Job:
			if j != nil {
				w.report(minerpool.Report{Kind: minerpool.KindStopped, ID: j.ID, Hashes: hashes, Elapsed: time.Since(began)})
			}
			j, k, pos, hashes, began = &c, mine.NewJob(c.Header, c.Target), c.Start, 0, time.Now()
			switch b {
			case crash:
				w.report(minerpool.Report{Kind: minerpool.KindCrash, Err: "panic: test"})
				<-w.done
				return
			case exhaust:
				w.report(minerpool.Report{Kind: minerpool.KindExhausted, ID: j.ID, Hashes: c.Count})
				j = nil
				continue
			case claimHuge:
				b = honest
				w.report(minerpool.Report{Kind: minerpool.KindFound, ID: j.ID, Nonce: chain.MaxSafeInteger + 2, Hashes: 1})
				j = nil
				continue
			case lie:
				b = honest
				w.report(minerpool.Report{Kind: minerpool.KindFound, ID: j.ID, Nonce: c.Start + 7, Hashes: 8})
				j = nil
				continue
			}
		case stopCmd:
			if j != nil {
				w.report(minerpool.Report{Kind: minerpool.KindStopped, ID: j.ID, Hashes: hashes, Elapsed: time.Since(began)})
				j = nil
			}
			continue
		case dutyCmd:
			continue
		}
		if j == nil {
			continue
		}
		n := min(uint64(1024), j.Start+j.Count-pos)
		nonce, found, best, bestNonce := k.Scan(pos, n)
		if found && b != neverFind {
			hashes += nonce - pos + 1
			w.report(minerpool.Report{Kind: minerpool.KindFound, ID: j.ID, Nonce: nonce, Hashes: hashes, Elapsed: time.Since(began)})
			j = nil
			continue
		}
		pos += n
		hashes += n
		w.report(minerpool.Report{Kind: minerpool.KindProgress, ID: j.ID, Hashes: hashes, Elapsed: time.Since(began) + 100*time.Millisecond,
			Best: best, BestNonce: bestNonce})
		if pos == j.Start+j.Count {
			w.report(minerpool.Report{Kind: minerpool.KindExhausted, ID: j.ID, Hashes: hashes})
			j = nil
		}
	}
}

type logEntry struct {
	worker int
	cmd    any
}

// farm spawns fake workers; behaviours[i] is the i-th spawn's (honest
// beyond the list).
type farm struct {
	behaviours []behaviour

	mu      sync.Mutex
	workers []*fakeWorker
	log     []logEntry
	closed  int
	events  []string
}

func (f *farm) spawn(report func(minerpool.Report)) minerpool.Worker {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &fakeWorker{f: f, index: len(f.workers), report: report, cmds: make(chan any, 16), done: make(chan struct{})}
	b := honest
	if w.index < len(f.behaviours) {
		b = f.behaviours[w.index]
	}
	f.workers = append(f.workers, w)
	go w.run(b)
	return w
}

func (f *farm) onEvent(text string) {
	f.mu.Lock()
	f.events = append(f.events, text)
	f.mu.Unlock()
}

func (f *farm) snapshot() (spawned int, events []string, log []logEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.workers), slices.Clone(f.events), slices.Clone(f.log)
}

func newPool(t *testing.T, f *farm, workers int) *minerpool.Pool {
	t.Helper()
	p, err := minerpool.New(minerpool.Config{Spawn: f.spawn, Workers: workers, MaxWorkers: 4, OnEvent: f.onEvent})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

func header(difficulty uint64) chain.Header {
	return chain.Header{Version: 1, Height: 7, Time: 1_700_000_000_000, Difficulty: difficulty,
		PrevHash: chain.HashBytes([]byte("parent")), MerkleRoot: chain.HashBytes([]byte("txs"))}
}

func solve(t *testing.T, p *minerpool.Pool, hdr chain.Header) (chain.Header, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return p.Solve(ctx, hdr)
}

func TestSolveFindsAVerifiedNonce(t *testing.T) {
	f := &farm{}
	p := newPool(t, f, 3)
	hdr := header(1 << 12)
	got, err := solve(t, p, hdr)
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	got.Nonce = hdr.Nonce
	require.Equal(t, hdr, got, "Solve changed more than the nonce")

	st := p.Stats()
	require.False(t, st.Mining)
	require.Len(t, st.Workers, 3)
	require.NotNil(t, st.Round)
	require.Equal(t, uint64(7), st.Round.Height)
	require.Equal(t, uint64(1<<12), st.Round.Difficulty)
	require.Equal(t, 12, st.Round.TargetZeroBits)
	require.Positive(t, st.Round.Tried)
	require.NotEmpty(t, st.Round.Best)
	require.GreaterOrEqual(t, st.Round.BestZeroBits, 12, "the winning hash is the round's best")
}

func TestSolveSplitsTheNonceSpace(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4} {
		f := &farm{behaviours: slices.Repeat([]behaviour{neverFind}, n)}
		p := newPool(t, f, n)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		_, err := p.Solve(ctx, header(1<<40))
		require.ErrorIs(t, err, context.Canceled)
		_, _, log := f.snapshot()
		var next uint64
		for _, e := range log {
			if j, ok := e.cmd.(minerpool.Job); ok {
				require.Equal(t, next, j.Start, "%d workers: ranges must be contiguous", n)
				next = j.Start + j.Count
			}
		}
		require.Equal(t, uint64(chain.MaxSafeInteger+1), next, "%d workers: the ranges must cover [0, 2^53)", n)
	}
}

func TestSolveRefusesAWrongNonce(t *testing.T) {
	f := &farm{behaviours: []behaviour{lie, neverFind}}
	p := newPool(t, f, 2)
	got, err := solve(t, p, header(1<<10))
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	_, events, log := f.snapshot()
	require.Len(t, events, 1)
	require.Contains(t, events[0], "Worker 1 claimed nonce 7")
	require.Contains(t, events[0], "refused")
	require.Equal(t, 1, p.Stats().Refused)
	// The liar was sent on past its claim, within its range.
	var resumed bool
	for _, e := range log {
		if j, ok := e.cmd.(minerpool.Job); ok && e.worker == 0 && j.Start == 8 {
			resumed = true
		}
	}
	require.True(t, resumed, "the lying worker was not resumed after its claim")
}

func TestSolveRefusesANonceAbove2To53(t *testing.T) {
	// At difficulty 1 every nonce meets the target, but a nonce of 2^53 or
	// more is still refused: nonces stay exact in JavaScript numbers.
	f := &farm{behaviours: []behaviour{claimHuge}}
	p := newPool(t, f, 1)
	got, err := solve(t, p, header(1))
	require.NoError(t, err)
	require.LessOrEqual(t, got.Nonce, uint64(chain.MaxSafeInteger))
	_, events, _ := f.snapshot()
	require.Len(t, events, 1)
	require.Contains(t, events[0], "refused")
}

func TestWorkerCrashIsReportedAndRestarted(t *testing.T) {
	// Worker 1 crashes and worker 2 never reports a solution, so only the
	// replacement (the third spawn) can win.
	f := &farm{behaviours: []behaviour{crash, neverFind}}
	p := newPool(t, f, 2)
	got, err := solve(t, p, header(1<<12))
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	spawned, events, log := f.snapshot()
	require.Equal(t, 3, spawned, "the crashed worker was not replaced")
	require.Len(t, events, 1)
	require.Equal(t, "Worker 1 crashed (panic: test); started a new one.", events[0])
	// The new worker got the crashed one's range.
	var first, again *minerpool.Job
	for _, e := range log {
		if j, ok := e.cmd.(minerpool.Job); ok && (e.worker == 0 || e.worker == 2) {
			if e.worker == 0 {
				first = &j
			} else if again == nil {
				again = &j
			}
		}
	}
	require.NotNil(t, first)
	require.NotNil(t, again)
	require.Equal(t, first.Start, again.Start)
	require.Equal(t, first.Count, again.Count)
	st := p.Stats()
	require.Equal(t, 1, st.Crashes)
	require.Equal(t, 1, st.Workers[0].Crashes)
}

func TestRepeatedCrashesBackOff(t *testing.T) {
	f := &farm{behaviours: []behaviour{crash, honest, crash}}
	p := newPool(t, f, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Solve(ctx, header(1<<40))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, events, _ := f.snapshot()
	require.Len(t, events, 2)
	require.Equal(t, "Worker 1 crashed (panic: test); started a new one.", events[0])
	require.Equal(t, "Worker 1 crashed (panic: test); starting a new one in 1s.", events[1])
	require.Equal(t, minerpool.StateRestarting, p.Stats().Workers[0].State)
}

func TestCancelStopsEveryWorker(t *testing.T) {
	f := &farm{behaviours: []behaviour{neverFind, neverFind, neverFind}}
	p := newPool(t, f, 3)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := p.Solve(ctx, header(1<<40))
		errc <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().HashRate > 0 }, 5*time.Second, time.Millisecond)
	st := p.Stats()
	require.True(t, st.Mining)
	require.Positive(t, st.ExpectedSeconds)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	require.NoError(t, p.WaitIdle(context.Background()))
	_, _, log := f.snapshot()
	stopped := map[int]bool{}
	for _, e := range log {
		if _, ok := e.cmd.(stopCmd); ok {
			stopped[e.worker] = true
		}
	}
	require.Equal(t, map[int]bool{0: true, 1: true, 2: true}, stopped)
	require.Eventually(t, func() bool {
		for _, w := range p.Stats().Workers {
			if w.State != minerpool.StateIdle {
				return false
			}
		}
		return true
	}, 5*time.Second, time.Millisecond)
	require.Zero(t, p.Stats().HashRate)
}

func TestExhaustedRange(t *testing.T) {
	f := &farm{behaviours: []behaviour{exhaust, exhaust}}
	p := newPool(t, f, 2)
	_, err := solve(t, p, header(1<<40))
	require.ErrorIs(t, err, node.ErrNoNonce)
}

func TestANewSolvePreemptsTheRunningOne(t *testing.T) {
	f := &farm{}
	p := newPool(t, f, 1)
	errc := make(chan error, 1)
	go func() {
		_, err := p.Solve(context.Background(), header(1<<40))
		errc <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Mining }, 5*time.Second, time.Millisecond)
	got, err := solve(t, p, header(1<<8))
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	require.ErrorIs(t, <-errc, node.ErrPreempted)
	require.NoError(t, p.WaitIdle(context.Background()))
}

func TestSetWorkersResplitsTheSearch(t *testing.T) {
	f := &farm{behaviours: slices.Repeat([]behaviour{neverFind}, 4)}
	p := newPool(t, f, 1)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := p.Solve(ctx, header(1<<40))
		errc <- err
	}()
	require.Eventually(t, func() bool { return p.Stats().Mining }, 5*time.Second, time.Millisecond)
	p.SetWorkers(3)
	p.SetWorkers(9) // clamped to MaxWorkers
	require.Len(t, p.Stats().Workers, 4)
	p.SetWorkers(2)
	require.Len(t, p.Stats().Workers, 2)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)

	// The last split: two workers, halves of [0, 2^53).
	_, _, log := f.snapshot()
	last := map[int]minerpool.Job{}
	for _, e := range log {
		if j, ok := e.cmd.(minerpool.Job); ok {
			last[e.worker] = j
		}
	}
	half := uint64(chain.MaxSafeInteger+1) / 2
	require.Equal(t, minerpool.Job{}.Start, last[0].Start)
	require.Equal(t, half, last[0].Count)
	require.Equal(t, half, last[1].Start)
	require.Equal(t, half, last[1].Count)
	f.mu.Lock()
	require.Equal(t, 2, f.closed, "workers 3 and 4 were not terminated")
	f.mu.Unlock()
}

func TestSetDutyIsClampedAndSent(t *testing.T) {
	f := &farm{}
	p := newPool(t, f, 2)
	for _, tc := range []struct {
		name string
		in   float64
		want float64
	}{
		{"half", 0.5, 0.5},
		{"below the floor", 0.01, 0.1},
		{"above full", 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.SetDuty(tc.in)
			require.Equal(t, tc.want, p.Stats().Duty)
			_, _, log := f.snapshot()
			require.Equal(t, dutyCmd(tc.want), log[len(log)-1].cmd)
		})
	}
	got, err := solve(t, p, header(1<<6))
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	_, _, log := f.snapshot()
	for _, e := range log {
		if j, ok := e.cmd.(minerpool.Job); ok {
			require.Equal(t, 1.0, j.Duty)
		}
	}
}

func TestStatsFollowTheReports(t *testing.T) {
	f := &farm{behaviours: []behaviour{manual}}
	p := newPool(t, f, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Solve(ctx, header(1<<30))
	var job minerpool.Job
	require.Eventually(t, func() bool {
		_, _, log := f.snapshot()
		for _, e := range log {
			if j, ok := e.cmd.(minerpool.Job); ok {
				job = j
				return true
			}
		}
		return false
	}, 5*time.Second, time.Millisecond)
	f.mu.Lock()
	w := f.workers[0]
	f.mu.Unlock()
	progress := func(hashes uint64, elapsed time.Duration, best byte) {
		r := minerpool.Report{Kind: minerpool.KindProgress, ID: job.ID, Hashes: hashes, Elapsed: elapsed}
		for i := range r.Best {
			r.Best[i] = 0xff
		}
		r.Best[0], r.Best[1] = 0, best
		w.report(r)
	}
	rate := func() float64 { return p.Stats().Workers[0].HashRate }

	progress(1_000_000, 500*time.Millisecond, 0x80)
	require.InDelta(t, 2e6, rate(), 1, "the first second: the job's average")
	progress(2_000_000, 1500*time.Millisecond, 0x40)
	require.InDelta(t, 2e6/1.5, rate(), 1, "a full window since the start")
	progress(2_400_000, 2000*time.Millisecond, 0x90)
	require.InDelta(t, 2e6/1.5, rate(), 1, "half a window: unchanged")
	progress(2_500_000, 2500*time.Millisecond, 0x90)
	require.InDelta(t, 0.5e6, rate(), 1, "the last second only: it follows a slowdown")

	st := p.Stats()
	require.Equal(t, uint64(2_500_000), st.Round.Tried)
	require.Equal(t, uint64(2_500_000), st.Workers[0].Hashes)
	require.Equal(t, "0040"+strings.Repeat("ff", 30), st.Round.Best, "the lowest hash reported")
	require.Equal(t, 9, st.Round.BestZeroBits)
	require.InDelta(t, float64(1<<30)/0.5e6, st.ExpectedSeconds, 1e-6)

	// A report of an unknown job counts nothing.
	w.report(minerpool.Report{Kind: minerpool.KindProgress, ID: job.ID + 100, Hashes: 1 << 40})
	require.Equal(t, uint64(2_500_000), p.Stats().Round.Tried)
}

func TestNewRequiresSpawn(t *testing.T) {
	_, err := minerpool.New(minerpool.Config{})
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "minerpool: "))
}

// kernelWorker only says it is ready, with its nonce kernel.
type kernelWorker struct{}

func (kernelWorker) Start(minerpool.Job) {}
func (kernelWorker) Stop()               {}
func (kernelWorker) SetDuty(float64)     {}
func (kernelWorker) Close()              {}

func TestStatsNameEachWorkersKernel(t *testing.T) {
	kinds := []string{"simd", "go"}
	var mu sync.Mutex
	spawned := 0
	p, err := minerpool.New(minerpool.Config{Workers: 2, Spawn: func(report func(minerpool.Report)) minerpool.Worker {
		mu.Lock()
		kind := kinds[spawned%len(kinds)]
		spawned++
		mu.Unlock()
		go report(minerpool.Report{Kind: minerpool.KindReady, Kernel: kind})
		return kernelWorker{}
	}})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	require.Eventually(t, func() bool {
		w := p.Stats().Workers
		return w[0].State == minerpool.StateIdle && w[1].State == minerpool.StateIdle
	}, 5*time.Second, time.Millisecond)
	st := p.Stats()
	require.ElementsMatch(t, []string{"simd", "go"}, []string{st.Workers[0].Kernel, st.Workers[1].Kernel})
}

// TestLazyPoolStartsAtFirstSolve: a Lazy pool spawns no Worker until the
// first Solve; before it, its workers are dormant, and a change of their
// number spawns none either.
func TestLazyPoolStartsAtFirstSolve(t *testing.T) {
	f := &farm{}
	p, err := minerpool.New(minerpool.Config{Spawn: f.spawn, Workers: 2, MaxWorkers: 4, Lazy: true})
	require.NoError(t, err)
	t.Cleanup(p.Close)
	p.SetWorkers(3)
	p.SetDuty(0.5)
	spawned, _, _ := f.snapshot()
	require.Zero(t, spawned, "a lazy pool spawned before its first Solve")
	st := p.Stats()
	require.Len(t, st.Workers, 3)
	for _, w := range st.Workers {
		require.Equal(t, minerpool.StateDormant, w.State)
	}
	got, err := solve(t, p, header(1<<12))
	require.NoError(t, err)
	require.True(t, got.HasProofOfWork())
	spawned, _, _ = f.snapshot()
	require.Equal(t, 3, spawned, "the first Solve starts every worker, once")
	for _, w := range p.Stats().Workers {
		require.NotEqual(t, minerpool.StateDormant, w.State)
	}
	_, err = solve(t, p, header(1<<12))
	require.NoError(t, err)
	spawned, _, _ = f.snapshot()
	require.Equal(t, 3, spawned)
}
