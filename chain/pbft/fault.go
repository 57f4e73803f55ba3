package pbft

import "fmt"

// Fault is a misbehaviour the classroom can switch on for one replica, to
// watch the others tolerate it (up to f of them) or stall safely (f+1).
type Fault uint8

const (
	// FaultNone: an honest replica.
	FaultNone Fault = iota
	// FaultCrash: silent. Every call returns an empty output and the
	// state stays as it was; switching back to FaultNone resumes from it
	// (the replica is then behind and catches up with Learn).
	FaultCrash
	// FaultEquivocate: as a primary, it sends the pre-prepares of two
	// different blocks for one sequence number to two halves of the
	// backups.
	FaultEquivocate
	// FaultWrongVote: as a backup, its prepares and commits are for a
	// digest other than the one proposed.
	FaultWrongVote
)

var faultNames = [...]string{"none", "crash", "equivocate", "wrong-vote"}

// String returns the fault's code: "none", "crash", "equivocate" or
// "wrong-vote".
func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", uint8(f))
}

// ParseFault returns the fault whose code is s.
func ParseFault(s string) (Fault, error) {
	for i, name := range faultNames {
		if name == s {
			return Fault(i), nil
		}
	}
	return 0, fmt.Errorf("pbft: fault %q: want none, crash, equivocate or wrong-vote", s)
}

// SetFault switches the replica's fault. (A slow replica is the
// network's matter: its runner delays its messages.)
func (r *Replica) SetFault(f Fault) { r.fault = f }

// Fault returns the replica's fault.
func (r *Replica) Fault() Fault { return r.fault }
