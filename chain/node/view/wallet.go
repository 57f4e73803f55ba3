package view

import (
	"cmp"
	"slices"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// WalletView is the node's own account on its best chain.
type WalletView struct {
	Address string `json:"address"`
	Name    string `json:"name"`
	// Balance is the confirmed balance: what the best chain gives it.
	Balance uint64 `json:"balance"`
	// PendingOut is amount + fee of its transactions in the mempool, and
	// PendingIn what pending transfers send it.
	PendingOut uint64 `json:"pending_out"`
	PendingIn  uint64 `json:"pending_in"`
	PendingTxs int    `json:"pending_txs"`
	// Available is what it can still spend: Balance − PendingOut.
	Available uint64 `json:"available"`
	NextSeq   uint64 `json:"next_seq"` // counting its pending transactions
	// History is its transactions, newest first: pending ones (and those a
	// reorg sent back to the mempool), then the confirmed ones with their
	// confirmations. At most Config.History entries.
	History []HistoryView `json:"history"`
	// Contacts are the peers it can send coins to by nickname: those
	// whose hello gave their wallet, sorted by nickname.
	Contacts []Contact `json:"contacts"`
}

// HistoryView is one transaction of the wallet.
type HistoryView struct {
	TxView
	// Dir is HistIn (coins received), HistOut (sent), HistPost (a post of
	// its own, no coins) or HistMined (a block reward); in a stake room
	// TxStake, TxCandidate or TxVote for its own stake instructions.
	Dir string `json:"dir"`
	// Status is StatusPending, StatusBack, StatusConfirmed, StatusDropped
	// or StatusDoubleSpent.
	Status string `json:"status"`
	// Height and Block locate a confirmed transaction; Confirmations is
	// the number of blocks from its block to the tip, itself included.
	Height        uint64 `json:"height,omitempty"`
	Block         string `json:"block,omitempty"`
	Confirmations uint64 `json:"confirmations,omitempty"`
}

// Directions of a HistoryView.
const (
	HistIn    = "in"
	HistOut   = "out"
	HistPost  = "post"
	HistMined = "mined"
)

// Statuses of a HistoryView.
const (
	StatusPending   = "pending"   // in the mempool, waiting for a block
	StatusBack      = "back"      // was in a block a reorg replaced: back in the mempool
	StatusConfirmed = "confirmed" // in a block of the best chain
	StatusDropped   = "dropped"   // was in a block a reorg replaced, and is in the mempool no more
	// StatusDoubleSpent: was in a block a reorg replaced, and its sender
	// has since spent the same seq in another transaction on the best
	// chain: it can never be confirmed again (a double spend).
	StatusDoubleSpent = "double-spent"
)

// Contact is a peer a wallet can pay by nickname.
type Contact struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Peer    string `json:"peer"` // its id in the room
}

// PostView is one post of the feed.
type PostView struct {
	ID      string `json:"id"`
	Author  string `json:"author"`
	From    string `json:"from"`
	Content string `json:"content"`
	Time    int64  `json:"time"` // as its author stamped it, unix ms
	Fee     uint64 `json:"fee"`
	Mine    bool   `json:"mine,omitempty"`
	// Pending: in the mempool, not yet in a block. Otherwise Height and
	// Block locate it and Confirmations counts the blocks since.
	Pending       bool   `json:"pending,omitempty"`
	Height        uint64 `json:"height,omitempty"`
	Block         string `json:"block,omitempty"`
	Confirmations uint64 `json:"confirmations,omitempty"`
}

// direction says how tx, shown as v, concerns the wallet me.
func direction(tx *chain.Tx, v TxView, me chain.Address) string {
	switch {
	case tx.IsCoinbase():
		return HistMined
	case tx.Sender() == me && (v.Kind == TxStake || v.Kind == TxCandidate || v.Kind == TxVote):
		return v.Kind
	case tx.Sender() == me && tx.Amount == 0:
		return HistPost
	case tx.Sender() == me:
		return HistOut
	}
	return HistIn
}

// wallet describes the node's own account; pending is the mempool.
func (m *Model) wallet(tip uint64, pending []*chain.Tx, peers []node.PeerState, names namer) WalletView {
	n := m.node
	addr := n.Address()
	acct := n.Chain().Balance(addr)
	w := WalletView{Address: addr.String(), Name: n.Name(), Balance: acct.Balance, NextSeq: n.Mempool().NextSeq(addr),
		History: []HistoryView{}, Contacts: []Contact{}}
	var mine []HistoryView
	for _, tx := range pending {
		if tx.IsCoinbase() {
			continue
		}
		switch {
		case tx.Sender() == addr:
			w.PendingOut += tx.Amount + tx.Fee
			w.PendingTxs++
		case tx.To == addr:
			w.PendingIn += tx.Amount
		default:
			continue
		}
		status := StatusPending
		if _, ok := m.index.left[tx.ID()]; ok {
			status = StatusBack
		}
		v := txView(tx, addr, names)
		mine = append(mine, HistoryView{TxView: v, Dir: direction(tx, v, addr), Status: status})
	}
	if acct.Balance > w.PendingOut {
		w.Available = acct.Balance - w.PendingOut
	}
	// Pending first (newest first), then what a reorg dropped, then the
	// best chain's, newest first.
	slices.SortFunc(mine, func(a, b HistoryView) int { return cmp.Compare(b.Time, a.Time) })
	inPool := make(map[string]bool, len(mine))
	for _, h := range mine {
		inPool[h.ID] = true
	}
	var dropped []HistoryView
	for id, l := range m.index.left {
		if !inPool[id.String()] {
			status := StatusDropped
			if n.Chain().Balance(l.tx.Sender()).NextSeq > l.tx.Seq {
				status = StatusDoubleSpent // its seq is another transaction's now
			}
			v := txView(l.tx, addr, names)
			dropped = append(dropped, HistoryView{TxView: v, Dir: direction(l.tx, v, addr), Status: status})
		}
	}
	slices.SortFunc(dropped, func(a, b HistoryView) int { return cmp.Compare(b.Time, a.Time) })
	mine = append(mine, dropped...)
	for i := len(m.index.mine) - 1; i >= 0 && len(mine) < m.cfg.History; i-- {
		r := m.index.mine[i]
		v := txView(r.tx, addr, names)
		mine = append(mine, HistoryView{TxView: v, Dir: direction(r.tx, v, addr), Status: StatusConfirmed,
			Height: r.height, Block: r.block, Confirmations: tip - r.height + 1})
	}
	if len(mine) > m.cfg.History {
		mine = mine[:m.cfg.History]
	}
	w.History = append(w.History, mine...)

	seen := map[string]bool{addr.String(): true}
	for _, p := range peers {
		if p.Address == "" || seen[p.Address] || p.Banned {
			continue
		}
		seen[p.Address] = true
		w.Contacts = append(w.Contacts, Contact{Name: p.Name, Address: p.Address, Peer: p.ID})
	}
	slices.SortFunc(w.Contacts, func(a, b Contact) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.Peer, b.Peer)
	})
	return w
}

// posts is the feed: the pending posts, newest first, then the best
// chain's, newest first; at most Config.Posts.
func (m *Model) posts(tip uint64, pending []*chain.Tx) []PostView {
	me := m.node.Address()
	out := []PostView{}
	var waiting []PostView
	for _, tx := range pending {
		if !tx.IsPost() || tx.Memo == "" {
			continue
		}
		waiting = append(waiting, postView(tx, me))
	}
	slices.SortFunc(waiting, func(a, b PostView) int { return cmp.Compare(b.Time, a.Time) })
	for _, p := range waiting {
		p.Pending = true
		out = append(out, p)
	}
	for i := len(m.index.posts) - 1; i >= 0 && len(out) < m.cfg.Posts; i-- {
		r := m.index.posts[i]
		p := postView(r.tx, me)
		p.Height, p.Block, p.Confirmations = r.height, r.block, tip-r.height+1
		out = append(out, p)
	}
	if len(out) > m.cfg.Posts {
		out = out[:m.cfg.Posts]
	}
	return out
}

func postView(tx *chain.Tx, me chain.Address) PostView {
	return PostView{ID: tx.ID().String(), Author: tx.Author(), From: tx.Sender().String(), Content: tx.Memo, Time: tx.Time,
		Fee: tx.Fee, Mine: tx.Sender() == me}
}
