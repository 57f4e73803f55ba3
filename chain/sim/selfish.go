package sim

import (
	"encoding/json"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Selfish is Eyal & Sirer's selfish-mining strategy ("Majority is not
// Enough: Bitcoin Mining is Vulnerable", 2014, Algorithm 1), played by
// peer 0's node in a Room: the pool keeps the blocks it finds to itself
// and releases them only to orphan the honest miners' blocks.
//
// Gamma is modelled in the network: the pool hears every honest block at
// once and its releases reach the honest peers at once, except the one
// that answers an honest block with a block of the same height (a tie):
// that one reaches each honest peer either before the honest block
// (latency 0) or after it (twice the honest latency), so each peer mines
// on whichever it got first. The "before" peers are drawn independently
// per tie so that, in expectation, a fraction Gamma of the honest hash
// power mines on the pool's block (the honest block's own miner, which has
// its block already, is left out of the draw and the others' probability
// raised to make up for it).
//
// A Selfish value keeps the pool's state: give each Sim a new one.
type Selfish struct {
	// Alpha is the pool's hash share, 0 < α < ½.
	Alpha float64
	// Gamma is the fraction of honest power that mines on the pool's
	// block in a tie, 0 ≤ γ ≤ 1.
	Gamma float64

	pubHeight  uint64       // the public chain's length as the pool sees it
	privHeight uint64       // the pool's own chain's length
	branchLen  int          // Eyal & Sirer's privateBranchLen
	withheld   []*blockInfo // the pool's blocks not yet released, oldest first
	tieHonest  int          // ties decided by an honest block
	tieOnPool  int          // of those, on the pool's block
}

var _ Attacker = (*Selfish)(nil)

func (a *Selfish) share() float64 { return a.Alpha }
func (a *Selfish) start(*Sim)     {}
func (a *Selfish) beforeMine(*Sim) {
}

// mine: the pool found a block; it mines on its private chain.
func (a *Selfish) mine(s *Sim) error {
	delta := int64(a.privHeight) - int64(a.pubHeight)
	bi, err := s.submit(0, s.peers[0].node.Template())
	if err != nil {
		return err
	}
	a.withheld = append(a.withheld, bi)
	a.privHeight = bi.height
	a.branchLen++
	if delta == 0 && a.branchLen == 2 { // it was a tie and the pool won it
		a.publishAll(s)
	}
	return nil
}

// handled: when an honest block reached the pool, the pool acts.
func (a *Selfish) handled(s *Sim, i int, r *msgRef) {
	if i != 0 || r.block == nil || r.block.miner == 0 {
		return
	}
	b := r.block
	if b.height <= a.pubHeight {
		return // a competing honest block: the public chain is no longer
	}
	delta := int64(a.privHeight) - int64(a.pubHeight)
	if delta == 0 && a.branchLen == 1 { // a tie, decided by this honest block
		a.tieHonest++
		if b.parent != nil && b.parent.miner == 0 {
			a.tieOnPool++
		}
	}
	a.pubHeight = b.height
	switch {
	case delta <= 0: // they win: the pool's node has taken their chain
		a.withheld, a.branchLen = nil, 0
		a.privHeight = s.peers[0].node.Chain().Tip().Height
	case delta == 1: // same length: publish, and try our luck
		a.release(s, a.withheld[len(a.withheld)-1], b)
		a.withheld = a.withheld[:len(a.withheld)-1]
	case delta == 2: // the pool's chain is longer by one: it wins
		a.publishAll(s)
	default: // publish the first unpublished block
		a.release(s, a.withheld[0], nil)
		a.withheld = a.withheld[1:]
	}
}

// publishAll releases every withheld block.
func (a *Selfish) publishAll(s *Sim) {
	for _, b := range a.withheld {
		a.release(s, b, nil)
	}
	a.withheld, a.branchLen = nil, 0
}

// release sends b to every honest peer. With rival set (b answers rival
// in a tie), each peer gets b before rival with the probability that
// makes the expected honest power on b equal to Gamma.
func (a *Selfish) release(s *Sim, b *blockInfo, rival *blockInfo) {
	b.public = true
	if b.height > a.pubHeight {
		a.pubHeight = b.height
	}
	p := 0.0
	if rival != nil {
		honest := 1 - a.Alpha
		rest := honest - s.peers[rival.miner].share
		if rest > 0 {
			p = min(a.Gamma*honest/rest, 1)
		}
	}
	for j := 1; j < len(s.peers); j++ {
		delay := time.Duration(0)
		if rival != nil && (j == rival.miner || s.rng.Float64() >= p) {
			delay = 2 * s.cfg.Latency
		}
		s.sendBlock(0, j, b, delay)
	}
}

func (a *Selfish) deliver(*Sim, int, *msgRef) bool { return true }

// outgoing keeps the pool's blocks from leaving by any other way than a
// release: its node's announcements are dropped, and a blocks answer
// carries only what is public.
func (a *Selfish) outgoing(s *Sim, m *node.Message) bool {
	return filterPrivate(s, m)
}

// linkLatency: the pool hears the honest blocks at once and its other
// messages reach the peers at once.
func (a *Selfish) linkLatency(*Sim, int, int) (time.Duration, bool) { return 0, true }

// finish: mining stopped; the pool publishes what it holds.
func (a *Selfish) finish(s *Sim) { a.publishAll(s) }

// filterPrivate is the attacker's outgoing filter: its own block
// announcements are dropped (releases are the strategy's), and a blocks
// answer keeps the public blocks only, cut at the first private one.
func filterPrivate(s *Sim, m *node.Message) bool {
	switch m.Type {
	case node.TypeBlock:
		return false
	case node.TypeBlocks:
		var body node.BlocksBody
		if json.Unmarshal(m.Body, &body) != nil {
			return false
		}
		for k, enc := range body.Blocks {
			b, err := chain.DecodeBlock(enc)
			if err != nil {
				return false
			}
			if bi := s.blocks[b.Hash()]; bi != nil && bi.miner == 0 && !bi.public {
				body.Blocks, body.More = body.Blocks[:k], false
				break
			}
		}
		nm, err := node.NewMessage(node.TypeBlocks, m.To, body)
		if err != nil {
			return false
		}
		*m = nm
	}
	return true
}

// SelfishNodes runs Selfish with full nodes: the pool (peer 0) and honest
// honest peers sharing the rest of the hash power evenly, in a Room whose
// honest links have latency (a tie's loser gets the pool's block after
// twice that). It stops after blocks blocks.
func SelfishNodes(alpha, gamma float64, blocks, honest int, latency time.Duration, seed uint64) (SelfishResult, error) {
	if err := checkSelfish(alpha, gamma, blocks); err != nil {
		return SelfishResult{}, err
	}
	att := &Selfish{Alpha: alpha, Gamma: gamma}
	s, err := New(Config{Seed: seed, Peers: honest + 1, Blocks: blocks, Latency: latency, Attacker: att})
	if err != nil {
		return SelfishResult{}, err
	}
	if err := s.Run(); err != nil {
		return SelfishResult{}, err
	}
	pool, others := 0, 0
	for _, b := range s.mainChain() {
		if b.miner == 0 {
			pool++
		} else {
			others++
		}
	}
	rep := s.Report()
	r := selfishResult("nodes", alpha, gamma, blocks, seed, pool, others, s.now)
	r.TieHonest, r.TieOnPool = att.tieHonest, att.tieOnPool
	r.Network = &rep
	return r, nil
}
