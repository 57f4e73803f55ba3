package view

import (
	"strings"

	"github.com/chainplay/chainplay/chain"
)

// CardTxs is how many transactions after the coinbase a block card lists.
const CardTxs = 3

// namer gives addresses their nicknames: this node's own, its peers'
// (their hellos carry their wallets), then the names transactions on the
// best chain carried.
type namer struct {
	self     chain.Address
	selfName string
	peers    map[chain.Address]string
	chain    map[chain.Address]string
	// stake: the room is a PoS or DPoS room, whose transactions to the
	// stake accounts are instructions (TxStake, TxCandidate, TxVote).
	stake bool
}

// name returns a's nickname, or "".
func (n namer) name(a chain.Address) string {
	switch {
	case a.IsZero():
		return ""
	case a == n.self:
		return n.selfName
	}
	if s, ok := n.peers[a]; ok {
		return s
	}
	return n.chain[a]
}

// hashMarks returns how many leading zero bits and leading "0" hex digits
// h has: what a page marks.
func hashMarks(h chain.Hash) (bits, hex int) {
	bits = h.LeadingZeroBits()
	return bits, len(h.String()) - len(strings.TrimLeft(h.String(), "0"))
}

// diffBits is the difficulty as "≈ N zero bits": the leading zero bits of
// its target.
func diffBits(d uint64) int { return chain.Hash(chain.Target(d)).LeadingZeroBits() }

// txView describes tx; me is this node's wallet.
func txView(tx *chain.Tx, me chain.Address, names namer) TxView {
	v := TxView{ID: tx.ID().String(), Author: tx.Author(), Amount: tx.Amount, Fee: tx.Fee, Seq: tx.Seq, Time: tx.Time, Memo: tx.Memo}
	switch {
	case tx.IsCoinbase():
		v.Kind = TxCoinbase
		if tx.Name == "" {
			if n := names.name(tx.To); n != "" {
				v.Author = n
			}
		}
	case names.stake && tx.StakeOp() != "":
		v.Kind = tx.StakeOp() // TxStake, TxCandidate or TxVote
	case tx.Amount == 0:
		v.Kind = TxPost
	default:
		v.Kind = TxTransfer
	}
	if !tx.IsCoinbase() {
		v.From = tx.Sender().String()
		v.Mine = tx.Sender() == me
	}
	if !tx.To.IsZero() {
		v.To = tx.To.String()
		v.ToName = names.name(tx.To)
	}
	if v.Kind == TxVote {
		// The vote's candidate is its memo: shown as its recipient ("" for
		// a vote withdrawn).
		v.To, v.ToName, v.Memo = "", "", ""
		if c, err := chain.ParseAddress(tx.Memo); err == nil {
			v.To, v.ToName = c.String(), names.name(c)
		}
	}
	return v
}

// blockView is b's card.
func blockView(b *chain.Block, me chain.Address, names namer) BlockView {
	h := b.Hash()
	v := BlockView{
		Height:     b.Height(),
		Hash:       h.String(),
		Prev:       b.Header.PrevHash.String(),
		Nonce:      b.Header.Nonce,
		Time:       b.Header.Time,
		Difficulty: b.Header.Difficulty,
		DiffBits:   diffBits(b.Header.Difficulty),
		Txs:        len(b.Txs),
		TxLines:    []TxView{},
	}
	v.ZeroBits, v.ZeroHex = hashMarks(h)
	if b.Height() > 0 && len(b.Txs) > 0 {
		cb := b.Txs[0]
		v.Miner = cb.To.String()
		v.MinerName = cb.Name
		if v.MinerName == "" {
			v.MinerName = names.name(cb.To)
		}
		v.Mine = cb.To == me
		v.Reward = cb.Amount
		for _, tx := range b.Txs[1:min(len(b.Txs), CardTxs+1)] {
			v.TxLines = append(v.TxLines, txView(tx, me, names))
		}
	}
	return v
}
