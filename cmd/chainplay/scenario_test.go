//go:build !js

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
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

// timestampParams are the timestamp rooms' rules at test difficulty:
// a retarget every timestampWindow blocks, and the weak or default time
// rules.
func timestampParams(weak bool) chain.Params {
	p := testRoomParams()
	p.Difficulty, p.RetargetInterval = 1<<10, timestampWindow
	if weak {
		p.MaxFutureDriftMs, p.MedianTimeSpan = 24*3600*1000, 1
	}
	return p
}

// TestTimestampAttackLowersTheDifficultyInTheWeakRoom: forged times
// drive the retarget down ÷4 a window, and the room takes the blocks.
func TestTimestampAttackLowersTheDifficultyInTheWeakRoom(t *testing.T) {
	p := timestampParams(true)
	r := newRoom(t, p, 0.3, 5)
	ts := &timestampAttack{Q: 0.3, Rules: "weak"}
	r.play(ts, 5, 120)
	require.True(t, r.saw("forged"))
	d, _ := r.honest.Chain().NextDifficulty(r.honest.Chain().Tip().Hash)
	require.LessOrEqual(t, d, p.Difficulty/64, "the honest node's own chain asks for a far lower difficulty")
	require.Zero(t, ts.refused)
	mallory := 0
	for _, b := range r.honest.Chain().MainChain()[1:] {
		if b.Txs[0].To == r.a.node.Address() {
			mallory++
			require.Greater(t, b.Header.Time, r.tn.Clock.Now().UnixMilli()-1, "Mallory's blocks are stamped ahead of the clock")
		}
	}
	require.NotZero(t, mallory)
}

// TestTimestampAttackIsRefusedInTheDefaultRoom: the same blocks, in a
// room with the default drift of 2 minutes, are held by every peer as
// from the future, and the difficulty does not fall.
func TestTimestampAttackIsRefusedInTheDefaultRoom(t *testing.T) {
	p := timestampParams(false)
	r := newRoom(t, p, 0.3, 5)
	var held int
	unsub := r.honest.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventStatus && ev.Code == node.CodeStatusHeld {
			held++
		}
	})
	defer unsub()
	ts := &timestampAttack{Q: 0.3}
	r.play(ts, 5, 120)
	unsub()
	require.True(t, r.saw("refused"))
	require.Zero(t, ts.forged)
	require.GreaterOrEqual(t, held, 5, "the honest peer held every forged block as from the future")
	for _, b := range r.honest.Chain().MainChain()[1:] {
		require.NotEqual(t, r.a.node.Address(), b.Txs[0].To, "no forged block on the honest chain")
	}
	d, _ := r.honest.Chain().NextDifficulty(r.honest.Chain().Tip().Hash)
	require.Greater(t, d, p.Difficulty/16, "the difficulty follows the honest blocks only")
}

// TestSelfishMiningOrphansHonestBlocks: at 40 % over a fixed seed the
// selfish pool gets more than its share of the main chain, by orphaning
// honest blocks. The seed fixes when blocks are found, not who wins a
// race of two blocks in the room (the order of delivery), so the share
// varies from run to run around the paper's 0.48: over 150 blocks it fell
// to 0.387 once in CI; over 600 it was 0.463–0.466 in 8 runs under load.
func TestSelfishMiningOrphansHonestBlocks(t *testing.T) {
	r := newRoom(t, testRoomParams(), 0.4, 8)
	s := &selfish{Q: 0.4}
	r.play(s, 8, 600)
	f := s.status(r.a)
	t.Logf("main %d, Mallory's %d, orphaned %d", f.MainBlocks, f.AttackerBlocks, f.Orphaned)
	require.True(t, r.saw("override"))
	require.NotZero(t, f.Orphaned)
	require.Greater(t, float64(f.AttackerBlocks)/float64(f.MainBlocks), 0.4, "more than its hash share")
	require.InDelta(t, 0.4837, f.PaperGamma0, 1e-3)
}

// TestBrokenKeyIsRecoveredAndSpent: the broken wallet's two payments
// give its key away; a student's node recovers it from its own chain
// (the REST API the tab serves), the key matches the wallet's public
// key, and a transfer signed with it empties the account into the
// student's wallet.
func TestBrokenKeyIsRecoveredAndSpent(t *testing.T) {
	r := newRoom(t, testRoomParams(), 0.5, 2)
	k := newBrokenKey(0.5, 2)
	r.play(k, 2, 200)
	require.Equal(t, "signed", k.phase)
	for range 2 { // the two payments confirmed
		r.tn.Mine(r.honest)
	}
	r.tn.Settle()
	acct := k.addr.String()

	var rec node.KeyRecovery
	call(t, r.mer.Handler(), "GET", "/brokenkey/"+acct, "", 200, &rec)
	require.True(t, rec.Match)
	require.Equal(t, rec.Public, rec.Check)
	require.Equal(t, hexOf(k.signer.Public()), rec.Public)
	before := r.mer.Chain().Balance(r.mer.Address()).Balance
	funds := r.mer.Chain().Balance(k.addr).Balance
	require.NotZero(t, funds)

	var spent node.SpendResponse
	call(t, r.mer.Handler(), "POST", "/brokenkey/"+acct+"/spend", "{}", 201, &spent)
	r.tn.Settle()
	r.tn.Mine(r.honest)
	r.tn.Settle()
	require.NoError(t, k.tip(context.Background(), r.a))
	require.Equal(t, "spent", k.phase)
	require.Equal(t, before+funds-1, r.mer.Chain().Balance(r.mer.Address()).Balance)

	var miss struct{ Code string }
	call(t, r.mer.Handler(), "GET", "/brokenkey/"+r.honest.Address().String(), "", 404, &miss)
	require.Equal(t, "no-reused-nonce", miss.Code, "a healthy wallet's key stays its own")
}

// TestDishonestNodeIsFlagged: the liar's API claims a block that does
// not exist and balances it made up; a student's node checks its answers
// against its own chain and flags every lie. An honest node passes.
func TestDishonestNodeIsFlagged(t *testing.T) {
	r := newRoom(t, testRoomParams(), 0.5, 4)
	r.tn.Mine(r.honest)
	r.tn.Settle()
	l := &liar{}
	require.NoError(t, l.begin(context.Background(), r.a))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { l.serve(w, req, req.URL.Path) }))
	defer srv.Close()
	rep, err := r.mer.VerifyNode(context.Background(), srv.URL)
	require.NoError(t, err)
	require.False(t, rep.Honest)
	lies := map[string]node.VerifyCheck{}
	for _, c := range rep.Checks {
		if !c.OK {
			lies[c.What] = c
		}
	}
	require.Contains(t, lies, "tip")
	require.Contains(t, lies, "block")
	require.Contains(t, lies, "balance")
	require.Equal(t, "high-hash", lies["block"].Rule, "the made-up block has no proof of work")
	require.Equal(t, "0", lies["balance"].Truth)
	require.Equal(t, "1000", lies["balance"].Claimed)

	honest := httptest.NewServer(r.honest.Handler())
	defer honest.Close()
	rep, err = r.mer.VerifyNode(context.Background(), honest.URL)
	require.NoError(t, err)
	require.True(t, rep.Honest, "%+v", rep.Checks)
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// call sends one request to h and decodes its JSON answer into out.
func call(t *testing.T, h http.Handler, method, path, body string, status int, out any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	require.Equal(t, status, w.Code, w.Body.String())
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), out))
}
