//go:build !js

package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// The attacker of a scenario is a server-run peer like the archive: an
// ordinary chain/node.Node that joins its room through the relay (not as
// an observer: it speaks), validates everything it hears and goes by its
// own nickname. What makes it an attacker lives here, not in chain/node:
// its strategy keeps a private branch on a chain.Chain of its own (never
// connected to anyone) and hands blocks to the public node only when the
// strategy releases them, through Node.SubmitBlock, the path every miner
// uses. Honest code paths are untouched.
//
// # Hash power
//
// The attacker is one goroutine of the server, which grinds nonces
// natively many times faster than a tab; left alone it would hold nearly
// all of the room's hash power. So its power is simulated: it is given a
// share q of the room's total, and it "finds" blocks as a Poisson process
// of rate q/(1−q) × R / D, where R is the rest of the room's hash rate
// (hashes per second, from the rates the peers report: node.StatsBody)
// and D the difficulty of its next block; only then does it grind the
// nonce, which at classroom difficulties takes a few milliseconds. This
// gives it q of the blocks in expectation whatever the server's speed,
// holds as tabs join, leave or are throttled (R is read before every
// draw), and makes a run reproducible: the waits come from a seeded RNG
// and the injected clock (node.Clock). Measuring R from the stats rather
// than from the chain's recent block times keeps the attacker's own
// blocks (and a difficulty it drove down) out of the measure.

// attackerName is the nickname of the scenarios' attacker peer.
const attackerName = "Mallory"

// pacer draws the waits between an attacker's blocks.
type pacer struct {
	rng   *rand.Rand
	share float64 // q, 0 < q < 1
	// rate returns the hash rate of the rest of the room, hashes per
	// second; ≤ 0 when unknown, and then fallback is used.
	rate func() float64
	// fallback is the rest of the room's rate assumed without stats:
	// the chain's design rate, its difficulty over its block time.
	fallback func(difficulty uint64) float64
}

// newPacer returns a pacer for share q seeded by seed.
func newPacer(seed uint64, q float64, rate func() float64, fallback func(uint64) float64) *pacer {
	return &pacer{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), share: q, rate: rate, fallback: fallback}
}

// next returns how long the attacker takes to find a block of the given
// difficulty: an exponential wait of mean D / (q/(1−q) × R).
func (p *pacer) next(difficulty uint64) time.Duration {
	r := 0.0
	if p.rate != nil {
		r = p.rate()
	}
	if r <= 0 && p.fallback != nil {
		r = p.fallback(difficulty)
	}
	if r <= 0 || p.share <= 0 {
		return time.Hour
	}
	own := p.share / (1 - p.share) * r
	mean := float64(max(difficulty, 1)) / own
	d := p.rng.ExpFloat64() * mean
	return time.Duration(min(d, 3600) * float64(time.Second))
}

// designRate is the hash rate at which a chain of params finds a block of
// difficulty every BlockTimeMs: the pacer's fallback.
func designRate(p chain.Params) func(uint64) float64 {
	return func(d uint64) float64 { return float64(d) / (float64(p.BlockTimeMs) / 1000) }
}

// attacker is a scenario's server-run peer: its public node in the room,
// its wallet key, its clock and its pacing.
type attacker struct {
	node  *node.Node
	key   ed25519.PrivateKey
	clock node.Clock
	pace  *pacer
	// say reports a step of the scenario (announced to the room as a
	// signed control, and kept for the board).
	say func(step string, args map[string]int64, text string)

	// mu is held while the strategy runs a step, and while the board
	// reads its figures (figures).
	mu sync.Mutex
}

// figures returns st's figures, read between two of its steps.
func (a *attacker) figures(st strategy) scenarioFigures {
	a.mu.Lock()
	defer a.mu.Unlock()
	return st.status(a)
}

// step runs one call of the strategy under a.mu.
func (a *attacker) step(f func() error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return f()
}

// seal grinds b's nonce natively (the wait was the pacer's) and returns
// b solved. The coinbase carries the attacker's nickname.
func (a *attacker) seal(ctx context.Context, b *chain.Block) (*chain.Block, error) {
	if len(b.Txs) > 0 {
		b.Txs[0].Name = a.node.Name()
		b.Header.MerkleRoot = b.ComputeMerkleRoot()
	}
	for start := uint64(0); ; start += 1 << 22 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if nonce, ok := chain.Mine(ctx, b.Header, start, 1<<22); ok {
			b.Header.Nonce = nonce
			return b, nil
		}
		if start > math.MaxUint32 {
			return nil, errors.New("attacker: no nonce found")
		}
	}
}

// strategy is what a scenario's attacker does; the runner calls it from
// one goroutine.
type strategy interface {
	// begin is called once, the attacker's node in the room.
	begin(ctx context.Context, a *attacker) error
	// found: the attacker found a block (its simulated hash power).
	found(ctx context.Context, a *attacker) error
	// tip: the room's best chain moved, as the attacker's node sees it,
	// or a peer said where its tip is.
	tip(ctx context.Context, a *attacker) error
	// done reports whether the scenario is over.
	done() bool
	// share is the attacker's share of the room's hash power; 0 when it
	// does not mine.
	share() float64
	// status returns the figures the board draws.
	status(a *attacker) scenarioFigures
}

// run drives st until ctx ends or st is done: a block found every paced
// wait, the tip handler on every move of the best chain.
func (a *attacker) run(ctx context.Context, st strategy) error {
	tips := make(chan struct{}, 1)
	unsub := a.node.Subscribe(func(ev node.Event) {
		// The room's moves, and what the peers say of their tips (a
		// released branch is won once they are on it).
		if ev.Kind == node.EventTip || ev.Kind == node.EventReorg || ev.Kind == node.EventPeer {
			select {
			case tips <- struct{}{}:
			default:
			}
		}
	})
	defer unsub()
	if err := a.step(func() error { return st.begin(ctx, a) }); err != nil {
		return err
	}
	var found <-chan time.Time
	arm := func() {
		found = nil
		if st.share() > 0 {
			d, _ := a.node.Chain().NextDifficulty(a.node.Chain().Tip().Hash)
			found = a.clock.After(a.pace.next(d))
		}
	}
	arm()
	for !a.isDone(st) {
		select {
		case <-ctx.Done():
			return nil
		case <-tips:
			if err := a.step(func() error { return st.tip(ctx, a) }); err != nil {
				return err
			}
		case <-found:
			if err := a.step(func() error { return st.found(ctx, a) }); err != nil {
				return err
			}
			arm()
		}
	}
	return nil
}

func (a *attacker) isDone(st strategy) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return st.done()
}

// privateChain returns a chain of the attacker's own, never connected to
// anyone, holding the public node's best chain: the base of a private
// branch.
func privateChain(pub *chain.Chain, now time.Time) (*chain.Chain, error) {
	c, err := chain.New(chain.Config{Params: pub.Params()})
	if err != nil {
		return nil, err
	}
	if err := catchUp(c, pub, now); err != nil {
		return nil, err
	}
	return c, nil
}

// catchUp adds to priv the blocks of pub's best chain it lacks.
func catchUp(priv, pub *chain.Chain, now time.Time) error {
	main := pub.MainChain()
	var add []*chain.Block
	for _, b := range main[1:] {
		if _, ok := priv.BlockByHash(b.Hash()); !ok {
			add = append(add, b)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if _, err := priv.ProcessBlocks(add, now); err != nil {
		return fmt.Errorf("attacker: private chain: %w", err)
	}
	return nil
}
