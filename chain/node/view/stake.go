package view

import (
	"cmp"
	"maps"
	"slices"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// The slots and stake of a PoS or DPoS room (chain.StakeEngine), as the
// room page's validator panel and the board show them: who leads the slot
// now, who holds how much stake (and, in DPoS, how many votes), each
// one's share of the recent slots' blocks against their share of stake,
// the slots they missed, and this tab's own next slots.

// StakeWindowMin and StakeWindowMax bound the recent slots a StakeView
// measures shares and missed slots over: two epochs (PoS) or rounds
// (DPoS), within these.
const (
	StakeWindowMin = 24
	StakeWindowMax = 64
)

// maxNextSlots is how many of its next slots a validator is shown.
const maxNextSlots = 4

// StakeView is a stake room's slots and stake at one moment.
type StakeView struct {
	Engine string `json:"engine"` // chain.EnginePoS or chain.EngineDPoS
	SlotMs int64  `json:"slot_ms"`
	// Slot is now's slot, SlotEnds when it ends (unix ms); Period the
	// slots of an epoch (PoS) or round (DPoS) and Index the epoch or
	// round of Slot.
	Slot     uint64 `json:"slot"`
	SlotEnds int64  `json:"slot_ends"`
	Period   uint64 `json:"period"`
	Index    uint64 `json:"index"`
	// Leader leads Slot on the best tip ("" when nobody may sign it);
	// LeaderName is its nickname, when known.
	Leader     string `json:"leader"`
	LeaderName string `json:"leader_name,omitempty"`
	// Signed: Slot's block is on the best chain already (the tip).
	Signed bool `json:"signed,omitempty"`
	// Total is all the stake; Delegates the DPoS round's producers (N).
	Total     uint64 `json:"total"`
	Delegates int    `json:"delegates,omitempty"`
	// Validators are the accounts with stake, candidacy or a slashing:
	// by stake (PoS) or by the DPoS ranking, then address.
	Validators []ValidatorView `json:"validators"`
	// Window is how many recent slots the shares are measured over, and
	// Blocks how many of them have a block on the best chain.
	Window int `json:"window"`
	Blocks int `json:"blocks"`
	// Recent are those slots, newest first.
	Recent []SlotView `json:"recent"`
	// Majority is the address holding more than half of the stake, if
	// anyone does: it leads most slots (PoS) or elects the delegates
	// (DPoS) — the 51 % attack of proof of stake.
	Majority     string `json:"majority,omitempty"`
	MajorityName string `json:"majority_name,omitempty"`
	// Proofs is how many double-sign proofs this node has seen that no
	// block has applied yet: the next leader's block will.
	Proofs int `json:"proofs"`
	// Me is this node's own account and Next its next slots (nil on the
	// board).
	Me   *ValidatorView `json:"me,omitempty"`
	Next []SlotView     `json:"next,omitempty"`
	// Accounts are the system accounts a stake instruction is sent to.
	Accounts StakeAccounts `json:"accounts"`
}

// StakeAccounts are the stake engines' system accounts, in hex.
type StakeAccounts struct {
	Stake     string `json:"stake"`
	Candidate string `json:"candidate"`
	Vote      string `json:"vote"`
}

// ValidatorView is one account of a stake room.
type ValidatorView struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	Me      bool   `json:"me,omitempty"`
	// Genesis is its index among the genesis validators (the teacher's
	// fault switches name it), -1 for an account that staked later.
	Genesis int     `json:"genesis"`
	Fault   string  `json:"fault,omitempty"` // the teacher's fault (node.ValidatorFaults)
	Stake   uint64  `json:"stake"`
	Share   float64 `json:"share"` // of all the stake, 0 … 1
	Slashed bool    `json:"slashed,omitempty"`
	Balance uint64  `json:"balance"` // spendable coins (what it could stake)
	// DPoS: a candidate with the stake voting for it (and its share of
	// all the stake), its place in the ranking (from 1; 0 for none),
	// whether it produces this round's slots, and whom its own stake
	// votes for.
	Candidate bool    `json:"candidate,omitempty"`
	Votes     uint64  `json:"votes,omitempty"`
	VoteShare float64 `json:"vote_share,omitempty"`
	Rank      int     `json:"rank,omitempty"`
	Producer  bool    `json:"producer,omitempty"`
	Vote      string  `json:"vote,omitempty"`
	VoteName  string  `json:"vote_name,omitempty"`
	// Over the Window recent slots: the slots it led, the blocks it
	// signed on the best chain, the slots it missed, and its share of the
	// window's blocks (to set against Share).
	Led        int     `json:"led"`
	Signed     int     `json:"signed"`
	Missed     int     `json:"missed"`
	BlockShare float64 `json:"block_share"`
}

// SlotView is one slot.
type SlotView struct {
	Slot       uint64 `json:"slot"`
	Time       int64  `json:"time"` // its start, unix ms
	Leader     string `json:"leader,omitempty"`
	LeaderName string `json:"leader_name,omitempty"`
	// Height and Hash are its block's on the best chain (Hash "" for
	// none); Missed: it had a leader and no block.
	Height uint64 `json:"height,omitempty"`
	Hash   string `json:"hash,omitempty"`
	Missed bool   `json:"missed,omitempty"`
	// Sure (a next slot): the leader is fixed, the tip being in the
	// slot's epoch or round already; otherwise the blocks still to come
	// before it can change it.
	Sure bool `json:"sure,omitempty"`
}

// stakeView builds the stake part of a snapshot or board of n's room, nil
// in a room of another engine. names names addresses; me is this node's
// wallet, shown as Me with its Next slots (the zero address: none, the
// board's).
func stakeView(n *node.Node, names namer, now int64, me chain.Address) *StakeView {
	c := n.Chain()
	p := c.Params()
	if !p.IsStake() {
		return nil
	}
	period := p.EpochSlots
	if p.Engine == chain.EngineDPoS {
		period = uint64(p.Delegates)
	}
	slot := p.SlotAt(now)
	v := &StakeView{Engine: p.Engine, SlotMs: p.BlockTimeMs, Slot: slot, SlotEnds: p.SlotTime(slot + 1), Period: period,
		Index: slot / max(period, 1), Delegates: p.Delegates, Proofs: len(c.DoubleSigns()),
		Accounts: StakeAccounts{Stake: chain.StakeAddress.String(), Candidate: chain.CandidateAddress.String(), Vote: chain.VoteAddress.String()}}
	if a, ok := c.SlotLeader(slot); ok {
		v.Leader, v.LeaderName = a.String(), names.name(a)
	} else if tip := c.Tip(); c.TipSlot() == slot && tip.Block.Seal != nil {
		// Signed already: the tip is the slot's block.
		a := chain.AddressOf(tip.Block.Seal.Producer)
		v.Leader, v.LeaderName, v.Signed = a.String(), names.name(a), true
		if v.LeaderName == "" {
			v.LeaderName = tip.Block.Txs[0].Name
		}
	}

	genesis := map[chain.Address]int{}
	keys, _ := p.ValidatorKeys()
	for i, k := range keys {
		genesis[chain.AddressOf(k)] = i
	}
	ctl, _ := n.Control()
	accts := c.StakeAccounts()
	rows := map[chain.Address]*ValidatorView{}
	row := func(a chain.Address) *ValidatorView {
		if r := rows[a]; r != nil {
			return r
		}
		r := &ValidatorView{Address: a.String(), Name: names.name(a), Me: a == me && !me.IsZero(), Genesis: -1, Balance: c.Balance(a).Balance}
		if i, ok := genesis[a]; ok {
			r.Genesis, r.Fault = i, ctl.State.Faults[i]
		}
		acct := accts[a]
		r.Stake, r.Slashed, r.Candidate = acct.Stake, acct.Slashed, acct.Candidate
		if !acct.Vote.IsZero() {
			r.Vote, r.VoteName = acct.Vote.String(), names.name(acct.Vote)
		}
		rows[a] = r
		return r
	}
	for a, acct := range accts {
		v.Total += acct.Stake
		if acct.Stake > 0 || acct.Candidate || acct.Slashed {
			row(a)
		}
	}
	for i, d := range c.Delegates() {
		r := row(d.Address)
		r.Votes, r.Rank = d.Votes, i+1
		r.Producer = i < p.Delegates && d.Votes > 0
	}

	// The recent slots: who led, who signed, who missed.
	window := min(max(2*int(period), StakeWindowMin), StakeWindowMax)
	recent := c.RecentSlots(now, window)
	v.Window, v.Recent = len(recent), make([]SlotView, 0, len(recent))
	ownNames := false
	for _, r := range recent {
		if !r.Block.IsZero() && names.name(r.Leader) == "" {
			// A validator nobody here has met is named by its coinbase.
			if b, ok := c.BlockByHash(r.Block); ok && b.Txs[0].Name != "" {
				if !ownNames { // names.chain may be the model's index: copy it once
					names.chain, ownNames = maps.Clone(names.chain), true
					if names.chain == nil {
						names.chain = map[chain.Address]string{}
					}
				}
				names.chain[r.Leader] = b.Txs[0].Name
				if x := rows[r.Leader]; x != nil && x.Name == "" {
					x.Name = b.Txs[0].Name
				}
			}
		}
		sv := SlotView{Slot: r.Slot, Time: p.SlotTime(r.Slot), Missed: r.Missed()}
		if r.HasLeader {
			sv.Leader, sv.LeaderName = r.Leader.String(), names.name(r.Leader)
			x := row(r.Leader)
			x.Led++
			if r.Missed() {
				x.Missed++
			}
		}
		if !r.Block.IsZero() {
			sv.Height, sv.Hash = r.Height, r.Block.String()
			v.Blocks++
			row(r.Leader).Signed++
		}
		v.Recent = append(v.Recent, sv)
	}

	for a, r := range rows {
		if v.Total > 0 {
			r.Share = float64(r.Stake) / float64(v.Total)
			r.VoteShare = float64(r.Votes) / float64(v.Total)
			if 2*r.Stake > v.Total {
				v.Majority, v.MajorityName = a.String(), r.Name
			}
		}
		if v.Blocks > 0 {
			r.BlockShare = float64(r.Signed) / float64(v.Blocks)
		}
		v.Validators = append(v.Validators, *r)
	}
	slices.SortFunc(v.Validators, func(x, y ValidatorView) int {
		if p.Engine == chain.EngineDPoS && (x.Rank > 0) != (y.Rank > 0) {
			return cmp.Compare(y.Rank, x.Rank) // ranked first
		}
		if p.Engine == chain.EngineDPoS && x.Rank != y.Rank {
			return cmp.Compare(x.Rank, y.Rank)
		}
		if x.Stake != y.Stake {
			return cmp.Compare(y.Stake, x.Stake)
		}
		return cmp.Compare(x.Address, y.Address)
	})
	if v.Validators == nil {
		v.Validators = []ValidatorView{}
	}

	if me.IsZero() {
		return v
	}
	mine := *row(me)
	if v.Total > 0 {
		mine.Share = float64(mine.Stake) / float64(v.Total)
		mine.VoteShare = float64(mine.Votes) / float64(v.Total)
	}
	if v.Blocks > 0 {
		mine.BlockShare = float64(mine.Signed) / float64(v.Blocks)
	}
	v.Me = &mine
	// The next slots this wallet leads: for sure in the tip's epoch or
	// round, as things stand beyond it.
	tipSlot := c.TipSlot()
	from := max(slot, tipSlot+1)
	for s := from; s < from+2*period+1 && len(v.Next) < maxNextSlots; s++ {
		if a, ok := c.SlotLeader(s); ok && a == me {
			v.Next = append(v.Next, SlotView{Slot: s, Time: p.SlotTime(s), Leader: me.String(), LeaderName: names.name(me),
				Sure: s/max(period, 1) == tipSlot/max(period, 1)})
		}
	}
	return v
}

// addressNames returns a namer of the peers' nicknames by address.
func addressNames(peers []node.PeerState) namer {
	names := namer{peers: map[chain.Address]string{}, stake: true}
	for _, p := range peers {
		if a, err := chain.ParseAddress(p.Address); err == nil && p.Address != "" {
			names.peers[a] = p.Name
		}
	}
	return names
}
