package node

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// A Timeline records a lesson as one node lived it (the archive peer of
// cmd/chainplay, which hears every group of a split room): every block
// with the time it arrived and who mined it, every change of the best
// chain, the transactions a reorg reverted, the teacher's controls and
// the peers coming and going. From it the board replays the block tree
// as the node had it at any past moment (Replay) and the teacher exports
// the lesson (Export, WriteCSV).
//
// Times are the node's Clock, unix milliseconds. A Timeline is bounded:
// past MaxTimelineEntries entries it stops recording (Export says
// Truncated). All methods are safe for concurrent use.
type Timeline struct {
	clock Clock

	mu        sync.Mutex
	entries   []TimelineEntry
	blocks    map[chain.Hash]*TimelineBlock
	order     []chain.Hash          // blocks by arrival
	tips      []timelineTip         // the best tip after each change, in time order
	confirmed map[chain.Hash]string // tx id → hash of the main-chain block holding it
	reverted  []RevertedTx
	truncated bool
}

// MaxTimelineEntries bounds a Timeline.
const MaxTimelineEntries = 200_000

// Kinds of TimelineEntry (its Kind).
const (
	KindBlock   = "block"   // a block arrived (Hash, Parent, Height, Miner)
	KindReorg   = "reorg"   // the best chain switched branches (Hash: new tip, Orphaned, Connected, Reverted)
	KindControl = "control" // the node obeyed a teacher control (Op, Peer, Name, Seq)
	KindPeer    = "peer"    // a peer joined or left (Op: joined/left, Peer, Name)
	KindNote    = "note"    // something else the server records (Op names it: kick, reset, genesis, …)
)

// TimelineEntry is one line of a Timeline.
type TimelineEntry struct {
	Time   int64  `json:"time"` // unix ms
	Kind   string `json:"kind"`
	Hash   string `json:"hash,omitempty"`
	Parent string `json:"parent,omitempty"`
	Height uint64 `json:"height,omitempty"`
	Miner  string `json:"miner,omitempty"` // the coinbase's name (the miner's nickname)
	Op     string `json:"op,omitempty"`    // a control's op, a peer's joined/left, a note's word
	Peer   string `json:"peer,omitempty"`
	Name   string `json:"name,omitempty"`
	Seq    uint64 `json:"seq,omitempty"` // a control's sequence number
	// Orphaned are the blocks a reorg took off the best chain, Connected
	// those it put on, and Reverted the transactions of the orphaned
	// blocks that the new branch does not hold.
	Orphaned  []string `json:"orphaned,omitempty"`
	Connected []string `json:"connected,omitempty"`
	Reverted  []string `json:"reverted,omitempty"`
}

// TimelineBlock is one block of a Timeline.
type TimelineBlock struct {
	Hash       string `json:"hash"`
	Parent     string `json:"parent"`
	Height     uint64 `json:"height"`
	Difficulty uint64 `json:"difficulty"`
	BlockTime  int64  `json:"block_time"` // the header's time, unix ms
	Arrived    int64  `json:"arrived"`    // when the node got it, unix ms
	Miner      string `json:"miner"`
	Txs        int    `json:"txs"` // transactions besides the coinbase
	// Orphaned says the block is not on the best chain at the end of the
	// timeline (a stale block).
	Orphaned bool `json:"orphaned"`

	hash, parent chain.Hash
	work         *big.Int // cumulative, as the chain computed it
	txIDs        []string
}

// RevertedTx is a transaction a reorg took out of the best chain.
type RevertedTx struct {
	ID         string `json:"id"`
	Block      string `json:"block"`       // the orphaned block that held it
	RevertedAt int64  `json:"reverted_at"` // unix ms
	// Reconfirmed is the block that holds it again later, if one does.
	Reconfirmed string `json:"reconfirmed,omitempty"`
}

type timelineTip struct {
	at   int64
	hash chain.Hash
}

// NewTimeline returns an empty Timeline on clock (SystemClock if nil).
func NewTimeline(clock Clock) *Timeline {
	if clock == nil {
		clock = SystemClock
	}
	return &Timeline{clock: clock, blocks: make(map[chain.Hash]*TimelineBlock), confirmed: make(map[chain.Hash]string)}
}

// Attach records n from now on: its chain's blocks and reorgs, its
// controls and peers. The blocks n has already, the first time a node is
// attached, are recorded as arrived when they were mined (their header
// time). It returns a function that stops the recording.
func (t *Timeline) Attach(n *Node) (detach func()) {
	c := n.Chain()
	t.mu.Lock()
	if len(t.blocks) == 0 {
		for _, tn := range c.Tree() {
			if b, ok := c.BlockByHash(tn.Hash); ok {
				t.addBlockLocked(b, tn.Work, b.Header.Time)
			}
		}
		tip := c.Tip()
		t.tips = append(t.tips, timelineTip{at: t.clock.Now().UnixMilli(), hash: tip.Hash})
		for _, b := range c.MainChain() {
			for _, tx := range b.Txs[1:] {
				t.confirmed[tx.ID()] = b.Hash().String()
			}
		}
	}
	t.mu.Unlock()
	unChain := c.Subscribe(func(ev chain.Event) { t.onChain(c, ev) })
	unNode := n.Subscribe(func(ev Event) {
		switch {
		case ev.Kind == EventControl:
			t.add(TimelineEntry{Kind: KindControl, Op: ev.Code, Peer: ev.Peer, Name: ev.Name, Seq: ev.Count})
		case ev.Kind == EventPeer && (ev.Code == CodePeerJoined || ev.Code == CodePeerLeft):
			t.add(TimelineEntry{Kind: KindPeer, Op: ev.Code, Peer: ev.Peer, Name: ev.Name})
		}
	})
	return func() { unChain(); unNode() }
}

// Note records something the server did (a kick, a reset): op names it.
func (t *Timeline) Note(op, peer, name string) {
	t.add(TimelineEntry{Kind: KindNote, Op: op, Peer: peer, Name: name})
}

func (t *Timeline) add(e TimelineEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addLocked(e)
}

func (t *Timeline) addLocked(e TimelineEntry) {
	if len(t.entries) >= MaxTimelineEntries {
		t.truncated = true
		return
	}
	if e.Time == 0 {
		e.Time = t.clock.Now().UnixMilli()
	}
	t.entries = append(t.entries, e)
}

// addBlockLocked records b, arrived at arrived (unix ms). t.mu must be
// held.
func (t *Timeline) addBlockLocked(b *chain.Block, work *big.Int, arrived int64) {
	h := b.Hash()
	if _, ok := t.blocks[h]; ok {
		return
	}
	tb := &TimelineBlock{Hash: h.String(), Parent: b.Header.PrevHash.String(), Height: b.Height(), Difficulty: b.Header.Difficulty,
		BlockTime: b.Header.Time, Arrived: arrived, Txs: len(b.Txs) - 1, hash: h, parent: b.Header.PrevHash, work: work}
	if tb.Txs < 0 {
		tb.Txs = 0
	}
	if len(b.Txs) > 0 {
		tb.Miner = b.Txs[0].Author()
		for _, tx := range b.Txs[1:] {
			tb.txIDs = append(tb.txIDs, tx.ID().String())
		}
	}
	if b.Height() == 0 {
		tb.Parent = ""
	}
	t.blocks[h] = tb
	t.order = append(t.order, h)
	if b.Height() > 0 {
		t.addLocked(TimelineEntry{Time: arrived, Kind: KindBlock, Hash: tb.Hash, Parent: tb.Parent, Height: tb.Height, Miner: tb.Miner})
	}
}

// onChain records one chain event.
func (t *Timeline) onChain(c *chain.Chain, ev chain.Event) {
	now := t.clock.Now().UnixMilli()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range ev.Stored {
		work := new(big.Int)
		if p, ok := t.blocks[b.Header.PrevHash]; ok && p.work != nil {
			work.Add(p.work, chain.Work(b.Header.Difficulty))
		}
		t.addBlockLocked(b, work, now)
	}
	if ev.Type == chain.EventStored {
		return
	}
	t.tips = append(t.tips, timelineTip{at: now, hash: ev.Hash})
	inNew := make(map[string]bool)
	for _, b := range ev.Connected {
		for _, tx := range b.Txs[1:] {
			id := tx.ID().String()
			inNew[id] = true
			t.confirmed[tx.ID()] = b.Hash().String()
			for i := range t.reverted {
				if r := &t.reverted[i]; r.ID == id && r.Reconfirmed == "" {
					r.Reconfirmed = b.Hash().String()
				}
			}
		}
	}
	if ev.Type != chain.EventReorg {
		return
	}
	e := TimelineEntry{Time: now, Kind: KindReorg, Hash: ev.Hash.String(), Height: ev.Height}
	for _, b := range ev.Disconnected {
		e.Orphaned = append(e.Orphaned, b.Hash().String())
		for _, tx := range b.Txs[1:] {
			id := tx.ID().String()
			if inNew[id] {
				continue
			}
			delete(t.confirmed, tx.ID())
			e.Reverted = append(e.Reverted, id)
			t.reverted = append(t.reverted, RevertedTx{ID: id, Block: b.Hash().String(), RevertedAt: now})
		}
	}
	for _, b := range ev.Connected {
		e.Connected = append(e.Connected, b.Hash().String())
	}
	t.addLocked(e)
}

// Span returns the times of the first and last entries (unix ms), or
// zeros for an empty timeline.
func (t *Timeline) Span() (from, to int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) == 0 {
		return 0, 0
	}
	return t.entries[0].Time, t.entries[len(t.entries)-1].Time
}

// Entries returns the entries recorded at or before at (unix ms; 0: all),
// oldest first.
func (t *Timeline) Entries(at int64) []TimelineEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if at == 0 {
		return slices.Clone(t.entries)
	}
	i, _ := slices.BinarySearchFunc(t.entries, at+1, func(e TimelineEntry, at int64) int { return cmpInt(e.Time, at) })
	return slices.Clone(t.entries[:i])
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Replay returns the block tree as the node had it at at (unix ms): the
// blocks that had arrived by then, in arrival order grouped by height,
// each marked MainChain when it was on the best chain of that moment,
// and that tip. Work is the blocks' cumulative work.
func (t *Timeline) Replay(at int64) (nodes []chain.TreeNode, tip chain.Hash) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tp := range t.tips {
		if tp.at > at {
			break
		}
		tip = tp.hash
	}
	main := make(map[chain.Hash]bool)
	for h := tip; ; {
		b, ok := t.blocks[h]
		if !ok || b.Arrived > at && b.Height > 0 {
			break
		}
		main[h] = true
		if b.Height == 0 {
			break
		}
		h = b.parent
	}
	for _, h := range t.order {
		b := t.blocks[h]
		if b.Arrived > at && b.Height > 0 {
			continue
		}
		nodes = append(nodes, chain.TreeNode{Hash: h, Parent: b.parent, Height: b.Height, Work: b.work, MainChain: main[h]})
	}
	slices.SortStableFunc(nodes, func(a, b chain.TreeNode) int { return cmpInt(int64(a.Height), int64(b.Height)) })
	return nodes, tip
}

// TimelineCounts are a timeline's figures at one moment.
type TimelineCounts struct {
	Blocks    int `json:"blocks"`    // blocks found (the genesis not counted)
	Stale     int `json:"stale"`     // of those, off the best chain of that moment
	Reorgs    int `json:"reorgs"`    // switches of the best chain
	Confirmed int `json:"confirmed"` // transactions on the best chain
	Reverted  int `json:"reverted"`  // transactions a reorg took out of the best chain
}

// Counts returns the figures at at (unix ms).
func (t *Timeline) Counts(at int64) TimelineCounts {
	nodes, _ := t.Replay(at)
	var c TimelineCounts
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range nodes {
		if n.Height == 0 {
			continue
		}
		c.Blocks++
		if !n.MainChain {
			c.Stale++
			continue
		}
		c.Confirmed += len(t.blocks[n.Hash].txIDs)
	}
	for _, e := range t.entries {
		if e.Time > at {
			break
		}
		if e.Kind == KindReorg {
			c.Reorgs++
			c.Reverted += len(e.Reverted)
		}
	}
	return c
}

// BlockAt returns a recorded block, or nil.
func (t *Timeline) BlockAt(hash chain.Hash) *TimelineBlock {
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, ok := t.blocks[hash]; ok {
		cp := *b
		return &cp
	}
	return nil
}

// TimelineExport is a whole timeline, as the teacher downloads it.
type TimelineExport struct {
	Room      string            `json:"room"`
	Exported  int64             `json:"exported"` // unix ms
	Entries   []TimelineEntry   `json:"entries"`
	Blocks    []TimelineBlock   `json:"blocks"`   // by arrival; Orphaned marks the stale ones
	Orphaned  []TimelineBlock   `json:"orphaned"` // the stale blocks alone
	Reverted  []RevertedTx      `json:"reverted"` // every transaction a reorg reverted
	Counts    TimelineCounts    `json:"counts"`
	Truncated bool              `json:"truncated,omitempty"`
	Miners    map[string]uint64 `json:"miners"` // blocks on the best chain per miner
}

// Export returns the whole timeline, the blocks' Orphaned marked against
// the last best tip.
func (t *Timeline) Export(room string) TimelineExport {
	now := t.clock.Now().UnixMilli()
	nodes, _ := t.Replay(now)
	counts := t.Counts(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	main := make(map[chain.Hash]bool, len(nodes))
	for _, n := range nodes {
		main[n.Hash] = n.MainChain
	}
	x := TimelineExport{Room: room, Exported: now, Entries: slices.Clone(t.entries), Blocks: make([]TimelineBlock, 0, len(t.order)),
		Orphaned: []TimelineBlock{}, Reverted: slices.Clone(t.reverted), Counts: counts, Truncated: t.truncated, Miners: map[string]uint64{}}
	if x.Reverted == nil {
		x.Reverted = []RevertedTx{}
	}
	for _, h := range t.order {
		b := *t.blocks[h]
		b.Orphaned = !main[h]
		x.Blocks = append(x.Blocks, b)
		if b.Orphaned {
			x.Orphaned = append(x.Orphaned, b)
		} else if b.Height > 0 {
			x.Miners[b.Miner]++
		}
	}
	return x
}

// CSVHeader is the first row of WriteCSV.
var CSVHeader = []string{"time", "kind", "op", "height", "hash", "parent", "miner", "peer", "name", "seq", "orphaned", "reverted"}

// WriteCSV writes the export as CSV: one row per entry (CSVHeader), then
// one "orphaned-block" row per stale block and one "reverted-tx" row per
// reverted transaction; lists are separated by spaces, times are ISO 8601
// UTC with milliseconds.
func (x TimelineExport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	ts := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z") }
	num := func(v uint64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatUint(v, 10)
	}
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range x.Entries {
		row := []string{ts(e.Time), e.Kind, e.Op, num(e.Height), e.Hash, e.Parent, e.Miner, e.Peer, e.Name, num(e.Seq),
			strings.Join(e.Orphaned, " "), strings.Join(e.Reverted, " ")}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for _, b := range x.Orphaned {
		if err := cw.Write([]string{ts(b.Arrived), "orphaned-block", "", num(b.Height), b.Hash, b.Parent, b.Miner, "", "", "", b.Hash, ""}); err != nil {
			return err
		}
	}
	for _, r := range x.Reverted {
		if err := cw.Write([]string{ts(r.RevertedAt), "reverted-tx", r.Reconfirmed, "", r.Block, "", "", "", "", "", "", r.ID}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("node: timeline csv: %w", err)
	}
	return nil
}
