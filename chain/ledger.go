package chain

// Account is the state of one address on a chain: accounts, not UTXOs.
type Account struct {
	// Balance is the number of whole coins the address holds.
	Balance uint64 `json:"balance"`
	// NextSeq is the seq the address's next transaction must carry: the
	// number of transactions it has sent so far.
	NextSeq uint64 `json:"next_seq"`
}

// ledger maps addresses to accounts at one block. Absent means the zero
// Account. It is not safe for concurrent use; Chain guards it.
type ledger map[Address]Account

// undoEntry restores one account to its value before a change.
type undoEntry struct {
	addr Address
	prev Account
}

// undoLog lists the changes a block made, in order; undoing replays it
// backwards, so a reorg disconnects blocks without replaying the chain.
type undoLog []undoEntry

func (l ledger) set(a Address, acct Account, undo *undoLog) {
	*undo = append(*undo, undoEntry{addr: a, prev: l[a]})
	if acct == (Account{}) {
		delete(l, a)
		return
	}
	l[a] = acct
}

// undo reverts the changes of log, newest first.
func (l ledger) undo(log undoLog) {
	for i := len(log) - 1; i >= 0; i-- {
		e := log[i]
		if e.prev == (Account{}) {
			delete(l, e.addr)
		} else {
			l[e.addr] = e.prev
		}
	}
}

// credit adds amount to a's balance.
func (l ledger) credit(a Address, amount uint64, undo *undoLog) error {
	if amount == 0 {
		return nil
	}
	acct := l[a]
	if acct.Balance+amount > MaxSafeInteger { // both ≤ 2^53−1: no overflow
		return ruleErrorHW(ErrBadAmount, acct.Balance+amount, atMost(MaxSafeInteger), "balance of %s would be %d, max %d", a, acct.Balance+amount, uint64(MaxSafeInteger))
	}
	acct.Balance += amount
	l.set(a, acct, undo)
	return nil
}

// applyTx applies one transaction that passed CheckTxSanity: a coinbase
// credits its recipient; any other transaction must carry the sender's
// next seq and cost (amount + fee) at most the sender's balance.
func (l ledger) applyTx(t *Tx, undo *undoLog) error {
	if t.IsCoinbase() {
		return l.credit(t.To, t.Amount, undo)
	}
	from := t.Sender()
	acct := l[from]
	if t.Seq != acct.NextSeq {
		return ruleErrorHW(ErrBadSeq, t.Seq, acct.NextSeq, "sender %s: have %d, want %d", from, t.Seq, acct.NextSeq)
	}
	cost := t.Amount + t.Fee
	if cost > acct.Balance {
		return ruleErrorHW(ErrOverspend, cost, atMost(acct.Balance), "sender %s: amount %d + fee %d = %d, balance %d", from, t.Amount, t.Fee, cost, acct.Balance)
	}
	acct.Balance -= cost
	acct.NextSeq++
	l.set(from, acct, undo)
	return l.credit(t.To, t.Amount, undo)
}

// applyBlock applies b's transactions in order. On failure it reverts what
// it applied and returns the error naming the transaction; the ledger is
// then unchanged.
func (l ledger) applyBlock(b *Block) (undoLog, error) {
	undo := make(undoLog, 0, 3*len(b.Txs))
	for i, t := range b.Txs {
		if err := l.applyTx(t, &undo); err != nil {
			l.undo(undo)
			return nil, in(txWhere(i, t.ID()), err)
		}
	}
	return undo, nil
}
