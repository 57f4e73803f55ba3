package view

import (
	"slices"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/pbft"
)

// A PBFT room's page (and its board) shows the replicas, the current
// view and its primary, this tab's seat if it holds one, and for each
// committed block a message-sequence picture of its three phases: the
// messages the node saw (node.PBFTTrace: who sent what to whom, when),
// counted point to point against the theory, 2n(n−1) per block.

// PhaseBlocks is how many committed blocks a snapshot draws, newest first.
const PhaseBlocks = 6

// replicaOnline is how long after its last message a replica counts as
// online.
const replicaOnline = 10_000 // ms

// PBFTView is a PBFT room as a page shows it.
type PBFTView struct {
	Seats  int    `json:"seats"`  // n = 3f+1
	F      int    `json:"f"`      // the faulty replicas tolerated
	Quorum int    `json:"quorum"` // 2f+1
	K      uint64 `json:"k"`      // checkpoint interval
	// View is the current view as far as this node knows (its seat's
	// view; for a client the highest view a primary's pre-prepare, a
	// NEW-VIEW or a certificate named) and Primary its primary, View mod n.
	View    uint64 `json:"view"`
	Primary int    `json:"primary"`
	// ChangeTo is the view a view change is under way to (0: none seen),
	// ChangeVotes how many replicas asked for it.
	ChangeTo    uint64        `json:"change_to,omitempty"`
	ChangeVotes int           `json:"change_votes,omitempty"`
	Replicas    []ReplicaView `json:"replicas"`
	// Me is this node's seat; nil for a client.
	Me *SeatView `json:"me"`
	// Blocks are the newest committed blocks' pictures, newest first.
	Blocks []PhaseView `json:"blocks"`
	// Theory is the three phases' point-to-point messages per block in
	// the normal case: n−1 pre-prepares, (n−1)² prepares, n(n−1) commits
	// = 2n(n−1), O(n²).
	Theory int `json:"theory"`
	// FinalityMs and PerBlock are the means over Blocks of FinalityMs and
	// Count: the comparison with proof of work (which computes hashes;
	// PBFT computes none).
	FinalityMs int64   `json:"finality_ms"`
	PerBlock   float64 `json:"per_block"`
}

// ReplicaView is one replica.
type ReplicaView struct {
	Seat int `json:"seat"`
	// Peer and Name are the peer whose frames carried its messages last
	// (empty before any), Seen when (unix ms), Online whether that was
	// in the last 10 s.
	Peer    string `json:"peer,omitempty"`
	Name    string `json:"name,omitempty"`
	Seen    int64  `json:"seen,omitempty"`
	Online  bool   `json:"online"`
	Primary bool   `json:"primary"`
	Me      bool   `json:"me,omitempty"` // this node's seat
	// Fault is the fault the teacher's controls switched on for it
	// (node.Faults), "" for none.
	Fault string `json:"fault,omitempty"`
}

// SeatView is this node's replica: its pbft.Status.
type SeatView struct {
	Seat    int    `json:"seat"`
	View    uint64 `json:"view"`
	Primary int    `json:"primary"`
	// Code is the status (pbft.Code*: idle, ordering, view-change,
	// no-quorum, behind, crashed); Phase, Have and Want its numbers
	// ("prepare": 1 of 2 matching prepares).
	Code     string `json:"code"`
	Phase    string `json:"phase,omitempty"`
	Have     int    `json:"have"`
	Want     int    `json:"want"`
	Executed uint64 `json:"executed"`
	Low      uint64 `json:"low"`  // h: the last stable checkpoint
	High     uint64 `json:"high"` // H = h + L
	Fault    string `json:"fault"`
	// Sent and Received count its messages by kind name.
	Sent          map[string]int `json:"sent"`
	Received      map[string]int `json:"received"`
	Invalid       int            `json:"invalid"`
	Equivocations int            `json:"equivocations"`
	ViewChanges   int            `json:"view_changes"`
	Committed     int            `json:"committed"`
	Learned       int            `json:"learned"`
}

// PhaseView is one committed block's picture.
type PhaseView struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
	Seq    uint64 `json:"seq"`
	View   uint64 `json:"view"` // the view its certificate is of
	// Start is the first message for its sequence number this node saw,
	// End the moment it had seen 2f+1 matching commits (unix ms; 0 when
	// it saw none: it learned the block from the chain), FinalityMs the
	// difference.
	Start      int64 `json:"start"`
	End        int64 `json:"end"`
	FinalityMs int64 `json:"finality_ms"`
	// Messages are the messages of its sequence number (every view) in
	// the order seen, then the view changes and new view that led to its
	// view when that view began after the block before it.
	Messages []node.TraceMsg `json:"messages"`
	// Count is the three phases' point-to-point messages (a broadcast
	// counts n−1), retransmissions included, of which Resent were
	// retransmissions; Frames the frames they travelled in. PrePrepares,
	// Prepares and Commits split Count; Checkpoints and ViewChanges count
	// the rest (point to point).
	Count       int `json:"count"`
	Frames      int `json:"frames"`
	Resent      int `json:"resent"`
	PrePrepares int `json:"pre_prepares"`
	Prepares    int `json:"prepares"`
	Commits     int `json:"commits"`
	Checkpoints int `json:"checkpoints"`
	ViewChanges int `json:"view_changes"`
	Theory      int `json:"theory"`
}

// PBFTTheory returns the normal case's point-to-point messages per block
// among n replicas: 2n(n−1).
func PBFTTheory(n int) int { return 2 * n * (n - 1) }

// pbftView builds the PBFT part of a snapshot or board of n's room, nil
// in a room of another engine. names maps peer ids to nicknames.
func pbftView(n *node.Node, names map[string]string, now int64) *PBFTView {
	tr, ok := n.PBFTTrace()
	if !ok {
		return nil
	}
	c := n.Chain()
	p := c.Params()
	seats := len(tr.Seats)
	f := (seats - 1) / 3
	v := &PBFTView{Seats: seats, F: f, Quorum: chain.Quorum(seats), K: p.CheckpointInterval,
		Replicas: make([]ReplicaView, seats), Blocks: []PhaseView{}, Theory: PBFTTheory(seats)}
	ctl, _ := n.Control()

	// The blocks, newest first; the view is at least the tip's.
	blocks := committed(c, PhaseBlocks+1)
	if len(blocks) > 0 {
		v.View = blocks[0].Cert.View
	}
	for _, ms := range tr.Seqs {
		for _, m := range ms {
			if m.Kind == pbft.KindPrePrepare.String() && m.From == int(m.View%uint64(seats)) {
				v.View = max(v.View, m.View)
			}
		}
	}
	asked := map[uint64]map[int]bool{}
	for view, ms := range tr.Views {
		for _, m := range ms {
			switch m.Kind {
			case pbft.KindNewView.String():
				if m.From == int(view%uint64(seats)) {
					v.View = max(v.View, view)
				}
			case pbft.KindViewChange.String():
				if asked[view] == nil {
					asked[view] = map[int]bool{}
				}
				asked[view][m.From] = true
			}
		}
	}
	self := n.Seat()
	if self != nil {
		st := self.Status()
		v.View = st.View
		v.Me = seatView(st)
	}
	for view, who := range asked {
		if view > v.View && view >= v.ChangeTo {
			v.ChangeTo, v.ChangeVotes = view, len(who)
		}
	}
	v.Primary = int(v.View % uint64(max(seats, 1)))
	for i, s := range tr.Seats {
		r := ReplicaView{Seat: i, Peer: s.Peer, Seen: s.Seen, Online: s.Seen > 0 && now-s.Seen <= replicaOnline,
			Primary: i == v.Primary, Fault: ctl.State.Faults[i]}
		r.Name = names[s.Peer]
		if self != nil && i == self.Index() {
			r.Me, r.Peer, r.Name, r.Online = true, n.Self(), n.Name(), true
		}
		v.Replicas[i] = r
	}

	var fin int64
	var finN, count int
	for i, b := range blocks {
		if i == PhaseBlocks {
			break
		}
		var prev *chain.Block
		if i+1 < len(blocks) {
			prev = blocks[i+1]
		}
		pv := phaseView(b, prev, tr, seats)
		v.Blocks = append(v.Blocks, pv)
		count += pv.Count
		if pv.End > 0 {
			fin += pv.FinalityMs
			finN++
		}
	}
	if finN > 0 {
		v.FinalityMs = fin / int64(finN)
	}
	if len(v.Blocks) > 0 {
		v.PerBlock = float64(count) / float64(len(v.Blocks))
	}
	return v
}

// committed returns up to max best-chain blocks with a certificate,
// newest first.
func committed(c *chain.Chain, max int) []*chain.Block {
	var out []*chain.Block
	for h := c.Tip().Height; h > 0 && len(out) < max; h-- {
		b, ok := c.BlockAtHeight(h)
		if !ok || b.Cert == nil {
			break
		}
		out = append(out, b)
	}
	return out
}

// phaseView draws block b (its parent's block prev, nil if unknown).
func phaseView(b, prev *chain.Block, tr node.PBFTTrace, seats int) PhaseView {
	cert := b.Cert
	pv := PhaseView{Height: b.Height(), Hash: b.Hash().String(), Seq: cert.Seq, View: cert.View, Theory: PBFTTheory(seats)}
	ms := slices.Clone(tr.Seqs[cert.Seq])
	digest := b.Hash().String()
	commits := map[int]bool{}
	for _, m := range ms {
		pts := m.Points(seats)
		if pv.Start == 0 || m.At < pv.Start {
			pv.Start = m.At
		}
		switch m.Kind {
		case "pre-prepare":
			pv.PrePrepares += pts
		case "prepare":
			pv.Prepares += pts
		case "commit":
			pv.Commits += pts
			if m.View == cert.View && m.Digest == digest && !commits[m.From] {
				commits[m.From] = true
				if len(commits) == chain.Quorum(seats) {
					pv.End = m.At
				}
			}
		case "checkpoint":
			pv.Checkpoints += pts
			continue
		}
		pv.Count += pts
		pv.Frames++
		if m.Resent {
			pv.Resent += pts
		}
	}
	if pv.End > 0 {
		pv.FinalityMs = pv.End - pv.Start
	}
	// The view change into the block's view, when it began after prev.
	if prev != nil && cert.View > prev.Cert.View {
		for view := prev.Cert.View + 1; view <= cert.View; view++ {
			for _, m := range tr.Views[view] {
				ms = append(ms, m)
				pv.ViewChanges += m.Points(seats)
			}
		}
	}
	slices.SortStableFunc(ms, func(a, b node.TraceMsg) int { return int(a.At - b.At) })
	if ms == nil {
		ms = []node.TraceMsg{}
	}
	pv.Messages = ms
	return pv
}

// seatView describes a replica's status.
func seatView(st pbft.Status) *SeatView {
	sv := &SeatView{Seat: st.Seat, View: st.View, Primary: st.Primary, Code: st.Code, Phase: st.Phase, Have: st.Have, Want: st.Want,
		Executed: st.Executed, Low: st.Low, High: st.High, Fault: st.Fault.String(),
		Sent: map[string]int{}, Received: map[string]int{}, Invalid: st.Stats.Invalid, Equivocations: st.Stats.Equivocations,
		ViewChanges: st.Stats.ViewChanges, Committed: st.Stats.Committed, Learned: st.Stats.Learned}
	for k := pbft.KindPrePrepare; k <= pbft.KindNewView; k++ {
		sv.Sent[k.String()] = st.Stats.Sent[k]
		sv.Received[k.String()] = st.Stats.Received[k]
	}
	return sv
}

// peerNames maps the peers' ids to their nicknames.
func peerNames(peers []node.PeerState) map[string]string {
	out := make(map[string]string, len(peers))
	for _, p := range peers {
		out[p.ID] = p.Name
	}
	return out
}
