package view

import (
	"cmp"
	"slices"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// The teacher's board (/r/{room}/board): the whole room at once, built on
// the server from the node that watches the room (the archive peer,
// which hears every group of a split room) and the lesson's Timeline.
// The board page polls it once a second and draws it; it computes
// nothing.

// BoardConfig is what Board needs besides the node and the timeline.
type BoardConfig struct {
	Room string
	// At replays the board at that moment (unix ms): the tree, counters
	// and charts as the node had them then. 0 is now.
	At int64
	// Window is how many heights the tree shows, ending at the best tip.
	// Defaults to 40.
	Window int
	// Groups is the relay's split (peer id → group), nil when the room is
	// whole; Latency the relay's latency on the room and LatencyPeers on
	// single peers.
	Groups       map[string]int
	Latency      time.Duration
	LatencyPeers map[string]time.Duration
	// Skip names peers not to list (the server's own, such as the node
	// itself).
	Skip map[string]bool
	// Clock is the server's clock. Defaults to node.SystemClock.
	Clock node.Clock
	// PoW, in a PBFT room, is the proof-of-work figures to compare with.
	PoW *PoWFigures
	// Engines are the class's rooms measured for the comparison of the
	// engines (Figures): the busiest of each, this room among them.
	Engines []EngineFigures
}

// BoardView is the board at one moment.
type BoardView struct {
	Room  string              `json:"room"`
	Now   int64               `json:"now"`
	At    int64               `json:"at"`    // the moment shown (unix ms); 0: live
	Start int64               `json:"start"` // the timeline's first moment, for the slider
	End   int64               `json:"end"`   // and its last
	Tip   TipView             `json:"tip"`
	Tree  TreeView            `json:"tree"`
	Count node.TimelineCounts `json:"counts"`
	// HashRate is the room's hash rate (the peers' reports), and Peers
	// every peer with its share of it.
	HashRate float64     `json:"hash_rate"`
	Peers    []BoardPeer `json:"peers"`
	// Blocks are the best chain's last blocks, oldest first, for the
	// block-time and difficulty charts.
	Blocks []BoardBlock `json:"blocks"`
	// TargetMs is the room's target block time.
	TargetMs int64                `json:"target_ms"`
	Control  node.Control         `json:"control"`
	Split    bool                 `json:"split"`
	Recent   []node.TimelineEntry `json:"recent"` // the timeline's last entries, newest first
	// PBFT is a PBFT room's replicas and phase pictures, and PoW the
	// proof-of-work figures the board compares them with
	// (BoardConfig.PoW); both nil in a proof-of-work room.
	PBFT *PBFTView   `json:"pbft,omitempty"`
	PoW  *PoWFigures `json:"pow,omitempty"`
	// Stake is a PoS or DPoS room's slots and stake (stake.go), without
	// Me: the board is nobody's wallet.
	Stake *StakeView `json:"stake,omitempty"`
	// Engines is BoardConfig.Engines: the four ways to agree, side by
	// side, as the class's rooms measured them.
	Engines []EngineFigures `json:"engines"`
}

// PoWFigures are a proof-of-work room's figures for the board's
// comparison with a PBFT room: "why would anyone choose one or the other".
type PoWFigures struct {
	// Room is the room measured; "" when the figures are a preset's
	// expectation (no proof-of-work room had blocks).
	Room string `json:"room,omitempty"`
	// BlockMs is the mean time between blocks; FinalityMs the time to
	// six confirmations, 6 × BlockMs (and even then only probably final).
	BlockMs    int64 `json:"block_ms"`
	FinalityMs int64 `json:"finality_ms"`
	// Hashes is the hashes computed per block, on average: the
	// difficulty (PBFT computes none).
	Hashes float64 `json:"hashes"`
	// Messages is the messages per block among Peers peers: each hears
	// the block's announcement and fetches it, 2(n−1), O(n).
	Messages int `json:"messages"`
	Peers    int `json:"peers"`
}

// PoWFiguresOf returns the figures of the proof-of-work room whose
// board's blocks are blocks (Room room; "" with blocks of a preset's
// expectation), for a class of peers peers.
func PoWFiguresOf(room string, blocks []BoardBlock, peers int) *PoWFigures {
	f := &PoWFigures{Room: room, Peers: peers, Messages: 2 * max(peers-1, 0)}
	var ms int64
	var hashes float64
	for _, b := range blocks {
		ms += b.Interval
		hashes += float64(b.Difficulty)
	}
	if len(blocks) > 0 {
		f.BlockMs, f.Hashes = ms/int64(len(blocks)), hashes/float64(len(blocks))
	}
	f.FinalityMs = 6 * f.BlockMs
	return f
}

// BoardPeer is one peer on the board.
type BoardPeer struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Height uint64  `json:"height"`
	Tip    string  `json:"tip"`
	Mining bool    `json:"mining"`
	Rate   float64 `json:"rate"`  // hashes per second, as it reports
	Share  float64 `json:"share"` // of the room's hash rate, 0 … 1
	Duty   float64 `json:"duty"`  // what the teacher's controls let it mine
	Mined  int     `json:"mined"` // blocks on the best chain its coinbase names it in
	Group  int     `json:"group,omitempty"`
	// LatencyMs is the latency the relay adds to its frames (the room's
	// and its own).
	LatencyMs int64 `json:"latency_ms,omitempty"`
}

// BoardBlock is one block of the charts.
type BoardBlock struct {
	Height     uint64 `json:"height"`
	Time       int64  `json:"time"`     // header time, unix ms
	Interval   int64  `json:"interval"` // since its parent, ms
	Difficulty uint64 `json:"difficulty"`
	Miner      string `json:"miner"`
}

// Board builds the board of n's room from tl.
func Board(n *node.Node, tl *node.Timeline, cfg BoardConfig) BoardView {
	if cfg.Window <= 0 {
		cfg.Window = 40
	}
	if cfg.Clock == nil {
		cfg.Clock = node.SystemClock
	}
	now := cfg.Clock.Now().UnixMilli()
	at := cfg.At
	if at <= 0 || at > now {
		at = 0
	}
	v := BoardView{Room: cfg.Room, Now: now, At: at, Peers: []BoardPeer{}, Blocks: []BoardBlock{}, Recent: []node.TimelineEntry{}}
	v.Start, v.End = tl.Span()
	when := at
	if when == 0 {
		when = now
	}
	v.Count = tl.Counts(when)
	nodes, best := tl.Replay(when)
	c := n.Chain()
	v.TargetMs = c.Params().BlockTimeMs
	var tipHeight uint64
	byHash := make(map[chain.Hash]chain.TreeNode, len(nodes))
	for _, tn := range nodes {
		byHash[tn.Hash] = tn
	}
	if tb, ok := byHash[best]; ok {
		tipHeight = tb.Height
	}
	from := uint64(0)
	if tipHeight >= uint64(cfg.Window) {
		from = tipHeight - uint64(cfg.Window) + 1
	}
	shown := nodes[:0:0]
	for _, tn := range nodes {
		if tn.Height >= from {
			shown = append(shown, tn)
		}
	}
	tree, index := layout(shown, from, tipHeight, best)
	v.Tree = tree
	if b := tl.BlockAt(best); b != nil {
		v.Tip = TipView{Height: b.Height, Hash: b.Hash, Difficulty: b.Difficulty, ZeroBits: chain.Hash(chain.Target(b.Difficulty)).LeadingZeroBits(), Time: b.BlockTime}
	}

	// The best chain's last blocks, for the charts and the miners' counts.
	var chainBlocks []*node.TimelineBlock
	for h := best; ; {
		b := tl.BlockAt(h)
		if b == nil {
			break
		}
		chainBlocks = append(chainBlocks, b)
		if b.Height == 0 {
			break
		}
		h = byHash[h].Parent
	}
	mined := map[string]int{}
	for _, b := range chainBlocks {
		if b.Height > 0 {
			mined[b.Miner]++
		}
	}
	slices.Reverse(chainBlocks)
	for i, b := range chainBlocks {
		if b.Height == 0 || len(chainBlocks)-i > cfg.Window {
			continue
		}
		v.Blocks = append(v.Blocks, BoardBlock{Height: b.Height, Time: b.BlockTime, Interval: b.BlockTime - chainBlocks[i-1].BlockTime,
			Difficulty: b.Difficulty, Miner: b.Miner})
	}

	// The peers: live figures (a replay shows where they are now too).
	ctl, _ := n.Control()
	v.Control = ctl
	v.Split = cfg.Groups != nil
	for _, p := range n.PeerStates() {
		if cfg.Skip[p.ID] {
			continue
		}
		bp := BoardPeer{ID: p.ID, Name: p.Name, Height: p.Height, Tip: p.Tip.String(), Mining: p.Stats.Mining, Rate: p.Stats.Rate,
			Duty: ctl.State.DutyOf(p.ID), Mined: mined[p.Name]}
		if p.Tip.IsZero() {
			bp.Tip = ""
		}
		if cfg.Groups != nil {
			bp.Group = 1
			if g, ok := cfg.Groups[p.ID]; ok {
				bp.Group = g
			}
		}
		bp.LatencyMs = (cfg.Latency + cfg.LatencyPeers[p.ID]).Milliseconds()
		v.HashRate += bp.Rate
		v.Peers = append(v.Peers, bp)
		if !p.Tip.IsZero() && !p.Banned {
			_, known := index[p.Tip]
			v.Tree.Tips = append(v.Tree.Tips, TipMark{Peer: p.ID, Name: p.Name, Hash: p.Tip.String(), Height: p.Height, Known: known})
		}
	}
	for i := range v.Peers {
		if v.HashRate > 0 {
			v.Peers[i].Share = v.Peers[i].Rate / v.HashRate
		}
	}
	slices.SortStableFunc(v.Peers, func(a, b BoardPeer) int { return cmp.Compare(b.Rate, a.Rate) })

	if v.PBFT = pbftView(n, peerNames(n.PeerStates()), now); v.PBFT != nil {
		v.PoW = cfg.PoW
	}
	v.Stake = stakeView(n, addressNames(n.PeerStates()), now, chain.Address{})
	v.Engines = cfg.Engines
	if v.Engines == nil {
		v.Engines = []EngineFigures{}
	}

	entries := tl.Entries(when)
	for i := len(entries) - 1; i >= 0 && len(v.Recent) < 12; i-- {
		v.Recent = append(v.Recent, entries[i])
	}
	return v
}
