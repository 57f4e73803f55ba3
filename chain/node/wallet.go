package node

import (
	"crypto/ed25519"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// SubmitTx adds a transaction from elsewhere (POST /tx: signed by anyone)
// to the mempool and announces it to the room. It fails, changing
// nothing, when the transaction breaks a rule; like a peer's, it is
// subject to the mempool's rate limit of fee-0 transactions.
func (n *Node) SubmitTx(tx *chain.Tx) error { return n.submit(tx, false) }

// submit adds tx to the mempool and announces it. own says the node signed
// it for its user (Send, SendAs, Post): the rate limit of fee-0
// transactions, which guards the pool against peers, does not apply
// (chain.Mempool.AddLocal).
func (n *Node) submit(tx *chain.Tx, own bool) error {
	add := n.pool.Add
	if own {
		add = n.pool.AddLocal
	}
	if err := add(tx, n.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("node: submit transaction: %w", err)
	}
	n.send(TypeTx, "", tx)
	n.trackSubmitted(tx, n.cfg.Clock.Now())
	n.emit(Event{Kind: EventTx, Hash: tx.ID().String(), Tx: n.summary(tx), Text: describeTx("Sent transaction", tx)})
	return nil
}

// Send signs a transfer of amount coins (plus fee for the miner) from the
// node's wallet to to, with an optional memo, and submits it. Its seq
// follows the wallet's pending transactions.
func (n *Node) Send(to chain.Address, amount, fee uint64, memo string) (*chain.Tx, error) {
	return n.SendAs(n.cfg.Key, n.cfg.Name, to, amount, fee, memo)
}

// SendAs is Send from the account of key, under the nickname name: the
// REST API's tutorial mode signs a named sender's transfer with its demo
// key (chain.NameKey). Its seq follows key's pending transactions; the
// node signs one transaction at a time, so two requests never pick the
// same seq.
func (n *Node) SendAs(key ed25519.PrivateKey, name string, to chain.Address, amount, fee uint64, memo string) (*chain.Tx, error) {
	n.signMu.Lock()
	defer n.signMu.Unlock()
	tx := &chain.Tx{
		To:     to,
		Amount: amount,
		Fee:    fee,
		Seq:    n.pool.NextSeq(chain.KeyAddress(key)),
		Time:   n.cfg.Clock.Now().UnixMilli(),
		Name:   name,
		Memo:   memo,
	}
	tx.Sign(n.chain.ID(), key)
	if err := n.submit(tx, true); err != nil {
		return nil, err
	}
	return tx, nil
}

// Post signs a post (a transaction of amount 0 with no recipient, the IBM
// tutorial's {author, content}) from the node's wallet and submits it.
// author, when not empty, is the name it is posted under (CutName
// shortens it to chain.MaxNameBytes); it defaults to the node's nickname.
//
// Content longer than a memo holds becomes a thread (SplitPost): up to
// MaxPostParts posts with consecutive seqs and the same time, so every
// feed that orders by time keeps them together and in order. Longer
// content is refused with chain.ErrTxTooBig. The thread is checked to fit
// the wallet's room in the mempool before anything is added; it returns
// every part, first to last.
func (n *Node) Post(author, content string) ([]*chain.Tx, error) {
	if author == "" {
		author = n.cfg.Name
	}
	author = CutName(author)
	if len(content) > MaxPostBytes {
		return nil, fmt.Errorf("node: post: %w", &chain.RuleError{Rule: chain.ErrTxTooBig,
			Detail: fmt.Sprintf("content: have %d bytes, max %d (a thread of %d posts of %d bytes)", len(content), MaxPostBytes, MaxPostParts, chain.MaxMemoBytes),
			Have:   fmt.Sprint(len(content)), Want: fmt.Sprint("≤ ", MaxPostBytes)})
	}
	parts := SplitPost(content)
	n.signMu.Lock()
	defer n.signMu.Unlock()
	seq := n.pool.NextSeq(n.addr)
	if len(parts) > 1 {
		cfg := chain.DefaultMempoolConfig() // what New gave the pool
		pending := seq - n.chain.Balance(n.addr).NextSeq
		if int(pending)+len(parts) > cfg.MaxPerSender || n.pool.Len()+len(parts) > cfg.MaxTxs {
			return nil, fmt.Errorf("node: post: %w", &chain.RuleError{Rule: chain.ErrMempoolFull,
				Detail: fmt.Sprintf("a thread of %d posts does not fit: this wallet has %d pending transactions, max %d", len(parts), pending, cfg.MaxPerSender),
				Have:   fmt.Sprint(pending), Want: fmt.Sprint("< ", cfg.MaxPerSender-len(parts)+1)})
		}
	}
	now := n.cfg.Clock.Now().UnixMilli()
	txs := make([]*chain.Tx, 0, len(parts))
	for i, part := range parts {
		tx := &chain.Tx{Seq: seq + uint64(i), Time: now, Name: author, Memo: part}
		tx.Sign(n.chain.ID(), n.cfg.Key)
		if err := n.submit(tx, true); err != nil {
			if i > 0 {
				err = fmt.Errorf("%w (the first %d of %d parts are pending)", err, i, len(parts))
			}
			return txs, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}
