//go:build !js

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
	"github.com/chainplay/chainplay/chain/node/view"
)

// room is a room of native peers on one FakeClock for a scenario test:
// an honest miner, a merchant (a student who only watches) and the
// attacker's public node, driven event by event so that a seed decides
// everything.
type room struct {
	t      *testing.T
	tn     *nodetest.Net
	honest *node.Node
	mer    *node.Node
	a      *attacker
	steps  []node.ScenarioStep
}

// newRoom starts the room with params p and an attacker of share q
// paced from seed; the honest side finds a block every BlockTimeMs on
// average.
func newRoom(t *testing.T, p chain.Params, q float64, seed uint64) *room {
	t.Helper()
	tn := nodetest.NewNetConfig(t, 0, node.Config{})
	r := &room{t: t, tn: tn}
	mk := func(name string, key ed25519.PrivateKey) *node.Node {
		c, err := chain.New(chain.Config{Params: p})
		require.NoError(t, err)
		n := nodetest.NewNode(t, node.Config{Chain: c, Name: name, Clock: tn.Clock, Key: key})
		tn.Start(n)
		return n
	}
	seedKey := sha256.Sum256([]byte{byte(seed)})
	key := ed25519.NewKeyFromSeed(seedKey[:])
	r.honest = mk("honest", nil)
	r.mer = mk("merchant", nil)
	an := mk(attackerName, key)
	tn.Settle()
	r.a = &attacker{node: an, key: key, clock: tn.Clock,
		pace: newPacer(seed, q, func() float64 { return designRate(p)(p.Difficulty) }, nil)}
	r.a.say = func(step string, args map[string]int64, text string) {
		r.steps = append(r.steps, node.ScenarioStep{Step: step, Args: args, Text: text})
		t.Logf("step %s %v: %s", step, args, text)
	}
	return r
}

// play runs st until it is done or max blocks were found: the attacker's
// blocks at its paced times, the honest miner's as a Poisson process of
// its own seeded RNG, the room settled after each.
func (r *room) play(st strategy, seed uint64, max int) {
	r.t.Helper()
	ctx := context.Background()
	require.NoError(r.t, st.begin(ctx, r.a))
	rng := rand.New(rand.NewPCG(seed, 99))
	p := r.honest.Chain().Params()
	interval := time.Duration(p.BlockTimeMs) * time.Millisecond
	start := r.tn.Clock.Now()
	d, _ := r.a.node.Chain().NextDifficulty(r.a.node.Chain().Tip().Hash)
	nextA := start.Add(r.a.pace.next(d))
	nextH := start.Add(time.Duration(rng.ExpFloat64() * float64(interval)))
	for i := 0; i < max && !st.done(); i++ {
		if nextA.Before(nextH) {
			r.tn.Clock.Set(nextA)
			require.NoError(r.t, st.found(ctx, r.a))
			d, _ := r.a.node.Chain().NextDifficulty(r.a.node.Chain().Tip().Hash)
			nextA = nextA.Add(r.a.pace.next(d))
		} else {
			r.tn.Clock.Set(nextH)
			r.tn.Mine(r.honest)
			nextH = nextH.Add(time.Duration(rng.ExpFloat64() * float64(interval)))
		}
		r.tn.Settle()
		require.NoError(r.t, st.tip(ctx, r.a))
		r.tn.Settle()
	}
}

func (r *room) saw(step string) bool {
	for _, s := range r.steps {
		if s.Step == step {
			return true
		}
	}
	return false
}

// scenarioParams is lesson 6's room at test difficulty.
func testRoomParams() chain.Params {
	p := chain.TestParams
	p.BlockTimeMs = 10_000
	return p
}

// TestDoubleSpendRevertsAt60Percent: with 60 % of the hash power over a
// fixed seed, Mallory's secret branch overtakes after the merchant saw
// the payment confirmed twice; the room reorganises, the payment leaves
// the merchant's chain, the same coins went back to Mallory, and the
// merchant's wallet says double-spent.
func TestDoubleSpendRevertsAt60Percent(t *testing.T) {
	r := newRoom(t, testRoomParams(), 0.6, 3)
	mv := view.New(r.mer, view.Config{})
	ds := &doubleSpend{Q: 0.6, Z: 2, Amount: 10, Merchant: r.mer.Address(), MerchantName: "merchant"}
	r.play(ds, 3, 400)
	require.Equal(t, dsWon, ds.phase, "the attack should succeed at 60 %% for this seed")
	require.True(t, r.saw("accepted"), "the merchant accepted the payment first")
	nodetest.Converged(t, r.a.node, r.mer, r.honest)
	c := r.mer.Chain()
	require.Zero(t, confirmationsOf(c, ds.t1.ID(), 0), "the payment is off the merchant's chain")
	require.NotZero(t, confirmationsOf(c, ds.t2.ID(), 0), "the same coins paid Mallory back")
	require.False(t, r.mer.Mempool().Has(ds.t1.ID()), "and it can never come back")

	snap := mv.Snapshot()
	found := false
	for _, h := range snap.Wallet.History {
		if h.ID == ds.t1.ID().String() {
			found = true
			require.Equal(t, view.StatusDoubleSpent, h.Status)
		}
	}
	require.True(t, found, "the merchant's history lists the reverted payment")
}

// TestDoubleSpendFailsAt20Percent: at 20 % over a fixed seed the public
// branch runs away; Mallory gives up and the merchant keeps the money.
func TestDoubleSpendFailsAt20Percent(t *testing.T) {
	r := newRoom(t, testRoomParams(), 0.2, 3)
	ds := &doubleSpend{Q: 0.2, Z: 2, Amount: 10, Merchant: r.mer.Address(), MerchantName: "merchant"}
	r.play(ds, 3, 400)
	require.Equal(t, dsLost, ds.phase)
	require.True(t, r.saw("gave-up"))
	require.GreaterOrEqual(t, confirmationsOf(r.mer.Chain(), ds.t1.ID(), 0), 2, "the payment stays confirmed")
	require.Equal(t, uint64(10), r.mer.Chain().Balance(r.mer.Address()).Balance)
}
