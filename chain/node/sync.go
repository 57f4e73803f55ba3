package node

import (
	"errors"
	"fmt"
	"time"

	"github.com/chainplay/chainplay/chain"
)

// syncChunk is how many blocks of a blocks message are decoded and
// validated at a time; Config.Yield runs between two chunks.
const syncChunk = 64

// syncStall is how long a node waits for the peer it syncs from before it
// lets another peer (or the same one again) be asked; firstStall is that
// wait for a peer that has not answered a getblocks of ours on this
// connection yet (a liar that claims more work and never answers is
// passed over after it). A peer that lets either pass without its answer
// has stalled the sync: it loses standing (ErrSyncStalled) and is not
// asked again for a while (score.go).
const (
	syncStall  = 5 * time.Second
	firstStall = 2 * time.Second
)

// syncState is the download under way: which peer we asked, when, and
// whether its answer is still to come. A node asks one peer at a time,
// and that peer once at a time: the announcements of a fast miner, each
// an orphan here, make a node ask again only after the answer under way
// (again), not once per announcement — each answer would be the same
// batch of up to MaxBlocksPerBatch blocks. Guarded by Node.mu.
type syncState struct {
	peer    string    // the peer whose blocks answer we wait for, if any
	at      time.Time // when we asked it
	waiting bool      // its answer has not come yet
	again   bool      // more was wanted while it was on its way
}

// startSync asks peerID for the blocks after our locator, unless a peer
// is already answering (asked less than syncStall ago): a newcomer in a
// room of fifty downloads the chain once, not fifty times; if that peer
// is peerID itself, it is asked again once its answer has come.
//
// A banned peer is never asked. When the peer answering has let its
// lease run out without an answer, it has stalled: it is penalized and
// passed over, and the best other source is asked instead (bestSource).
func (n *Node) startSync(peerID string) {
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	if p := n.peers[peerID]; p != nil && p.banned {
		n.mu.Unlock()
		return
	}
	st := &n.sync
	if st.peer != "" && now.Sub(st.at) < n.leaseLocked(st.peer) {
		if st.peer != peerID {
			n.mu.Unlock()
			return
		}
		if st.waiting {
			st.again = true
			n.mu.Unlock()
			return
		}
	}
	if st.peer != "" && st.waiting { // the lease ran out with no answer
		stalled := st.peer
		n.mu.Unlock()
		n.syncStalled(stalled, "it did not answer in time")
		if stalled == peerID {
			peerID = n.bestSource(false)
		}
		if peerID != "" {
			n.startSync(peerID)
		}
		return
	}
	started := st.peer != peerID
	*st = syncState{peer: peerID, at: now, waiting: true}
	n.mu.Unlock()
	if started {
		n.emitSync(CodeSyncStarted, peerID)
	}
	n.requestBlocks(peerID)
}

// leaseLocked is how long peerID has to answer a getblocks of ours:
// firstStall until it has answered one, then syncStall. n.mu must be held.
func (n *Node) leaseLocked(peerID string) time.Duration {
	if p := n.peers[peerID]; p != nil && !p.answered {
		return firstStall
	}
	return syncStall
}

// checkStall, run on Run's timer, fails the sync over to another peer
// when the one asked has let its lease run out without an answer.
func (n *Node) checkStall(now time.Time) {
	n.mu.Lock()
	st := n.sync
	stalled := st.peer != "" && st.waiting && now.Sub(st.at) >= n.leaseLocked(st.peer)
	n.mu.Unlock()
	if stalled {
		n.syncStalled(st.peer, "it did not answer in time")
		if best := n.bestSource(false); best != "" {
			n.startSync(best)
		}
	}
}

// syncStalled holds a stalled or empty-handed sync against peerID: the
// sync with it ends, it loses standing (ErrSyncStalled) and it is passed
// over as a source of blocks for syncBackoff, doubled for each earlier
// stall.
func (n *Node) syncStalled(peerID, why string) {
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	var claimed string
	if p := n.peers[peerID]; p != nil {
		p.stalls++
		p.passOver = now.Add(min(syncBackoff<<min(p.stalls-1, 16), maxSyncBackoff))
		claimed = p.work.String()
	}
	if n.sync.peer == peerID {
		n.sync = syncState{}
	}
	n.mu.Unlock()
	n.reject(peerID, "hello", fmt.Errorf("%w: it claims work %.40s but %s", ErrSyncStalled, claimed, why))
}

// renewSync marks peerID as the peer being synced from, asked just now
// (the next batch, asked before this one is worked through); again
// carries over a wish for more that came while the last batch was on its
// way.
func (n *Node) renewSync(peerID string, again bool) {
	now := n.cfg.Clock.Now()
	n.mu.Lock()
	started := n.sync.peer != peerID
	n.sync = syncState{peer: peerID, at: now, waiting: true, again: again || n.sync.again}
	n.mu.Unlock()
	if started {
		n.emitSync(CodeSyncStarted, peerID)
	}
}

// syncingFrom reports whether peerID is the peer being synced from.
func (n *Node) syncingFrom(peerID string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.sync.peer == peerID
}

// answered notes that a blocks answer came from peerID and reports
// whether more was wanted while it was on its way.
func (n *Node) answered(peerID string) (again bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sync.peer != peerID {
		return false
	}
	again = n.sync.again
	n.sync.waiting, n.sync.again = false, false
	if p := n.peers[peerID]; p != nil {
		p.answered = true
	}
	return again
}

// endSync forgets that peerID was being synced from.
func (n *Node) endSync(peerID string) {
	n.mu.Lock()
	ended := n.sync.peer == peerID
	if ended {
		n.sync = syncState{}
	}
	n.mu.Unlock()
	if ended {
		n.emitSync(CodeSyncDone, peerID)
	}
}

func (n *Node) handleGetBlocks(m Message) {
	var g GetBlocksBody
	if err := m.DecodeBody(&g); err != nil {
		n.reject(m.From, "getblocks", err)
		return
	}
	if len(g.Locator) > MaxLocator {
		n.reject(m.From, "getblocks", fmt.Errorf("%w: locator has %d hashes, max %d", ErrBadMessage, len(g.Locator), MaxLocator))
		return
	}
	max, maxBytes := g.Max, MaxBatchBytes
	if max <= 0 || max > MaxBlocksPerBatch {
		max = MaxBlocksPerBatch
	}
	if m.To == "" { // asked of the whole room: every peer answers, so a small answer each
		max, maxBytes = min(max, MaxBroadcastBlocks), MaxBroadcastBytes
	}
	blocks := n.chain.BlocksAfter(g.Locator, max+1)
	out := BlocksBody{Blocks: make([][]byte, 0, len(blocks))}
	size := 0
	for i, b := range blocks {
		enc := b.Encode()
		if i == max || (i > 0 && size+len(enc) > maxBytes) {
			out.More = true
			break
		}
		size += len(enc)
		out.Blocks = append(out.Blocks, enc)
	}
	n.send(TypeBlocks, m.From, out)
}

// decodeBlock decodes one block of a blocks message.
func decodeBlock(enc []byte) (*chain.Block, error) {
	b, err := chain.DecodeBlock(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	return b, nil
}

// handleBlocks validates a batch of blocks from a peer, a chunk at a time
// with a yield between chunks, and keeps the sync going. When the peer has
// more (More), the next batch is asked for before this one is worked
// through, so the peer prepares it meanwhile: the locator starts at this
// batch's last block.
func (n *Node) handleBlocks(m Message) {
	asked := n.syncingFrom(m.From)
	again := n.answered(m.From)
	in, err := decodeBlocksBody(m.Body) // its blocks are decoded a chunk at a time
	if err != nil {
		n.reject(m.From, "blocks", err)
		n.endSync(m.From)
		return
	}
	if len(in.Blocks) > MaxBlocksPerBatch {
		n.reject(m.From, "blocks", fmt.Errorf("%w: batch of %d blocks, max %d", ErrBadMessage, len(in.Blocks), MaxBlocksPerBatch))
		n.endSync(m.From)
		return
	}
	if len(in.Blocks) == 0 {
		n.endSync(m.From)
		if asked && n.claimsMore(m.From) {
			n.syncStalled(m.From, "it answered with no blocks")
		}
		return
	}
	last, err := decodeBlock(in.Blocks[len(in.Blocks)-1])
	if err != nil {
		n.reject(m.From, "blocks", err)
		n.endSync(m.From)
		return
	}
	if in.More {
		loc := append([]chain.Hash{last.Hash()}, n.chain.Locator()...)
		n.renewSync(m.From, again)
		n.send(TypeGetBlocks, m.From, GetBlocksBody{Locator: loc[:min(len(loc), MaxLocator)], Max: MaxBlocksPerBatch})
	}
	stored, orphans, held := 0, 0, 0
	for i := 0; i < len(in.Blocks); i += syncChunk {
		raw := in.Blocks[i:min(i+syncChunk, len(in.Blocks))]
		blocks := make([]*chain.Block, len(raw))
		for j, r := range raw {
			if i+j == len(in.Blocks)-1 {
				blocks[j] = last
				continue
			}
			if blocks[j], err = decodeBlock(r); err != nil {
				n.reject(m.From, "blocks", err)
				n.endSync(m.From)
				return
			}
		}
		res, err := n.chain.ProcessBlocks(blocks, n.cfg.Clock.Now())
		stored += res.Stored
		orphans += res.Orphans
		held += res.Held
		for k, st := range res.Statuses {
			if st == chain.StatusFuture {
				n.held(m.From, blocks[k])
			}
		}
		if err != nil {
			n.rejectBlock(m.From, blocks[len(res.Statuses)-1], err)
			n.endSync(m.From)
			return
		}
		if stored > 0 {
			n.emitSync(CodeSyncProgress, m.From)
		}
		n.yield()
	}
	if in.More {
		return // the next batch is on its way
	}
	behind := n.claimsMore(m.From)
	switch {
	case (stored > 0 && behind) || orphans > 0 || again:
		n.startSync(m.From) // orphans: their parents come by locator
	case behind && asked && held == 0:
		n.syncStalled(m.From, "its blocks brought nothing new")
	default:
		n.endSync(m.From)
	}
}

// claimsMore reports whether peerID announced more work than our tip has.
func (n *Node) claimsMore(peerID string) bool {
	tipWork := n.chain.Tip().Work
	n.mu.Lock()
	defer n.mu.Unlock()
	p, ok := n.peers[peerID]
	return ok && p.work.Cmp(tipWork) > 0
}

// processBlock runs one block announced by a peer through the chain. An
// orphan makes the node sync from that peer (by locator, so the blocks
// between come in batches). It reports whether the block broke a rule.
func (n *Node) processBlock(from string, b *chain.Block) (bad bool) {
	status, err := n.chain.ProcessBlock(b, n.cfg.Clock.Now())
	if err == nil && status == chain.StatusMainChain {
		n.peerAt(from, b) // the peer announced it: that is its tip now
	}
	switch {
	case err == nil && status == chain.StatusOrphan,
		errors.Is(err, chain.ErrUnknownParent):
		n.startSync(from)
	case errors.Is(err, chain.ErrDuplicateBlock):
	case err == nil && status == chain.StatusFuture:
		n.held(from, b)
	case err != nil:
		n.rejectBlock(from, b, err)
		return true
	}
	return false
}

// peerAt records that peer announced b, now our best tip, as its own.
func (n *Node) peerAt(peerID string, b *chain.Block) {
	tip := n.chain.Tip()
	if tip.Hash != b.Hash() {
		return
	}
	p := n.peer(peerID)
	n.mu.Lock()
	p.tip, p.height, p.work = tip.Hash, tip.Height, tip.Work
	n.mu.Unlock()
}

// held reports a block from the future, held until its time comes.
func (n *Node) held(from string, b *chain.Block) {
	n.emit(Event{Kind: EventStatus, Code: CodeStatusHeld, Peer: from, What: "block", Height: b.Height(), Hash: b.Hash().String(),
		Text: fmt.Sprintf("Holding block #%d %s from %s: its time is ahead of this computer's clock; it is tried again when that time comes", b.Height(), b.Hash().Short(), from)})
}

// emitSync reports the sync with peerID: our tip's height (Count) against
// the height it announced (Total).
func (n *Node) emitSync(code, peerID string) {
	tip := n.chain.Tip()
	n.mu.Lock()
	name, total := peerID, tip.Height
	if p, ok := n.peers[peerID]; ok {
		name, total = p.info.Name, max(p.height, tip.Height)
	}
	n.mu.Unlock()
	var text string
	switch code {
	case CodeSyncStarted:
		text = fmt.Sprintf("Syncing from %s (%s): %d of %d blocks", name, peerID, tip.Height, total)
	case CodeSyncProgress:
		text = fmt.Sprintf("Syncing: %d of %d blocks", tip.Height, total)
	default:
		text = fmt.Sprintf("Synced with %s (%s) at #%d %s", name, peerID, tip.Height, tip.Hash.Short())
	}
	n.emit(Event{Kind: EventSync, Code: code, Peer: peerID, Name: name, Height: tip.Height, Hash: tip.Hash.String(),
		Count: tip.Height, Total: total, Text: text})
}

// yield runs Config.Yield, if any, between chunks of long work.
func (n *Node) yield() {
	if n.cfg.Yield != nil {
		n.cfg.Yield()
	}
}
