//go:build !js

package main

import (
	"context"
	"fmt"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/sim"
)

// selfish is selfish mining (Eyal & Sirer 2014, Algorithm 1) played live
// by Mallory at share Q against the room. It mines on a private chain of
// its own and keeps its blocks; when the room's (honest) chain grows it
// publishes just enough of them:
//
//   - the room overtook it (its lead was 0): it adopts the room's chain;
//   - its lead drops to 0 (was 1): it publishes its block, a tie race,
//     and if it finds the next block first it publishes that too and wins;
//   - its lead drops to 1 (was 2): it publishes everything: the room's
//     block is orphaned;
//   - it leads by more: it publishes the oldest withheld block.
//
// The board compares its share of the main chain's blocks since the start
// with its share of the hash power, and with the paper's revenue
// (sim.SelfishRevenue at γ = 0 and γ = ½).
type selfish struct {
	Q float64

	priv     *chain.Chain
	withheld []*chain.Block // private blocks not yet published, oldest first
	mined    map[chain.Hash]bool
	tie      bool       // state 0′: a published block of ours ties an honest one
	seen     chain.Hash // the room's tip last handled
	start    uint64     // the room's height when it began
}

func (s *selfish) share() float64 { return s.Q }
func (s *selfish) done() bool     { return false }

func (s *selfish) begin(_ context.Context, a *attacker) error {
	priv, err := privateChain(a.node.Chain(), a.clock.Now())
	if err != nil {
		return err
	}
	s.priv, s.mined, s.start, s.seen = priv, map[chain.Hash]bool{}, priv.Tip().Height, a.node.Chain().Tip().Hash
	a.say("start", map[string]int64{"pct": pct(s.Q), "paper0": permille(sim.SelfishRevenue(s.Q, 0)), "paperhalf": permille(sim.SelfishRevenue(s.Q, 0.5))},
		fmt.Sprintf("%s mines selfishly with %d %% of the hash power: it keeps its blocks and publishes them to orphan the room's", a.node.Name(), pct(s.Q)))
	return nil
}

// permille is a fraction in thousandths.
func permille(x float64) int64 { return int64(x*1000 + 0.5) }

func (s *selfish) found(ctx context.Context, a *attacker) error {
	now := a.clock.Now()
	b, err := a.seal(ctx, s.priv.NewTemplate(a.node.Address(), nil, now))
	if err != nil {
		return err
	}
	if _, err := s.priv.ProcessBlock(b, now); err != nil {
		return fmt.Errorf("selfish: private block: %w", err)
	}
	s.mined[b.Hash()] = true
	s.withheld = append(s.withheld, b)
	if s.tie {
		// State 0′ and it found the next block on its own: publish, win.
		s.tie = false
		if err := s.publish(a, len(s.withheld)); err != nil {
			return err
		}
		a.say("tie-won", s.args(a), fmt.Sprintf("%s found the block after the tie and published both: the room's block is orphaned", a.node.Name()))
		return nil
	}
	a.say("withheld", s.args(a), fmt.Sprintf("%s found a block and keeps it to itself (%d withheld, its lead: %d)", a.node.Name(), len(s.withheld), s.lead(a)))
	return nil
}

// lead is the private tip's height above the room's honest tip.
func (s *selfish) lead(a *attacker) int {
	return int(s.priv.Tip().Height) - int(a.node.Chain().Tip().Height)
}

func (s *selfish) tip(_ context.Context, a *attacker) error {
	pub := a.node.Chain().Tip()
	if pub.Hash == s.seen || s.mined[pub.Hash] {
		s.seen = pub.Hash
		return nil // nothing new, or its own block
	}
	s.seen = pub.Hash
	ph, h := s.priv.Tip().Height, pub.Height
	switch {
	case h > ph: // the room is ahead: adopt its chain
		lost, wasTie := len(s.withheld), s.tie
		if err := catchUp(s.priv, a.node.Chain(), a.clock.Now()); err != nil {
			return err
		}
		s.withheld, s.tie = nil, false
		if lost > 0 || wasTie {
			a.say("adopted", s.args(a), fmt.Sprintf("The room is ahead: %s drops %d withheld block(s) and mines on the room's chain", a.node.Name(), lost))
		}
	case h == ph: // lead 1 → 0: publish, race the tie
		if len(s.withheld) == 0 {
			return nil
		}
		if err := s.publish(a, len(s.withheld)); err != nil {
			return err
		}
		s.tie = true
		a.say("tie", s.args(a), fmt.Sprintf("The room caught up: %s publishes its block, and the room is split between two blocks of the same height", a.node.Name()))
	case h+1 == ph: // lead 2 → 1: publish everything, orphan the room's
		if err := s.publish(a, len(s.withheld)); err != nil {
			return err
		}
		a.say("override", s.args(a), fmt.Sprintf("%s publishes its %d-block branch, one longer than the room's: the room's latest block is orphaned", a.node.Name(), ph-s.forkHeight(a)))
	default: // lead > 2: publish up to the room's height
		k := 0
		for k < len(s.withheld) && s.withheld[k].Height() <= h {
			k++
		}
		if err := s.publish(a, k); err != nil {
			return err
		}
		if k > 0 {
			a.say("publish", s.args(a), fmt.Sprintf("%s publishes one withheld block to match the room, and still leads by %d", a.node.Name(), s.lead(a)))
		}
	}
	return nil
}

// forkHeight is the height of the last block both branches share.
func (s *selfish) forkHeight(a *attacker) uint64 {
	if len(s.withheld) > 0 {
		return s.withheld[0].Height() - 1
	}
	return s.priv.Tip().Height
}

// publish hands the k oldest withheld blocks to the room.
func (s *selfish) publish(a *attacker, k int) error {
	for _, b := range s.withheld[:k] {
		if err := a.node.SubmitBlock(b); err != nil {
			return fmt.Errorf("selfish: publish: %w", err)
		}
	}
	s.withheld = s.withheld[k:]
	return nil
}

func (s *selfish) args(a *attacker) map[string]int64 {
	f := s.status(a)
	return map[string]int64{"withheld": int64(len(s.withheld)), "lead": int64(max(s.lead(a), 0)), "main": int64(f.MainBlocks),
		"mine": int64(f.AttackerBlocks), "orphaned": int64(f.Orphaned), "pct": pct(s.Q)}
}

func (s *selfish) status(a *attacker) scenarioFigures {
	c := a.node.Chain()
	f := scenarioFigures{Phase: "mining", SharePct: pct(s.Q), Withheld: len(s.withheld),
		PaperGamma0: sim.SelfishRevenue(s.Q, 0), PaperGammaHalf: sim.SelfishRevenue(s.Q, 0.5)}
	me := a.node.Address()
	tip := c.Tip().Height
	for h := s.start + 1; h <= tip; h++ {
		b, ok := c.BlockAtHeight(h)
		if !ok {
			break
		}
		f.MainBlocks++
		if b.Txs[0].To == me {
			f.AttackerBlocks++
		}
	}
	for _, n := range c.TreeFrom(s.start + 1) {
		if n.MainChain {
			continue
		}
		if b, ok := c.BlockByHash(n.Hash); ok && b.Txs[0].To != me {
			f.Orphaned++
		}
	}
	return f
}
