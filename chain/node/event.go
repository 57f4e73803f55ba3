package node

// EventKind says what an Event reports.
type EventKind string

// Kinds of events a node reports to its page or log.
const (
	EventTip        EventKind = "tip"        // the best chain grew (Height, Hash; Count: blocks connected)
	EventReorg      EventKind = "reorg"      // the best chain switched branches (Count: blocks that left it)
	EventMined      EventKind = "mined"      // this node mined a block (Height, Hash)
	EventRejected   EventKind = "rejected"   // a peer sent data that broke a rule (Code: the rule)
	EventRefused    EventKind = "refused"    // data not accepted, nobody's fault (Code: the rule or policy)
	EventPeer       EventKind = "peer"       // a peer joined, left, said hello or was banned (Code: CodePeer*)
	EventTx         EventKind = "tx"         // a transaction entered the mempool (Tx)
	EventSync       EventKind = "sync"       // sync progress (Code: CodeSync*; Count of Total)
	EventConnection EventKind = "connection" // the link to the room (Code: CodeConn*)
	EventStatus     EventKind = "status"     // anything else worth a line in the log (Code names it)
)

// Codes of the events that are not rule violations. A rejected or
// refused event carries the rule's own code (chain's rule codes, or the
// node's: see errors.go). The page chooses its words from Kind and Code
// plus the numbers; Text is English for logs and is never parsed.
const (
	// EventConnection
	CodeConnConnected    = "connected"    // joined the room (Peer: our id)
	CodeConnDisconnected = "disconnected" // lost the room (Reason: the relay's close code or why)
	CodeConnRetrying     = "retrying"     // dialling again after Count ms
	CodeConnRoomReset    = "room-reset"   // the teacher reset the room: this chain is void

	// EventPeer
	CodePeerJoined  = "joined"  // Peer, Name
	CodePeerLeft    = "left"    // Peer
	CodePeerHello   = "hello"   // Peer, Name, Height, Hash: the peer's tip
	CodePeerBanned  = "banned"  // Peer, Name: ignored from now on (Count violations)
	CodePeerWelcome = "welcome" // we joined the room: Peer is our id, Count the other peers

	// EventSync
	CodeSyncStarted  = "started"  // Peer is ahead: Count = our height, Total = theirs
	CodeSyncProgress = "progress" // Count of Total blocks
	CodeSyncDone     = "done"     // caught up with Peer at Height

	// EventTip
	CodeTipExtended = "extended" // Count blocks joined the best chain

	// EventStatus
	CodeStatusResumed     = "resumed"      // the stored chain was replayed up to Height
	CodeStatusStoreFailed = "store-failed" // blocks could not be saved (Reason)
	CodeStatusSendDropped = "send-dropped" // the send queue was full: a What message was dropped
	CodeStatusHeld        = "held"         // a block from the future is held until its time (Height, Hash)
	CodeStatusRelay       = "relay"        // the relay complained about a frame (Reason: its code)
	// CodeStatusMiningFailed: the mining loop's Miner failed, or the block
	// it found was refused (Reason: the error's code, or its text when it
	// has none); the loop tries again after a pause.
	CodeStatusMiningFailed = "mining-failed"
)

// Event is something a user should see. Kind and Code say what it is; the
// other fields carry its numbers. Text is the same in English, for logs
// and command-line nodes; a page must build its sentence from Kind, Code
// and the fields, in the reader's language.
type Event struct {
	Kind EventKind `json:"kind"`
	Code string    `json:"code,omitempty"`
	Text string    `json:"text"`

	Peer string `json:"peer,omitempty"` // the peer id it concerns
	Name string `json:"name,omitempty"` // that peer's nickname

	// What is the object concerned: "block", "transaction", "blocks",
	// "hello", a message type, … (rejected, refused, send-dropped).
	What   string `json:"what,omitempty"`
	Height uint64 `json:"height,omitempty"` // the block's height, or the tip's after the event
	Hash   string `json:"hash,omitempty"`   // the block (or transaction) it concerns, hex

	// Have and Want are a broken rule's numbers, as text: the value found
	// and the one the rule wants ("3f2a…" and "≤ 0000ff…").
	Have string `json:"have,omitempty"`
	Want string `json:"want,omitempty"`
	// Reason is a short machine word for a connection loss or store failure
	// (the relay's close code, "eof", …) or the detail of a rule.
	Reason string `json:"reason,omitempty"`

	Count uint64 `json:"count,omitempty"` // a number the code defines (blocks connected, …)
	Total uint64 `json:"total,omitempty"` // what Count goes up to (sync)

	Tx *TxSummary `json:"tx,omitempty"` // the transaction of a tx event
}

// TxSummary is what the log says of a transaction.
type TxSummary struct {
	ID     string `json:"id"`
	Author string `json:"author"`         // nickname, or short address
	From   string `json:"from,omitempty"` // sender address (empty for a coinbase)
	To     string `json:"to,omitempty"`   // recipient address (empty for a post)
	Amount uint64 `json:"amount"`
	Fee    uint64 `json:"fee"`
	Memo   string `json:"memo,omitempty"`
	Mine   bool   `json:"mine,omitempty"` // sent by this node
}
