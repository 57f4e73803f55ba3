package node

import (
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// SubmitTx adds a transaction to the mempool and announces it to the room.
// It fails, changing nothing, when the transaction breaks a rule.
func (n *Node) SubmitTx(tx *chain.Tx) error {
	if err := n.pool.Add(tx, n.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("node: submit transaction: %w", err)
	}
	n.send(TypeTx, "", tx)
	n.emit(Event{Kind: EventTx, Hash: tx.ID().String(), Tx: n.summary(tx), Text: describeTx("Sent transaction", tx)})
	return nil
}

// Send signs a transfer of amount coins (plus fee for the miner) from the
// node's wallet to to, with an optional memo, and submits it. Its seq
// follows the wallet's pending transactions.
func (n *Node) Send(to chain.Address, amount, fee uint64, memo string) (*chain.Tx, error) {
	tx := &chain.Tx{
		To:     to,
		Amount: amount,
		Fee:    fee,
		Seq:    n.pool.NextSeq(n.addr),
		Time:   n.cfg.Clock.Now().UnixMilli(),
		Name:   n.cfg.Name,
		Memo:   memo,
	}
	tx.Sign(n.chain.ID(), n.cfg.Key)
	if err := n.SubmitTx(tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// Post signs a post (a transaction of amount 0 with no recipient, the IBM
// tutorial's {author, content}) and submits it. author, when not empty,
// is the name it is posted under; it defaults to the node's nickname.
func (n *Node) Post(author, content string) (*chain.Tx, error) {
	if author == "" {
		author = n.cfg.Name
	}
	tx := &chain.Tx{
		Seq:  n.pool.NextSeq(n.addr),
		Time: n.cfg.Clock.Now().UnixMilli(),
		Name: author,
		Memo: content,
	}
	tx.Sign(n.chain.ID(), n.cfg.Key)
	if err := n.SubmitTx(tx); err != nil {
		return nil, err
	}
	return tx, nil
}
