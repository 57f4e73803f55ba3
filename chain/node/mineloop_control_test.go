package node

import (
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// obey hands f's node a control signed by key, as the server announces it.
func (f *loopFixture) obey(t *testing.T, key ed25519.PrivateKey, seq uint64, op string, st ControlState) {
	t.Helper()
	p := f.n.Chain().Params()
	body, err := SignControl(key, Control{Room: p.Name, Epoch: p.Epoch, Seq: seq, Op: op, State: st})
	require.NoError(t, err)
	m, err := NewMessage(TypeControl, "", body)
	require.NoError(t, err)
	f.n.handle(m)
	c, _ := f.n.Control()
	require.Equal(t, seq, c.Seq, "the control was obeyed")
}

func controlFixture(t *testing.T) (*loopFixture, ed25519.PrivateKey) {
	t.Helper()
	f := newLoopFixture(t, chain.TestParams)
	key := chain.GenerateKey()
	f.n.cfg.ControlKey = key.Public().(ed25519.PublicKey)
	f.cfg.DutyPeriod = time.Second
	return f, key
}

// A pause abandons the search at once and nothing is searched until the
// room resumes; resuming starts a template at once.
func TestMineLoopPausesAndResumes(t *testing.T) {
	f, key := controlFixture(t)
	f.start(t)
	f.expect(t, "template")
	c := f.miner.next(t)

	f.obey(t, key, 1, CodeControlPause, ControlState{Paused: true})
	f.expect(t, "control")
	c.cancelled(t)
	f.expect(t, "paused")
	f.clock.Advance(time.Hour) // no timer brings it back
	f.quiet(t)

	f.obey(t, key, 2, CodeControlResume, ControlState{})
	f.expect(t, "template")
	f.miner.next(t)
	f.quiet(t)
}

// A throttle of 40 % searches exactly 0.4 s of every 1 s period, on the
// node's clock, and a lifted throttle searches without a break again.
func TestMineLoopThrottleSearchesItsShareOfEachPeriod(t *testing.T) {
	f, key := controlFixture(t)
	f.obey(t, key, 1, CodeControlThrottle, ControlState{Throttle: 40})
	f.start(t)
	for range 3 {
		f.expect(t, "template")
		c := f.miner.next(t)
		start := f.clock.Now()
		f.clock.waitTimer(t, 400*time.Millisecond)
		f.clock.Advance(399 * time.Millisecond)
		f.quiet(t)
		f.clock.Advance(time.Millisecond)
		f.expect(t, "slice")
		c.cancelled(t)
		require.Equal(t, 400*time.Millisecond, f.clock.Now().Sub(start), "searched 40 % of the period")
		f.clock.waitTimer(t, 600*time.Millisecond)
		f.clock.Advance(599 * time.Millisecond)
		f.quiet(t)
		f.clock.Advance(time.Millisecond)
		f.expect(t, "rested")
	}
	f.expect(t, "template")
	c := f.miner.next(t)
	f.obey(t, key, 2, CodeControlThrottle, ControlState{})
	f.expect(t, "control", "template")
	c.cancelled(t)
	f.miner.next(t)
	f.clock.Advance(time.Second) // no slice
	f.quiet(t)

	// A share's duty for this node applies too, times the throttle.
	f.n.mu.Lock()
	f.n.self = "p1"
	f.n.mu.Unlock()
	f.obey(t, key, 3, CodeControlShare, ControlState{Throttle: 50, Share: &Share{Peer: "p2", Pct: 80}, Duty: map[string]float64{"p1": 0.5}})
	d, _ := f.n.miningDuty()
	require.Equal(t, 0.25, d)
}
