package node

import (
	"encoding/json"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// Message types of the tab protocol. Those marked "relay" are sent only by
// the relay; a node never sends them.
const (
	TypeHello      = "hello"      // HelloBody: a peer's tip, sent on join and to newcomers
	TypeTx         = "tx"         // chain.TxJSON: a new transaction
	TypeBlock      = "block"      // chain.BlockJSON: a newly mined block
	TypeGetBlocks  = "getblocks"  // GetBlocksBody: ask for blocks after a locator
	TypeBlocks     = "blocks"     // BlocksBody: the answer to getblocks
	TypeGetMempool = "getmempool" // empty body: ask for pending transactions
	TypeTxs        = "txs"        // TxsBody: the answer to getmempool
	TypePing       = "ping"       // PingBody: asks the receiver for a pong
	TypePong       = "pong"       // PingBody: the answer to a ping, with its nonce
	TypePeers      = "peers"      // relay: PeersBody, the room as a newcomer finds it
	TypeJoin       = "join"       // relay: PeerInfo of a peer that joined
	TypeLeave      = "leave"      // relay: PeerInfo of a peer that left
	TypeError      = "error"      // relay: ErrorBody about the last frame sent
	TypePBFT       = "pbft"       // PBFTBody: a PBFT protocol message between the seats of a PBFT room

	// typeMalformed marks a frame that was not a JSON envelope.
	typeMalformed = "malformed frame"
)

// Limits on what a peer may send.
const (
	// MaxBlocksPerBatch is the most blocks in one blocks message and what a
	// getblocks asks for.
	MaxBlocksPerBatch = 2000
	// MaxBatchBytes is the most encoded block bytes in one blocks message
	// (at least one block is always sent): 384 KiB is 512 KiB in base64,
	// well under the relay's frame limit.
	MaxBatchBytes = 384 << 10
	// MaxTxsPerBatch is the most transactions in one txs message.
	MaxTxsPerBatch = 1000
	// MaxLocator is the most hashes in a locator.
	MaxLocator = 64
	// MaxMessageSize is the largest frame a node reads.
	MaxMessageSize = 8 << 20
	// MaxWorkDigits is the most decimal digits of a hello's cumulative
	// work. A chain of 2^64 blocks at the largest difficulty (2^53) has
	// about 2^117 of work, 36 digits: 128 digits (425 bits) leave room, and
	// a longer string is refused before it is parsed (parsing a
	// million-digit number cost a peer two seconds of CPU).
	MaxWorkDigits = 128
	// MaxBroadcastBlocks and MaxBroadcastBytes bound the answer to a
	// getblocks sent to the whole room rather than to one peer: every peer
	// answers it, so a full batch each would multiply one frame into the
	// room's size times MaxBatchBytes.
	MaxBroadcastBlocks = 16
	MaxBroadcastBytes  = 16 << 10
)

// maxBodies bounds the body of each message type that has a small one: a
// larger body is a violation (ErrMessageTooBig), refused before it is
// decoded. Other types may be up to MaxMessageSize.
var maxBodies = map[string]int{
	TypeHello:      1 << 10, // two hashes, a height, MaxWorkDigits, a 32-byte name escaped
	TypeTx:         8 << 10, // a 280-byte memo and a 32-byte name, escaped, twice (content, author)
	TypeGetBlocks:  8 << 10, // MaxLocator hashes
	TypeGetMempool: 256,
	TypePing:       256,
	TypePong:       256,
	TypeControl:    MaxControlBody,
	TypeStats:      256,
}

// MaxBodySize returns the largest body a message of type typ may have.
func MaxBodySize(typ string) int {
	if n, ok := maxBodies[typ]; ok {
		return n
	}
	return MaxMessageSize
}

// Message is the envelope of every frame: the relay fills in From and
// delivers to To alone when it is set. Body is the JSON of the type's body.
type Message struct {
	Type string          `json:"type"`
	From string          `json:"from,omitempty"`
	To   string          `json:"to,omitempty"`
	Body json.RawMessage `json:"body,omitempty"`
}

// HelloBody announces a peer's best chain.
type HelloBody struct {
	Genesis chain.Hash `json:"genesis"`
	Tip     chain.Hash `json:"tip"`
	Height  uint64     `json:"height"`
	Work    string     `json:"work"` // cumulative work, decimal
	Name    string     `json:"name"`
	// Address is the sender's wallet address, so a page can send it coins
	// by nickname. Optional: zero when the peer does not say.
	Address chain.Address `json:"address,omitzero"`
}

// GetBlocksBody asks for up to Max best-chain blocks after the first
// locator hash the receiver knows.
type GetBlocksBody struct {
	Locator []chain.Hash `json:"locator"`
	Max     int          `json:"max"`
}

// BlocksBody answers getblocks, oldest first. Each block is in chain's
// canonical binary encoding (chain.Block.Encode: the header bytes that
// are hashed, then the transactions), base64 in the JSON: a node decodes
// a batch of them an order of magnitude faster than the blocks' JSON,
// which is what a tab spends its time on while it syncs. More is set when
// the sender has further blocks after the last one.
type BlocksBody struct {
	Blocks [][]byte `json:"blocks"`
	More   bool     `json:"more"`
}

// TxsBody answers getmempool.
type TxsBody struct {
	Txs []*chain.Tx `json:"txs"`
}

// PingBody is the body of a ping and of its pong. A node answers every
// ping with a pong to its sender carrying the same Nonce, after handling
// every message it received before the ping: a peer that gets the pong
// knows the node has handled everything it sent before the ping (a
// barrier). The nonce is the pinger's choice, below 2^53.
type PingBody struct {
	Nonce uint64 `json:"nonce"`
}

// PeerInfo names a peer of the room.
type PeerInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PeersBody is the relay's welcome: our id and the peers already present.
type PeersBody struct {
	You   string     `json:"you"`
	Room  string     `json:"room"`
	Peers []PeerInfo `json:"peers"`
	// Limits are the relay's limits on this connection; the node paces
	// its frames below them. Absent (zero) means no limit.
	Limits Limits `json:"limits"`
}

// Limits are a relay's limits on one connection (relay.Limits).
type Limits struct {
	RatePerSec float64 `json:"rate"` // frames per second it may send on average; 0: no limit
	RateBurst  int     `json:"burst"`
	SendQueue  int     `json:"send_queue"`
	ReadLimit  int64   `json:"read_limit"`
}

// ErrorBody is the relay's complaint about a frame: a stable code and a
// sentence.
type ErrorBody struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// NewMessage builds a message with body encoded as JSON.
func NewMessage(typ, to string, body any) (Message, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Message{}, fmt.Errorf("node: encode %s: %w", typ, err)
	}
	return Message{Type: typ, To: to, Body: b}, nil
}

// DecodeBody decodes m's body into v.
func (m Message) DecodeBody(v any) error {
	if len(m.Body) == 0 {
		return fmt.Errorf("node: %s message has no body", m.Type)
	}
	if err := json.Unmarshal(m.Body, v); err != nil {
		return fmt.Errorf("node: decode %s: %w", m.Type, err)
	}
	return nil
}

// PBFTBody is the body of a pbft message: the protocol message in its
// binary encoding (pbft.Message.Encode, base64 in the JSON) and the seat
// it is for, or −1 for every seat. Messages go to the whole room, carried
// by the relay like any frame; a seat drops those for another seat, and a
// node without a seat ignores them all (it follows the committed blocks,
// whose certificates its chain verifies). See Seat.
type PBFTBody struct {
	To  int    `json:"to"`
	Msg []byte `json:"m"`
}
