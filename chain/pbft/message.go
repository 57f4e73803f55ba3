package pbft

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// Kind is the type of a protocol message.
type Kind uint8

// The message kinds of Castro & Liskov's protocol. Requests are blocks,
// proposed by the primary from its mempool, so there is no REQUEST or
// REPLY: a client submits transactions to the mempool and reads the
// committed chain.
const (
	// KindPrePrepare: the primary of View assigns Seq to the block with
	// hash Digest (the block travels beside it, in Block). In a NEW-VIEW a
	// zero Digest is a null request: the sequence number commits nothing.
	KindPrePrepare Kind = 1 + iota
	// KindPrepare: a backup accepted the pre-prepare (View, Seq, Digest).
	KindPrepare
	// KindCommit: a replica is prepared for (View, Seq, Digest). Its
	// signature is over chain.CommitSigningBytes, so 2f+1 of them are a
	// block's commit certificate.
	KindCommit
	// KindCheckpoint: after executing Seq (a multiple of K) the replica's
	// state is Digest, the hash of its last executed block.
	KindCheckpoint
	// KindViewChange: the replica moves to view View. Seq and Digest are
	// its last stable checkpoint, proved by Checkpoints (2f+1, none for
	// the genesis at Seq 0); Prepared holds its prepared certificates for
	// the sequence numbers above Seq.
	KindViewChange
	// KindNewView: the primary of View starts it with the 2f+1
	// ViewChanges it got and PrePrepares, the pre-prepares of View for
	// every sequence number between the latest stable checkpoint among
	// them and the highest prepared one: the block prepared in the highest
	// view, or a null request where none was.
	KindNewView
)

var kindNames = [...]string{"", "pre-prepare", "prepare", "commit", "checkpoint", "view-change", "new-view"}

// String returns the kind's name as the paper spells it, e.g. "pre-prepare".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Message is one protocol message, signed by its sender's seat key. Which
// fields are used depends on Kind (see the Kind constants); the others are
// zero. Every field but Sig and the Block attachments is signed; a Block
// is bound to its pre-prepare by Digest (its hash) instead, so it can be
// left out where only the digest matters (inside a NEW-VIEW's view
// changes). A Message handed to a Replica is never modified by it.
type Message struct {
	Kind   Kind
	From   int // the sender's seat
	View   uint64
	Seq    uint64
	Digest chain.Hash
	// Block is a pre-prepare's block, or nil (a null request, or left out).
	Block *chain.Block

	Checkpoints []*Message // view change
	Prepared    []Prepared // view change
	ViewChanges []*Message // new view
	PrePrepares []*Message // new view

	Sig []byte
}

// Prepared is a prepared certificate: a pre-prepare and 2f matching
// prepares from distinct backups of its view.
type Prepared struct {
	PrePrepare *Message
	Prepares   []*Message
}

// Bounds on decoding, so a peer can't make a replica allocate without
// limit.
const (
	// MaxMessageBytes is the largest encoded message.
	MaxMessageBytes = 4 << 20
	// maxPrepared bounds a view change's prepared certificates: at most
	// one per sequence number of the log (MaxLogSize).
	maxPrepared = MaxLogSize
	// maxDepth bounds nesting: new view → view change → prepared →
	// pre-prepare.
	maxDepth = 3
)

// signDomain prefixes the bytes every message but a commit signs.
const signDomain = "chainplay/pbft/msg\x00"

// signingBytes returns the bytes m's sender signs for the chain chainID:
// for a commit chain.CommitSigningBytes; for the rest a domain string, the
// chain id and m's encoding without its Sig and without Block
// attachments (nested messages keep their signatures).
func (m *Message) signingBytes(chainID chain.Hash) []byte {
	if m.Kind == KindCommit {
		return chain.CommitSigningBytes(chainID, m.View, m.Seq, m.Digest)
	}
	b := append([]byte(signDomain), chainID[:]...)
	return m.appendTo(b, false, false)
}

// Sign sets m.Sig with key for the chain chainID.
func (m *Message) Sign(key ed25519.PrivateKey, chainID chain.Hash) {
	m.Sig = ed25519.Sign(key, m.signingBytes(chainID))
}

// verifySig reports whether m's signature is its sender's.
func (m *Message) verifySig(chainID chain.Hash, seats []ed25519.PublicKey, cache *SigCache) bool {
	return m.From >= 0 && m.From < len(seats) && len(m.Sig) == ed25519.SignatureSize &&
		cache.verify(seats[m.From], m.signingBytes(chainID), m.Sig)
}

// VerifySig reports whether m carries a valid signature of its sender's
// seat (seats[m.From]) for the chain chainID: what an observer of the
// room (a node without a seat drawing the phases) checks before it counts
// a message. It does not check the nested proofs; a Replica's Step
// verifies those too. cache may be nil.
func (m *Message) VerifySig(chainID chain.Hash, seats []ed25519.PublicKey, cache *SigCache) bool {
	return m.verifySig(chainID, seats, cache)
}

// Encode returns m's wire encoding (DecodeMessage reads it): u8 kind, u8
// from, u64 view, u64 seq, 32-byte digest; u8 count and that many nested
// checkpoints; u16 count and that many prepared certificates (a nested
// pre-prepare, u8 count, the nested prepares); u8 count and the nested
// view changes; u16 count and the nested pre-prepares; the 64-byte
// signature; u8 0, or u8 1, u32 length and the block's encoding. A
// nested message is its u32 length and its encoding. All integers are
// big-endian.
func (m *Message) Encode() []byte { return m.appendTo(nil, true, true) }

func (m *Message) appendTo(b []byte, sig, blocks bool) []byte {
	b = append(b, byte(m.Kind), byte(m.From))
	b = binary.BigEndian.AppendUint64(b, m.View)
	b = binary.BigEndian.AppendUint64(b, m.Seq)
	b = append(b, m.Digest[:]...)
	b = append(b, byte(len(m.Checkpoints)))
	for _, c := range m.Checkpoints {
		b = appendNested(b, c, blocks)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.Prepared)))
	for _, p := range m.Prepared {
		b = appendNested(b, p.PrePrepare, blocks)
		b = append(b, byte(len(p.Prepares)))
		for _, q := range p.Prepares {
			b = appendNested(b, q, blocks)
		}
	}
	b = append(b, byte(len(m.ViewChanges)))
	for _, v := range m.ViewChanges {
		b = appendNested(b, v, blocks)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.PrePrepares)))
	for _, p := range m.PrePrepares {
		b = appendNested(b, p, blocks)
	}
	if !sig {
		return b
	}
	b = append(b, m.Sig...)
	if !blocks || m.Block == nil {
		return append(b, 0)
	}
	enc := m.Block.Encode()
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(enc)))
	return append(b, enc...)
}

func appendNested(b []byte, m *Message, blocks bool) []byte {
	at := len(b)
	b = append(b, 0, 0, 0, 0)
	b = m.appendTo(b, true, blocks)
	binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// ErrMalformed is what DecodeMessage returns, wrapped, for bytes that are
// not a message.
var ErrMalformed = errors.New("pbft: malformed message")

// DecodeMessage decodes one message written by Encode; trailing bytes are
// an error. It checks the shape only (sizes, counts, nesting), not the
// signatures: a Replica verifies every message it is given.
func DecodeMessage(b []byte) (*Message, error) {
	if len(b) > MaxMessageBytes {
		return nil, fmt.Errorf("%w: %d bytes, max %d", ErrMalformed, len(b), MaxMessageBytes)
	}
	d := decoder{b: b}
	m := d.message(0)
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, d.err)
	}
	return m, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) || n < 0 {
		d.err = errors.New("unexpected end of data")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u8() int {
	if p := d.take(1); p != nil {
		return int(p[0])
	}
	return 0
}

func (d *decoder) u16() int {
	if p := d.take(2); p != nil {
		return int(binary.BigEndian.Uint16(p))
	}
	return 0
}

func (d *decoder) u32() int {
	if p := d.take(4); p != nil {
		return int(binary.BigEndian.Uint32(p))
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) nested(depth int) *Message {
	n := d.u32()
	body := d.take(n)
	if d.err != nil {
		return nil
	}
	if depth > maxDepth {
		d.fail("messages nested more than %d deep", maxDepth)
		return nil
	}
	sub := decoder{b: body}
	m := sub.message(depth)
	if sub.err == nil && len(sub.b) != 0 {
		sub.err = fmt.Errorf("%d trailing bytes in a nested message", len(sub.b))
	}
	if sub.err != nil {
		d.fail("%v", sub.err)
	}
	return m
}

func (d *decoder) message(depth int) *Message {
	m := &Message{Kind: Kind(d.u8()), From: d.u8(), View: d.u64(), Seq: d.u64()}
	copy(m.Digest[:], d.take(chain.HashSize))
	if d.err == nil && (m.Kind < KindPrePrepare || m.Kind > KindNewView) {
		d.fail("unknown kind %d", m.Kind)
	}
	if n := d.u8(); n > chain.MaxSeats {
		d.fail("%d checkpoints, max %d", n, chain.MaxSeats)
	} else {
		for range n {
			m.Checkpoints = append(m.Checkpoints, d.nested(depth+1))
		}
	}
	if n := d.u16(); n > maxPrepared {
		d.fail("%d prepared certificates, max %d", n, maxPrepared)
	} else {
		for i := 0; i < n && d.err == nil; i++ {
			p := Prepared{PrePrepare: d.nested(depth + 1)}
			k := d.u8()
			if k > chain.MaxSeats {
				d.fail("%d prepares, max %d", k, chain.MaxSeats)
			}
			for j := 0; j < k && d.err == nil; j++ {
				p.Prepares = append(p.Prepares, d.nested(depth+1))
			}
			m.Prepared = append(m.Prepared, p)
		}
	}
	if n := d.u8(); n > chain.MaxSeats {
		d.fail("%d view changes, max %d", n, chain.MaxSeats)
	} else {
		for i := 0; i < n && d.err == nil; i++ {
			m.ViewChanges = append(m.ViewChanges, d.nested(depth+1))
		}
	}
	if n := d.u16(); n > maxPrepared {
		d.fail("%d pre-prepares, max %d", n, maxPrepared)
	} else {
		for i := 0; i < n && d.err == nil; i++ {
			m.PrePrepares = append(m.PrePrepares, d.nested(depth+1))
		}
	}
	m.Sig = append([]byte(nil), d.take(ed25519.SignatureSize)...)
	switch d.u8() {
	case 0:
	case 1:
		enc := d.take(d.u32())
		if d.err == nil {
			b, err := chain.DecodeBlock(enc)
			if err != nil {
				d.fail("block: %v", err)
			}
			m.Block = b
		}
	default:
		d.fail("block marker: want 0 or 1")
	}
	if d.err != nil {
		return nil
	}
	return m
}
