package node

// EventKind says what an Event reports.
type EventKind string

// Kinds of events a node reports to its page or log.
const (
	EventTip        EventKind = "tip"        // the best chain grew (Height, Hash; Count: blocks connected)
	EventReorg      EventKind = "reorg"      // the best chain switched branches (Count: blocks that left it, Total: joined, Back: txs back in the mempool)
	EventMined      EventKind = "mined"      // this node mined a block (Height, Hash)
	EventRejected   EventKind = "rejected"   // a peer sent data that broke a rule (Code: the rule)
	EventRefused    EventKind = "refused"    // data not accepted, nobody's fault (Code: the rule or policy)
	EventPeer       EventKind = "peer"       // a peer joined, left, said hello or was banned (Code: CodePeer*)
	EventTx         EventKind = "tx"         // a transaction entered the mempool (Tx)
	EventSync       EventKind = "sync"       // sync progress (Code: CodeSync*; Count of Total)
	EventConnection EventKind = "connection" // the link to the room (Code: CodeConn*)
	EventStatus     EventKind = "status"     // anything else worth a line in the log (Code names it)
	// EventControl: this node obeyed a teacher control (control.go). Code
	// is the control's op (ControlOps), Count its sequence number, Peer
	// and Name the peer it concerns, if any. A page shows a banner.
	EventControl EventKind = "control"
)

// Codes of the events that are not rule violations. A rejected or
// refused event carries the rule's own code (chain's rule codes, or the
// node's: see errors.go). The page chooses its words from Kind and Code
// plus the numbers; Text is English for logs and is never parsed.
const (
	// EventConnection
	CodeConnConnected    = "connected"    // joined the room (Peer: our id)
	CodeConnDisconnected = "disconnected" // lost the room (Reason: the relay's close code or why)
	// CodeConnRetrying: StayJoined dials again after Count ms. Reason says
	// why the last attempt ended: the drop's reason (as in disconnected),
	// ReasonDialFailed or ReasonCheckFailed; Text has the error. Name,
	// when the node has several relays (JoinConfig.Target), is the host
	// the next attempt goes to.
	CodeConnRetrying = "retrying"
	// CodeConnRoomReset: the teacher reset the room or gave it a new
	// genesis; this chain is void and StayJoined has stopped
	// (ErrRoomReset). A page reloads to start from the room's new genesis.
	CodeConnRoomReset = "room-reset"

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

	// EventMined: where the block this node mined landed (Height, Hash)
	CodeMinedMainChain = "main-chain" // it is the new tip
	CodeMinedSideChain = "side-chain" // another branch has more work

	// EventStatus
	CodeStatusResumed     = "resumed"      // the stored chain was replayed up to Height
	CodeStatusStoreFailed = "store-failed" // blocks could not be saved (Reason)
	CodeStatusSendDropped = "send-dropped" // the send queue was full: a What message was dropped
	CodeStatusHeld        = "held"         // a block from the future is held until its time (Height, Hash)
	CodeStatusRelay       = "relay"        // the relay complained about a frame (Reason: its code)
	CodeStatusMineFailed  = "mine-failed"  // the mining loop stopped on an error (Reason: its code, if any)
	// CodeStatusTxResent: in a PBFT room, Count transactions this node
	// submitted were still not committed after Config.TxResend and were
	// sent again to all replicas (resend.go).
	CodeStatusTxResent = "tx-resent"
	// CodeStatusDoubleSigned: this stake room's validator signed two
	// blocks of slot Count, as the teacher's FaultDoubleSign asked.
	CodeStatusDoubleSigned = "double-signed"
)

// Reasons of a CodeConnRetrying event whose last attempt never connected.
const (
	ReasonDialFailed  = "dial-failed"  // the relay could not be reached, or refused the dial
	ReasonCheckFailed = "check-failed" // the room's state could not be read before dialling
)

// Reasons of a CodeConnDisconnected event. When the relay closed the link
// with a reason, Reason is that reason: one of the relay's codes
// ("kicked", "rate-limited", …). Otherwise it is one of these.
const (
	ReasonClosed  = "closed"  // the relay closed the link without a reason
	ReasonLost    = "lost"    // the link broke (network, relay gone)
	ReasonStopped = "stopped" // this node stopped (its context ended)
)

// EventCodes returns, per kind, every code an Event of that kind can
// carry other than the rule codes of rejected and refused events
// (chain.Rules and ErrorCodes): what a page's message catalog needs words
// for. A kind whose events carry no code is absent.
func EventCodes() map[EventKind][]string {
	return map[EventKind][]string{
		EventTip:        {CodeTipExtended},
		EventMined:      {CodeMinedMainChain, CodeMinedSideChain},
		EventPeer:       {CodePeerJoined, CodePeerLeft, CodePeerHello, CodePeerBanned, CodePeerWelcome},
		EventSync:       {CodeSyncStarted, CodeSyncProgress, CodeSyncDone},
		EventConnection: {CodeConnConnected, CodeConnDisconnected, CodeConnRetrying, CodeConnRoomReset},
		EventStatus: {CodeStatusResumed, CodeStatusStoreFailed, CodeStatusSendDropped, CodeStatusHeld,
			CodeStatusRelay, CodeStatusMineFailed, CodeStatusTxResent, CodeStatusDoubleSigned},
		EventControl: ControlOps(),
	}
}

// EventKinds returns every kind of Event, in the order declared.
func EventKinds() []EventKind {
	return []EventKind{EventTip, EventReorg, EventMined, EventRejected, EventRefused, EventPeer,
		EventTx, EventSync, EventConnection, EventStatus, EventControl}
}

// DisconnectReasons returns the node's own reasons of a
// CodeConnDisconnected event (the relay's codes are the others).
func DisconnectReasons() []string { return []string{ReasonClosed, ReasonLost, ReasonStopped} }

// RetryReasons returns the reasons of a CodeConnRetrying event whose last
// attempt never connected (one that did carries its disconnect reason).
func RetryReasons() []string { return []string{ReasonDialFailed, ReasonCheckFailed} }

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
	// Back is, in a reorg event, how many transactions of the blocks that
	// left the best chain are back in the mempool, waiting to be mined
	// again.
	Back uint64 `json:"back,omitempty"`

	Tx *TxSummary `json:"tx,omitempty"` // the transaction of a tx event
	// Scenario is the step of an EventControl of code
	// CodeControlScenario: the attack scenario's words (their catalog key
	// is scenario.NAME.STEP) and numbers.
	Scenario *ScenarioStep `json:"scenario,omitempty"`
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
