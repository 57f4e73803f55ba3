package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Bounds on decoding, so a peer can't make a node allocate without limit.
const (
	// MaxBlockTxs is the most transactions any block may hold, whatever the
	// room's parameters say.
	MaxBlockTxs = 10_000
	// MaxTxSize is the largest encoded transaction.
	MaxTxSize = 1 + 32 + AddressSize + 4*8 + 1 + MaxNameBytes + 2 + maxGenesisMemoBytes + 1 + 64
	// MaxBlockSize is the largest encoded block.
	// (A header, the larger of a commit certificate and a stake seal,
	// the count and the transactions.)
	MaxBlockSize = HeaderSize + maxSealSize + 4 + MaxBlockTxs*MaxTxSize
)

var errShort = errors.New("unexpected end of data")

// decoder reads the canonical encoding and remembers the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.err = errShort
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// present reads an optional field's marker: 1 when the field follows, 0
// when it is absent; anything else is an error (and absent).
func (d *decoder) present(what string) bool {
	switch d.u8() {
	case 0:
		return false
	case 1:
		return true
	}
	if d.err == nil {
		d.err = fmt.Errorf("%s marker: want 0 or 1", what)
	}
	return false
}

func (d *decoder) u8() int {
	p := d.take(1)
	if p == nil {
		return 0
	}
	return int(p[0])
}

func (d *decoder) u16() int {
	p := d.take(2)
	if p == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(p))
}

func (d *decoder) u32() uint32 {
	p := d.take(4)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint32(p)
}

func (d *decoder) u64() uint64 {
	p := d.take(8)
	if p == nil {
		return 0
	}
	return binary.BigEndian.Uint64(p)
}

func (d *decoder) tx() *Tx {
	t := new(Tx)
	if n := d.u8(); n > 0 {
		t.From = append([]byte(nil), d.take(n)...)
	}
	copy(t.To[:], d.take(AddressSize))
	t.Amount = d.u64()
	t.Fee = d.u64()
	t.Seq = d.u64()
	t.Time = int64(d.u64())
	t.Name = string(d.take(d.u8()))
	t.Memo = string(d.take(d.u16()))
	if n := d.u8(); n > 0 {
		t.Sig = append([]byte(nil), d.take(n)...)
	}
	if d.err == nil {
		if err := t.checkEncodable(); err != nil {
			d.err = err
		}
	}
	return t
}

// DecodeTx decodes one canonical transaction; trailing bytes are an error.
// Whatever it returns re-encodes to exactly b.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("chain: decode tx: have %d bytes, max %d", len(b), MaxTxSize)
	}
	d := decoder{b: b}
	t := d.tx()
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("chain: decode tx: %w", d.err)
	}
	return t, nil
}

// Encode returns the canonical block encoding: the 100-byte header, the
// transaction count as u32, then each transaction's canonical encoding.
// A PBFT block (header version VersionPBFT) has its commit certificate
// between the header and the count (see appendCert); a block of any other
// version has no certificate, so proof-of-work blocks encode as they
// always did. A PoS or DPoS block (VersionPoS, VersionDPoS) has its seal
// there instead (see appendSeal).
func (b *Block) Encode() []byte {
	h := b.Header.Encode()
	out := make([]byte, 0, HeaderSize+certSize(b.Cert)+4+len(b.Txs)*160)
	out = append(out, h[:]...)
	switch v := b.Header.Version; {
	case v == VersionPBFT:
		out = appendCert(out, b.Cert)
	case isStakeVersion(v):
		out = appendSeal(out, b.Seal)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Txs)))
	for _, t := range b.Txs {
		out = append(out, t.Encode()...)
	}
	return out
}

// DecodeBlock decodes a canonical block; trailing bytes are an error.
// Whatever it returns re-encodes to exactly b.
func DecodeBlock(b []byte) (*Block, error) {
	if len(b) > MaxBlockSize {
		return nil, fmt.Errorf("chain: decode block: have %d bytes, max %d", len(b), MaxBlockSize)
	}
	d := decoder{b: b}
	hb := d.take(HeaderSize)
	if d.err != nil {
		return nil, fmt.Errorf("chain: decode block: header: %w", d.err)
	}
	h, _ := DecodeHeader(hb)
	blk := &Block{Header: h}
	switch {
	case h.Version == VersionPBFT:
		blk.Cert = d.cert()
	case isStakeVersion(h.Version):
		blk.Seal = d.seal()
	}
	n := d.u32()
	if d.err == nil && n > MaxBlockTxs {
		d.err = fmt.Errorf("have %d transactions, max %d", n, MaxBlockTxs)
	}
	for i := uint32(0); i < n && d.err == nil; i++ {
		blk.Txs = append(blk.Txs, d.tx())
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("chain: decode block: %w", d.err)
	}
	return blk, nil
}
