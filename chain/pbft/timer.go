package pbft

import "time"

// Tick tells the replica the time. waiting says whether the caller has
// requests it expects to see ordered (transactions in its mempool): a
// backup that waits, with no execution for the view timeout (doubled
// after each view change that made no progress), moves to the next view,
// and so does one whose view change got no NEW-VIEW in time. Every
// Config.Retransmit it sends again what may have been lost.
func (r *Replica) Tick(now time.Time, waiting bool) Output {
	r.now = now
	if r.crashed() {
		return r.take()
	}
	timeout := r.timeout()
	switch {
	case r.changing:
		// As the paper: the timer of a view change runs only once 2f+1
		// replicas are in it, so a lone replica (one that missed
		// commits, say) does not climb through views by itself.
		if !r.vcQuorum.IsZero() && now.Sub(r.vcQuorum) >= timeout {
			r.startViewChange(r.view+1, now)
		}
	case waiting || r.inFlight():
		switch {
		case !r.timerOn || r.timerExec != r.executed:
			r.timerOn, r.timerStart, r.timerExec, r.fetchAsked = true, now, r.executed, false
		case now.Sub(r.timerStart) >= timeout:
			r.startViewChange(r.view+1, now)
		case now.Sub(r.timerStart) >= timeout/2 && !r.fetchAsked:
			// Before suspecting the primary, make sure the requests are
			// not committed already without us.
			r.fetchAsked = true
			r.out.Fetch = true
		}
	default:
		r.timerOn = false
	}
	if now.Sub(r.lastResend) >= r.cfg.Retransmit {
		r.lastResend = now
		r.resend(waiting)
	}
	return r.take()
}

// timeout is the view timeout now: T doubled for every view change since
// the last execution.
func (r *Replica) timeout() time.Duration {
	return r.cfg.ViewTimeout << min(r.attempts, maxBackoff)
}

// inFlight reports whether a proposal of the current view is accepted and
// not executed yet.
func (r *Replica) inFlight() bool {
	for seq, e := range r.log {
		if seq > r.executed && e.pp != nil && e.view == r.view {
			return true
		}
	}
	return false
}

// resend sends again the replica's messages that peers may have missed:
// its view change while it waits for a NEW-VIEW; otherwise its
// pre-prepare or votes for the last executed and later sequence numbers
// of the view (and, as a primary, the view's NEW-VIEW while a request is
// under way), and its newest checkpoint until it is stable.
func (r *Replica) resend(waiting bool) {
	if r.changing {
		if vc := r.viewChanges[r.self]; vc != nil {
			r.send(Broadcast, vc)
		}
		r.out.Fetch = true // what the others committed meanwhile
		return
	}
	busy := r.inFlight()
	if busy && r.isPrimary(r.view) && r.newView != nil {
		r.send(Broadcast, r.newView)
	}
	if busy || waiting {
		for _, seq := range r.sortedLog() {
			e := r.log[seq]
			if seq < r.executed || e.pp == nil || e.view != r.view {
				continue
			}
			if r.isPrimary(e.view) {
				pp := *e.pp
				pp.Block = e.block
				r.send(Broadcast, &pp)
			}
			if e.sentPrepare {
				r.send(Broadcast, r.ownVote(e.prepares[r.self], e))
			}
			if e.sentCommit {
				r.send(Broadcast, r.ownVote(e.commits[r.self], e))
			}
		}
	}
	if last := r.executed - r.executed%r.k; last > r.h {
		if byFrom := r.checkpoints[last]; byFrom != nil && byFrom[r.self] != nil {
			r.send(Broadcast, byFrom[r.self])
		}
	}
}

// ownVote returns the vote to send again: the one recorded, or for a
// FaultWrongVote replica the wrong one again.
func (r *Replica) ownVote(m *Message, e *entry) *Message {
	if r.fault != FaultWrongVote {
		return m
	}
	wrong := *m
	wrong.Digest[0] ^= 0xff
	wrong.Sig = nil
	return r.sign(&wrong)
}
