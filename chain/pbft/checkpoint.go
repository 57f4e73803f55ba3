package pbft

import (
	"slices"

	"github.com/chainplay/chainplay/chain"
)

// Checkpoints and garbage collection. After executing a multiple of K a
// replica signs its state (the hash of its last executed block); 2f+1
// matching checkpoints make it stable: the low water mark h moves up to
// it, the log at and below it is dropped, and the window of sequence
// numbers accepted moves to (h, h+L].

// checkpoint signs and sends the replica's checkpoint at seq.
func (r *Replica) checkpoint(seq uint64, digest chain.Hash) {
	m := r.sign(&Message{Kind: KindCheckpoint, Seq: seq, Digest: digest})
	r.send(Broadcast, m)
	r.addCheckpoint(m)
}

func (r *Replica) onCheckpoint(m *Message) { r.addCheckpoint(m) }

// addCheckpoint records m and makes its checkpoint stable once 2f+1
// match. A checkpoint beyond the window only records how far its sender
// is: f+1 seats beyond the window mean this replica is behind.
func (r *Replica) addCheckpoint(m *Message) {
	if m.Seq <= r.h {
		return
	}
	if m.Seq > r.h+r.l {
		if m.Seq > r.ahead[m.From] {
			r.ahead[m.From] = m.Seq
		}
		if len(r.ahead) > r.f && r.executed < m.Seq {
			beyond := 0
			for _, s := range r.ahead {
				if s > r.h+r.l {
					beyond++
				}
			}
			if beyond > r.f {
				r.behind = true
			}
		}
		return
	}
	byFrom := r.checkpoints[m.Seq]
	if byFrom == nil {
		byFrom = make(map[int]*Message)
		r.checkpoints[m.Seq] = byFrom
	}
	if _, ok := byFrom[m.From]; ok {
		return
	}
	byFrom[m.From] = m
	var proof []*Message
	for _, seat := range r.seatOrder(byFrom) {
		if c := byFrom[seat]; c.Digest == m.Digest && len(proof) < r.q {
			proof = append(proof, c)
		}
	}
	if len(proof) >= r.q {
		r.makeStable(m.Seq, m.Digest, proof)
	}
}

// makeStable moves the low water mark to seq, with its proof, and drops
// the log up to it. A replica whose state is not there yet is behind.
func (r *Replica) makeStable(seq uint64, digest chain.Hash, proof []*Message) {
	if seq <= r.h {
		return
	}
	r.h, r.stableDigest, r.stableProof = seq, digest, slices.Clone(proof)
	for s := range r.log {
		if s <= seq {
			delete(r.log, s)
		}
	}
	for s := range r.checkpoints {
		if s <= seq {
			delete(r.checkpoints, s)
		}
	}
	for from, s := range r.ahead {
		if s <= r.h+r.l {
			delete(r.ahead, from)
		}
	}
	if r.executed < seq {
		if r.tip == digest {
			r.executed = seq // every sequence number up to it was a null request
		} else {
			r.behind = true
		}
	}
	r.nextSeq = max(r.nextSeq, r.h+1)
	r.decide(Decision{Kind: Stable, Seq: seq, View: r.view, Digest: digest})
}
