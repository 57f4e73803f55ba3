package node

// EventKind says what an Event reports.
type EventKind string

// Kinds of events a node reports to its page or log.
const (
	EventTip      EventKind = "tip"      // the best chain grew
	EventReorg    EventKind = "reorg"    // the best chain switched branches
	EventMined    EventKind = "mined"    // this node mined a block
	EventRejected EventKind = "rejected" // a peer sent data that broke a rule
	EventPeer     EventKind = "peer"     // a peer joined, left or said hello
	EventTx       EventKind = "tx"       // a transaction entered the mempool
	EventStatus   EventKind = "status"   // connection and sync progress
)

// Event is something a user should see. Text is a sentence for a student.
type Event struct {
	Kind   EventKind `json:"kind"`
	Text   string    `json:"text"`
	Peer   string    `json:"peer,omitempty"`   // the peer id it concerns
	Rule   string    `json:"rule,omitempty"`   // the rule that failed, for rejected
	Height uint64    `json:"height,omitempty"` // the tip height after the event
	Hash   string    `json:"hash,omitempty"`   // the block it concerns
}
