package httpjson

// The API's stable error codes, beside the consensus rules' own codes
// (chain.Rules and chain/node's Code* constants), which an ErrorBody
// carries in both code and rule. A client branches on them and picks its
// words from them; they never change meaning. Each says which status it
// comes with.
const (
	// Requests (Read, Mux).
	CodeEmptyBody        = "empty-body"         // 400: the endpoint needs a JSON body
	CodeBadJSON          = "bad-json"           // 400: not one JSON object (syntax, trailing data, not an object)
	CodeUnknownField     = "unknown-field"      // 400: Field is not a field of this request
	CodeWrongType        = "wrong-type"         // 400: Field has the wrong JSON type or is out of range
	CodeMissingField     = "missing-field"      // 400: Field is required
	CodeBodyTooLarge     = "body-too-large"     // 413: the body is over the endpoint's limit
	CodeNotFound         = "not-found"          // 404: no endpoint at this path
	CodeMethodNotAllowed = "method-not-allowed" // 405: the path exists; Allow lists its methods
	CodeInternal         = "internal"           // 500: our fault; the details are in the server's log
	CodeUnavailable      = "unavailable"        // 503: shutting down, or the work was cancelled

	// The node API (chain/node).
	CodeBadHash         = "bad-hash"         // 400: not a block hash of 64 hex characters
	CodeBadAddress      = "bad-address"      // 400: neither an address of 40 hex characters nor an account name
	CodeUnknownBlock    = "unknown-block"    // 404: no block with this hash
	CodeWrongSender     = "wrong-sender"     // 403: the node holds no key for this sender: it signs for its own wallet (and, in tutorial mode, named accounts)
	CodeBadPeerAddress  = "bad-peer-address" // 400: a peer address is not http://host:port
	CodeTooManyPeers    = "too-many-peers"   // 400: more peers than a node keeps (MaxHTTPPeers); none was added
	CodePeerUnreachable = "peer-unreachable" // 502: a peer could not be reached
	CodePeerBadAnswer   = "peer-bad-answer"  // 502: a peer answered with an error status or not with JSON
	CodeForeignChain    = "foreign-chain"    // 409: the other node is not on this chain (another genesis, or a tutorial's own node)

	// The room API (cmd/chainplay).
	CodeBadRoomName        = "bad-room-name"        // 400: not 1 to 32 characters from a-z, 0-9, '-', '_'
	CodeBadParams          = "bad-params"           // 400: room parameters out of range
	CodeRoomExists         = "room-exists"          // 409: a room of this name was created before
	CodeResetBusy          = "reset-busy"           // 409: a reset of the room is under way
	CodeStaleEpoch         = "stale-epoch"          // 409: the room was reset since the page was loaded
	CodeUnauthorized       = "unauthorized"         // 401: no teacher token
	CodeForbidden          = "forbidden"            // 403: a wrong teacher token, or a room without a teacher
	CodeUnknownPeer        = "unknown-peer"         // 404: no peer of this id in the room
	CodeArchiveNotKickable = "archive-not-kickable" // 400: the archive peer keeps the room's chain
	CodeBanned             = "banned"               // 403: kicked from this room: back when the room's session ends
	CodeRateLimited        = "rate-limited"         // 429: too many rooms created or opened from this address; Retry-After says when to try again
	CodeBadControl         = "bad-control"          // 400: a teacher control with an unknown op or a value out of range
	CodeUnknownLesson      = "unknown-lesson"       // 404: no lesson of this id (GET /api/lessons lists them)
	CodeNoArchive          = "no-archive"           // 409: the room's archive peer is not running (nobody is in the room)
	CodeNoReusedNonce      = "no-reused-nonce"      // 404: no two signatures of this account share a nonce: its key cannot be recovered
)

// Codes lists every constant above, so tests and message catalogs can
// enumerate them.
var Codes = []string{
	CodeEmptyBody, CodeBadJSON, CodeUnknownField, CodeWrongType, CodeMissingField,
	CodeBodyTooLarge, CodeNotFound, CodeMethodNotAllowed, CodeInternal, CodeUnavailable,
	CodeBadHash, CodeBadAddress, CodeUnknownBlock, CodeWrongSender, CodeBadPeerAddress,
	CodeTooManyPeers, CodePeerUnreachable, CodePeerBadAnswer, CodeForeignChain,
	CodeBadRoomName, CodeBadParams, CodeRoomExists, CodeResetBusy, CodeStaleEpoch,
	CodeUnauthorized, CodeForbidden, CodeUnknownPeer, CodeArchiveNotKickable, CodeBanned, CodeRateLimited,
	CodeBadControl, CodeUnknownLesson, CodeNoArchive, CodeNoReusedNonce,
}
