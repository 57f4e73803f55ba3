package pbft

import (
	"errors"
	"fmt"
)

// ErrInvalid is what Step returns, wrapped, for a message that breaks the
// protocol: a bad signature, a sender out of place (a pre-prepare not from
// the view's primary, a prepare from it), a proof that does not hold. A
// runner may count them against the peer that relayed the message.
var ErrInvalid = errors.New("pbft: invalid message")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// verify checks m's signature and the proofs it carries, recursively;
// what depends on the replica's state (the view, the window) is checked
// by the handlers.
func (r *Replica) verify(m *Message) error {
	if m == nil {
		return invalid("missing message")
	}
	if m.From < 0 || m.From >= r.n {
		return invalid("%s from seat %d: the room has %d seats", m.Kind, m.From, r.n)
	}
	plain := len(m.Checkpoints) == 0 && len(m.Prepared) == 0 && len(m.ViewChanges) == 0 && len(m.PrePrepares) == 0
	switch m.Kind {
	case KindPrePrepare:
		if !plain {
			return invalid("pre-prepare with nested messages")
		}
		if m.From != r.primary(m.View) {
			return invalid("pre-prepare of view %d from seat %d, whose primary is seat %d", m.View, m.From, r.primary(m.View))
		}
		if m.Block != nil && m.Block.Hash() != m.Digest {
			return invalid("pre-prepare's block %s is not its digest %s", m.Block.Hash().Short(), m.Digest.Short())
		}
	case KindPrepare:
		if !plain || m.Block != nil {
			return invalid("prepare with attachments")
		}
		if m.From == r.primary(m.View) {
			return invalid("prepare of view %d from its primary", m.View)
		}
	case KindCommit:
		if !plain || m.Block != nil {
			return invalid("commit with attachments")
		}
	case KindCheckpoint:
		if !plain || m.Block != nil {
			return invalid("checkpoint with attachments")
		}
		if m.Seq == 0 || m.Seq%r.k != 0 {
			return invalid("checkpoint at %d, not a positive multiple of %d", m.Seq, r.k)
		}
	case KindViewChange:
		if len(m.ViewChanges) != 0 || len(m.PrePrepares) != 0 || m.Block != nil {
			return invalid("view change with a new view's parts")
		}
		if err := r.verifyViewChange(m); err != nil {
			return err
		}
	case KindNewView:
		if len(m.Checkpoints) != 0 || len(m.Prepared) != 0 || m.Block != nil {
			return invalid("new view with a view change's parts")
		}
		if m.From != r.primary(m.View) {
			return invalid("new view %d from seat %d, whose primary is seat %d", m.View, m.From, r.primary(m.View))
		}
		if err := r.verifyNewView(m); err != nil {
			return err
		}
	default:
		return invalid("unknown kind %d", m.Kind)
	}
	if !m.verifySig(r.cfg.ChainID, r.seats, r.cfg.SigCache) {
		return invalid("%s from seat %d: bad signature", m.Kind, m.From)
	}
	return nil
}

// verifyViewChange checks a view change's checkpoint proof and prepared
// certificates.
func (r *Replica) verifyViewChange(m *Message) error {
	if m.View == 0 {
		return invalid("view change to view 0")
	}
	if m.Seq%r.k != 0 {
		return invalid("view change with a checkpoint at %d, not a multiple of %d", m.Seq, r.k)
	}
	if m.Seq == 0 {
		if m.Digest != r.cfg.ChainID || len(m.Checkpoints) != 0 {
			return invalid("view change from the genesis with another state or a proof")
		}
	} else if err := r.verifyQuorum(m.Checkpoints, KindCheckpoint, 0, m.Seq, m.Digest, -1, r.q); err != nil {
		return fmt.Errorf("view change's checkpoint %d: %w", m.Seq, err)
	}
	seen := make(map[uint64]bool, len(m.Prepared))
	for _, p := range m.Prepared {
		pp := p.PrePrepare
		switch {
		case pp == nil || pp.Kind != KindPrePrepare:
			return invalid("view change's prepared certificate without a pre-prepare")
		case pp.View >= m.View:
			return invalid("view change to %d with a certificate of view %d", m.View, pp.View)
		case pp.Seq <= m.Seq || pp.Seq > m.Seq+r.l:
			return invalid("view change's certificate at %d, outside (%d, %d]", pp.Seq, m.Seq, m.Seq+r.l)
		case seen[pp.Seq]:
			return invalid("view change with two certificates at %d", pp.Seq)
		}
		seen[pp.Seq] = true
		if err := r.verify(pp); err != nil {
			return err
		}
		if err := r.verifyQuorum(p.Prepares, KindPrepare, pp.View, pp.Seq, pp.Digest, r.primary(pp.View), 2*r.f); err != nil {
			return fmt.Errorf("view change's certificate at %d: %w", pp.Seq, err)
		}
	}
	return nil
}

// verifyQuorum checks that ms holds at least want valid messages of kind
// for (view, seq, digest) from distinct seats other than except (−1: no
// exception).
func (r *Replica) verifyQuorum(ms []*Message, kind Kind, view, seq uint64, digest [32]byte, except, want int) error {
	if len(ms) < want {
		return invalid("%d %ss, want %d", len(ms), kind, want)
	}
	from := make(map[int]bool, len(ms))
	for _, q := range ms {
		switch {
		case q == nil || q.Kind != kind:
			return invalid("a %s that is not one", kind)
		case q.View != view || q.Seq != seq || q.Digest != digest:
			return invalid("a %s for another view, sequence or digest", kind)
		case from[q.From] || q.From == except:
			return invalid("a %s from seat %d twice or out of place", kind, q.From)
		}
		from[q.From] = true
		if err := r.verify(q); err != nil {
			return err
		}
	}
	return nil
}

// verifyNewView checks a new view's view changes and that its
// pre-prepares are exactly those they call for.
func (r *Replica) verifyNewView(m *Message) error {
	if len(m.ViewChanges) < r.q {
		return invalid("new view %d with %d view changes, want %d", m.View, len(m.ViewChanges), r.q)
	}
	from := make(map[int]bool, len(m.ViewChanges))
	for _, vc := range m.ViewChanges {
		if vc == nil || vc.Kind != KindViewChange || vc.View != m.View || from[vc.From] {
			return invalid("new view %d with a view change that is not one of its own, or twice", m.View)
		}
		from[vc.From] = true
		if err := r.verify(vc); err != nil {
			return err
		}
	}
	_, want := r.computeO(m.ViewChanges)
	if len(want) != len(m.PrePrepares) {
		return invalid("new view %d with %d pre-prepares, its view changes call for %d", m.View, len(m.PrePrepares), len(want))
	}
	for i, pp := range m.PrePrepares {
		if pp == nil || pp.Kind != KindPrePrepare || pp.View != m.View || pp.Seq != want[i].seq || pp.Digest != want[i].digest {
			return invalid("new view %d: pre-prepare %d is not the one its view changes call for", m.View, i)
		}
		if err := r.verify(pp); err != nil {
			return err
		}
	}
	return nil
}
