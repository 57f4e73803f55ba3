package node

import (
	"errors"

	"github.com/chainplay/chainplay/chain"
)

// The node's own errors. Each has a stable code (codeOf) that events and
// the REST API carry beside chain's rule codes.
var (
	// ErrOtherChain is returned by New when the store holds the blocks of
	// another room or parameters.
	ErrOtherChain = errors.New("node: the store holds another chain")
	// ErrMessageTooBig: a peer's message is larger than MaxMessageSize.
	ErrMessageTooBig = errors.New("node: message too large")
	// ErrPeerRateLimited: a peer sends more messages than PeerRate allows.
	ErrPeerRateLimited = errors.New("node: peer sends too many messages")
	// ErrBadMessage: a message is not what its type promises (not JSON,
	// a field out of range, an unknown type, an answer nobody asked for).
	ErrBadMessage = errors.New("node: malformed message")
	// ErrSyncStalled: a peer that announced more work than ours did not
	// answer our getblocks in time, or answered with nothing new while
	// still claiming more work; the node syncs from another peer and
	// passes this one over for a while.
	ErrSyncStalled = errors.New("node: the peer announced more work than it sends")
	// ErrNoNonce means a miner exhausted its nonce range; rebuild the
	// template with a fresh timestamp and try again.
	ErrNoNonce = errors.New("node: nonce range exhausted")
	// ErrRoomReset is returned by StayJoined when the room's epoch or
	// parameters moved on since the node joined (the teacher reset the
	// room or started a new genesis): this node's chain is void, and
	// rejoining would hand it back to the room. A JoinConfig's Check or
	// Dial returns it (wrapped) to say so; DialRelay returns it when the
	// server refuses the dial's ?epoch= with 409 Conflict.
	ErrRoomReset = errors.New("node: the room was reset")

	// The tutorials' HTTP peers (httppeers.go). These are no rules and
	// have no Code: the REST API maps them to its own codes.

	// ErrPeerUnreachable: an HTTP peer could not be reached, timed out, or
	// broke the connection mid-answer (a *PeerError).
	ErrPeerUnreachable = errors.New("node: peer unreachable")
	// ErrPeerBadAnswer: an HTTP peer answered with an error status, or with
	// something that is not the JSON asked for (a *PeerError). A chain
	// that is JSON but breaks a rule is that rule's error instead.
	ErrPeerBadAnswer = errors.New("node: peer answered badly")
	// ErrBadPeerAddress: a peer address is not http://host:port.
	ErrBadPeerAddress = errors.New("node: bad peer address")
	// ErrTooManyPeers: a request names more HTTP peers than MaxHTTPPeers,
	// or more than the list has room for.
	ErrTooManyPeers = errors.New("node: too many peers")
	// ErrForeignChain: another node is not on this node's chain — a
	// Chainplay node of another genesis (another room, other
	// parameters), or no Chainplay node at all (the tutorials' own Flask
	// nodes, whose unsigned blocks Chainplay can't verify) — so the two
	// can't peer. Nothing of the other node's is stored, and nothing of
	// ours is sent to it.
	ErrForeignChain = errors.New("node: not on this chain")
	// ErrPreempted is returned by the mining loop's Solve when a search of
	// its own (GET /mine, MineBlock) took the Miner; the loop waits until
	// the Miner is idle and goes on. A Miner that lets a second search take
	// it over returns it too (see IdleWaiter).
	ErrPreempted = errors.New("node: another search took the miner")
	// ErrControlForged: a control message is not signed by the room's
	// control key (a student's forgery, or a room without a teacher), or
	// is not a control at all (control.go).
	ErrControlForged = errors.New("node: control not signed by the room's teacher")
	// ErrControlStale: a control message is genuine but not for now: it
	// names another room or epoch, or its sequence number is not above
	// the last control obeyed (a replay).
	ErrControlStale = errors.New("node: control out of date")
)

// Codes of the node's errors, beside chain's rule codes.
const (
	CodeOtherChain      = "other-chain"
	CodeMessageTooBig   = "message-too-big"
	CodePeerRateLimited = "peer-rate-limited"
	CodeBadMessage      = "bad-message"
	CodeSyncStalled     = "sync-stalled"
	CodeNoNonce         = "no-nonce"
	CodeRoomReset       = "room-reset"
	CodePreempted       = "preempted"
	CodeControlForged   = "control-forged"
	CodeControlStale    = "control-stale"
)

// ErrorCodes returns the codes of the node's errors (the Code* constants
// above), in the order declared. With chain.Rules they are every code a
// rejected or refused Event, or a REST error's "rule", can carry: what a
// page's message catalog needs words for.
func ErrorCodes() []string {
	return []string{CodeOtherChain, CodeMessageTooBig, CodePeerRateLimited, CodeBadMessage, CodeSyncStalled, CodeNoNonce, CodeRoomReset, CodePreempted,
		CodeControlForged, CodeControlStale}
}

// codeOf names the rule or limit err broke: a chain rule's code, one of
// the node's codes, or CodeBadMessage for anything else a peer sent.
func codeOf(err error) string {
	if c := chain.Code(err); c != "" {
		return c
	}
	switch {
	case errors.Is(err, ErrOtherChain):
		return CodeOtherChain
	case errors.Is(err, ErrMessageTooBig):
		return CodeMessageTooBig
	case errors.Is(err, ErrPeerRateLimited):
		return CodePeerRateLimited
	case errors.Is(err, ErrSyncStalled):
		return CodeSyncStalled
	case errors.Is(err, ErrNoNonce):
		return CodeNoNonce
	case errors.Is(err, ErrRoomReset):
		return CodeRoomReset
	case errors.Is(err, ErrPreempted):
		return CodePreempted
	case errors.Is(err, ErrControlForged):
		return CodeControlForged
	case errors.Is(err, ErrControlStale):
		return CodeControlStale
	}
	return CodeBadMessage
}

// Code returns the stable code of err for events and REST answers: a
// chain rule's code or one of the node's Code* constants, or "" when err
// is none of them.
func Code(err error) string {
	if c := chain.Code(err); c != "" {
		return c
	}
	if c := codeOf(err); c != CodeBadMessage || errors.Is(err, ErrBadMessage) {
		return c
	}
	return ""
}
