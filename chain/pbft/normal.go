package pbft

import (
	"slices"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// The normal case: pre-prepare, prepare, commit, execute.
//
// Requests are blocks, and a block can only be checked against the state
// its parent left, so an honest replica prepares the block of sequence
// number s only once it has executed s−1 (and the block extends its last
// executed block). So a committed block always extends the previous one,
// and a primary proposes the next block only once the last is executed:
// at most one proposal of an honest primary is under way.

// entryAt returns the log entry of seq, creating it.
func (r *Replica) entryAt(seq uint64) *entry {
	e := r.log[seq]
	if e == nil {
		e = &entry{seq: seq, prepares: make(map[int]*Message), commits: make(map[int]*Message)}
		r.log[seq] = e
	}
	return e
}

// accept makes pp (of view v, its block beside it) the entry's proposal.
func (e *entry) accept(pp *Message, block *chain.Block, validated bool) {
	cp := *pp
	cp.Block = nil
	e.view, e.pp, e.block = pp.View, &cp, block
	e.validated, e.rejected = validated, nil
	e.sentPrepare, e.sentCommit, e.committed, e.cert = false, false, false, nil
}

// digest returns the digest of the entry's proposal.
func (e *entry) digest() chain.Hash { return e.pp.Digest }

func (r *Replica) onPrePrepare(m *Message, now time.Time) {
	if r.changing || m.View != r.view || !r.inWindow(m.Seq) || m.Seq <= r.executed {
		return
	}
	if m.Digest.IsZero() || m.Block == nil {
		r.stats.Invalid++ // a null request comes only in a NEW-VIEW; a block must travel with its pre-prepare
		return
	}
	e := r.entryAt(m.Seq)
	if e.pp != nil && e.view == m.View {
		if e.digest() != m.Digest {
			r.stats.Equivocations++ // the primary proposed two blocks for one sequence number
		}
		return
	}
	e.accept(m, m.Block, false)
	r.progress(now)
}

// onVote records a prepare or a commit of the current view.
func (r *Replica) onVote(m *Message, now time.Time) {
	if r.changing || m.View != r.view || !r.inWindow(m.Seq) {
		return
	}
	e := r.entryAt(m.Seq)
	votes := e.prepares
	if m.Kind == KindCommit {
		votes = e.commits
	}
	if old := votes[m.From]; old != nil && old.View >= m.View {
		return // a duplicate, or a second vote of one seat in one view (the first counts)
	}
	votes[m.From] = m
	r.progress(now)
}

// count returns how many of votes match (view, digest), leaving out
// seat except (−1: none).
func count(votes map[int]*Message, view uint64, digest chain.Hash, except int) int {
	n := 0
	for from, v := range votes {
		if from != except && v.View == view && v.Digest == digest {
			n++
		}
	}
	return n
}

// vote records the replica's own prepare or commit for e and sends it;
// a FaultWrongVote replica sends one for another digest.
func (r *Replica) vote(kind Kind, e *entry) {
	m := r.sign(&Message{Kind: kind, View: e.view, Seq: e.seq, Digest: e.digest()})
	if kind == KindPrepare {
		e.prepares[r.self] = m
	} else {
		e.commits[r.self] = m
	}
	if r.fault == FaultWrongVote {
		wrong := e.digest()
		wrong[0] ^= 0xff
		m = r.sign(&Message{Kind: kind, View: e.view, Seq: e.seq, Digest: wrong})
	}
	r.send(Broadcast, m)
}

// progress moves every entry of the current view as far as its votes
// allow, then executes what is committed, in order.
func (r *Replica) progress(now time.Time) {
	if r.changing {
		return
	}
	for {
		for _, seq := range r.sortedLog() {
			r.advance(r.log[seq])
		}
		if !r.executeReady() {
			return
		}
	}
}

// sortedLog returns the log's sequence numbers in increasing order.
func (r *Replica) sortedLog() []uint64 {
	seqs := make([]uint64, 0, len(r.log))
	for s := range r.log {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	return seqs
}

// advance sends what e calls for: a prepare once it is validated, a
// commit once it is prepared, and marks it committed once 2f+1 commits
// match.
func (r *Replica) advance(e *entry) {
	if e.pp == nil || e.view != r.view {
		return
	}
	primary := r.isPrimary(e.view)
	if !e.validated && e.rejected == nil && !primary && e.seq == r.executed+1 && !r.awaitApply && e.block != nil {
		switch {
		case e.block.Header.PrevHash != r.tip:
			e.rejected = ErrNotNext
		default:
			e.rejected = r.cfg.Validate(e.block)
		}
		e.validated = e.rejected == nil
		if e.rejected != nil {
			r.stats.Rejected++
		}
	}
	if !e.validated {
		return
	}
	if !primary && !e.sentPrepare {
		e.sentPrepare = true
		r.vote(KindPrepare, e)
	}
	d := e.digest()
	if !e.sentCommit && count(e.prepares, e.view, d, r.primary(e.view)) >= 2*r.f {
		e.sentCommit = true
		e.prepared = r.preparedCert(e)
		e.prepBlock = e.block
		r.vote(KindCommit, e)
	}
	if e.sentCommit && !e.committed && count(e.commits, e.view, d, -1) >= r.q {
		e.committed = true
		e.cert = r.commitCert(e)
	}
}

// preparedCert returns e's prepared certificate: its pre-prepare and 2f
// matching prepares from backups, in seat order.
func (r *Replica) preparedCert(e *entry) *Prepared {
	p := &Prepared{PrePrepare: e.pp}
	for _, seat := range r.seatOrder(e.prepares) {
		v := e.prepares[seat]
		if seat != r.primary(e.view) && v.View == e.view && v.Digest == e.digest() && len(p.Prepares) < 2*r.f {
			p.Prepares = append(p.Prepares, v)
		}
	}
	return p
}

// commitCert returns the certificate of the first 2f+1 matching commits
// in seat order.
func (r *Replica) commitCert(e *entry) *chain.CommitCert {
	c := &chain.CommitCert{View: e.view, Seq: e.seq}
	for _, seat := range r.seatOrder(e.commits) {
		v := e.commits[seat]
		if v.View == e.view && v.Digest == e.digest() && len(c.Sigs) < r.q {
			c.Sigs = append(c.Sigs, chain.SeatSig{Seat: seat, Sig: v.Sig})
		}
	}
	return c
}

func (r *Replica) seatOrder(votes map[int]*Message) []int {
	seats := make([]int, 0, len(votes))
	for s := range votes {
		seats = append(seats, s)
	}
	slices.Sort(seats)
	return seats
}

// executeReady executes the committed entries that follow the last
// executed one and reports whether it executed any. A committed block the
// replica does not have makes it behind.
func (r *Replica) executeReady() bool {
	did := false
	for {
		e := r.log[r.executed+1]
		if e == nil || !e.committed || e.view != r.view {
			if r.committedAbove() {
				r.behind = true
			}
			return did
		}
		d := e.digest()
		switch {
		case d.IsZero():
			r.decide(Decision{Kind: CommittedNull, Seq: e.seq, View: e.view})
		case e.block == nil:
			r.behind = true
			return did
		case e.block.Header.PrevHash != r.tip:
			r.decide(Decision{Kind: CommittedNull, Seq: e.seq, View: e.view, Digest: d})
		default:
			b := *e.block
			b.Cert = e.cert
			r.decide(Decision{Kind: Committed, Seq: e.seq, View: e.view, Digest: d, Block: &b})
			r.tip = d
			r.awaitApply = true
			r.stats.Committed++
		}
		r.executed = e.seq
		r.nextSeq = max(r.nextSeq, r.executed+1)
		r.attempts = 0
		did = true
		if r.executed%r.k == 0 {
			r.checkpoint(r.executed, r.tip)
		}
	}
}

// committedAbove reports whether a sequence number after the next one
// committed: the replica missed the next one's messages.
func (r *Replica) committedAbove() bool {
	for seq, e := range r.log {
		if seq > r.executed+1 && e.committed {
			return true
		}
	}
	return false
}

// CanPropose reports whether Propose would accept a block now: the
// replica is the primary of its view, not in a view change, not behind,
// everything it assigned is executed and applied, and the log has room.
func (r *Replica) CanPropose() bool {
	return r.proposeErr() == nil
}

func (r *Replica) proposeErr() error {
	switch {
	case r.crashed():
		return ErrCrashed
	case !r.isPrimary(r.view):
		return ErrNotPrimary
	case r.changing:
		return ErrViewChange
	case r.awaitApply || r.behind || r.executed+1 != r.nextSeq:
		return ErrBusy
	case !r.inWindow(r.nextSeq):
		return ErrWindowFull
	}
	return nil
}

// Propose has the primary assign the next sequence number to b, a block
// on its last executed block built from its mempool, and send the
// pre-prepare. It fails with ErrNotPrimary, ErrViewChange, ErrBusy,
// ErrWindowFull, ErrNotNext or Validate's error, changing nothing. A
// FaultEquivocate primary sends the pre-prepare of b to half the backups
// and that of another block (b one millisecond later) to the others.
func (r *Replica) Propose(b *chain.Block, now time.Time) (Output, error) {
	r.now = now
	if err := r.proposeErr(); err != nil {
		return r.take(), err
	}
	if b == nil || b.Header.PrevHash != r.tip {
		return r.take(), ErrNotNext
	}
	if err := r.cfg.Validate(b); err != nil {
		return r.take(), err
	}
	seq := r.nextSeq
	r.nextSeq++
	pp := r.sign(&Message{Kind: KindPrePrepare, View: r.view, Seq: seq, Digest: b.Hash()})
	e := r.entryAt(seq)
	e.accept(pp, b, true)
	withBlock := *pp
	withBlock.Block = b
	if r.fault != FaultEquivocate {
		r.send(Broadcast, &withBlock)
	} else {
		alt := *b
		alt.Header.Time++
		other := r.sign(&Message{Kind: KindPrePrepare, View: r.view, Seq: seq, Digest: alt.Hash()})
		other.Block = &alt
		half := 0
		for seat := range r.n {
			if seat == r.self {
				continue
			}
			if half < (r.n-1)/2 {
				r.send(seat, &withBlock)
			} else {
				r.send(seat, other)
			}
			half++
		}
	}
	r.progress(now)
	return r.take(), nil
}
