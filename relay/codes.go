package relay

import "errors"

// The relay's codes: stable short words, an API like chain's rule codes.
// A close frame the relay sends has the code alone as its reason; an
// error frame carries one in ErrorBody.Code beside an English Message; an
// HTTP refusal before the upgrade has the code alone as its plain-text
// body. Pages choose their words by the code and never parse the English.
const (
	// Close reasons (the websocket close status in parentheses).

	// CodeKicked: Server.Kick closed the connection (StatusPolicyViolation).
	CodeKicked = "kicked"
	// CodeRateLimited: the client sent more frames per second than
	// Config.RatePerSec allows. In an error frame, the frame was dropped;
	// as a close reason, MaxRateDrops frames in a row were
	// (StatusPolicyViolation).
	CodeRateLimited = "rate-limited"
	// CodeSendQueueFull: the client did not read its frames fast enough
	// and Config.SendQueue filled up (StatusPolicyViolation).
	CodeSendQueueFull = "send-queue-full"
	// CodeFrameTooBig: the client sent a frame larger than
	// Config.ReadLimit (StatusMessageTooBig).
	CodeFrameTooBig = "frame-too-big"
	// CodeShuttingDown: Server.Close closed the connection
	// (StatusGoingAway); after Close, the body of the HTTP 503 that
	// refuses a new one.
	CodeShuttingDown = "shutting-down"
	// CodeBye: a LocalConn left with Close (StatusNormalClosure).
	CodeBye = "bye"
	// CodeMisbehaving: the client's misbehaviour score reached MaxScore:
	// it sent too many frames the relay had to refuse, too fast
	// (StatusPolicyViolation).
	CodeMisbehaving = "misbehaving"

	// Error frames: the frame was refused and dropped; the connection
	// goes on.

	// CodeMalformedFrame: not valid UTF-8, not a JSON object, an empty
	// type or a type longer than MaxTypeLen.
	CodeMalformedFrame = "malformed-frame"
	// CodeReservedType: a frame type only the relay may send.
	CodeReservedType = "reserved-type"
	// CodeBinaryFrame: a binary websocket message; frames are text.
	CodeBinaryFrame = "binary-frame"
	// CodeUnknownPeer: a direct frame to a peer id not in the room.
	CodeUnknownPeer = "unknown-peer"

	// HTTP refusals before the upgrade (and JoinLocal's errors).

	// CodeInvalidRoom: the room name fails ValidRoomName (HTTP 400).
	CodeInvalidRoom = "invalid-room"
	// CodeRoomFull: the room has Config.MaxPeersPerRoom peers (HTTP 503).
	CodeRoomFull = "room-full"
	// CodeTooManyRooms: Config.MaxRooms rooms exist (HTTP 503).
	CodeTooManyRooms = "too-many-rooms"
)

// Codes returns every code above, so that callers (a page's message
// catalog and its tests) can check they have words for each.
func Codes() []string {
	return []string{
		CodeKicked, CodeRateLimited, CodeSendQueueFull, CodeFrameTooBig, CodeShuttingDown, CodeBye, CodeMisbehaving,
		CodeMalformedFrame, CodeReservedType, CodeBinaryFrame, CodeUnknownPeer,
		CodeInvalidRoom, CodeRoomFull, CodeTooManyRooms,
	}
}

// Code returns the code of err: the reason of a *CloseError, or the code
// of ErrInvalidRoom, ErrRoomFull, ErrTooManyRooms or ErrClosed (each
// possibly wrapped); "" for anything else.
func Code(err error) string {
	var ce *CloseError
	switch {
	case errors.As(err, &ce):
		return ce.Reason
	case errors.Is(err, ErrInvalidRoom):
		return CodeInvalidRoom
	case errors.Is(err, ErrRoomFull):
		return CodeRoomFull
	case errors.Is(err, ErrTooManyRooms):
		return CodeTooManyRooms
	case errors.Is(err, ErrClosed):
		return CodeShuttingDown
	}
	return ""
}

// refusal is why the relay refused a client's frame: a code for the
// page and a sentence for people. It is the error parseInbound returns.
type refusal struct {
	code, msg string
}

func (r *refusal) Error() string { return r.msg }
