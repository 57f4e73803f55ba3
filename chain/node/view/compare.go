package view

import (
	"cmp"
	"math"
	"slices"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// The board's comparison of the four ways to agree — proof of work, PBFT,
// proof of stake, delegated proof of stake — measured in the class's own
// rooms: each room's figures come from its node (the server's archive
// peer), the board shows the busiest room of each engine side by side.

// CompareBlocks is how many of the best chain's newest blocks a room's
// figures are measured over.
const CompareBlocks = 60

// Kinds of power a room's blocks are shared by (EngineFigures.Power).
const (
	PowerHash  = "hash"  // proof of work: hash rate
	PowerStake = "stake" // PoS: coins locked as stake
	PowerVotes = "votes" // DPoS: the stake voting for each candidate
	PowerSeat  = "seat"  // PBFT: one replica, one vote
)

// EngineFigures are one room's figures for the comparison.
type EngineFigures struct {
	Engine string `json:"engine"` // "" (proof of work), chain.EnginePBFT, EnginePoS, EngineDPoS
	Room   string `json:"room"`
	// Participants: the peers mining (PoW), the seats (PBFT), the
	// accounts with stake (PoS) or the candidates with votes (DPoS).
	Participants int `json:"participants"`
	// Blocks is how many intervals between the measured blocks there
	// were, BlockMs their mean and BlocksPerMin the rate they make.
	Blocks       int     `json:"blocks"`
	BlockMs      int64   `json:"block_ms"`
	BlocksPerMin float64 `json:"blocks_per_min"`
	// FinalityMs is the time until a block is final: for PBFT the mean
	// time from its pre-prepare to its commit (final for good); for the
	// chains of longest-chain fork choice, FinalBlocks blocks on top of it
	// (only ever probably final: 6 in proof of work and PoS, as Bitcoin
	// counts; in DPoS two thirds of the round's producers plus one, as
	// DPoS counts irreversibility).
	FinalityMs  int64 `json:"finality_ms"`
	FinalBlocks int   `json:"final_blocks"`
	// HashesPerBlock is the work a block costs: its difficulty in proof
	// of work, 0 elsewhere (nothing is mined).
	HashesPerBlock float64 `json:"hashes_per_block"`
	// Power is what a participant's share of the blocks should follow;
	// Gap how far the blocks stray from it: half the sum over participants
	// of |share of blocks − share of power|, 0 (blocks follow power
	// exactly) to 1; −1 when not measured (no power known, or PBFT, whose
	// primary proposes in turn). Top are the three largest by power.
	Power string      `json:"power"`
	Gap   float64     `json:"gap"`
	Top   []ShareView `json:"top"`
}

// ShareView is one participant's share of the power and of the blocks.
type ShareView struct {
	Name   string  `json:"name"`
	Power  float64 `json:"power"`
	Blocks float64 `json:"blocks"`
}

// Figures measures n's room for the comparison; skip names peers not to
// count (the server's own). now is the clock's time (unix ms).
func Figures(n *node.Node, room string, skip map[string]bool, now int64) EngineFigures {
	c := n.Chain()
	p := c.Params()
	f := EngineFigures{Engine: p.Engine, Room: room, Gap: -1, Top: []ShareView{}}

	// The newest blocks, newest first, and who produced each.
	tip := c.Tip().Height
	var blocks []*chain.Block
	for h := tip; h > 0 && len(blocks) < CompareBlocks+1; h-- {
		b, ok := c.BlockAtHeight(h)
		if !ok {
			break
		}
		blocks = append(blocks, b)
	}
	names := map[chain.Address]string{}
	produced := map[chain.Address]int{}
	var difficulty float64
	for _, b := range blocks {
		cb := b.Txs[0]
		produced[cb.To]++
		if cb.Name != "" {
			names[cb.To] = cb.Name
		}
		difficulty += float64(b.Header.Difficulty)
	}
	if len(blocks) >= 2 {
		f.Blocks = len(blocks) - 1
		span := blocks[0].Header.Time - blocks[len(blocks)-1].Header.Time
		f.BlockMs = span / int64(f.Blocks)
		if span > 0 {
			f.BlocksPerMin = float64(f.Blocks) * 60000 / float64(span)
		}
	}

	// What the blocks should follow.
	power := map[chain.Address]float64{}
	peers := n.PeerStates()
	for _, ps := range peers {
		if a, err := chain.ParseAddress(ps.Address); err == nil && ps.Name != "" {
			names[a] = ps.Name
		}
	}
	switch p.Engine {
	case chain.EnginePBFT:
		f.Power = PowerSeat
		keys, _ := p.SeatKeys()
		f.Participants = len(keys)
		if v := pbftView(n, peerNames(peers), now); v != nil {
			f.FinalityMs = v.FinalityMs
		}
	case chain.EnginePoS:
		f.Power, f.FinalBlocks = PowerStake, 6
		for a, acct := range c.StakeAccounts() {
			if acct.Stake > 0 {
				power[a] = float64(acct.Stake)
			}
		}
	case chain.EngineDPoS:
		f.Power, f.FinalBlocks = PowerVotes, (2*p.Delegates+2)/3+1
		for _, d := range c.Delegates() {
			if d.Votes > 0 {
				power[d.Address] = float64(d.Votes)
			}
		}
	default:
		f.Power, f.FinalBlocks = PowerHash, 6
		for _, ps := range peers {
			a, err := chain.ParseAddress(ps.Address)
			if err != nil || skip[ps.ID] || !ps.Stats.Mining || ps.Stats.Rate <= 0 {
				continue
			}
			power[a] += ps.Stats.Rate
		}
		if len(blocks) > 0 {
			f.HashesPerBlock = difficulty / float64(len(blocks))
		}
	}
	if f.FinalBlocks > 0 {
		f.FinalityMs = int64(f.FinalBlocks) * f.BlockMs
	}
	if p.Engine == chain.EnginePBFT {
		return f
	}
	f.Participants = len(power)
	var total float64
	for _, w := range power {
		total += w
	}
	if total <= 0 || len(blocks) == 0 {
		return f
	}
	var gap float64
	seen := map[chain.Address]bool{}
	var shares []ShareView
	for a, w := range power {
		s := ShareView{Name: names[a], Power: w / total, Blocks: float64(produced[a]) / float64(len(blocks))}
		if s.Name == "" {
			s.Name = a.Short()
		}
		gap += math.Abs(s.Blocks - s.Power)
		seen[a] = true
		shares = append(shares, s)
	}
	for a, k := range produced { // blocks by someone with no power now
		if !seen[a] {
			gap += float64(k) / float64(len(blocks))
		}
	}
	f.Gap = gap / 2
	slices.SortFunc(shares, func(x, y ShareView) int {
		if x.Power != y.Power {
			return cmp.Compare(y.Power, x.Power)
		}
		return cmp.Compare(x.Name, y.Name)
	})
	f.Top = shares[:min(3, len(shares))]
	return f
}
