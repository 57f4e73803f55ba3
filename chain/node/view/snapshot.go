package view

import (
	"encoding/json"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Snapshot is everything a room page shows, at one moment. Its JSON field
// names are the page's: web/static reads them and nothing else.
type Snapshot struct {
	// Seq numbers the snapshots of a model, from 1.
	Seq  uint64  `json:"seq"`
	Now  int64   `json:"now"`  // the node's clock, unix ms: "last seen 3 s ago"
	Self string  `json:"self"` // our peer id in the room, "" when not joined
	Tip  TipView `json:"tip"`
	// Blocks are the best chain's newest blocks, newest first: the cards.
	Blocks []BlockView `json:"blocks"`
	// Stale are the side-branch and invalid blocks of the same heights.
	Stale []StaleView `json:"stale"`
	// Tree is the block tree of the same heights, laid out for drawing.
	Tree  TreeView         `json:"tree"`
	Peers []node.PeerState `json:"peers"`
	Sync  SyncView         `json:"sync"`
	Conn  ConnView         `json:"conn"`
	// Wallet is this node's account: balances, history, contacts.
	Wallet WalletView `json:"wallet"`
	// Posts is the feed: posts waiting in the mempool, then the best
	// chain's, newest first.
	Posts        []PostView        `json:"posts"`
	Mempool      []*node.TxSummary `json:"mempool"` // the best-paying pending transactions
	MempoolCount int               `json:"mempool_count"`
	// Inspect is the block the page asked about (Model.Inspect), or nil.
	Inspect *BlockDetail `json:"inspect"`
	// Tamper is the forged copy of the chain in tamper mode, or nil.
	Tamper *TamperView `json:"tamper"`
	// Log holds the log entries added or changed since the previous
	// snapshot, oldest first. An entry whose ID the page already shows
	// replaces it (a sync's progress line updates in place).
	Log []Entry `json:"log"`
	// Extra is Config.Extra's value, as JSON (null when there is none).
	Extra json.RawMessage `json:"extra"`
	// Control is the teacher's controls this node obeys: the students'
	// banner.
	Control ControlView `json:"control"`
	// PBFT is a PBFT room's replicas, view and phase pictures (pbft.go);
	// null in a room of another engine.
	PBFT *PBFTView `json:"pbft"`
	// Stake is a PoS or DPoS room's slots, stake and this wallet's next
	// slots (stake.go); null in a room of another engine.
	Stake *StakeView `json:"stake"`
}

// ControlView is the teacher's controls as a student's page shows them.
type ControlView struct {
	Seq   uint64            `json:"seq"` // 0: the teacher sent none
	Op    string            `json:"op,omitempty"`
	Peer  string            `json:"peer,omitempty"`
	Time  int64             `json:"time,omitempty"`
	State node.ControlState `json:"state"`
	// Duty is the fraction of the time this node may mine (0 paused, 1
	// full speed); Group its group while the room is split (0 when whole).
	Duty  float64 `json:"duty"`
	Group int     `json:"group,omitempty"`
}

// controlView describes c for the node whose peer id is self.
func controlView(c node.Control, self string) ControlView {
	v := ControlView{Seq: c.Seq, Op: c.Op, Peer: c.Peer, Time: c.Time, State: c.State, Duty: c.State.DutyOf(self)}
	if c.State.Groups != nil {
		v.Group = 1
		if g, ok := c.State.Groups[self]; ok {
			v.Group = g
		}
	}
	return v
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
	// DiffBits is the difficulty as "≈ N zero bits": the leading zero bits
	// of its target.
	DiffBits int `json:"diff_bits"`
	// ZeroBits is how many leading zero bits the hash has, and ZeroHex
	// how many leading "0" hex digits: the part of the hash a page marks.
	ZeroBits  int    `json:"zero_bits"`
	ZeroHex   int    `json:"zero_hex"`
	Txs       int    `json:"txs"`
	Miner     string `json:"miner,omitempty"`      // the coinbase's recipient; empty for the genesis
	MinerName string `json:"miner_name,omitempty"` // its nickname, when known
	Mine      bool   `json:"mine,omitempty"`       // mined by this node's wallet
	Reward    uint64 `json:"reward"`               // the coinbase's amount: subsidy plus fees
	// TxLines are the first CardTxs transactions after the coinbase.
	TxLines []TxView `json:"tx_lines"`
}

// TxView is a transaction as a card or a history line shows it.
type TxView struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`   // TxTransfer, TxPost, TxCoinbase, or in a stake room TxStake, TxCandidate, TxVote
	Author string `json:"author"` // the name it carries, or the short address
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	ToName string `json:"to_name,omitempty"` // the recipient's nickname, when known
	Amount uint64 `json:"amount"`
	Fee    uint64 `json:"fee"`
	Seq    uint64 `json:"seq"`
	Time   int64  `json:"time"`
	Memo   string `json:"memo,omitempty"`
	Mine   bool   `json:"mine,omitempty"` // sent by this node's wallet
}

// Kinds of TxView.
const (
	TxTransfer = "transfer"
	TxPost     = "post"
	TxCoinbase = "coinbase"
	// In a PoS or DPoS room (chain.Tx.StakeOp): coins locked as stake, a
	// delegate's candidacy, a vote (To: the candidate; none: withdrawn).
	TxStake     = chain.OpStake
	TxCandidate = chain.OpCandidate
	TxVote      = chain.OpVote
)

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
	// Target is the host a retrying node dials next when it has several
	// relays (a cluster: node.JoinConfig.Target); empty otherwise.
	Target string `json:"target,omitempty"`
}

// Entry is one line of the log: an event, numbered.
type Entry struct {
	ID    uint64     `json:"id"`
	Event node.Event `json:"event"`
}
