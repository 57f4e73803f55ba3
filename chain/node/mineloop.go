package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// Defaults of MineConfig.
const (
	DefaultTemplateMaxAge = 5 * time.Second
	DefaultTemplateSettle = 250 * time.Millisecond
	DefaultMineBackoff    = time.Second
	DefaultDutyPeriod     = 250 * time.Millisecond
)

// MineConfig tunes a mining loop (MineLoop, Mining). Zero fields take
// their defaults.
type MineConfig struct {
	// MaxAge is the age at which a template is rebuilt although nothing
	// changed, so a block carries a recent timestamp (and the nonce space
	// of a fresh one). Defaults to DefaultTemplateMaxAge.
	MaxAge time.Duration
	// Settle is the least age of a template before a change of the
	// mempool replaces it: a burst of transactions costs one new template,
	// not one per transaction. A new tip replaces a template at once,
	// whatever its age. Defaults to DefaultTemplateSettle.
	Settle time.Duration
	// Backoff is the pause after the Miner failed or the block it found
	// was refused. Defaults to DefaultMineBackoff.
	Backoff time.Duration
	// DutyPeriod is the cycle of a throttled loop: with a duty d below 1
	// (the teacher's throttle or hash share, ControlState.DutyOf) it
	// searches d × DutyPeriod, then rests the rest of the period.
	// Defaults to DefaultDutyPeriod.
	DutyPeriod time.Duration

	// trace, in tests, hears each decision of the loop (see mineLoop).
	trace func(string)
}

func (c MineConfig) withDefaults() MineConfig {
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultTemplateMaxAge
	}
	if c.Settle <= 0 {
		c.Settle = DefaultTemplateSettle
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultMineBackoff
	}
	if c.DutyPeriod <= 0 {
		c.DutyPeriod = DefaultDutyPeriod
	}
	return c
}

// MineLoop mines block after block with the node's Miner until ctx ends,
// and returns ctx's error. It is the one mining loop of every binary: the
// tab's Mine button (through Mining) and cmd/node -mine run it. It reads
// time from the node's Clock and waits on events, never on a poll:
//
//   - A new best tip (a block from the room, a reorg, our own block)
//     abandons the template at once; the next one builds on the new tip.
//   - A change of the mempool replaces the template when the template's
//     transactions would change, once the template is cfg.Settle old.
//   - A template cfg.MaxAge old is rebuilt for a fresh timestamp.
//   - The teacher's controls (control.go): while the room is paused the
//     loop searches nothing and waits for the next control; with a duty d
//     below 1 (a throttle, a hash share) it searches d × cfg.DutyPeriod
//     and rests the rest of each period, on the Clock. A new control
//     abandons the search at once, so a pause stops the Miner as soon as
//     the control arrives.
//   - Errors of the Miner: ErrNoNonce gives a new template; ErrPreempted
//     (a search of our own took the Miner: GET /mine, MineBlock) waits
//     until the Miner is idle; anything else, and a found block the chain
//     refuses, is reported as an EventStatus with CodeStatusMineFailed
//     and retried after cfg.Backoff.
//
// A found block is submitted (SubmitBlock) even when its template was
// abandoned as it was found: a block on a stale tip is a side branch, as in
// a real network. MineLoop returns once every goroutine it started ended.
func (n *Node) MineLoop(ctx context.Context, cfg MineConfig) error {
	l := &mineLoop{n: n, cfg: cfg.withDefaults(), clock: n.cfg.Clock, gate: n.gate()}
	n.mining.Add(1)
	defer n.mining.Add(-1)
	for ctx.Err() == nil {
		l.mine(ctx)
	}
	return ctx.Err()
}

// errStale is the cause of a search abandoned for a newer template;
// errSliced of one that used its share of a throttled period.
var (
	errStale  = errors.New("node: the template is out of date")
	errSliced = errors.New("node: the throttled search used its time")
)

// mineLoop is one MineLoop call. Its trace (tests only) hears, in order:
// "template" (built, about to be searched), "tip", "txs", "max-age" (why
// it was abandoned), "kept" (a mempool change that leaves it as it is),
// "mined", "no-nonce", "preempted", "idle" (the Miner is free again),
// "failed", "control" (a new control abandoned it), "paused" (it waits for
// the room to resume), "slice" (a throttled search used its time) and
// "rested" (a throttled loop's rest is over).
type mineLoop struct {
	n     *Node
	cfg   MineConfig
	clock Clock
	gate  *minerGate
}

func (l *mineLoop) trace(what string) {
	if l.cfg.trace != nil {
		l.cfg.trace(what)
	}
}

// mine builds one template and searches it until it is solved, abandoned
// or the search fails.
func (l *mineLoop) mine(ctx context.Context) {
	duty, ctrl := l.n.miningDuty()
	if duty <= 0 {
		l.trace("paused")
		select {
		case <-ctx.Done():
		case <-ctrl:
		}
		return
	}
	changed := l.n.pool.Changed() // before the template: a change after it closes this
	b := l.n.Template()
	built := l.clock.Now()
	l.trace("template")
	jctx, abandon := context.WithCancelCause(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		l.watch(jctx, abandon, b, built, changed, duty, ctrl)
	}()
	hdr, err := l.gate.background(jctx, b.Header)
	abandon(nil)
	<-watched
	switch {
	case err == nil:
		b.Header = hdr
		if err := l.n.SubmitBlock(b); err != nil {
			l.fail(ctx, err)
			return
		}
		l.trace("mined")
	case ctx.Err() != nil: // stopped
	case errors.Is(err, ErrPreempted):
		l.trace("preempted")
		if l.gate.waitIdle(ctx) == nil {
			l.trace("idle")
		}
	case errors.Is(err, ErrNoNonce):
		l.trace("no-nonce")
	case errors.Is(context.Cause(jctx), errStale): // the Miner returned ctx's error
	case errors.Is(context.Cause(jctx), errSliced):
		l.rest(ctx, built, ctrl)
	default:
		l.fail(ctx, err)
	}
}

// watch abandons the search of b (built at built) when it goes out of
// date, and returns when ctx ends. changed is the mempool's Changed
// channel taken before b was built.
func (l *mineLoop) watch(ctx context.Context, abandon context.CancelCauseFunc, b *chain.Block, built time.Time, changed <-chan struct{}, duty float64, ctrl <-chan struct{}) {
	old := l.after(built, l.cfg.MaxAge)
	var settled <-chan time.Time // armed while a mempool change waits for b to settle
	var slice <-chan time.Time   // armed while the loop is throttled
	if duty < 1 {
		slice = l.after(built, l.work(duty))
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ctrl:
			l.trace("control")
			abandon(errStale)
			return
		case <-slice:
			l.trace("slice")
			abandon(errSliced)
			return
		case <-old:
			l.trace("max-age")
			abandon(errStale)
			return
		case <-changed:
			changed = l.n.pool.Changed()
			if l.n.chain.Tip().Hash != b.Header.PrevHash {
				l.trace("tip")
				abandon(errStale)
				return
			}
			if settled == nil {
				settled = l.after(built, l.cfg.Settle)
			}
		case <-settled:
			settled = nil
			if !l.sameTxs(b) {
				l.trace("txs")
				abandon(errStale)
				return
			}
			l.trace("kept")
		}
	}
}

// work is how long a throttled search runs in each DutyPeriod.
func (l *mineLoop) work(duty float64) time.Duration {
	return time.Duration(duty * float64(l.cfg.DutyPeriod))
}

// rest waits out the rest of the throttled period that began at start,
// or until a new control or the end of ctx.
func (l *mineLoop) rest(ctx context.Context, start time.Time, ctrl <-chan struct{}) {
	select {
	case <-ctx.Done():
	case <-ctrl:
	case <-l.after(start, l.cfg.DutyPeriod):
		l.trace("rested")
	}
}

// after returns a channel of the node's Clock that fires d after since.
func (l *mineLoop) after(since time.Time, d time.Duration) <-chan time.Time {
	return l.clock.After(since.Add(d).Sub(l.clock.Now()))
}

// sameTxs reports whether a template built now would carry b's
// transactions (besides the coinbase, which holds the time).
func (l *mineLoop) sameTxs(b *chain.Block) bool {
	txs := l.n.pool.Select(l.n.chain.Params().MaxBlockTxs - 1)
	if len(txs) != len(b.Txs)-1 {
		return false
	}
	for i, tx := range txs {
		if have := b.Txs[i+1]; have != tx && have.ID() != tx.ID() {
			return false
		}
	}
	return true
}

// fail reports err and waits cfg.Backoff on the node's Clock, or until
// ctx ends.
func (l *mineLoop) fail(ctx context.Context, err error) {
	at := l.clock.Now()
	reason := Code(err)
	if reason == "" {
		reason = err.Error()
	}
	l.n.emit(Event{Kind: EventStatus, Code: CodeStatusMineFailed, Reason: reason,
		Text: fmt.Sprintf("Mining failed: %v (trying again in %v)", err, l.cfg.Backoff)})
	l.trace("failed")
	select {
	case <-ctx.Done():
	case <-l.after(at, l.cfg.Backoff):
	}
}
