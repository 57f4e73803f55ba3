package node_test

import (
	"crypto/ed25519"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// controlRoom is a room whose nodes know a control key, and that key.
type controlRoom struct {
	*nodetest.Net
	key ed25519.PrivateKey
	seq uint64
}

func newControlRoom(t *testing.T, k int) *controlRoom {
	t.Helper()
	key := chain.GenerateKey()
	tn := nodetest.NewNetConfig(t, k, node.Config{ControlKey: key.Public().(ed25519.PublicKey)})
	return &controlRoom{Net: tn, key: key}
}

// control signs a control of the next sequence number for the room.
func (r *controlRoom) control(t *testing.T, op string, st node.ControlState) node.Message {
	t.Helper()
	r.seq++
	p := r.Nodes[0].Chain().Params()
	body, err := node.SignControl(r.key, node.Control{Room: p.Name, Epoch: p.Epoch, Seq: r.seq, Time: 1, Op: op, State: st})
	require.NoError(t, err)
	m, err := node.NewMessage(node.TypeControl, "", body)
	require.NoError(t, err)
	return m
}

// events collects every node's events of the given kinds.
type controlEvents struct {
	mu  sync.Mutex
	got map[*node.Node][]node.Event
}

func watchControls(nodes []*node.Node, kinds ...node.EventKind) *controlEvents {
	e := &controlEvents{got: map[*node.Node][]node.Event{}}
	for _, n := range nodes {
		n.Subscribe(func(ev node.Event) {
			for _, k := range kinds {
				if ev.Kind == k {
					e.mu.Lock()
					e.got[n] = append(e.got[n], ev)
					e.mu.Unlock()
				}
			}
		})
	}
	return e
}

func (e *controlEvents) of(n *node.Node) []node.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]node.Event(nil), e.got[n]...)
}

func (e *controlEvents) reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = map[*node.Node][]node.Event{}
}

// A control signed by the room's key is obeyed by every node, once even
// when it comes twice; a student's forgeries — another key, a replayed
// genuine control, another room's, garbage — are refused by every node,
// reported with a rule code naming the student, and change nothing.
func TestControlsSignedAreObeyedForgedAreRefused(t *testing.T) {
	r := newControlRoom(t, 3)
	ev := watchControls(r.Nodes, node.EventControl, node.EventRejected)

	pause := r.control(t, node.CodeControlPause, node.ControlState{Paused: true})
	r.Announce(pause)
	r.Announce(pause) // the notice and the broadcast: obeyed once
	r.Settle()
	for _, n := range r.Nodes {
		c, _ := n.Control()
		require.True(t, c.State.Paused, "%s is paused", n.Name())
		require.Equal(t, uint64(1), c.Seq)
		got := ev.of(n)
		require.Len(t, got, 1, "%s: one control event, no rejection: %+v", n.Name(), got)
		require.Equal(t, node.CodeControlPause, got[0].Code)
	}
	throttle := r.control(t, node.CodeControlThrottle, node.ControlState{Paused: true, Throttle: 50})
	r.Announce(throttle)
	r.Settle()
	ev.reset()

	student := r.Join("mallory")
	otherKey := chain.GenerateKey()
	p := r.Nodes[0].Chain().Params()
	forged, err := node.SignControl(otherKey, node.Control{Room: p.Name, Epoch: p.Epoch, Seq: 99, Op: node.CodeControlResume})
	require.NoError(t, err)
	wrongRoom, err := node.SignControl(r.key, node.Control{Room: "elsewhere", Epoch: p.Epoch, Seq: 100, Op: node.CodeControlResume})
	require.NoError(t, err)
	wrongEpoch, err := node.SignControl(r.key, node.Control{Room: p.Name, Epoch: p.Epoch + 1, Seq: 101, Op: node.CodeControlResume})
	require.NoError(t, err)
	tampered := forged
	tampered.Control = json.RawMessage(`{"room":"` + p.Name + `","seq":102,"op":"resume"}`)
	cases := []struct {
		body any
		code string
	}{
		{forged, node.CodeControlForged},
		{tampered, node.CodeControlForged},
		{json.RawMessage(pause.Body), node.CodeControlStale}, // a genuine control, replayed
		{wrongRoom, node.CodeControlStale},
		{wrongEpoch, node.CodeControlStale},
		{map[string]string{"control": "x"}, node.CodeControlForged},
		{node.ControlBody{Control: json.RawMessage(`{}`), Sig: "zz"}, node.CodeControlForged},
	}
	for _, c := range cases {
		m, err := node.NewMessage(node.TypeControl, "", c.body)
		require.NoError(t, err)
		require.NoError(t, student.Send(t.Context(), m))
	}
	r.Settle()
	for _, n := range r.Nodes {
		c, _ := n.Control()
		require.Equal(t, uint64(2), c.Seq, "%s still obeys the teacher's last control", n.Name())
		require.True(t, c.State.Paused)
		require.Equal(t, 50, c.State.Throttle)
		got := ev.of(n)
		require.Len(t, got, len(cases), "%s: %+v", n.Name(), got)
		for i, e := range got {
			require.Equal(t, node.EventRejected, e.Kind, "%s case %d: %+v", n.Name(), i, e)
			require.Equal(t, cases[i].code, e.Code, "%s case %d: %s", n.Name(), i, e.Text)
			require.Equal(t, student.ID(), e.Peer)
			require.Equal(t, node.TypeControl, e.What)
		}
	}

	// A node without the room's key obeys nothing, the teacher's included.
	bare := r.Start(nodetest.NewNode(t, node.Config{Name: "bare", Clock: r.Clock}))
	r.Settle()
	bev := watchControls([]*node.Node{bare.Node}, node.EventControl, node.EventRejected)
	r.Announce(r.control(t, node.CodeControlResume, node.ControlState{}))
	r.Settle()
	c, _ := bare.Node.Control()
	require.Zero(t, c.Seq)
	require.Len(t, bev.of(bare.Node), 1)
	require.Equal(t, node.CodeControlForged, bev.of(bare.Node)[0].Code)
}

// DutyOf combines the pause, the throttle and a share's duty.
func TestControlStateDutyOf(t *testing.T) {
	require.Equal(t, 1.0, node.ControlState{}.DutyOf("p1"))
	require.Equal(t, 0.0, node.ControlState{Paused: true, Throttle: 50}.DutyOf("p1"))
	require.Equal(t, 0.5, node.ControlState{Throttle: 50}.DutyOf("p1"))
	st := node.ControlState{Throttle: 50, Duty: map[string]float64{"p2": 0.5}}
	require.Equal(t, 0.5, st.DutyOf("p1"))
	require.Equal(t, 0.25, st.DutyOf("p2"))
}

// ShareDuties gives the peer its share of the room's rate: the others are
// throttled when it is too slow, it is when it is too fast.
func TestShareDuties(t *testing.T) {
	share := func(rates, duties map[string]float64, peer string) float64 {
		var mine, all float64
		for id, r := range rates {
			d := duties[id]
			all += r * d
			if id == peer {
				mine = r * d
			}
		}
		return mine / all
	}
	rates := map[string]float64{"p1": 100, "p2": 100, "p3": 200}
	d := node.ShareDuties(rates, "p1", 60)
	require.InDelta(t, 0.60, share(rates, d, "p1"), 1e-9)
	require.Equal(t, 1.0, d["p1"])
	d = node.ShareDuties(rates, "p3", 20)
	require.InDelta(t, 0.20, share(rates, d, "p3"), 1e-9)
	require.Equal(t, 1.0, d["p1"])
	require.Less(t, d["p3"], 1.0)

	unknown := map[string]float64{"p1": 100, "p2": 100, "p3": 0} // p3 counted at the others' mean
	d = node.ShareDuties(unknown, "p1", 50)
	require.InDelta(t, 0.5, d["p2"], 1e-9) // others: 100 + 100
	require.Nil(t, node.ShareDuties(map[string]float64{"p1": 100}, "p1", 50), "no other miner")
	require.Nil(t, node.ShareDuties(rates, "p9", 50), "no such peer")
	require.Nil(t, node.ShareDuties(rates, "p1", 100))
}
