package pbft

import (
	"time"

	"github.com/chainplay/chainplay/chain"
)

// Learn hands the replica a committed block it did not vote on, with its
// certificate: how a replica that was offline (or missed messages) catches
// up from the others' chain after a stable checkpoint. The certificate is
// verified as the chain does (chain.VerifyCert: its rule errors, e.g.
// ErrShortCert, ErrBadCert); the block must extend the replica's last
// executed block (ErrNotNext). A block at or below the last executed
// sequence number is ignored. Blocks are given in chain order; apply the
// Committed decision (Learned) like any other, then call Applied.
func (r *Replica) Learn(b *chain.Block, now time.Time) (Output, error) {
	r.now = now
	if r.crashed() {
		return r.take(), ErrCrashed
	}
	if b == nil {
		return r.take(), ErrNotNext
	}
	hash := b.Hash()
	if err := chain.VerifyCert(b.Cert, r.cfg.ChainID, r.seats, hash); err != nil {
		return r.take(), err
	}
	seq := b.Cert.Seq
	if seq <= r.executed {
		return r.take(), nil
	}
	if b.Header.PrevHash != r.tip {
		return r.take(), ErrNotNext
	}
	old, oldTip := r.executed, r.tip
	r.tip, r.executed = hash, seq
	r.nextSeq = max(r.nextSeq, seq+1)
	r.attempts = 0
	r.stats.Learned++
	r.decide(Decision{Kind: Committed, Seq: seq, View: b.Cert.View, Digest: hash, Block: b, Learned: true})
	r.awaitApply = true
	// Checkpoints of the sequence numbers passed: null requests up to
	// seq−1 left the old state, seq the new one.
	for s := old - old%r.k + r.k; s <= seq; s += r.k {
		if s <= r.h {
			continue
		}
		d := oldTip
		if s == seq {
			d = hash
		}
		r.checkpoint(s, d)
	}
	if b.Cert.View > r.view {
		// 2f+1 replicas committed in that view: the room is there.
		r.view, r.changing, r.newView, r.timerOn = b.Cert.View, false, nil, false
	}
	if r.executed < r.h && r.tip == r.stableDigest {
		r.executed = r.h
	}
	r.behind = r.executed < r.h || r.committedAbove()
	r.progress(now)
	return r.take(), nil
}
