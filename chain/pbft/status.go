package pbft

import "github.com/chainplay/chainplay/chain"

// Status codes: what a replica is doing, for a page to explain in words
// (Status.Code).
const (
	// CodeIdle: nothing to order; the last request is executed.
	CodeIdle = "idle"
	// CodeOrdering: a request is going through the three phases; Phase
	// names the one it is in, Have and Want its votes and the quorum.
	CodeOrdering = "ordering"
	// CodeViewChange: the replica left its view and waits for 2f+1 view
	// changes (Have of Want) and the new primary's NEW-VIEW.
	CodeViewChange = "view-change"
	// CodeNoQuorum: a view change has waited longer than the view
	// timeout and fewer than 2f+1 replicas (Have of Want) are in it: with more than f replicas faulty the
	// room cannot make progress, and it commits nothing rather than
	// something unsafe.
	CodeNoQuorum = "no-quorum"
	// CodeBehind: the replica lacks committed blocks (it was offline or
	// missed messages) and catches up from the others' chain.
	CodeBehind = "behind"
	// CodeCrashed: the replica is switched to FaultCrash.
	CodeCrashed = "crashed"
)

// Status is a snapshot of a replica, for pages and tests.
type Status struct {
	Seat, Seats, F, Quorum int
	View                   uint64
	Primary                int
	ViewChanging           bool
	// Executed is the last executed sequence number; Tip the hash of the
	// last executed block (the chain id before the first).
	Executed uint64
	Tip      chain.Hash
	// Low and High are the water marks h (the last stable checkpoint)
	// and H = h + L.
	Low, High uint64
	// Code is one of the Code* constants; Phase ("pre-prepare",
	// "prepare", "commit", "view-change" or empty), Have and Want give
	// its numbers.
	Code       string
	Phase      string
	Have, Want int
	Fault      Fault
	Stats      Stats
}

// Stats count what a replica did since it started.
type Stats struct {
	// Sent and Received count messages by Kind (index 0 is unused).
	Sent, Received [KindNewView + 1]int
	// Invalid counts the messages refused (bad signature or proof, or a
	// pre-prepare without its block); Equivocations the second
	// pre-prepares of one primary for one sequence number; Rejected the
	// proposed blocks that failed Validate.
	Invalid, Equivocations, Rejected int
	// ViewChanges counts the view changes this replica started;
	// Committed the blocks it executed after voting, Learned those it
	// caught up with.
	ViewChanges, Committed, Learned int
}

// Status returns a snapshot of the replica.
func (r *Replica) Status() Status {
	s := Status{
		Seat: r.self, Seats: r.n, F: r.f, Quorum: r.q, View: r.view, Primary: r.primary(r.view),
		ViewChanging: r.changing, Executed: r.executed, Tip: r.tip, Low: r.h, High: r.h + r.l,
		Fault: r.fault, Stats: r.stats, Code: CodeIdle,
	}
	switch {
	case r.crashed():
		s.Code = CodeCrashed
	case r.behind:
		s.Code = CodeBehind
	case r.changing:
		s.Code, s.Phase, s.Have, s.Want = CodeViewChange, "view-change", r.viewChangesFor(r.view), r.q
		if s.Have < r.q && r.now.Sub(r.vcStart) >= r.timeout() {
			s.Code = CodeNoQuorum
		}
	default:
		e := r.log[r.executed+1]
		if e == nil || e.pp == nil || e.view != r.view {
			break
		}
		d := e.digest()
		s.Code = CodeOrdering
		switch {
		case !e.validated:
			s.Phase, s.Have, s.Want = "pre-prepare", 0, 1
		case !e.sentCommit:
			s.Phase, s.Have, s.Want = "prepare", count(e.prepares, e.view, d, r.primary(e.view)), 2*r.f
		default:
			s.Phase, s.Have, s.Want = "commit", count(e.commits, e.view, d, -1), r.q
		}
	}
	return s
}
