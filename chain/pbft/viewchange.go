package pbft

import (
	"slices"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// View changes. A backup whose timer expires (or that sees f+1 seats ask
// for a higher view) leaves its view and sends a VIEW-CHANGE carrying its
// stable checkpoint and its prepared certificates. The new view's primary
// gathers 2f+1 of them and sends a NEW-VIEW with a pre-prepare for every
// sequence number from the latest stable checkpoint among them to the
// highest prepared one: the digest prepared in the highest view, or a
// null request where none was prepared. Every replica checks that the
// pre-prepares are exactly those the view changes call for, and carries
// on in the new view. A request committed at any honest replica was
// prepared at f+1 honest ones, one of which is among any 2f+1, so it is
// re-proposed with the same digest: commits never conflict across views.

// startViewChange moves the replica to view v and sends its view change.
func (r *Replica) startViewChange(v uint64, now time.Time) {
	if v <= r.view {
		return
	}
	r.view, r.changing, r.vcStart, r.vcQuorum, r.newView = v, true, now, time.Time{}, nil
	r.attempts++
	r.timerOn = false
	r.stats.ViewChanges++
	vc := &Message{Kind: KindViewChange, View: v, Seq: r.h, Digest: r.stableDigest, Checkpoints: r.stableProof}
	for _, seq := range r.sortedLog() {
		e := r.log[seq]
		if e.prepared == nil || seq <= r.h {
			continue
		}
		pp := *e.prepared.PrePrepare
		pp.Block = e.prepBlock
		vc.Prepared = append(vc.Prepared, Prepared{PrePrepare: &pp, Prepares: e.prepared.Prepares})
	}
	r.sign(vc)
	r.viewChanges[r.self] = vc
	r.send(Broadcast, vc)
	r.decide(Decision{Kind: ViewChangeStarted, View: v, Seq: r.executed})
	r.countViewChanges(now)
	r.tryNewView(now)
}

func (r *Replica) onViewChange(m *Message, now time.Time) {
	if m.View < r.view || (m.View == r.view && !r.changing) {
		// Late: the sender missed the NEW-VIEW of our view; its primary
		// sends it again.
		if m.View == r.view && r.isPrimary(r.view) && r.newView != nil {
			r.send(m.From, r.newView)
		}
		return
	}
	if old := r.viewChanges[m.From]; old != nil && old.View >= m.View {
		return
	}
	r.viewChanges[m.From] = m
	// f+1 seats want a view above ours: at least one honest replica does,
	// so join the smallest of them rather than wait for our own timer.
	var higher []uint64
	for _, vc := range r.viewChanges {
		if vc.From != r.self && vc.View > r.view {
			higher = append(higher, vc.View)
		}
	}
	if len(higher) > r.f {
		r.startViewChange(slices.Min(higher), now)
		return
	}
	r.countViewChanges(now)
	r.tryNewView(now)
}

// countViewChanges starts the view change's timer once 2f+1 replicas
// are in it.
func (r *Replica) countViewChanges(now time.Time) {
	if !r.changing || !r.vcQuorum.IsZero() {
		return
	}
	if r.viewChangesFor(r.view) >= r.q {
		r.vcQuorum = now
	}
}

// viewChangesFor counts the view changes for view v.
func (r *Replica) viewChangesFor(v uint64) int {
	n := 0
	for _, vc := range r.viewChanges {
		if vc.View == v {
			n++
		}
	}
	return n
}

// tryNewView: the primary of the view being changed to starts it once it
// has 2f+1 view changes for it.
func (r *Replica) tryNewView(now time.Time) {
	if !r.changing || !r.isPrimary(r.view) {
		return
	}
	var vcs []*Message
	for _, seat := range r.seatOrder(r.viewChanges) {
		if vc := r.viewChanges[seat]; vc.View == r.view {
			vcs = append(vcs, vc)
		}
	}
	if len(vcs) < r.q {
		return
	}
	_, slots := r.computeO(vcs)
	nv := &Message{Kind: KindNewView, View: r.view}
	for _, vc := range vcs {
		nv.ViewChanges = append(nv.ViewChanges, stripBlocks(vc))
	}
	for _, s := range slots {
		pp := r.sign(&Message{Kind: KindPrePrepare, View: r.view, Seq: s.seq, Digest: s.digest})
		pp.Block = s.block
		nv.PrePrepares = append(nv.PrePrepares, pp)
	}
	r.sign(nv)
	r.send(Broadcast, nv)
	r.enterNewView(nv, now)
}

// stripBlocks returns a copy of a view change without the blocks beside
// its pre-prepares (a NEW-VIEW carries each block once, beside its own
// pre-prepare).
func stripBlocks(vc *Message) *Message {
	cp := *vc
	cp.Prepared = make([]Prepared, len(vc.Prepared))
	for i, p := range vc.Prepared {
		pp := *p.PrePrepare
		pp.Block = nil
		cp.Prepared[i] = Prepared{PrePrepare: &pp, Prepares: p.Prepares}
	}
	return &cp
}

// slot is one pre-prepare a NEW-VIEW must carry.
type slot struct {
	seq    uint64
	digest chain.Hash // zero: a null request
	block  *chain.Block
}

// computeO returns, for view changes vcs, the one with the latest stable
// checkpoint and the pre-prepares the new view must carry: for each
// sequence number above that checkpoint up to the highest prepared one,
// the digest of the certificate of the highest view (the first such in
// vcs' order), or a null request.
func (r *Replica) computeO(vcs []*Message) (*Message, []slot) {
	var stable *Message
	for _, vc := range vcs {
		if stable == nil || vc.Seq > stable.Seq {
			stable = vc
		}
	}
	if stable == nil {
		return nil, nil
	}
	minS, maxS := stable.Seq, stable.Seq
	for _, vc := range vcs {
		for _, p := range vc.Prepared {
			maxS = max(maxS, p.PrePrepare.Seq)
		}
	}
	var out []slot
	for seq := minS + 1; seq <= maxS; seq++ {
		var best *Message
		for _, vc := range vcs {
			for _, p := range vc.Prepared {
				if pp := p.PrePrepare; pp.Seq == seq && (best == nil || pp.View > best.View) {
					best = pp
				}
			}
		}
		s := slot{seq: seq}
		if best != nil {
			s.digest = best.Digest
			s.block = r.blockFor(vcs, seq, best.Digest)
		}
		out = append(out, s)
	}
	return stable, out
}

// blockFor finds the block of digest at seq beside a pre-prepare of vcs,
// or in the replica's own log.
func (r *Replica) blockFor(vcs []*Message, seq uint64, digest chain.Hash) *chain.Block {
	for _, vc := range vcs {
		for _, p := range vc.Prepared {
			if pp := p.PrePrepare; pp.Seq == seq && pp.Digest == digest && pp.Block != nil {
				return pp.Block
			}
		}
	}
	if e := r.log[seq]; e != nil {
		if e.block != nil && e.pp != nil && e.digest() == digest {
			return e.block
		}
		if e.prepBlock != nil && e.prepared != nil && e.prepared.PrePrepare.Digest == digest {
			return e.prepBlock
		}
	}
	return nil
}

func (r *Replica) onNewView(m *Message, now time.Time) {
	if m.View < r.view || (m.View == r.view && !r.changing) {
		return
	}
	r.enterNewView(m, now)
}

// enterNewView carries on in nv's view (nv verified, or made here): the
// latest stable checkpoint among its view changes becomes ours if it is
// newer, and its pre-prepares are the log above it.
func (r *Replica) enterNewView(nv *Message, now time.Time) {
	stable, _ := r.computeO(nv.ViewChanges)
	r.view, r.changing, r.newView, r.timerOn = nv.View, false, nv, false
	for seat, vc := range r.viewChanges {
		if vc.View <= nv.View {
			delete(r.viewChanges, seat)
		}
	}
	if stable != nil && stable.Seq > r.h {
		r.makeStable(stable.Seq, stable.Digest, stable.Checkpoints)
	}
	maxS := r.h
	keep := make(map[uint64]bool, len(nv.PrePrepares))
	for _, pp := range nv.PrePrepares {
		maxS = max(maxS, pp.Seq)
		if pp.Seq <= r.h {
			continue
		}
		keep[pp.Seq] = true
		block := pp.Block
		if block == nil && !pp.Digest.IsZero() {
			block = r.blockFor(nil, pp.Seq, pp.Digest)
		}
		r.entryAt(pp.Seq).accept(pp, block, true)
	}
	for seq, e := range r.log {
		if !keep[seq] {
			e.pp = nil // a proposal of an earlier view that the new one does not carry
			if seq > maxS {
				delete(r.log, seq)
			}
		}
	}
	r.nextSeq = max(maxS, r.executed, r.h) + 1
	r.decide(Decision{Kind: NewViewEntered, View: nv.View, Seq: r.executed})
	r.progress(now)
}
