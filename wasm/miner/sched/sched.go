// Package sched is the nonce search of one miner Web Worker (wasm/miner)
// as plain Go, so that go test covers it without a browser: the job in
// progress, the size of each kernel call, when the Worker lets its event
// loop deliver messages, the throttle's sleeps and the reports to the node.
// The browser's parts come in through Env (postMessage, a yield through a
// MessageChannel, a sleep through setTimeout) and the kernel through
// Engine; wasm/miner's main_js.go is the bridge. The messages are those of
// package wasm/internal/minerproto.
//
// # Staying responsive
//
// Under GOOS=js a running goroutine keeps the Worker's event loop from
// delivering messages: a message is only seen once every goroutine is
// blocked. So the search runs in slices of at most YieldEvery (a slice
// ends at the first kernel call that reaches it), and after each slice
// the Worker yields: Env.Yield posts itself a message on a MessageChannel
// and Serve blocks until it comes back, handling the commands that arrive
// meanwhile. The event loop runs the tasks queued before it (a stop, a new
// job) and the round trip costs ~0.1 ms, where setTimeout costs 4 ms once
// timers nest. A stop or a new job is therefore seen within one slice.
//
// # Kernel calls
//
// A job is scanned in calls of Engine.FirstCall nonces, doubling up to
// Engine.MaxCall over the Worker's life: V8 has no on-stack replacement
// for wasm, so a long first call would stay on baseline code (a first
// 64K call of the scalar kernel took 140 ms on Liftoff).
//
// # Throttle
//
// With a duty d below 1 the Worker works d × ThrottlePeriod of each
// period, in slices of at most YieldEvery, then sleeps (Env.Sleep) for as
// long as makes the work d of the period: work × (1 − d) / d. Commands are
// handled during the sleep.
//
// # Reports
//
// Progress goes out at most every ReportEvery while a job runs, and a job
// ends with exactly one of found, exhausted or stopped (a stop, or a new
// job replacing it). Every report counts the job's hashes and the time
// since it began, sleeps included.
package sched

import (
	"time"

	"github.com/chainplay/chainplay/chain/mine"
	"github.com/chainplay/chainplay/wasm/internal/minerproto"
)

// The Worker's rhythm.
const (
	// YieldEvery is the most a slice of work runs before the Worker lets
	// its event loop deliver messages (plus one kernel call).
	YieldEvery = 20 * time.Millisecond
	// ThrottlePeriod is the cycle of a throttled search: it works duty ×
	// ThrottlePeriod, then sleeps the rest.
	ThrottlePeriod = 100 * time.Millisecond
	// ReportEvery is the least time between two progress reports of a job.
	ReportEvery = 250 * time.Millisecond
	// MinDuty is the lowest throttle; duties are clamped to MinDuty … 1.
	MinDuty = 0.1
)

// Kernel is the nonce search of one job: Scan hashes nonces start …
// start+count−1 and returns the first that meets the target, plus the
// lowest hash seen and its nonce (of the call or of the job so far: the
// Worker keeps the lower of its own and this one).
type Kernel interface {
	Scan(start, count uint64) (nonce uint64, found bool, best [32]byte, bestNonce uint64)
}

// Engine is a Worker's nonce kernel, chosen once at start.
type Engine struct {
	Kind string // "simd", "scalar" or "go": what the ready report names
	// FirstCall and MaxCall bound the nonces of one Scan: the Worker's
	// calls start at FirstCall and double up to MaxCall. FirstCall 0
	// means MaxCall; MaxCall must be at least 1.
	FirstCall, MaxCall uint64
	// NewKernel prepares a job's search (its midstate, for a wasm kernel).
	NewKernel func(header [minerproto.HeaderSize]byte, target [32]byte) Kernel
}

// Env is the Worker's browser side. Its functions must not block. (Not an
// interface: time types in an interface's methods would pull time's
// formatting and time zones into the Worker's binary, +24 KB gzip.)
type Env struct {
	// Now is the clock (performance.now's, through time.Now).
	Now func() time.Time
	// Post sends a report to the node (postMessage).
	Post func(minerproto.Report)
	// Yield asks for a wake-up, on Serve's wake channel, after the tasks
	// already queued in the event loop: the messages that came while the
	// Worker worked are delivered first.
	Yield func()
	// Sleep asks for a wake-up on the wake channel after d.
	Sleep func(d time.Duration)
}

// job is the job in progress.
type job struct {
	id        uint64
	header    [minerproto.HeaderSize]byte
	k         Kernel
	pos, end  uint64 // next nonce; one past the last
	began     time.Time
	hashes    uint64
	best      [32]byte
	bestNonce uint64
}

// Worker is one Worker's state. It is not safe for concurrent use: one
// goroutine runs Serve (or Handle and Slice).
type Worker struct {
	eng        Engine
	env        Env
	call       uint64 // nonces in the next Scan
	cur        *job
	duty       float64
	worked     time.Duration // in the current throttle period
	lastReport time.Time
}

// New returns an idle Worker at full duty.
func New(eng Engine, env Env) *Worker {
	eng.MaxCall = max(eng.MaxCall, 1)
	if eng.FirstCall == 0 || eng.FirstCall > eng.MaxCall {
		eng.FirstCall = eng.MaxCall
	}
	return &Worker{eng: eng, env: env, call: eng.FirstCall, duty: 1}
}

// Busy reports whether a job is in progress.
func (w *Worker) Busy() bool { return w.cur != nil }

// Duty returns the throttle, MinDuty … 1.
func (w *Worker) Duty() float64 { return w.duty }

// Handle applies one command: a job replaces the one in progress (which
// is reported stopped), a stop ends it, a throttle sets the duty. Unknown
// commands are ignored.
func (w *Worker) Handle(c minerproto.Command) {
	switch c.Type {
	case minerproto.TypeJob:
		w.end(minerproto.TypeStopped)
		j := c.Job
		t := &job{id: j.ID, header: j.Header, pos: j.Start, end: j.Start + j.Count, bestNonce: j.Start,
			began: w.env.Now(), k: w.eng.NewKernel(j.Header, j.Target)}
		for i := range t.best {
			t.best[i] = 0xff
		}
		if j.Duty != 0 {
			w.setDuty(j.Duty)
		}
		w.cur, w.lastReport = t, t.began
	case minerproto.TypeStop:
		w.end(minerproto.TypeStopped)
	case minerproto.TypeThrottle:
		w.setDuty(c.Duty)
	}
}

// setDuty sets the throttle and starts a new throttle period.
func (w *Worker) setDuty(d float64) {
	w.duty = min(max(d, MinDuty), 1)
	w.worked = 0
}

// Serve runs the Worker until cmds is closed. While no job runs it waits
// for a command; while one does it works a slice (Slice), asks Env for a
// yield or a sleep, and handles the commands that arrive until the
// wake-up comes on wake. Env must deliver exactly one wake-up per request.
func (w *Worker) Serve(cmds <-chan minerproto.Command, wake <-chan struct{}) {
	for {
		if w.cur == nil {
			c, ok := <-cmds
			if !ok {
				return
			}
			w.Handle(c)
			continue
		}
		if d := w.Slice(cmds); d > 0 {
			w.env.Sleep(d)
		} else {
			w.env.Yield()
		}
		for waiting := true; waiting; {
			select {
			case <-wake:
				waiting = false
			case c, ok := <-cmds:
				if !ok {
					return
				}
				w.Handle(c)
			}
		}
	}
}

// Slice works on the job in progress for one slice and returns how long
// to sleep before the next (0: just yield). Between two kernel calls it
// takes a command from cmds if one is there (in a browser none is: the
// callbacks that deliver them run only when the program blocks) and then
// ends the slice. A nil cmds is never read.
func (w *Worker) Slice(cmds <-chan minerproto.Command) (sleep time.Duration) {
	if w.duty >= 1 {
		w.scan(YieldEvery, cmds)
		return 0
	}
	if budget := min(YieldEvery, time.Duration(w.duty*float64(ThrottlePeriod))-w.worked); budget > 0 {
		w.worked += w.scan(budget, cmds)
	}
	if w.worked >= time.Duration(w.duty*float64(ThrottlePeriod)) {
		sleep = time.Duration(float64(w.worked) * (1 - w.duty) / w.duty)
		w.worked = 0
	}
	return sleep
}

// scan searches the job in progress in kernel calls until it has worked
// d, the job ends or a command arrives; it returns how long it worked.
func (w *Worker) scan(d time.Duration, cmds <-chan minerproto.Command) time.Duration {
	start, t := w.env.Now(), w.cur
	for {
		n := min(w.call, t.end-t.pos)
		if w.call < w.eng.MaxCall {
			w.call = min(2*w.call, w.eng.MaxCall)
		}
		nonce, found, best, bestNonce := t.k.Scan(t.pos, n)
		if found {
			n = nonce - t.pos + 1
		}
		t.hashes += n
		t.pos += n
		if less(&best, &t.best) {
			t.best, t.bestNonce = best, bestNonce
		}
		now := w.env.Now()
		switch {
		case found:
			w.cur = nil
			w.env.Post(minerproto.Report{Kind: minerproto.TypeFound, ID: t.id, Nonce: nonce, Hash: mine.HashWithNonce(t.header, nonce),
				Hashes: t.hashes, Elapsed: now.Sub(t.began)})
			return now.Sub(start)
		case t.pos >= t.end:
			w.end(minerproto.TypeExhausted)
			return now.Sub(start)
		case now.Sub(w.lastReport) >= ReportEvery:
			w.lastReport = now
			w.env.Post(minerproto.Report{Kind: minerproto.TypeProgress, ID: t.id, Hashes: t.hashes, Elapsed: now.Sub(t.began),
				Best: t.best, BestNonce: t.bestNonce})
		}
		if ran := now.Sub(start); ran >= d {
			return ran
		}
		select {
		case c := <-cmds:
			w.Handle(c)
			return now.Sub(start)
		default:
		}
	}
}

// end reports the job in progress as finished with kind and forgets it.
func (w *Worker) end(kind string) {
	t := w.cur
	if t == nil {
		return
	}
	w.cur = nil
	w.env.Post(minerproto.Report{Kind: kind, ID: t.id, Hashes: t.hashes, Elapsed: w.env.Now().Sub(t.began)})
}

// less reports a < b as big-endian integers.
func less(a, b *[32]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
