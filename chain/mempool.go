package chain

import (
	"bytes"
	"container/heap"
	"slices"
	"sync"
	"time"
)

// MempoolConfig bounds a Mempool. Zero fields take their defaults.
type MempoolConfig struct {
	// MaxTxs is the most pending transactions of funded senders (those
	// with a confirmed balance). When they are full, a new one must pay a
	// higher fee than the cheapest one that can be dropped (the last of
	// some other funded sender's chain). Defaults to 5000.
	MaxTxs int
	// MaxUnfundedTxs is the most pending transactions of unfunded senders
	// (no confirmed balance: their transactions are free posts), a share
	// of the pool of their own that funded transactions never take. When
	// it is full, a new one evicts the oldest that can be dropped (the
	// last of the unfunded sender whose last transaction arrived first).
	// So posts from throwaway keys can neither crowd out paying
	// transactions nor lock out a student without coins: a new post
	// always gets in, and a flood only shortens how long the oldest wait.
	// Defaults to 1000.
	MaxUnfundedTxs int
	// MaxPerSender is the most pending transactions of one sender.
	// Defaults to 64.
	MaxPerSender int
	// FreeBurst is how many fee-0 transactions (posts, mostly) a sender may
	// add at once. Defaults to 5.
	FreeBurst int
	// FreeInterval is how long it takes a sender to earn one more fee-0
	// transaction, up to FreeBurst. Defaults to 10 seconds.
	FreeInterval time.Duration
}

// DefaultMempoolConfig returns the defaults of MempoolConfig.
func DefaultMempoolConfig() MempoolConfig {
	return MempoolConfig{MaxTxs: 5000, MaxUnfundedTxs: 1000, MaxPerSender: 64, FreeBurst: 5, FreeInterval: 10 * time.Second}
}

// Mempool holds transactions waiting to be mined, each valid against the
// best tip's state of its Chain.
//
// Pending transactions of one sender form a chain of consecutive seqs
// starting at the sender's next seq on the tip; a transaction whose seq is
// further ahead is refused (ErrSeqGap), one whose seq is already confirmed
// is refused (ErrBadSeq: a double spend), and one reusing a pending seq
// replaces the pending one only if it pays a higher fee
// (ErrMempoolConflict otherwise). A sender's pending chain must be
// affordable from its confirmed balance alone: coins it is about to
// receive in pending transactions can't be spent until they are mined.
// So any prefix of each sender's chain, interleaved in any order, is a
// valid block body.
//
// The Mempool follows its Chain by itself: NewMempool registers it, and
// every change of the best chain (from ProcessBlock, RetryFuture,
// Import…) updates it before the call returns and before subscribers get
// the event: transactions the new blocks confirmed leave, those made
// invalid by them (a conflicting seq, a balance spent) leave, and the
// transfers of disconnected blocks come back if they are still valid.
//
// Changed tells a miner when its template may be out of date, without
// polling.
//
// # Policy against floods
//
// A transaction already pending is refused (ErrDuplicateTx) before its
// signature is verified, so copies of one transaction cost a hash each,
// not a signature check. Senders come in two classes, each with a share
// of the pool of its own: funded senders (a confirmed balance) hold up to
// MaxTxs pending transactions and compete by fee; unfunded senders (no
// balance, so only free posts) hold up to MaxUnfundedTxs, and when their
// share is full the oldest droppable one makes room for the new one. Free
// transactions are also rate limited per sender (FreeBurst, FreeInterval).
// A sender's class is its balance on the best tip when its transaction
// arrives, and is taken again at every change of the best chain.
//
// All methods are safe for concurrent use.
type Mempool struct {
	c      *Chain
	cfg    MempoolConfig
	detach func()

	mu       sync.Mutex
	byID     map[Hash]*mpEntry
	bySender map[Address][]*mpEntry // consecutive seqs from the sender's next seq
	unfunded int                    // entries of unfunded senders
	arrival  uint64
	free     map[Address]*freeBucket
	changed  chan struct{} // closed by the next change; nil until Changed asks
}

type mpEntry struct {
	tx       *Tx
	id       Hash
	sender   Address
	arrival  uint64
	unfunded bool // its sender had no confirmed balance (MaxUnfundedTxs)
}

type freeBucket struct {
	tokens float64
	last   time.Time
}

// NewMempool returns an empty mempool that follows c. Call Close when it
// is no longer needed.
func NewMempool(c *Chain, cfg MempoolConfig) *Mempool {
	def := DefaultMempoolConfig()
	if cfg.MaxTxs <= 0 {
		cfg.MaxTxs = def.MaxTxs
	}
	if cfg.MaxUnfundedTxs <= 0 {
		cfg.MaxUnfundedTxs = def.MaxUnfundedTxs
	}
	if cfg.MaxPerSender <= 0 {
		cfg.MaxPerSender = def.MaxPerSender
	}
	if cfg.FreeBurst <= 0 {
		cfg.FreeBurst = def.FreeBurst
	}
	if cfg.FreeInterval <= 0 {
		cfg.FreeInterval = def.FreeInterval
	}
	m := &Mempool{
		c:        c,
		cfg:      cfg,
		byID:     make(map[Hash]*mpEntry),
		bySender: make(map[Address][]*mpEntry),
		free:     make(map[Address]*freeBucket),
	}
	m.detach = c.addHook(m.onChain)
	return m
}

// Close stops following the chain. The mempool keeps its contents.
func (m *Mempool) Close() { m.detach() }

// Add validates tx against the best tip and the pending transactions and
// adds it. It returns a *RuleError: a consensus rule (CheckTxSanity,
// ErrBadSignature, ErrBadSeq, ErrOverspend; in a stake room Chain.CheckStakeTx's
// rules) or a mempool policy
// (ErrDuplicateTx, ErrSeqGap, ErrMempoolConflict, ErrMempoolFull,
// ErrRateLimited, ErrCoinbaseNotAlone). A duplicate is found before the
// signature is verified. now drives the rate limit of fee-0 transactions.
func (m *Mempool) Add(tx *Tx, now time.Time) error { return m.add(tx, now, true) }

// AddLocal is Add for a transaction the node's own user made (signed by
// the node for its REST API or its page): every rule and bound of Add
// applies except the rate limit of fee-0 transactions, which keeps peers
// from flooding the pool and does not stand between a user and their own
// node (the IBM tutorial's app posts as fast as its user types). A fee-0
// transaction added here does not spend the sender's free allowance.
func (m *Mempool) AddLocal(tx *Tx, now time.Time) error { return m.add(tx, now, false) }

func (m *Mempool) add(tx *Tx, now time.Time, limitFree bool) error {
	if err := CheckTxSanity(tx); err != nil {
		return err
	}
	if tx.IsCoinbase() {
		return ruleError(ErrCoinbaseNotAlone, "a transaction without a sender can't be posted")
	}
	e := &mpEntry{tx: tx, id: tx.ID(), sender: tx.Sender()}
	if m.Has(e.id) { // before the signature: copies cost a hash, not a verification
		return errDuplicateTx(e.id)
	}
	if !tx.VerifySignature(m.c.id) {
		return ruleError(ErrBadSignature, "not signed by %s for this chain", tx.Sender())
	}
	if err := m.c.CheckStakeTx(tx); err != nil { // a stake room's instructions (a vote for a non-candidate…)
		return err
	}

	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	m.mu.Lock()
	defer m.mu.Unlock()

	if _, ok := m.byID[e.id]; ok {
		return errDuplicateTx(e.id)
	}
	acct := m.c.state[e.sender]
	e.unfunded = acct.Balance == 0
	if tx.Seq < acct.NextSeq {
		return ruleErrorHW(ErrBadSeq, tx.Seq, acct.NextSeq, "sender %s: have %d, want %d (seq %d is already used on the chain)", e.sender, tx.Seq, acct.NextSeq, tx.Seq)
	}
	list := m.bySender[e.sender]
	pos := tx.Seq - acct.NextSeq
	if pos > uint64(len(list)) {
		return ruleErrorHW(ErrSeqGap, tx.Seq, acct.NextSeq+uint64(len(list)), "sender %s: have %d, want %d", e.sender, tx.Seq, acct.NextSeq+uint64(len(list)))
	}
	replacing := pos < uint64(len(list))
	if replacing {
		if old := list[pos]; tx.Fee <= old.tx.Fee {
			return ruleErrorHW(ErrMempoolConflict, tx.Fee, above(old.tx.Fee), "pending transaction %s has seq %d and fee %d; a replacement must pay more, have %d",
				old.id.Short(), tx.Seq, old.tx.Fee, tx.Fee)
		}
	} else if len(list) >= m.cfg.MaxPerSender {
		return ruleErrorHW(ErrMempoolFull, len(list), below(m.cfg.MaxPerSender), "sender %s has %d pending transactions, max %d", e.sender, len(list), m.cfg.MaxPerSender)
	}
	var before, after uint64
	for i, p := range list {
		switch {
		case uint64(i) < pos:
			before += p.tx.Amount + p.tx.Fee
		case uint64(i) > pos:
			after += p.tx.Amount + p.tx.Fee
		}
	}
	if cost := tx.Amount + tx.Fee; before+cost+after > acct.Balance {
		return ruleErrorHW(ErrOverspend, cost, atMost(acct.Balance-min(acct.Balance, before+after)), "sender %s: amount %d + fee %d = %d, balance %d of which %d is spent by pending transactions",
			e.sender, tx.Amount, tx.Fee, cost, acct.Balance, before+after)
	}
	var victim *mpEntry
	switch {
	case replacing:
	case e.unfunded && m.unfunded >= m.cfg.MaxUnfundedTxs:
		if victim = m.oldestUnfundedTail(e.sender); victim == nil {
			return ruleErrorHW(ErrMempoolFull, m.unfunded, below(m.cfg.MaxUnfundedTxs), "have %d pending transactions of senders without coins, max %d, all of this sender's", m.unfunded, m.cfg.MaxUnfundedTxs)
		}
	case !e.unfunded && m.funded() >= m.cfg.MaxTxs:
		victim = m.cheapestTail(e.sender)
		if victim == nil || victim.tx.Fee >= tx.Fee {
			least := uint64(0)
			if victim != nil {
				least = victim.tx.Fee
			}
			return ruleErrorHW(ErrMempoolFull, m.funded(), below(m.cfg.MaxTxs), "have %d pending transactions, max %d; fee %d must be more than %d", m.funded(), m.cfg.MaxTxs, tx.Fee, least)
		}
	}
	if limitFree && tx.Fee == 0 && !m.takeFree(e.sender, now) {
		return ruleError(ErrRateLimited, "sender %s: max %d fee-0 transactions, then one per %v", e.sender, m.cfg.FreeBurst, m.cfg.FreeInterval)
	}
	if victim != nil {
		m.removeTail(victim)
	}
	m.arrival++
	e.arrival = m.arrival
	if replacing {
		m.forget(list[pos])
		list[pos] = e
	} else {
		m.bySender[e.sender] = append(list, e)
	}
	m.remember(e)
	m.notifyLocked()
	return nil
}

func errDuplicateTx(id Hash) error {
	return ruleErrorHW(ErrDuplicateTx, id, nil, "transaction %s is already pending", id.Short())
}

// remember indexes e (already in its sender's list); forget undoes it.
func (m *Mempool) remember(e *mpEntry) {
	m.byID[e.id] = e
	if e.unfunded {
		m.unfunded++
	}
}

func (m *Mempool) forget(e *mpEntry) {
	delete(m.byID, e.id)
	if e.unfunded {
		m.unfunded--
	}
}

// funded returns how many pending transactions are of funded senders.
func (m *Mempool) funded() int { return len(m.byID) - m.unfunded }

// Changed returns a channel that is closed at the next change of the
// pending transactions (one added, replaced or evicted) or of the best
// chain they are pending on (every change of the best chain counts, even
// one that leaves the pending set as it was, since a template's parent
// changes with it). Take the channel before reading the mempool: a change
// made after Changed returns always closes the channel it returned.
// Callers share one channel per change; a closed channel stays closed, so
// call Changed again to wait for the change after it.
func (m *Mempool) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.changed == nil {
		m.changed = make(chan struct{})
	}
	return m.changed
}

// notifyLocked closes the channel of Changed, if anyone took it.
func (m *Mempool) notifyLocked() {
	if m.changed != nil {
		close(m.changed)
		m.changed = nil
	}
}

// takeFree spends one fee-0 token of sender.
func (m *Mempool) takeFree(sender Address, now time.Time) bool {
	burst := float64(m.cfg.FreeBurst)
	b, ok := m.free[sender]
	if !ok {
		if len(m.free) >= 4*m.cfg.MaxTxs { // forget senders whose bucket has refilled
			for a, fb := range m.free {
				if now.Sub(fb.last) >= time.Duration(m.cfg.FreeBurst)*m.cfg.FreeInterval {
					delete(m.free, a)
				}
			}
		}
		b = &freeBucket{tokens: burst, last: now}
		m.free[sender] = b
	}
	if dt := now.Sub(b.last); dt > 0 {
		b.tokens = min(burst, b.tokens+float64(dt)/float64(m.cfg.FreeInterval))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// cheapestTail returns the pending transaction of a funded sender that
// can be dropped without breaking a seq chain (the last of its sender's)
// with the lowest fee, the latest arrival on a tie; except's chain is not
// considered.
func (m *Mempool) cheapestTail(except Address) *mpEntry {
	var v *mpEntry
	for a, list := range m.bySender {
		if a == except || len(list) == 0 || list[0].unfunded {
			continue
		}
		t := list[len(list)-1]
		if v == nil || t.tx.Fee < v.tx.Fee || (t.tx.Fee == v.tx.Fee && t.arrival > v.arrival) {
			v = t
		}
	}
	return v
}

// oldestUnfundedTail returns the droppable pending transaction (the last
// of its sender's) of an unfunded sender that arrived first; except's
// chain is not considered.
func (m *Mempool) oldestUnfundedTail(except Address) *mpEntry {
	var v *mpEntry
	for a, list := range m.bySender {
		if a == except || len(list) == 0 || !list[0].unfunded {
			continue
		}
		if t := list[len(list)-1]; v == nil || t.arrival < v.arrival {
			v = t
		}
	}
	return v
}

func (m *Mempool) removeTail(e *mpEntry) {
	list := m.bySender[e.sender]
	list = list[:len(list)-1]
	if len(list) == 0 {
		delete(m.bySender, e.sender)
	} else {
		m.bySender[e.sender] = list
	}
	m.forget(e)
}

// onChain is the Chain hook: it runs with the chain's lock held for
// writing, after the best chain changed, with the new tip's state.
func (m *Mempool) onChain(connected, disconnected []*Block) {
	m.mu.Lock()
	defer m.mu.Unlock()
	confirmed := make(map[Hash]bool)
	for _, b := range connected {
		for _, t := range b.Txs[1:] {
			confirmed[t.ID()] = true
		}
	}
	// Candidates: the transfers of disconnected blocks (oldest block
	// first), then what was pending.
	groups := make(map[Address][]*mpEntry)
	for i := len(disconnected) - 1; i >= 0; i-- {
		for _, t := range disconnected[i].Txs[1:] {
			id := t.ID()
			if confirmed[id] {
				continue
			}
			m.arrival++
			e := &mpEntry{tx: t, id: id, sender: t.Sender(), arrival: m.arrival}
			groups[e.sender] = append(groups[e.sender], e)
		}
	}
	for a, list := range m.bySender {
		for _, e := range list {
			if !confirmed[e.id] {
				groups[a] = append(groups[a], e)
			}
		}
	}
	m.byID = make(map[Hash]*mpEntry, len(m.byID))
	m.bySender = make(map[Address][]*mpEntry, len(groups))
	m.unfunded = 0
	for a, cands := range groups {
		slices.SortStableFunc(cands, func(x, y *mpEntry) int {
			switch {
			case x.tx.Seq < y.tx.Seq:
				return -1
			case x.tx.Seq > y.tx.Seq:
				return 1
			}
			return 0
		})
		acct := m.c.state[a]
		unfunded := acct.Balance == 0
		var keep []*mpEntry
		for _, e := range cands {
			if e.tx.Seq < acct.NextSeq || m.byID[e.id] != nil {
				continue // confirmed seq, or a second candidate for the same seq
			}
			cost := e.tx.Amount + e.tx.Fee
			if e.tx.Seq > acct.NextSeq || cost > acct.Balance || len(keep) >= m.cfg.MaxPerSender {
				break // a gap or a spent balance: the rest can't be valid
			}
			acct.Balance -= cost
			acct.NextSeq++
			e.unfunded = unfunded
			keep = append(keep, e)
			m.remember(e)
		}
		if len(keep) > 0 {
			m.bySender[a] = keep
		}
	}
	for m.funded() > m.cfg.MaxTxs {
		m.removeTail(m.cheapestTail(Address{}))
	}
	for m.unfunded > m.cfg.MaxUnfundedTxs {
		m.removeTail(m.oldestUnfundedTail(Address{}))
	}
	m.notifyLocked()
}

// Len returns the number of pending transactions.
func (m *Mempool) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// Has reports whether the transaction with id is pending.
func (m *Mempool) Has(id Hash) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.byID[id] != nil
}

// Get returns the pending transaction with id.
func (m *Mempool) Get(id Hash) (*Tx, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.byID[id]
	if !ok {
		return nil, false
	}
	return e.tx, true
}

// NextSeq returns the seq a's next transaction should carry: its next seq
// on the best chain plus its pending transactions.
func (m *Mempool) NextSeq(a Address) uint64 {
	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.c.state[a].NextSeq + uint64(len(m.bySender[a]))
}

// Txs returns every pending transaction in the order a template takes
// them (see Select).
func (m *Mempool) Txs() []*Tx { return m.Select(-1) }

// Select returns up to max pending transactions (all if max < 0) in
// template order: repeatedly the highest fee among each sender's next
// pending transaction, the earliest arrival on a tie. Each sender's
// transactions stay in seq order, so the list is a valid block body on
// the best tip.
func (m *Mempool) Select(max int) []*Tx {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.selectLocked(max)
}

// Template returns a block template on the best tip: a coinbase paying
// miner the subsidy and the fees, then Select(Params.MaxBlockTxs − 1).
// Tip and selection are taken at the same instant.
func (m *Mempool) Template(miner Address, now time.Time) *Block {
	m.c.mu.RLock()
	defer m.c.mu.RUnlock()
	m.mu.Lock()
	txs := m.selectLocked(m.c.params.MaxBlockTxs - 1)
	m.mu.Unlock()
	return m.c.newTemplateLocked(miner, txs, now)
}

func (m *Mempool) selectLocked(max int) []*Tx {
	if max < 0 {
		max = len(m.byID)
	}
	h := make(senderHeap, 0, len(m.bySender))
	for _, list := range m.bySender {
		h = append(h, list)
	}
	heap.Init(&h)
	out := make([]*Tx, 0, min(max, len(m.byID)))
	for len(out) < max && h.Len() > 0 {
		list := h[0]
		out = append(out, list[0].tx)
		if len(list) > 1 {
			h[0] = list[1:]
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return out
}

// senderHeap orders senders' remaining chains by their first entry: fee
// descending, then arrival, then id.
type senderHeap [][]*mpEntry

func (h senderHeap) Len() int { return len(h) }
func (h senderHeap) Less(i, j int) bool {
	a, b := h[i][0], h[j][0]
	if a.tx.Fee != b.tx.Fee {
		return a.tx.Fee > b.tx.Fee
	}
	if a.arrival != b.arrival {
		return a.arrival < b.arrival
	}
	return bytes.Compare(a.id[:], b.id[:]) < 0
}
func (h senderHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *senderHeap) Push(x any)   { *h = append(*h, x.([]*mpEntry)) }
func (h *senderHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
