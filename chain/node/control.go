package node

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
)

// Teacher controls. The teacher's requests go to the server, which checks
// the room's teacher token; the server then signs each control with the
// room's control key (an ed25519 key of its own per room, whose public
// key is in the room's config that every page and cmd/node fetch:
// Config.ControlKey) and the relay hands it to every peer of the room,
// whatever its group, as a frame without "from" (relay.Server.Announce),
// and to every newcomer after its welcome. A node obeys a control only
// when
//
//   - its signature verifies under Config.ControlKey, over ControlDomain
//     followed by the control's bytes exactly as signed;
//   - it names this node's room and epoch (Params.Name, Params.Epoch), so
//     a control of another room or of before a reset does not apply; and
//   - its sequence number is above that of the last control obeyed, so a
//     control captured and sent again later (a replay) changes nothing.
//
// Anything else is refused and reported as an EventRejected naming the
// sender, with code CodeControlForged (bad signature, no key, not a
// control) or CodeControlStale (another room or epoch, an old sequence
// number), and counts as a violation against the peer that sent it. The
// same control received twice (the notice and a broadcast) is obeyed
// once, silently.
//
// A control carries the room's whole state (ControlState), not a change:
// the last one obeyed is what holds, and a newcomer is up to date with
// the one notice it gets.
//
// What a node does with it: its mining loop (MineLoop) stops while the
// room is paused and mines DutyOf(its own id) of the time otherwise
// (a throttle, a hash share); Names rename peers on every page. Groups
// and latency are the relay's to apply (relay.Server.SetGroups,
// SetLatency); a control only tells the pages, for their banner.

// TypeControl is the message type of a teacher control (ControlBody).
const TypeControl = "control"

// ControlDomain prefixes the bytes a control key signs, so that its
// signature can't be taken for that of anything else.
const ControlDomain = "chainplay-control-v1\x00"

// MaxControlBody is the largest body of a control message.
const MaxControlBody = 32 << 10

// Control ops: what changed with a control (Control.Op), and the codes of
// the EventControl that obeying it emits.
const (
	CodeControlPause    = "pause"    // every miner stops
	CodeControlResume   = "resume"   // mining may go on
	CodeControlThrottle = "throttle" // every miner mines State.Throttle % of the time
	CodeControlShare    = "share"    // Peer is given State.Share.Pct % of the room's hash power
	CodeControlSplit    = "split"    // the relay split the room into State.Groups
	CodeControlHeal     = "heal"     // the room is whole again
	CodeControlLatency  = "latency"  // the relay delays frames (State.LatencyMs, State.PeerLatencyMs)
	CodeControlRename   = "rename"   // Peer is called State.Names[Peer]
	CodeControlLesson   = "lesson"   // the teacher started State.Lesson (step State.Step)
	CodeControlClear    = "clear"    // every control is lifted
	CodeControlFault    = "fault"    // a PBFT room's seat State.Faults[seat] misbehaves (or is honest again)
	// CodeControlScenario: a server-run scenario (an attack) moved to
	// State.Scenario's step; the event carries it (Event.Scenario).
	CodeControlScenario = "scenario"
)

// Faults a teacher can switch on for one replica of a PBFT room
// (ControlState.Faults). Crash, equivocate and wrong-vote are the
// replica's (pbft.Fault, obeyed by the seat, Seat.Run); slow is the
// relay's latency on the frames of the seat's peer.
const (
	FaultCrash      = "crash"      // silent
	FaultSlow       = "slow"       // its frames are delayed (ControlState.PeerLatencyMs)
	FaultEquivocate = "equivocate" // as a primary, different pre-prepares for one sequence number
	FaultWrongVote  = "wrong-vote" // as a backup, votes for a wrong digest
)

// FaultDoubleSign is a fault of a stake room's genesis validator
// (ControlState.Faults is then indexed by the validator's place in
// Params.Validators): it signs two different blocks of each slot it leads
// and announces both — the "nothing at stake" of proof of stake, which
// the slashing rule punishes. A stake room's validator obeys FaultCrash
// too: it signs nothing (a lazy delegate, missing its slots).
const FaultDoubleSign = "double-sign"

// Faults returns every fault a control may give a seat.
func Faults() []string { return []string{FaultCrash, FaultSlow, FaultEquivocate, FaultWrongVote} }

// ValidatorFaults returns every fault a control may give a stake room's
// genesis validator.
func ValidatorFaults() []string { return []string{FaultCrash, FaultDoubleSign} }

// ControlOps returns every op, in the order declared.
func ControlOps() []string {
	return []string{CodeControlPause, CodeControlResume, CodeControlThrottle, CodeControlShare, CodeControlSplit, CodeControlHeal,
		CodeControlLatency, CodeControlRename, CodeControlLesson, CodeControlClear, CodeControlFault,
		CodeControlScenario}
}

// Control is one teacher control as the server signs it.
type Control struct {
	Room  string `json:"room"`  // the room it applies to (Params.Name)
	Epoch uint64 `json:"epoch"` // the room's epoch (Params.Epoch)
	// Seq numbers the room's controls, from 1, strictly increasing: a
	// node obeys only a control above the last it obeyed.
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time"` // when the server signed it, unix ms
	Op   string `json:"op"`   // what changed: one of ControlOps
	// Peer is the peer id the op concerns (share, rename, latency of one
	// peer); empty for the whole room.
	Peer  string       `json:"peer,omitempty"`
	State ControlState `json:"state"` // the room's controls from now on
}

// ControlState is every control in force in a room. The zero value is a
// room without controls.
type ControlState struct {
	// Paused stops every miner of the room.
	Paused bool `json:"paused,omitempty"`
	// Throttle is the percent of the time every miner mines, 1 … 100;
	// 0 means 100.
	Throttle int `json:"throttle,omitempty"`
	// Share is the hash share the teacher gave one peer; nil when none.
	Share *Share `json:"share,omitempty"`
	// Duty is, while a share holds, the fraction of the time each peer
	// mines (peer id → 0 … 1) so that the share's peer has its share of
	// the room's measured hash rate; a peer it does not name mines at
	// full speed. The server computes it from the rates the peers report.
	Duty map[string]float64 `json:"duty,omitempty"`
	// Groups is how the relay split the room (peer id → group, from 1;
	// an unnamed peer is in group 1); nil when the room is whole.
	Groups map[string]int `json:"groups,omitempty"`
	// LatencyMs is the relay's latency on every frame of the room, and
	// PeerLatencyMs the extra on the frames from and to one peer.
	LatencyMs     int64            `json:"latency_ms,omitempty"`
	PeerLatencyMs map[string]int64 `json:"peer_latency_ms,omitempty"`
	// Names are the nicknames the teacher gave peers (peer id → name).
	Names map[string]string `json:"names,omitempty"`
	// Lesson is the lesson the teacher started (its id), and Step the
	// step the board shows.
	Lesson string `json:"lesson,omitempty"`
	Step   int    `json:"step,omitempty"`
	// Faults are the faults switched on for a PBFT room's replicas (seat
	// number → one of Faults) or a stake room's genesis validators (their
	// index in Params.Validators → one of ValidatorFaults); one not named
	// is honest. nil: none.
	Faults map[int]string `json:"faults,omitempty"`
	// Scenario is the attack scenario running in the room and the step
	// it is at; nil when none runs. The server signs it like every
	// control, so a step on the board and in every tab's log is the
	// server's word, not a student's.
	Scenario *ScenarioStep `json:"scenario,omitempty"`
}

// ScenarioStep is where a server-run scenario stands: which one, its
// attacker peer, and the step it just took, with the numbers the step's
// words use. The page picks the sentence from its catalog by Name and
// Step (scenario.NAME.STEP); Args fill it in.
type ScenarioStep struct {
	Name string `json:"name"` // the scenario: doublespend, selfish, timestamp, brokenkey, liar
	Step string `json:"step"` // what just happened, a code of the scenario's
	// Attacker is the peer id of the scenario's server-run peer, and
	// AttackerName its nickname.
	Attacker     string `json:"attacker,omitempty"`
	AttackerName string `json:"attacker_name,omitempty"`
	// Seq numbers the scenario's steps from 1.
	Seq uint64 `json:"seq"`
	// Args are the step's numbers (private and public branch lengths,
	// confirmations, a share in percent, …), by name.
	Args map[string]int64 `json:"args,omitempty"`
	// Text is the step in English, for logs and the REST API.
	Text string `json:"text,omitempty"`
}

// Share gives one peer Pct percent of the room's hash power.
type Share struct {
	Peer string `json:"peer"`
	Pct  int    `json:"pct"` // 1 … 99
}

// DutyOf returns the fraction of the time peer id mines under s: 0 while
// paused, else Throttle (as a fraction) times its Duty.
func (s ControlState) DutyOf(id string) float64 {
	if s.Paused {
		return 0
	}
	d := 1.0
	if s.Throttle > 0 && s.Throttle < 100 {
		d = float64(s.Throttle) / 100
	}
	if x, ok := s.Duty[id]; ok {
		d *= min(max(x, 0), 1)
	}
	return d
}

// Clone returns a deep copy of s.
func (s ControlState) Clone() ControlState {
	c := s
	if s.Share != nil {
		sh := *s.Share
		c.Share = &sh
	}
	c.Duty = maps.Clone(s.Duty)
	c.Groups = maps.Clone(s.Groups)
	c.PeerLatencyMs = maps.Clone(s.PeerLatencyMs)
	c.Names = maps.Clone(s.Names)
	c.Faults = maps.Clone(s.Faults)
	if s.Scenario != nil {
		sc := *s.Scenario
		sc.Args = maps.Clone(s.Scenario.Args)
		c.Scenario = &sc
	}
	return c
}

// ControlBody is the body of a control message: the control's JSON,
// byte for byte as signed, and the signature, hex.
type ControlBody struct {
	Control json.RawMessage `json:"control"`
	Sig     string          `json:"sig"`
}

// SignControl encodes c and signs it with key: the body the server
// announces.
func SignControl(key ed25519.PrivateKey, c Control) (ControlBody, error) {
	if len(key) != ed25519.PrivateKeySize {
		return ControlBody{}, fmt.Errorf("node: sign control: key of %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return ControlBody{}, fmt.Errorf("node: sign control: %w", err)
	}
	sig := ed25519.Sign(key, append([]byte(ControlDomain), b...))
	return ControlBody{Control: b, Sig: hex.EncodeToString(sig)}, nil
}

// VerifyControl checks body's signature under key and decodes the
// control. It fails with an error wrapping ErrControlForged; it does not
// look at the room, epoch or sequence number (the node does).
func VerifyControl(key ed25519.PublicKey, body ControlBody) (Control, error) {
	var c Control
	if len(key) != ed25519.PublicKeySize {
		return c, fmt.Errorf("%w: this room has no control key", ErrControlForged)
	}
	sig, err := hex.DecodeString(body.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return c, fmt.Errorf("%w: signature is not %d bytes of hex", ErrControlForged, ed25519.SignatureSize)
	}
	if !ed25519.Verify(key, append([]byte(ControlDomain), body.Control...), sig) {
		return c, fmt.Errorf("%w: the signature does not verify under the room's control key", ErrControlForged)
	}
	if err := json.Unmarshal(body.Control, &c); err != nil {
		return c, fmt.Errorf("%w: %v", ErrControlForged, err)
	}
	return c, nil
}

// ShareDuties returns the duties (peer id → fraction of the time) that
// give peer pct percent of the room's hash rate, from the peers' hash
// rates at full speed (rates; a peer without a rate is counted at the
// mean of the others). When the peer alone is too slow, the others are
// throttled; when it is too fast, it is. A room whose peer has no rate,
// or no other miner, gets no duties (nil).
func ShareDuties(rates map[string]float64, peer string, pct int) map[string]float64 {
	if pct <= 0 || pct >= 100 {
		return nil
	}
	mine, ok := rates[peer]
	if !ok || mine <= 0 {
		return nil
	}
	var others float64
	var known, unknown int
	ids := make([]string, 0, len(rates))
	for id, r := range rates {
		if id == peer {
			continue
		}
		ids = append(ids, id)
		if r > 0 {
			others += r
			known++
		} else {
			unknown++
		}
	}
	if known == 0 {
		return nil
	}
	others += float64(unknown) * others / float64(known)
	sort.Strings(ids)
	s := float64(pct) / 100
	// Want mine·dm / (mine·dm + others·do) = s, with the faster side at 1.
	out := make(map[string]float64, len(ids)+1)
	do := (1 - s) / s * mine / others
	if do <= 1 {
		for _, id := range ids {
			out[id] = do
		}
		out[peer] = 1
		return out
	}
	for _, id := range ids {
		out[id] = 1
	}
	out[peer] = s / (1 - s) * others / mine
	return out
}

// controlState is what a node keeps of the controls it obeyed.
type controlState struct {
	last    Control       // the control obeyed last; zero before
	raw     []byte        // its bytes as signed
	changed chan struct{} // closed, and replaced, when a control is obeyed
}

// Control returns the last control this node obeyed (zero before any)
// and a channel closed when it obeys the next.
func (n *Node) Control() (Control, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.control.last
	c.State = c.State.Clone()
	return c, n.control.changed
}

// ControlBody returns the body of the last control this node obeyed, as
// it was signed, and false before any: what it could hand on.
func (n *Node) ControlBody() ([]byte, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return bytes.Clone(n.control.raw), n.control.raw != nil
}

// handleControl checks a control message (see the comment at the top of
// this file) and obeys it.
func (n *Node) handleControl(m Message) {
	var body ControlBody
	if err := json.Unmarshal(m.Body, &body); err != nil {
		n.reject(m.From, TypeControl, fmt.Errorf("%w: %v", ErrControlForged, err))
		return
	}
	c, err := VerifyControl(n.cfg.ControlKey, body)
	if err != nil {
		n.reject(m.From, TypeControl, err)
		return
	}
	p := n.chain.Params()
	if c.Room != p.Name || c.Epoch != p.Epoch {
		n.reject(m.From, TypeControl, fmt.Errorf("%w: for room %q epoch %d, this is room %q epoch %d", ErrControlStale, c.Room, c.Epoch, p.Name, p.Epoch))
		return
	}
	n.mu.Lock()
	last := n.control.last.Seq
	if c.Seq == last && bytes.Equal(body.Control, n.control.raw) {
		n.mu.Unlock()
		return // the same control again: the notice after the broadcast
	}
	if c.Seq <= last {
		n.mu.Unlock()
		n.reject(m.From, TypeControl, fmt.Errorf("%w: sequence number %d, the last obeyed is %d", ErrControlStale, c.Seq, last))
		return
	}
	n.control.last, n.control.raw = c, bytes.Clone(body.Control)
	close(n.control.changed)
	n.control.changed = make(chan struct{})
	name := c.Peer
	if pi, ok := n.peers[c.Peer]; ok {
		name = pi.info.Name
	}
	if nn, ok := c.State.Names[c.Peer]; ok {
		name = nn
	}
	if c.Peer != "" && c.Peer == n.self {
		name = n.cfg.Name
	}
	n.mu.Unlock()
	ev := Event{Kind: EventControl, Code: c.Op, Peer: c.Peer, Name: name, Count: c.Seq,
		Text: fmt.Sprintf("Teacher: %s%s (control #%d)", c.Op, peerSuffix(c.Peer, name), c.Seq)}
	if c.Op == CodeControlScenario && c.State.Scenario != nil {
		sc := *c.State.Scenario
		ev.Scenario = &sc
		ev.Text = fmt.Sprintf("Scenario %s, step %d: %s", sc.Name, sc.Seq, sc.Text)
	}
	n.emit(ev)
}

func peerSuffix(id, name string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" for %s (%s)", name, id)
}

// miningDuty returns the fraction of the time this node's mining loop
// mines under the controls it obeyed, and a channel closed when that may
// change.
func (n *Node) miningDuty() (float64, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.control.last.State.DutyOf(n.self), n.control.changed
}
