package minerpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/wasm/internal/minerproto"
)

// Kinds of Report: the worker protocol's message types.
const (
	KindReady     = minerproto.TypeReady     // the Worker loaded its program
	KindProgress  = minerproto.TypeProgress  // a job is running (at most 4 per second)
	KindFound     = minerproto.TypeFound     // a nonce meets the target; the worker stopped
	KindExhausted = minerproto.TypeExhausted // the range holds no solution; the worker stopped
	KindStopped   = minerproto.TypeStopped   // the job ended by a stop or a new job
	KindCrash     = minerproto.TypeCrash     // the Worker failed; it will send nothing more
)

// Worker states in Stats.
const (
	StateLoading    = "loading"    // the Worker is starting
	StateIdle       = "idle"       // no job
	StateMining     = "mining"     // searching its range
	StateRestarting = "restarting" // crashed; a new Worker is on its way
	StateDormant    = "dormant"    // not started: a Lazy pool starts its Workers at the first Solve
)

// space is the number of nonces a search covers: [0, 2^53), so that every
// nonce is exact in a JavaScript number.
const space = chain.MaxSafeInteger + 1

// maxBackoff caps the delay before restarting a worker that keeps crashing.
const maxBackoff = 30 * time.Second

// rateWindow is the span of a worker's reports a hash rate is measured
// over: long enough to smooth the 4 reports a second, short enough to follow
// a throttle change.
const rateWindow = time.Second

// crashWindow: a crash within this time of the previous one of the same
// worker delays its restart.
const crashWindow = 10 * time.Second

// ErrClosed is returned by Solve when the pool was closed. (Its other
// errors are ctx's, node.ErrNoNonce and node.ErrPreempted.)
var ErrClosed = errors.New("minerpool: closed")

// Job is one worker's share of a search: minerproto's, which the Worker
// receives as {type:"job"}.
type Job = minerproto.Job

// Report is one message from a worker (minerproto's).
type Report = minerproto.Report

// The protocol's sizes are chain's.
var (
	_ [chain.HeaderSize]byte = Job{}.Header
	_ [chain.HashSize]byte   = Report{}.Hash
)

// Worker is one miner Worker as the pool drives it. Its methods must not
// block, and it must deliver its messages to the report func it was
// spawned with, asynchronously.
type Worker interface {
	Start(Job)       // search j, replacing any job in progress
	Stop()           // abandon the job in progress
	SetDuty(float64) // throttle to this fraction of the time
	Close()          // terminate the Worker; it reports nothing more
}

// Spawn starts a Worker that sends its reports to report.
type Spawn func(report func(Report)) Worker

// Config configures a Pool.
type Config struct {
	// Spawn starts a Worker. This field is required.
	Spawn Spawn
	// Workers is the number of workers to start with. Defaults to 1.
	Workers int
	// MaxWorkers is the most workers SetWorkers allows: the machine's
	// cores. Defaults to Workers.
	MaxWorkers int
	// Duty is the throttle to start with, 0.1 … 1. Defaults to 1.
	Duty float64
	// OnEvent receives sentences for the user: a crash, a refused nonce.
	// Optional.
	OnEvent func(text string)
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// Lazy defers the Workers to the first Solve: a tab whose student never
	// mines never downloads the miner. Before it, Stats lists the workers
	// as StateDormant.
	Lazy bool
}

// jobRec is the pool's record of a job sent to a worker.
type jobRec struct {
	job    *Job
	hashes uint64 // the latest cumulative count the worker reported
	round  *round
}

// slot is one worker position; a restart puts a new Worker in it.
type slot struct {
	index  int
	gen    int // bumped by every restart and by close; reports of older gens are dropped
	w      Worker
	ready  bool
	kernel string // the ready Worker's nonce kernel
	closed bool
	cur    jobRec  // the job sent last (job nil: none)
	prev   jobRec  // the one before, whose final report may still come
	search *search // the search cur belongs to while it runs
	done   bool    // cur ended (found, exhausted or stopped)
	rate   float64 // hashes per second in cur (or the job before it)
	// winHashes and winElapsed are cur's report that began the rate's
	// current window.
	winHashes  uint64
	winElapsed time.Duration
	total      uint64
	crashes    int
	crashAt    time.Time
	backoff    time.Duration
	timer      *time.Timer
}

// round is the mining of one block height on one parent, across template
// refreshes.
type round struct {
	prev       chain.Hash
	height     uint64
	difficulty uint64
	tried      uint64
	best       [chain.HashSize]byte
	bestNonce  uint64
	hasBest    bool
}

// search is one Solve call.
type search struct {
	hdr     chain.Header
	enc     [chain.HeaderSize]byte
	target  [chain.HashSize]byte
	results chan result
	preempt chan struct{}
}

type result struct {
	s *slot
	r Report
}

// Pool runs searches on a set of workers. It implements node.Miner and
// node.IdleWaiter: a second Solve takes the workers from the first, which
// returns node.ErrPreempted. (A node never overlaps two Solves on its
// Miner; the rule guards the pool against any other caller.)
type Pool struct {
	cfg Config

	mu      sync.Mutex
	slots   []*slot
	duty    float64
	nextID  uint64
	cur     *search
	idle    chan struct{} // closed while no search runs
	round   *round
	crashes int
	refused int
	dormant bool // Lazy, before the first Solve: the slots have no Worker
}

var (
	_ node.Miner      = (*Pool)(nil)
	_ node.IdleWaiter = (*Pool)(nil)
)

// New starts cfg.Workers workers (Lazy: at the first Solve).
func New(cfg Config) (*Pool, error) {
	if cfg.Spawn == nil {
		return nil, errors.New("minerpool: Config.Spawn is required")
	}
	cfg.Workers = max(cfg.Workers, 1)
	cfg.MaxWorkers = max(cfg.MaxWorkers, cfg.Workers)
	if cfg.Duty == 0 {
		cfg.Duty = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Pool{cfg: cfg, duty: clampDuty(cfg.Duty), idle: make(chan struct{}), dormant: cfg.Lazy}
	close(p.idle)
	p.mu.Lock()
	p.resizeLocked(cfg.Workers)
	p.mu.Unlock()
	return p, nil
}

// wakeLocked starts the Workers of a dormant pool.
func (p *Pool) wakeLocked() {
	if !p.dormant {
		return
	}
	p.dormant = false
	for _, sl := range p.slots {
		p.startLocked(sl)
	}
}

func clampDuty(d float64) float64 { return min(max(d, 0.1), 1) }

// Solve implements node.Miner: the nonces below 2^53 are split among the
// workers, and the first nonce that really meets hdr's target wins. A
// nonce that fails the proof of work is reported and refused. Solve stops
// every worker before it returns.
func (p *Pool) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	s := &search{hdr: hdr, enc: hdr.Encode(), target: chain.Target(hdr.Difficulty),
		results: make(chan result, 64), preempt: make(chan struct{})}
	p.mu.Lock()
	if len(p.slots) == 0 {
		p.mu.Unlock()
		return hdr, ErrClosed
	}
	p.wakeLocked()
	if p.cur != nil {
		close(p.cur.preempt)
	} else {
		p.idle = make(chan struct{})
	}
	p.cur = s
	if r := p.round; r == nil || r.prev != hdr.PrevHash || r.height != hdr.Height || r.difficulty != hdr.Difficulty {
		p.round = &round{prev: hdr.PrevHash, height: hdr.Height, difficulty: hdr.Difficulty}
	}
	p.dispatchLocked(s)
	p.mu.Unlock()
	defer p.end(s)

	for {
		select {
		case <-ctx.Done():
			return hdr, ctx.Err()
		case <-s.preempt:
			return hdr, node.ErrPreempted
		case res := <-s.results:
			switch res.r.Kind {
			case KindFound:
				solved := hdr
				solved.Nonce = res.r.Nonce
				if res.r.Nonce <= chain.MaxSafeInteger && solved.HasProofOfWork() {
					p.noteSolved(solved)
					return solved, nil
				}
				p.refuse(s, res)
			case KindExhausted:
				if p.exhausted(s) {
					return hdr, node.ErrNoNonce
				}
			}
		}
	}
}

// dispatchLocked splits the nonce space among the slots and sends each its
// range.
func (p *Pool) dispatchLocked(s *search) {
	per := uint64(space) / uint64(len(p.slots))
	for i, sl := range p.slots {
		start, count := uint64(i)*per, per
		if i == len(p.slots)-1 {
			count = space - start
		}
		p.postLocked(sl, s, start, count)
	}
}

// postLocked sends sl a job of search s.
func (p *Pool) postLocked(sl *slot, s *search, start, count uint64) {
	p.nextID++
	if sl.cur.job != nil {
		sl.prev = sl.cur
	}
	sl.cur = jobRec{job: &Job{ID: p.nextID, Header: s.enc, Target: s.target, Start: start, Count: count, Duty: p.duty}, round: p.round}
	sl.search, sl.done = s, false
	sl.winHashes, sl.winElapsed = 0, 0
	if sl.w != nil {
		sl.w.Start(*sl.cur.job)
	}
}

// end stops the workers of s, unless another search took them.
func (p *Pool) end(s *search) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur != s {
		return
	}
	p.cur = nil
	close(p.idle)
	for _, sl := range p.slots {
		if sl.search != s {
			continue
		}
		sl.search = nil
		if sl.w != nil && !sl.done {
			sl.w.Stop()
		}
	}
}

// refuse reports a wrong nonce and sends its worker on past it.
func (p *Pool) refuse(s *search, res result) {
	p.mu.Lock()
	p.refused++
	sl, j := res.s, res.s.cur.job
	text := fmt.Sprintf("Worker %d claimed nonce %d for block #%d, but that hash fails the proof of work: refused.",
		sl.index+1, res.r.Nonce, s.hdr.Height)
	if p.cur == s && sl.search == s && j != nil && j.ID == res.r.ID {
		start, end := res.r.Nonce+1, j.Start+j.Count
		if res.r.Nonce < j.Start || res.r.Nonce >= end {
			start = j.Start // a nonce outside its range: search the whole range again
		}
		if start < end {
			p.postLocked(sl, s, start, end-start)
		}
	}
	p.mu.Unlock()
	p.emit(text)
}

// exhausted reports whether every worker of s searched its whole range.
func (p *Pool) exhausted(s *search) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sl := range p.slots {
		if sl.search != s || !sl.done {
			return false
		}
	}
	return true
}

// noteSolved records the winning hash as the round's best.
func (p *Pool) noteSolved(h chain.Header) {
	hash := h.Hash()
	p.mu.Lock()
	if r := p.round; r != nil && r.prev == h.PrevHash && (!r.hasBest || less(hash, r.best)) {
		r.best, r.bestNonce, r.hasBest = hash, h.Nonce, true
	}
	p.mu.Unlock()
}

// handle takes one report of the Worker of generation gen in sl.
func (p *Pool) handle(sl *slot, gen int, r Report) {
	var text string
	p.mu.Lock()
	if sl.gen != gen || sl.closed {
		p.mu.Unlock()
		return
	}
	switch r.Kind {
	case KindReady:
		sl.ready, sl.kernel = true, r.Kernel
	case KindCrash:
		text = p.crashLocked(sl, r.Err)
	default:
		p.accountLocked(sl, r)
		if cur := sl.cur.job; cur != nil && cur.ID == r.ID && r.Kind != KindProgress {
			sl.done = true
			if s := sl.search; s != nil && s == p.cur && (r.Kind == KindFound || r.Kind == KindExhausted) {
				select {
				case s.results <- result{sl, r}:
				default: // a flood of claims: the search has enough to check
				}
			}
		}
	}
	p.mu.Unlock()
	p.emit(text)
}

// accountLocked adds a report's hashes to the worker's and its round's
// counts, and its best hash to the round.
func (p *Pool) accountLocked(sl *slot, r Report) {
	var rec *jobRec
	switch {
	case sl.cur.job != nil && sl.cur.job.ID == r.ID:
		rec = &sl.cur
		switch {
		case r.Elapsed-sl.winElapsed >= rateWindow:
			sl.rate = float64(r.Hashes-sl.winHashes) / (r.Elapsed - sl.winElapsed).Seconds()
			sl.winHashes, sl.winElapsed = r.Hashes, r.Elapsed
		case sl.winElapsed == 0 && r.Elapsed >= 100*time.Millisecond: // the job's first second
			sl.rate = float64(r.Hashes) / r.Elapsed.Seconds()
		}
	case sl.prev.job != nil && sl.prev.job.ID == r.ID:
		rec = &sl.prev
	default:
		return
	}
	if r.Hashes > rec.hashes {
		d := r.Hashes - rec.hashes
		rec.hashes = r.Hashes
		sl.total += d
		if rec.round != nil {
			rec.round.tried += d
		}
	}
	if r.Kind == KindProgress && rec.round != nil && (!rec.round.hasBest || less(r.Best, rec.round.best)) {
		rec.round.best, rec.round.bestNonce, rec.round.hasBest = r.Best, r.BestNonce, true
	}
}

// crashLocked replaces a crashed Worker and returns the sentence to report.
func (p *Pool) crashLocked(sl *slot, why string) string {
	p.crashes++
	sl.crashes++
	p.retireLocked(sl)
	now := p.cfg.Now()
	var delay time.Duration
	if !sl.crashAt.IsZero() && now.Sub(sl.crashAt) < crashWindow {
		sl.backoff = min(max(2*sl.backoff, time.Second), maxBackoff)
		delay = sl.backoff
	} else {
		sl.backoff = 0
	}
	sl.crashAt = now
	text := fmt.Sprintf("Worker %d crashed (%s); ", sl.index+1, why)
	if delay == 0 {
		p.startLocked(sl)
		return text + "started a new one."
	}
	sl.timer = time.AfterFunc(delay, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !sl.closed && sl.w == nil {
			p.startLocked(sl)
		}
	})
	return text + fmt.Sprintf("starting a new one in %s.", delay)
}

// retireLocked closes sl's Worker; its late reports are dropped.
func (p *Pool) retireLocked(sl *slot) {
	sl.gen++
	sl.ready, sl.kernel = false, ""
	if sl.timer != nil {
		sl.timer.Stop()
		sl.timer = nil
	}
	if sl.w != nil {
		sl.w.Close()
		sl.w = nil
	}
}

// startLocked puts a new Worker in sl and gives it sl's share of the
// running search.
func (p *Pool) startLocked(sl *slot) {
	gen := sl.gen
	sl.w = p.cfg.Spawn(func(r Report) { p.handle(sl, gen, r) })
	if s := sl.search; s != nil && s == p.cur { // its share again, even if it said it was done before dying
		j := sl.cur.job
		p.postLocked(sl, s, j.Start, j.Count)
	}
}

// resizeLocked grows or shrinks the pool to n workers.
func (p *Pool) resizeLocked(n int) {
	for len(p.slots) < n {
		sl := &slot{index: len(p.slots)}
		p.slots = append(p.slots, sl)
		if !p.dormant {
			p.startLocked(sl)
		}
	}
	for len(p.slots) > n {
		sl := p.slots[len(p.slots)-1]
		p.slots = p.slots[:len(p.slots)-1]
		sl.closed = true
		p.retireLocked(sl)
	}
}

// SetWorkers sets the number of workers, clamped to 1 … MaxWorkers. A
// running search is split again over the new set at once.
func (p *Pool) SetWorkers(n int) {
	n = min(max(n, 1), p.cfg.MaxWorkers)
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == len(p.slots) || len(p.slots) == 0 { // unchanged, or closed
		return
	}
	p.resizeLocked(n)
	if p.cur != nil {
		p.dispatchLocked(p.cur)
	}
}

// SetDuty throttles every worker to d of the time (0.1 … 1).
func (p *Pool) SetDuty(d float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.duty = clampDuty(d)
	for _, sl := range p.slots {
		if sl.w != nil {
			sl.w.SetDuty(p.duty)
		}
	}
}

// WaitIdle blocks until no search runs or ctx is done.
func (p *Pool) WaitIdle(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close terminates every worker. A Solve in progress waits for its context.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sl := range p.slots {
		sl.closed = true
		p.retireLocked(sl)
	}
	p.slots = nil
}

func (p *Pool) emit(text string) {
	if text != "" && p.cfg.OnEvent != nil {
		p.cfg.OnEvent(text)
	}
}

// less reports a < b as big-endian integers.
func less(a, b [chain.HashSize]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
