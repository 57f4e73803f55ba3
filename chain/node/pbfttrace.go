package node

import (
	"crypto/ed25519"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/pbft"
)

// The PBFT trace: what a node of a PBFT room saw of the protocol, for the
// pages' message-sequence pictures (chain/node/view). Every pbft frame
// goes to the whole room, so every node — a seat or a client, the
// server's archive — sees every replica's messages: it decodes each
// frame, verifies the signature of the seat it claims to come from (a
// forged or garbled frame is not recorded) and records who sent what to
// whom and when it arrived here; a seat records its own messages when it
// sends them (the relay does not echo a frame to its sender). Messages
// are kept per sequence number, for the newest TraceSeqs of them, and the
// view changes and new views for the newest TraceViews views.

// Bounds of the trace.
const (
	// TraceSeqs is how many sequence numbers the trace keeps, the newest.
	TraceSeqs = 64
	// TraceViews is how many views' view changes and new views it keeps.
	TraceViews = 16
	// maxTracePerSeq bounds the messages kept for one sequence number
	// (retransmissions past it are counted, not kept).
	maxTracePerSeq = 512
	// maxTraceSeen bounds the signatures remembered to mark resends.
	maxTraceSeen = 1 << 15
)

// TraceMsg is one protocol message as a node saw it.
type TraceMsg struct {
	Kind string `json:"kind"` // pbft.Kind's name: "pre-prepare", "prepare", "commit", "checkpoint", "view-change", "new-view"
	From int    `json:"from"` // the sender's seat
	// To is the seat it was sent to, or pbft.Broadcast (−1): every other
	// seat.
	To     int    `json:"to"`
	View   uint64 `json:"view"`
	Seq    uint64 `json:"seq"`
	Digest string `json:"digest"` // hex; a null request's is zeros
	// At is when this node sent it (its own seat's) or received it, unix
	// ms, on the node's clock.
	At int64 `json:"at"`
	// Resent marks a message this node saw before, byte for byte (a
	// retransmission).
	Resent bool `json:"resent,omitempty"`
}

// Points returns how many point-to-point messages m stands for among n
// seats: n−1 for a broadcast, 1 for a message to one seat.
func (m TraceMsg) Points(n int) int {
	if m.To == pbft.Broadcast {
		return n - 1
	}
	return 1
}

// TraceSeat is what the trace knows of one seat.
type TraceSeat struct {
	// Peer is the relay id of the peer whose frames carried the seat's
	// messages last ("" before any, or this node for its own seat), and
	// Seen when, unix ms (0: never).
	Peer string `json:"peer"`
	Seen int64  `json:"seen"`
	// View is the highest view the seat's messages named.
	View uint64 `json:"view"`
}

// PBFTTrace is a snapshot of the trace (Node.PBFTTrace).
type PBFTTrace struct {
	Seats []TraceSeat
	// Seqs maps a sequence number to its messages in the order seen;
	// Views a view to the view changes and new view that led to it.
	Seqs  map[uint64][]TraceMsg
	Views map[uint64][]TraceMsg
	// Dropped counts the messages not kept (over maxTracePerSeq for a
	// sequence number).
	Dropped int
}

// pbftTrace records the trace. Safe for concurrent use.
type pbftTrace struct {
	chainID chain.Hash
	seats   []ed25519.PublicKey
	cache   *pbft.SigCache // shared with the node's seat's replica

	mu      sync.Mutex
	info    []TraceSeat
	seqs    map[uint64][]TraceMsg
	views   map[uint64][]TraceMsg
	seen    map[[64]byte]struct{} // signatures seen (ed25519 signatures are deterministic: a resend has the same)
	dropped int
}

// newPBFTTrace returns the trace of a PBFT room with parameters p, or nil
// for a room of another engine.
func newPBFTTrace(p chain.Params) *pbftTrace {
	if p.Engine != chain.EnginePBFT {
		return nil
	}
	e, err := chain.NewPBFTEngine(p)
	if err != nil {
		return nil
	}
	return &pbftTrace{chainID: e.ChainID(), seats: e.Seats(), cache: pbft.NewSigCache(pbft.DefaultSigCache),
		info: make([]TraceSeat, len(e.Seats())), seqs: map[uint64][]TraceMsg{}, views: map[uint64][]TraceMsg{},
		seen: map[[64]byte]struct{}{}}
}

// verified reports whether m's signature is its seat's.
func (t *pbftTrace) verified(m *pbft.Message) bool { return m.VerifySig(t.chainID, t.seats, t.cache) }

// record adds m, sent to to by the peer with relay id peer, at now.
// The caller verified m.
func (t *pbftTrace) record(peer string, to int, m *pbft.Message, now time.Time) {
	tm := TraceMsg{Kind: m.Kind.String(), From: m.From, To: to, View: m.View, Seq: m.Seq, Digest: m.Digest.String(), At: now.UnixMilli()}
	var sig [64]byte
	copy(sig[:], m.Sig)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.seen[sig]; ok {
		tm.Resent = true
	} else {
		if len(t.seen) >= maxTraceSeen {
			clear(t.seen) // bounded; a resend of a forgotten message counts as new
		}
		t.seen[sig] = struct{}{}
	}
	if m.From >= 0 && m.From < len(t.info) {
		si := &t.info[m.From]
		si.Peer, si.Seen = peer, tm.At
		si.View = max(si.View, m.View)
	}
	switch m.Kind {
	case pbft.KindViewChange, pbft.KindNewView:
		t.views[m.View] = appendBounded(t.views[m.View], tm, &t.dropped)
		trim(t.views, TraceViews)
	default:
		t.seqs[m.Seq] = appendBounded(t.seqs[m.Seq], tm, &t.dropped)
		trim(t.seqs, TraceSeqs)
	}
}

func appendBounded(ms []TraceMsg, m TraceMsg, dropped *int) []TraceMsg {
	if len(ms) >= maxTracePerSeq {
		*dropped++
		return ms
	}
	return append(ms, m)
}

// trim drops the lowest keys of m beyond keep.
func trim(m map[uint64][]TraceMsg, keep int) {
	if len(m) <= keep {
		return
	}
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys[:len(keys)-keep] {
		delete(m, k)
	}
}

// snapshot copies the trace.
func (t *pbftTrace) snapshot() PBFTTrace {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := PBFTTrace{Seats: slices.Clone(t.info), Seqs: make(map[uint64][]TraceMsg, len(t.seqs)),
		Views: make(map[uint64][]TraceMsg, len(t.views)), Dropped: t.dropped}
	for k, v := range t.seqs {
		s.Seqs[k] = slices.Clone(v)
	}
	for k, v := range t.views {
		s.Views[k] = slices.Clone(v)
	}
	return s
}

// PBFTTrace returns what the node saw of the PBFT protocol, and false in
// a room of another engine.
func (n *Node) PBFTTrace() (PBFTTrace, bool) {
	if n.trace == nil {
		return PBFTTrace{}, false
	}
	return n.trace.snapshot(), true
}

// handlePBFT takes a pbft frame from the room: decoded once, verified
// and recorded in the trace, then handed to the seat (if the node runs
// one and the frame is for it). A frame that does not decode, or whose
// signature is not its seat's, counts against its sender.
func (n *Node) handlePBFT(m Message) {
	if n.trace == nil {
		return // not a PBFT room: nobody here speaks it
	}
	var body PBFTBody
	if err := m.DecodeBody(&body); err != nil {
		n.reject(m.From, TypePBFT, err)
		return
	}
	pm, err := pbft.DecodeMessage(body.Msg)
	if err != nil {
		n.reject(m.From, TypePBFT, err)
		return
	}
	if !n.trace.verified(pm) {
		n.reject(m.From, TypePBFT, fmt.Errorf("%w: the %s claims seat %d, whose key did not sign it", pbft.ErrInvalid, pm.Kind, pm.From))
		return
	}
	n.trace.record(m.From, body.To, pm, n.cfg.Clock.Now())
	n.mu.Lock()
	seat := n.pbft
	n.mu.Unlock()
	if seat != nil {
		seat(m.From, body.To, pm)
	}
}
