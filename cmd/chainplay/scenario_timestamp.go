//go:build !js

package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/internal/httpjson"
)

// timestampAttack is the Verge lesson (2018: about 1.75 M USD): Mallory
// mines at share Q on the room's chain, publicly, but stamps every block
// of its own TimestampLead (4 retarget windows' worth of target time)
// after the later of its parent's time and now. The retarget rule
// measures a window by its last block's time less its first's, so every
// window that ends on or after a forged block looks four times too slow
// and the difficulty falls ÷4 (the most one step allows); with the
// difficulty the time per block falls, and Mallory, like everyone, mines
// a burst of blocks.
//
// It works only where the rules let a block's time run ahead of the
// clock: the weak room (timestampRules "weak") allows a day of future
// drift and checks a block's time against its parent's alone (a
// median-time-past span of 1), so the forged times pile up. With the
// default rules (2 minutes of drift, the median of 11 blocks) every peer
// holds Mallory's blocks as "from the future" (rule time-too-new) and the
// difficulty does not move.
type timestampAttack struct {
	Q     float64
	Rules string

	startDiff uint64
	forged    int
	refused   int
	over      bool
}

// timestampWindow is the retarget interval of the timestamp rooms.
const timestampWindow = 5

// timestampRules gives room a new genesis for the timestamp attack:
// lesson 6's preset with a retarget every timestampWindow blocks, and
// the weak or the default time rules.
func (s *server) timestampRules(ctx context.Context, room, rules string) error {
	l, _ := lessonByID("attacks")
	_, err := s.regenesis(ctx, room, func(p chain.Params) chain.Params {
		p = l.params.apply(p)
		p.RetargetInterval = timestampWindow
		p.MaxFutureDriftMs, p.MedianTimeSpan = chain.PlaygroundParams.MaxFutureDriftMs, chain.PlaygroundParams.MedianTimeSpan
		if rules == "weak" {
			p.MaxFutureDriftMs = 24 * 3600 * 1000 // a day: the most Params allow
			p.MedianTimeSpan = 1                  // later than the parent, nothing more
		}
		return p
	})
	return err
}

// timestampLead is how far after the later of its parent's time and now
// Mallory stamps a block: four windows of the target time, so a window
// ending on it always looks four times too slow.
func timestampLead(p chain.Params) time.Duration {
	return time.Duration(4*max(p.RetargetInterval, 1)) * time.Duration(p.BlockTimeMs) * time.Millisecond
}

func (t *timestampAttack) share() float64 { return t.Q }
func (t *timestampAttack) done() bool     { return t.over }

func (t *timestampAttack) begin(_ context.Context, a *attacker) error {
	c := a.node.Chain()
	p := c.Params()
	if p.RetargetInterval == 0 {
		return httpjson.New(http.StatusConflict, httpjson.CodeBadControl, "the timestamp attack needs a room whose difficulty retargets")
	}
	t.startDiff, _ = c.NextDifficulty(c.Tip().Hash)
	a.say("start", map[string]int64{"pct": pct(t.Q), "drift": p.MaxFutureDriftMs / 1000, "span": int64(p.MedianTimeSpan),
		"lead": int64(timestampLead(p) / time.Second), "difficulty": int64(t.startDiff), "window": int64(p.RetargetInterval)},
		fmt.Sprintf("%s mines with %d %% of the hash power and stamps its blocks %s ahead; this room allows %d s of drift and a median-time-past of %d block(s)",
			a.node.Name(), pct(t.Q), timestampLead(p), p.MaxFutureDriftMs/1000, p.MedianTimeSpan))
	return nil
}

func (t *timestampAttack) found(ctx context.Context, a *attacker) error {
	c := a.node.Chain()
	p := c.Params()
	b := a.node.Template()
	parent, _ := c.BlockByHash(b.Header.PrevHash)
	now := a.clock.Now().UnixMilli()
	b.Header.Time = max(now, parent.Header.Time) + timestampLead(p).Milliseconds()
	b.Txs[0].Time = b.Header.Time
	b, err := a.seal(ctx, b)
	if err != nil {
		return err
	}
	ahead := (b.Header.Time - now) / 1000
	// Submitted like any block: a chain that finds it from the future
	// holds it (every peer will), and it is announced anyway, so the
	// whole room sees the rule refuse it.
	if err := a.node.SubmitBlock(b); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if _, stored := c.BlockByHash(b.Hash()); !stored {
		t.refused++
		a.say("refused", map[string]int64{"height": int64(b.Height()), "ahead": ahead, "drift": p.MaxFutureDriftMs / 1000, "refused": int64(t.refused)},
			fmt.Sprintf("Block #%d is stamped %d s ahead of the clock; the rule allows %d s: every peer holds it as from the future (time-too-new)", b.Height(), ahead, p.MaxFutureDriftMs/1000))
		t.over = t.refused >= 5
		return nil
	}
	t.forged++
	next, _ := c.NextDifficulty(c.Tip().Hash)
	a.say("forged", map[string]int64{"height": int64(b.Height()), "ahead": ahead, "difficulty": int64(next), "start": int64(t.startDiff), "forged": int64(t.forged)},
		fmt.Sprintf("Block #%d stamped %d s ahead was accepted; the next difficulty is %d (it was %d)", b.Height(), ahead, next, t.startDiff))
	if next <= max(t.startDiff/1024, 1) || t.forged >= 200 {
		t.over = true
		a.say("burst", map[string]int64{"difficulty": int64(next), "start": int64(t.startDiff), "forged": int64(t.forged)},
			fmt.Sprintf("The difficulty fell from %d to %d: blocks now come in a burst", t.startDiff, next))
	}
	return nil
}

func (t *timestampAttack) tip(context.Context, *attacker) error { return nil }

func (t *timestampAttack) status(a *attacker) scenarioFigures {
	c := a.node.Chain()
	d, _ := c.NextDifficulty(c.Tip().Hash)
	rules := t.Rules
	if rules == "" {
		rules = "default"
	}
	return scenarioFigures{Phase: "mining", SharePct: pct(t.Q), Rules: rules, StartDifficulty: t.startDiff, Difficulty: d,
		Forged: t.forged, Refused: t.refused}
}
