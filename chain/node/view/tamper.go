package view

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// Tamper mode is the classic lesson: a student edits a block of the best
// chain in this tab only. The forged copy recomputes everything from its
// content, as a real node would: the merkle root follows the edited
// transactions, the hash follows the header, and each later block's
// previous-hash follows its forged parent, so every block from the edit
// on fails its proof of work. Re-mining them one by one (with the tab's
// miner, through Node.Solve) makes the copy consistent again; publishing
// offers it to this node and the room, which keep their best chain unless
// the copy carries more work. A transfer's edit also breaks its
// signature, which no amount of mining repairs.

// Tamper commands (TamperCommand.Op).
const (
	TamperStart   = "start"    // forge the best chain from Height to the tip (at most MaxTamperBlocks)
	TamperEdit    = "edit"     // set Field of transaction Tx of the forged block at Height to Value
	TamperMine    = "mine"     // re-mine the forged block at Height
	TamperMineAll = "mine-all" // re-mine every forged block that fails its proof of work, in order
	TamperExtend  = "extend"   // add an empty block (paying this wallet) on the forged tip
	TamperPublish = "publish"  // submit the forged blocks to this node and the room
	TamperStop    = "stop"     // leave tamper mode
)

// Fields an edit may set.
const (
	FieldAmount = "amount" // an integer ≤ 2^53−1
	FieldTo     = "to"     // a 40-hex address, or "" for none
	FieldMemo   = "memo"   // text of at most chain.MaxMemoBytes bytes
)

// MaxTamperBlocks bounds the forged copy.
const MaxTamperBlocks = 12

// Codes of the status events tamper mode logs.
const (
	// CodeTamperMined: a forged block was re-mined (Height, Hash, Count:
	// the nonce).
	CodeTamperMined = "tamper-mined"
	// CodeTamperWon: the published forged chain carries more work, so it
	// is the best chain now, here and for every peer that gets it
	// (Height, Hash: its tip; Count: the blocks published).
	CodeTamperWon = "tamper-won"
	// CodeTamperIgnored: the published forged chain carries no more work
	// than the best chain, which stays (Count: blocks published; Have: the
	// forged tip's cumulative work, Want: the best tip's).
	CodeTamperIgnored = "tamper-ignored"
)

// TamperCommand is a page's action in tamper mode.
type TamperCommand struct {
	Op     string `json:"op"`
	Height uint64 `json:"height,omitempty"`
	Tx     int    `json:"tx,omitempty"` // edit: index in the block, 0 is the coinbase
	Field  string `json:"field,omitempty"`
	Value  string `json:"value,omitempty"`
}

// TamperView is the forged copy as the page shows it.
type TamperView struct {
	From   uint64       `json:"from"`
	Blocks []ForgedView `json:"blocks"`
	// Mining is the height being re-mined, 0 when none.
	Mining uint64 `json:"mining,omitempty"`
	// Error is the code of the last command refused (a TamperError's),
	// and ErrorDetail its English detail; empty after a command succeeds.
	Error       string `json:"error,omitempty"`
	ErrorDetail string `json:"error_detail,omitempty"`
	Published   bool   `json:"published,omitempty"`
}

// ForgedView is one block of the forged copy.
type ForgedView struct {
	BlockView
	// Original is the hash of the best chain's block it copies; "" for a
	// block added with TamperExtend.
	Original string `json:"original,omitempty"`
	Edited   bool   `json:"edited,omitempty"`
	// Problem is the code of the first rule it breaks (high-hash until it
	// is re-mined, bad-signature after a transfer's edit, …); "" when a
	// node would take it.
	Problem string      `json:"problem,omitempty"`
	Have    string      `json:"have,omitempty"` // the problem's numbers, as in a node.Event
	Want    string      `json:"want,omitempty"`
	Detail  BlockDetail `json:"detail"`
}

// tamperState is a Model's tamper mode. Model.tmu guards it; the
// re-mining goroutine takes it only between searches. gen counts every
// change, across restarts too.
type tamperState struct {
	on      bool
	blocks  []*chain.Block // the forged copy, parent first
	orig    []chain.Hash   // orig[i]: the best chain's block blocks[i] copies (zero: an extension)
	edited  []bool
	bad     []int // bad[i]: index of a transaction whose signature fails, -1 if none
	mining  uint64
	cancel  context.CancelFunc
	gen     uint64 // counts changes; a search that started before one is dropped
	err     *TamperError
	publish bool
	// views caches the blocks' views for viewGen.
	views   []ForgedView
	viewGen uint64
}

// Tamper carries out a tamper command. A refused command changes
// nothing and returns a *TamperError (match with errors.Is); the
// snapshot's Tamper.Error says so too. Re-mining runs on the node's
// miner in the background: Tamper returns at once.
func (m *Model) Tamper(cmd TamperCommand) error {
	t := &m.tamper
	m.tmu.Lock()
	err := m.tamperLocked(cmd)
	var te *TamperError
	switch {
	case err == nil:
		t.err = nil
	case errors.As(err, &te):
		t.err = te
	default:
		t.err = &TamperError{Code: ErrTamperBadOp.Code, Detail: err.Error()}
	}
	m.tmu.Unlock()
	m.changed()
	return err
}

func (m *Model) tamperLocked(cmd TamperCommand) error {
	t := &m.tamper
	if cmd.Op != TamperStart && cmd.Op != TamperStop && !t.on {
		return ErrTamperOff
	}
	if t.mining != 0 && cmd.Op != TamperStop {
		return ErrTamperBusy
	}
	switch cmd.Op {
	case TamperStart:
		return m.tamperStart(cmd.Height)
	case TamperStop:
		if t.cancel != nil {
			t.cancel()
		}
		*t = tamperState{gen: t.gen + 1}
		return nil
	case TamperEdit:
		i, err := t.at(cmd.Height)
		if err != nil {
			return err
		}
		return m.tamperEdit(i, cmd)
	case TamperMine:
		i, err := t.at(cmd.Height)
		if err != nil {
			return err
		}
		m.tamperMine(i, i)
		return nil
	case TamperMineAll:
		first := -1
		for i, b := range t.blocks {
			if !b.Header.HasProofOfWork() {
				first = i
				break
			}
		}
		if first >= 0 {
			m.tamperMine(first, len(t.blocks)-1)
		}
		return nil
	case TamperExtend:
		return m.tamperExtend()
	case TamperPublish:
		return m.tamperPublish()
	}
	return tamperErr(ErrTamperBadOp, fmt.Sprintf("%q", cmd.Op))
}

// at returns the index of the forged block at height h.
func (t *tamperState) at(h uint64) (int, error) {
	if len(t.blocks) == 0 || h < t.blocks[0].Height() || h > t.blocks[len(t.blocks)-1].Height() {
		return 0, tamperErr(ErrTamperNoBlock, fmt.Sprintf("no forged block #%d", h))
	}
	return int(h - t.blocks[0].Height()), nil
}

// forge returns a copy of b whose transactions can be edited without
// touching b's.
func forge(b *chain.Block) *chain.Block {
	c := &chain.Block{Header: b.Header, Txs: make([]*chain.Tx, len(b.Txs))}
	for i, tx := range b.Txs {
		cp := *tx
		c.Txs[i] = &cp
	}
	return c
}

func (m *Model) tamperStart(h uint64) error {
	if h == 0 {
		return ErrTamperGenesis
	}
	c := m.node.Chain()
	t := &m.tamper
	if t.cancel != nil {
		t.cancel()
	}
	fresh := tamperState{on: true, gen: t.gen + 1}
	for i := h; i < h+MaxTamperBlocks; i++ {
		b, ok := c.BlockAtHeight(i)
		if !ok {
			break
		}
		fresh.blocks = append(fresh.blocks, forge(b))
		fresh.orig = append(fresh.orig, b.Hash())
		fresh.edited = append(fresh.edited, false)
		fresh.bad = append(fresh.bad, -1) // a block of the best chain: every signature holds
	}
	if len(fresh.blocks) == 0 {
		return tamperErr(ErrTamperNoBlock, fmt.Sprintf("the best chain has no block #%d", h))
	}
	*t = fresh
	return nil
}

// relinkLocked makes the forged copy follow its content from block i on:
// each merkle root from its transactions, each previous-hash from its
// forged parent.
func (t *tamperState) relinkLocked(i int) {
	for ; i < len(t.blocks); i++ {
		b := t.blocks[i]
		if i > 0 {
			b.Header.PrevHash = t.blocks[i-1].Hash()
		}
		b.Header.MerkleRoot = b.ComputeMerkleRoot()
	}
	t.gen++
}

func (m *Model) tamperEdit(i int, cmd TamperCommand) error {
	t := &m.tamper
	b := t.blocks[i]
	if cmd.Tx < 0 || cmd.Tx >= len(b.Txs) {
		return tamperErr(ErrTamperBadValue, fmt.Sprintf("block #%d has no transaction %d", b.Height(), cmd.Tx))
	}
	tx := *b.Txs[cmd.Tx] // edit a copy: the snapshot may hold the old one
	switch cmd.Field {
	case FieldAmount:
		v, err := strconv.ParseUint(strings.TrimSpace(cmd.Value), 10, 64)
		if err != nil || v > chain.MaxSafeInteger {
			return tamperErr(ErrTamperBadValue, fmt.Sprintf("amount %q: want a whole number from 0 to %d", cmd.Value, uint64(chain.MaxSafeInteger)))
		}
		tx.Amount = v
	case FieldTo:
		v := strings.TrimSpace(cmd.Value)
		if v == "" {
			tx.To = chain.Address{}
			break
		}
		a, err := chain.ParseAddress(strings.ToLower(v))
		if err != nil {
			return tamperErr(ErrTamperBadValue, fmt.Sprintf("recipient %q: want 40 hex digits", cmd.Value))
		}
		tx.To = a
	case FieldMemo:
		if len(cmd.Value) > chain.MaxMemoBytes || !utf8.ValidString(cmd.Value) {
			return tamperErr(ErrTamperBadValue, fmt.Sprintf("memo of %d bytes: at most %d bytes of text", len(cmd.Value), chain.MaxMemoBytes))
		}
		tx.Memo = cmd.Value
	default:
		return tamperErr(ErrTamperBadValue, fmt.Sprintf("field %q: want amount, to or memo", cmd.Field))
	}
	b.Txs[cmd.Tx] = &tx
	t.edited[i] = true
	// The signatures of the block: only the edited one can have changed.
	if !tx.IsCoinbase() && !tx.VerifySignature(m.node.Chain().ID()) {
		if t.bad[i] < 0 || cmd.Tx < t.bad[i] {
			t.bad[i] = cmd.Tx
		}
	} else if t.bad[i] == cmd.Tx {
		t.bad[i] = -1
		for j, other := range b.Txs {
			if j > 0 && !other.VerifySignature(m.node.Chain().ID()) {
				t.bad[i] = j
				break
			}
		}
	}
	t.relinkLocked(i)
	return nil
}

// tamperMine re-mines the forged blocks from..to that fail their proof
// of work, one by one, on the node's miner, in the background.
func (m *Model) tamperMine(from, to int) {
	t := &m.tamper
	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	t.mining = t.blocks[from].Height()
	gen := t.gen
	go func() {
		defer cancel()
		for i := from; i <= to; i++ {
			m.tmu.Lock()
			if t.gen != gen || i >= len(t.blocks) {
				m.tmu.Unlock()
				return
			}
			hdr := t.blocks[i].Header
			t.mining = hdr.Height
			m.tmu.Unlock()
			m.changed()
			if hdr.HasProofOfWork() && i != from {
				continue
			}
			solved, err := m.node.Solve(ctx, hdr)
			m.tmu.Lock()
			if err != nil || t.gen != gen {
				if t.gen == gen {
					t.mining = 0
				}
				m.tmu.Unlock()
				m.changed()
				return
			}
			t.blocks[i].Header = solved
			t.relinkLocked(i + 1)
			gen = t.gen
			h := t.blocks[i].Hash()
			m.tmu.Unlock()
			m.Log(node.Event{Kind: node.EventStatus, Code: CodeTamperMined, Height: solved.Height, Hash: h.String(), Count: solved.Nonce,
				Text: fmt.Sprintf("Re-mined forged block #%d: nonce %d gives %s", solved.Height, solved.Nonce, h.Short())})
		}
		m.tmu.Lock()
		if t.gen == gen {
			t.mining = 0
		}
		m.tmu.Unlock()
		m.changed()
	}()
}

func (m *Model) tamperExtend() error {
	t := &m.tamper
	if len(t.blocks) >= 2*MaxTamperBlocks {
		return ErrTamperFull
	}
	c := m.node.Chain()
	p := c.Params()
	parent := t.blocks[len(t.blocks)-1]
	height := parent.Height() + 1
	ancestor := func(h uint64) *chain.Header {
		if h >= t.blocks[0].Height() && h <= parent.Height() {
			return &t.blocks[h-t.blocks[0].Height()].Header
		}
		if b, ok := c.BlockAtHeight(h); ok && h < t.blocks[0].Height() {
			return &b.Header
		}
		return nil
	}
	now := m.cfg.Clock.Now().UnixMilli()
	tm := max(now, parent.Header.Time+1)
	cb := &chain.Tx{To: m.node.Address(), Amount: p.SubsidyAt(height), Seq: height, Time: tm}
	if name := m.node.Name(); len(name) <= chain.MaxNameBytes {
		cb.Name = name
	}
	b := &chain.Block{
		Header: chain.Header{Version: 1, Height: height, Time: tm, PrevHash: parent.Hash(),
			Difficulty: chain.CalcNextDifficulty(p, &parent.Header, ancestor)},
		Txs: []*chain.Tx{cb},
	}
	b.Header.MerkleRoot = b.ComputeMerkleRoot()
	t.blocks = append(t.blocks, b)
	t.orig = append(t.orig, chain.Hash{})
	t.edited = append(t.edited, true)
	t.bad = append(t.bad, -1)
	t.gen++
	return nil
}

// problem returns the first rule b breaks that a node checks without its
// parent, or nil; bad is the index of a transaction whose signature
// fails (-1: none).
func problem(b *chain.Block, p chain.Params, bad int) error {
	if err := chain.CheckBlockSanity(b, p); err != nil {
		return err
	}
	if bad >= 0 {
		return fmt.Errorf("transaction %d: %w", bad, chain.ErrBadSignature)
	}
	return nil
}

func (m *Model) tamperPublish() error {
	t := &m.tamper
	n, c := m.node, m.node.Chain()
	var last *chain.Block
	published := 0
	for i, b := range t.blocks {
		if err := problem(b, c.Params(), t.bad[i]); err != nil {
			m.logRefusedLocked(b, err)
			return nil // the log says why; the forged copy stays for another try
		}
		if t.orig[i] == b.Hash() {
			continue // unchanged: the room has it
		}
		if err := n.SubmitBlock(b); err != nil && !errors.Is(err, chain.ErrDuplicateBlock) {
			m.logRefusedLocked(b, err)
			return nil
		}
		last = b
		published++
	}
	t.publish = true
	if last == nil {
		return nil
	}
	tip := c.Tip()
	if tip.Hash == last.Hash() {
		m.logLocked(node.Event{Kind: node.EventStatus, Code: CodeTamperWon, Height: last.Height(), Hash: last.Hash().String(), Count: uint64(published),
			Text: fmt.Sprintf("The forged chain carries more work: #%d %s is the best tip now", last.Height(), last.Hash().Short())})
		return nil
	}
	work := "0"
	for _, tn := range c.TreeFrom(last.Height()) {
		if tn.Hash == last.Hash() {
			work = tn.Work.String()
		}
	}
	m.logLocked(node.Event{Kind: node.EventStatus, Code: CodeTamperIgnored, Height: last.Height(), Hash: last.Hash().String(), Count: uint64(published),
		Have: work, Want: tip.Work.String(),
		Text: fmt.Sprintf("The forged chain carries no more work (%s) than the best chain (%s): the best chain stays", work, tip.Work)})
	return nil
}

// logRefusedLocked logs that b of the forged copy breaks err's rule.
func (m *Model) logRefusedLocked(b *chain.Block, err error) {
	ev := node.Event{Kind: node.EventRefused, Code: node.Code(err), What: "block", Height: b.Height(), Hash: b.Hash().String(),
		Text: fmt.Sprintf("Did not publish forged block #%d: %v", b.Height(), err)}
	var re *chain.RuleError
	if errors.As(err, &re) {
		ev.Have, ev.Want, ev.Reason = re.Have, re.Want, re.Detail
	}
	if ev.Code == "" {
		ev.Code = chain.ErrBadSignature.Code()
	}
	m.logLocked(ev)
}

// logLocked is Log for code that holds the tamper lock (Log takes the
// model's, never the tamper one's).
func (m *Model) logLocked(ev node.Event) { m.Log(ev) }

// tamperView is the forged copy as the page shows it, nil when off.
func (m *Model) tamperView(p chain.Params, me chain.Address, names namer) *TamperView {
	t := &m.tamper
	m.tmu.Lock()
	defer m.tmu.Unlock()
	if !t.on {
		return nil
	}
	v := &TamperView{From: t.blocks[0].Height(), Mining: t.mining, Published: t.publish}
	if t.err != nil {
		v.Error, v.ErrorDetail = t.err.Code, t.err.Detail
	}
	if t.views != nil && t.viewGen == t.gen {
		v.Blocks = t.views
		return v
	}
	v.Blocks = make([]ForgedView, 0, len(t.blocks))
	for i, b := range t.blocks {
		f := ForgedView{BlockView: blockView(b, me, names), Edited: t.edited[i], Detail: blockDetail(b, me, names)}
		if !t.orig[i].IsZero() {
			f.Original = t.orig[i].String()
		}
		if err := problem(b, p, t.bad[i]); err != nil {
			f.Problem = node.Code(err)
			var re *chain.RuleError
			if errors.As(err, &re) {
				f.Have, f.Want = re.Have, re.Want
			}
			if f.Problem == "" {
				f.Problem = chain.ErrBadSignature.Code()
			}
		}
		v.Blocks = append(v.Blocks, f)
	}
	t.views, t.viewGen = v.Blocks, t.gen
	return v
}
