//go:build !js

package main

import (
	"context"
	"fmt"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/sim"
)

// doubleSpend is the 51 % attack of the lesson, live: Mallory pays a
// student, the merchant, and races a private branch that leaves the
// payment out.
//
//  1. earn: while Mallory cannot pay Amount (plus a fee of 1) it mines
//     honestly at its share, like any student.
//  2. paid: it sends the merchant T1 and, from the tip it saw then (the
//     base), mines in secret: its first private block holds T2, the same
//     coins (the same seq) paid to another address of its own.
//  3. accepted: once the merchant's payment has Z confirmations on the
//     room's chain the merchant hands over the goods; from then on, as
//     soon as the private branch is longer than the public one since the
//     base, Mallory releases it: every peer reorganises, T1 leaves the
//     chain and can never come back (its seq is T2's now): double-spent.
//  4. Mallory gives up when the public branch leads by GiveUp blocks.
//
// The board draws the race (the two branch lengths since the base).
type doubleSpend struct {
	Q        float64
	Z        int
	Amount   uint64
	GiveUp   int
	Merchant chain.Address
	// MerchantName is how the steps name the merchant.
	MerchantName string

	phase    string // earn, race, released, won, lost
	priv     *chain.Chain
	base     chain.TipInfo
	branch   []*chain.Block // the private blocks after base, oldest first
	t1, t2   *chain.Tx
	accepted bool
	lastPub  int
	lastConf int
}

// Phases of a doubleSpend.
const (
	dsEarn     = "earn"
	dsRace     = "race"
	dsReleased = "released"
	dsWon      = "won"
	dsLost     = "lost"
)

// defaultGiveUp is how far behind the public branch the attacker gives up.
const defaultGiveUp = 6

func (d *doubleSpend) share() float64 { return d.Q }
func (d *doubleSpend) done() bool     { return d.phase == dsWon || d.phase == dsLost }

func (d *doubleSpend) begin(ctx context.Context, a *attacker) error {
	if d.GiveUp <= 0 {
		d.GiveUp = defaultGiveUp
	}
	d.phase = dsEarn
	a.say("start", map[string]int64{"pct": pct(d.Q), "z": int64(d.Z), "amount": int64(d.Amount)},
		fmt.Sprintf("%s holds %d %% of the room's hash power and will pay %s %d coins, then try to take them back", a.node.Name(), pct(d.Q), d.MerchantName, d.Amount))
	return d.maybePay(a)
}

// maybePay starts the race once Mallory can pay.
func (d *doubleSpend) maybePay(a *attacker) error {
	if d.phase != dsEarn {
		return nil
	}
	pub := a.node.Chain()
	if pub.Balance(a.node.Address()).Balance < d.Amount+1 {
		return nil
	}
	now := a.clock.Now()
	priv, err := privateChain(pub, now)
	if err != nil {
		return err
	}
	t1, err := a.node.Send(d.Merchant, d.Amount, 1, "for the goods")
	if err != nil {
		return fmt.Errorf("double spend: pay the merchant: %w", err)
	}
	other := chain.KeyAddress(otherKey(a.key))
	t2 := &chain.Tx{From: t1.From, To: other, Amount: d.Amount, Fee: 1, Seq: t1.Seq, Time: t1.Time + 1, Name: a.node.Name(), Memo: "back to me"}
	t2.Sign(pub.ID(), a.key)
	d.priv, d.base, d.t1, d.t2, d.branch = priv, priv.Tip(), t1, t2, nil
	d.phase = dsRace
	a.say("paid", map[string]int64{"amount": int64(d.Amount), "z": int64(d.Z), "height": int64(d.base.Height)},
		fmt.Sprintf("%s paid %s %d coins (transaction %s) and is now mining in secret, from block #%d, a branch that pays the same coins back to itself", a.node.Name(), d.MerchantName, d.Amount, t1.ID().Short(), d.base.Height))
	return nil
}

func (d *doubleSpend) found(ctx context.Context, a *attacker) error {
	switch d.phase {
	case dsEarn:
		b, err := a.seal(ctx, a.node.Template())
		if err != nil {
			return err
		}
		if err := a.node.SubmitBlock(b); err != nil {
			return err
		}
		return d.maybePay(a)
	case dsRace:
		var txs []*chain.Tx
		if len(d.branch) == 0 {
			txs = []*chain.Tx{d.t2}
		}
		b, err := a.seal(ctx, d.priv.NewTemplate(a.node.Address(), txs, a.clock.Now()))
		if err != nil {
			return err
		}
		if _, err := d.priv.ProcessBlock(b, a.clock.Now()); err != nil {
			return fmt.Errorf("double spend: private block: %w", err)
		}
		d.branch = append(d.branch, b)
		a.say("private", d.raceArgs(a), fmt.Sprintf("%s found block %d of its secret branch (the room's public branch: %d)", a.node.Name(), len(d.branch), d.public(a)))
		return d.check(a)
	}
	return nil
}

func (d *doubleSpend) tip(ctx context.Context, a *attacker) error {
	switch d.phase {
	case dsEarn:
		return d.maybePay(a)
	case dsRace:
		pub, conf := d.public(a), d.confirmations(a)
		if pub != d.lastPub || conf != d.lastConf {
			d.lastPub, d.lastConf = pub, conf
			a.say("public", d.raceArgs(a), fmt.Sprintf("The room's public branch is %d blocks long; the payment has %d confirmation(s); the secret branch %d", pub, conf, len(d.branch)))
		}
		return d.check(a)
	case dsReleased:
		// Won when the room took the branch: the attacker's chain has it,
		// and every peer says its tip is on it (the attacker stays until
		// then, so every peer can fetch the branch from it).
		c := a.node.Chain()
		if c.IsMainChain(d.branch[len(d.branch)-1].Hash()) && roomOnBranch(a.node, d.branch[len(d.branch)-1]) {
			d.phase = dsWon
			a.say("reverted", d.raceArgs(a), fmt.Sprintf("The room switched to %s's branch: the payment to %s is gone from the chain and can never be confirmed again (its coins were spent by another transaction): double-spent", a.node.Name(), d.MerchantName))
		}
	}
	return nil
}

// check decides the race: release once the merchant accepted and the
// private branch is longer; give up when too far behind.
func (d *doubleSpend) check(a *attacker) error {
	pub := d.public(a)
	if !d.accepted && d.confirmations(a) >= d.Z {
		d.accepted = true
		a.say("accepted", d.raceArgs(a), fmt.Sprintf("%s sees the payment confirmed %d times and hands over the goods", d.MerchantName, d.Z))
	}
	switch {
	case d.accepted && len(d.branch) > pub:
		d.phase = dsReleased
		a.say("released", d.raceArgs(a), fmt.Sprintf("%s's secret branch (%d blocks) is longer than the public one (%d): it publishes it", a.node.Name(), len(d.branch), pub))
		for _, b := range d.branch {
			if err := a.node.SubmitBlock(b); err != nil {
				return fmt.Errorf("double spend: release: %w", err)
			}
		}
		return d.tip(context.Background(), a)
	case pub-len(d.branch) >= d.GiveUp:
		d.phase = dsLost
		a.say("gave-up", d.raceArgs(a), fmt.Sprintf("The public branch leads by %d blocks: %s gives up; %s keeps the payment", pub-len(d.branch), a.node.Name(), d.MerchantName))
	}
	return nil
}

// public is the length of the room's branch since the race's base.
func (d *doubleSpend) public(a *attacker) int {
	tip := a.node.Chain().Tip()
	if tip.Height <= d.base.Height {
		return 0
	}
	return int(tip.Height - d.base.Height)
}

// confirmations counts T1's confirmations on the room's best chain.
func (d *doubleSpend) confirmations(a *attacker) int {
	if d.t1 == nil {
		return 0
	}
	return confirmationsOf(a.node.Chain(), d.t1.ID(), d.base.Height)
}

// confirmationsOf counts the confirmations of tx id on c's best chain
// above height from (0 when it is not there).
func confirmationsOf(c *chain.Chain, id chain.Hash, from uint64) int {
	tip := c.Tip()
	for h := tip.Height; h > from; h-- {
		b, ok := c.BlockAtHeight(h)
		if !ok {
			return 0
		}
		for _, tx := range b.Txs[1:] {
			if tx.ID() == id {
				return int(tip.Height-h) + 1
			}
		}
	}
	return 0
}

func (d *doubleSpend) raceArgs(a *attacker) map[string]int64 {
	return map[string]int64{"private": int64(len(d.branch)), "public": int64(d.public(a)), "confirmations": int64(d.confirmations(a)),
		"z": int64(d.Z), "pct": pct(d.Q)}
}

func (d *doubleSpend) status(a *attacker) scenarioFigures {
	f := scenarioFigures{Phase: d.phase, SharePct: pct(d.Q), Z: d.Z,
		// The paper's figure: Rosenfeld's probability that an attacker of
		// this share ever overtakes from Z confirmations.
		Paper: sim.Rosenfeld(min(max(d.Q, 0.001), 0.999), d.Z)}
	if d.phase != dsEarn {
		f.Private, f.Public, f.Confirmations = len(d.branch), d.public(a), d.confirmations(a)
		f.Payment, f.Base = d.t1.ID().String(), d.base.Height
	}
	return f
}

// pct is a share as a whole percentage.
func pct(q float64) int64 { return int64(q*100 + 0.5) }

// roomOnBranch reports whether every peer n hears announced a tip on n's
// best chain at tip's height or above: the room has taken the branch that
// ends at tip.
func roomOnBranch(n *node.Node, tip *chain.Block) bool {
	c := n.Chain()
	for _, p := range n.PeerStates() {
		if p.Banned || p.Height == 0 {
			continue
		}
		if p.Height < tip.Height() || !c.IsMainChain(p.Tip) {
			return false
		}
	}
	return true
}
