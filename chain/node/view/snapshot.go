package view

import (
	"encoding/json"

	"github.com/chainplay/chainplay/chain/node"
)

// Snapshot is everything a room page shows, at one moment. Its JSON field
// names are the page's: web/static reads them and nothing else.
type Snapshot struct {
	// Seq numbers the snapshots of a model, from 1.
	Seq          uint64            `json:"seq"`
	Self         string            `json:"self"` // our peer id in the room, "" when not joined
	Tip          TipView           `json:"tip"`
	Blocks       []BlockView       `json:"blocks"` // the best chain's newest blocks, newest first
	Stale        []StaleView       `json:"stale"`  // side-branch and invalid blocks of the same heights
	Peers        []node.PeerState  `json:"peers"`
	Sync         SyncView          `json:"sync"`
	Conn         ConnView          `json:"conn"`
	Wallet       WalletView        `json:"wallet"`
	Mempool      []*node.TxSummary `json:"mempool"` // the best-paying pending transactions
	MempoolCount int               `json:"mempool_count"`
	// Log holds the log entries added or changed since the previous
	// snapshot, oldest first. An entry whose ID the page already shows
	// replaces it (a sync's progress line updates in place).
	Log []Entry `json:"log"`
	// Extra is Config.Extra's value, as JSON (null when there is none).
	Extra json.RawMessage `json:"extra"`
}

// TipView describes the best tip. The difficulty is shown three ways: the
// expected number of hashes, the leading zero bits of the target, and the
// target itself (a hash meets it when it is at most the target).
type TipView struct {
	Height     uint64 `json:"height"`
	Hash       string `json:"hash"`
	Difficulty uint64 `json:"difficulty"`
	ZeroBits   int    `json:"zero_bits"`
	Target     string `json:"target"`
	Work       string `json:"work"` // cumulative, decimal
	Time       int64  `json:"time"` // unix ms
}

// BlockView is one block card.
type BlockView struct {
	Height     uint64 `json:"height"`
	Hash       string `json:"hash"`
	Prev       string `json:"prev"`
	Nonce      uint64 `json:"nonce"`
	Time       int64  `json:"time"` // unix ms
	Difficulty uint64 `json:"difficulty"`
	Txs        int    `json:"txs"`
	Miner      string `json:"miner,omitempty"` // the coinbase's recipient; empty for the genesis
}

// StaleView is a block off the best chain.
type StaleView struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
	Prev   string `json:"prev"`
	// Invalid is the code of the rule the block (or an ancestor) broke
	// when a reorg tried to connect it; empty for a valid block of a
	// branch with less work.
	Invalid string `json:"invalid,omitempty"`
}

// SyncView is the state of the sync: while Active, the node downloads
// blocks from Peer and is at Height of Target.
type SyncView struct {
	Active bool   `json:"active"`
	Peer   string `json:"peer,omitempty"`
	Name   string `json:"name,omitempty"`
	Height uint64 `json:"height"`
	Target uint64 `json:"target"`
}

// States of ConnView.
const (
	ConnConnecting   = "connecting"   // before the first connection
	ConnConnected    = "connected"    // in the room
	ConnDisconnected = "disconnected" // lost the room (Reason)
	ConnRetrying     = "retrying"     // dialling again in RetryMs
	ConnRoomReset    = "room-reset"   // the teacher reset the room: reload
)

// ConnView is the link to the room.
type ConnView struct {
	State   string `json:"state"`
	Reason  string `json:"reason,omitempty"`
	RetryMs uint64 `json:"retry_ms,omitempty"`
}

// WalletView is the node's own account on its best chain.
type WalletView struct {
	Address    string `json:"address"`
	Name       string `json:"name"`
	Balance    uint64 `json:"balance"`
	PendingOut uint64 `json:"pending_out"` // amount + fee of its transactions in the mempool
	PendingTxs int    `json:"pending_txs"`
	NextSeq    uint64 `json:"next_seq"` // counting its pending transactions
}

// Entry is one line of the log: an event, numbered.
type Entry struct {
	ID    uint64     `json:"id"`
	Event node.Event `json:"event"`
}
