package sim

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// DoubleSpend is the double-spend race of Nakamoto's §11 and Rosenfeld
// (2012), played by peer 0's node against a merchant (peer 1) in a Room,
// trial after trial:
//
//  1. While its balance cannot pay (amount 1, fee 1) it mines honestly.
//  2. Then it mines a block in secret on the public tip holding T2, a
//     payment to another address of its own (Rosenfeld's pre-mined
//     block); the moment it has it, it sends the merchant T1, spending the
//     same seq. From now on it hears nothing of the honest chain and mines
//     on its own branch only.
//  3. The merchant accepts T1 once its node shows it Z times confirmed.
//     From then on, as soon as the attacker's branch is longer than the
//     honest one it is released: every node reorganises to it, T1 leaves
//     the merchant's chain and T2 takes its seq. If the attacker falls
//     more than GiveUp blocks behind its own count it abandons the branch
//     and follows the honest chain again.
//
// A trial's verdict is checked on the merchant's node (Reverted). Mining
// stops after the last trial (or Config.Blocks, whichever comes first). A
// DoubleSpend value keeps the race's state: give each Sim a new one.
type DoubleSpend struct {
	// Q is the attacker's hash share, 0 < q < 1.
	Q float64
	// Z is the confirmations the merchant waits for.
	Z int
	// Trials is how many races are run.
	Trials int
	// GiveUp is the deficit at which a race is abandoned; 0 means
	// DefaultGiveUp.
	GiveUp int

	racing   bool
	held     []heldMsg // what reached the attacker while it was deaf
	base     uint64    // the height the secret branch forks from
	length   int       // the secret branch's length
	withheld []*blockInfo
	t1       *chain.Tx
	accepted bool
	done     int
	wins     int
	reverted int
	last     *chain.Tx // T1 of the last trial, checked once settled
	lastWon  bool
	endedAt  time.Duration
}

// settle is how long after a race the merchant's node is looked at: the
// released branch has reached it by then.
func (s *Sim) settle() time.Duration { return time.Second + 10*s.cfg.Latency }

// heldMsg is a message kept from a deaf attacker.
type heldMsg struct {
	from int
	r    msgRef
}

var _ Attacker = (*DoubleSpend)(nil)

// merchant is the merchant's peer index.
const merchant = 1

func (a *DoubleSpend) share() float64 { return a.Q }
func (a *DoubleSpend) start(*Sim)     {}

// beforeMine checks the last race's verdict on the merchant's node once
// it has settled.
func (a *DoubleSpend) beforeMine(s *Sim) {
	if a.last != nil && s.now-a.endedAt >= s.settle() {
		a.verify(s)
	}
}

// mine: the attacker found a block.
func (a *DoubleSpend) mine(s *Sim) error {
	p := s.peers[0]
	c := p.node.Chain()
	now := s.epoch.Add(s.now)
	if a.racing {
		bi, err := s.submit(0, c.NewTemplate(p.node.Address(), nil, now))
		if err != nil {
			return err
		}
		a.withheld = append(a.withheld, bi)
		a.length++
		a.check(s)
		return nil
	}
	acct := c.Balance(p.node.Address())
	if acct.Balance < 2 || a.last != nil { // nothing to spend yet, or the last race still settling: mine honestly
		_, err := s.submit(0, p.node.Template())
		return err
	}
	key := peerKey(s.cfg.Seed, 0)
	t1 := a.transfer(c.ID(), key, s.peers[merchant].node.Address(), acct.NextSeq, now)
	t2 := a.transfer(c.ID(), key, chain.KeyAddress(peerKey(s.cfg.Seed, -1)), acct.NextSeq, now)
	a.racing, a.accepted, a.t1 = true, false, t1
	a.base, a.length, a.withheld = c.Tip().Height, 1, nil
	bi, err := s.submit(0, c.NewTemplate(p.node.Address(), []*chain.Tx{t2}, now))
	if err != nil {
		return err
	}
	a.withheld = append(a.withheld, bi)
	m, err := node.NewMessage(node.TypeTx, "", t1)
	if err != nil {
		return err
	}
	m.From = p.id
	for j := 1; j < len(s.peers); j++ {
		s.send(0, j, msgRef{m: m}, len(m.Body))
	}
	a.check(s)
	return nil
}

// transfer is a signed payment of 1 coin (fee 1) from key to to.
func (a *DoubleSpend) transfer(chainID chain.Hash, key ed25519.PrivateKey, to chain.Address, seq uint64, now time.Time) *chain.Tx {
	tx := &chain.Tx{From: key.Public().(ed25519.PublicKey), To: to, Amount: 1, Fee: 1, Seq: seq, Time: now.UnixMilli()}
	tx.Sign(chainID, key)
	return tx
}

// check decides the race: won once the merchant has accepted and the
// secret branch is longer, lost when it is more than GiveUp behind.
func (a *DoubleSpend) check(s *Sim) {
	c := s.peers[merchant].node.Chain()
	tip := c.Tip()
	if !a.accepted {
		a.accepted = a.Z == 0 || confirmations(c, a.t1.ID(), a.base) >= a.Z
	}
	if !a.accepted {
		return
	}
	honest := int(tip.Height - min(a.base, tip.Height))
	switch {
	case a.length > honest:
		for _, b := range a.withheld {
			b.public = true
			for j := 1; j < len(s.peers); j++ {
				s.sendBlock(0, j, b, -1)
			}
		}
		a.end(s, true)
	case honest-(a.length-1) > a.giveUp():
		a.end(s, false)
	}
}

func (a *DoubleSpend) giveUp() int {
	if a.GiveUp <= 0 {
		return DefaultGiveUp
	}
	return a.GiveUp
}

// end closes a trial: the attacker hears the room again.
func (a *DoubleSpend) end(s *Sim, won bool) {
	a.done++
	if won {
		a.wins++
	}
	a.racing, a.withheld, a.last, a.lastWon, a.endedAt = false, nil, a.t1, won, s.now
	held := a.held
	a.held = nil
	for _, h := range held {
		s.handle(0, h.r)
	}
	if a.done >= a.Trials {
		s.stop = true
	}
}

// verify checks the last trial on the merchant's node: a won race must
// have taken T1 off its best chain.
func (a *DoubleSpend) verify(s *Sim) {
	if a.last == nil {
		return
	}
	if a.lastWon && confirmations(s.peers[merchant].node.Chain(), a.last.ID(), 0) == 0 {
		a.reverted++
	}
	a.last = nil
}

// confirmations counts the confirmations of tx on c's best chain (0 when
// it is not there), looking at the blocks above height from.
func confirmations(c *chain.Chain, id chain.Hash, from uint64) int {
	tip := c.Tip()
	for b := tip.Block; b != nil && b.Height() > from; {
		for _, tx := range b.Txs[1:] {
			if tx.ID() == id {
				return int(tip.Height-b.Height()) + 1
			}
		}
		parent, ok := c.BlockByHash(b.Header.PrevHash)
		if !ok {
			break
		}
		b = parent
	}
	return 0
}

// deliver keeps everything from the attacker's node while it races.
func (a *DoubleSpend) deliver(_ *Sim, from int, r *msgRef) bool {
	if a.racing {
		a.held = append(a.held, heldMsg{from: from, r: *r})
		return false
	}
	return true
}

// handled: the race is decided on what the merchant's node shows, each
// time it changes.
func (a *DoubleSpend) handled(s *Sim, i int, _ *msgRef) {
	if i == merchant && a.racing {
		a.check(s)
	}
}

// outgoing: honest between trials; during a race its blocks stay home.
func (a *DoubleSpend) outgoing(s *Sim, m *node.Message) bool {
	if !a.racing {
		return true
	}
	return filterPrivate(s, m)
}

func (a *DoubleSpend) linkLatency(*Sim, int, int) (time.Duration, bool) { return 0, false }

// finish: the last trial is checked once its blocks have spread.
func (a *DoubleSpend) finish(*Sim) {}

// DoubleSpendNodes runs trials double-spend races with full nodes: the
// attacker (peer 0, hash share q), the merchant (peer 1) and honest-1
// more honest peers sharing the rest of the hash power, in a Room of the
// given latency.
func DoubleSpendNodes(q float64, z, trials, giveUp, honest int, latency time.Duration, seed uint64) (DoubleSpendResult, error) {
	if err := checkDoubleSpend(q, z, trials, giveUp); err != nil {
		return DoubleSpendResult{}, err
	}
	if honest < 1 {
		return DoubleSpendResult{}, fmt.Errorf("%w: %d honest peers, want at least 1 (the merchant)", ErrConfig, honest)
	}
	a := &DoubleSpend{Q: q, Z: z, Trials: trials, GiveUp: giveUp}
	limit := trials*(z+4*giveUp+10)*20 + 1000
	s, err := New(Config{Seed: seed, Peers: honest + 1, Blocks: limit, Latency: latency, Attacker: a})
	if err != nil {
		return DoubleSpendResult{}, err
	}
	if err := s.Run(); err != nil {
		return DoubleSpendResult{}, err
	}
	a.verify(s)
	if a.done < trials {
		return DoubleSpendResult{}, fmt.Errorf("sim: double spend: %d of %d trials done in %d blocks", a.done, trials, limit)
	}
	rep := s.Report()
	r := doubleSpendResult("nodes", q, z, trials, giveUp, seed, a.wins, len(s.list)-1, s.now)
	r.Reverted = a.reverted
	r.Network = &rep
	return r, nil
}
