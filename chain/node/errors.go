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
	// a field out of range, an unknown type).
	ErrBadMessage = errors.New("node: malformed message")
	// ErrNoNonce means a miner exhausted its nonce range; rebuild the
	// template with a fresh timestamp and try again.
	ErrNoNonce = errors.New("node: nonce range exhausted")
	// ErrPreempted is returned by the mining loop's Solve when a search of
	// its own (GET /mine, MineBlock) took the Miner; the loop waits until
	// the Miner is idle and goes on. A Miner that lets a second search take
	// it over returns it too (see IdleWaiter).
	ErrPreempted = errors.New("node: another search took the miner")
)

// Codes of the node's errors, beside chain's rule codes.
const (
	CodeOtherChain      = "other-chain"
	CodeMessageTooBig   = "message-too-big"
	CodePeerRateLimited = "peer-rate-limited"
	CodeBadMessage      = "bad-message"
	CodeNoNonce         = "no-nonce"
	CodePreempted       = "preempted"
)

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
	case errors.Is(err, ErrNoNonce):
		return CodeNoNonce
	case errors.Is(err, ErrPreempted):
		return CodePreempted
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
