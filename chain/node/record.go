package node

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/chainplay/chainplay/chain"
)

// recordMagic starts a block record. A single block's canonical encoding
// starts with its version (00 00 00 01), so a store written one block per
// record before records existed still reads back.
var recordMagic = []byte("CPB1")

// EncodeRecord packs blocks into one record of a batch block store (the
// tab's IndexedDB keeps one record per PutBlocks, so a batch of blocks
// costs a few calls into JavaScript, not a few per block): recordMagic,
// then each block's canonical encoding after its length as a big-endian
// u32.
func EncodeRecord(bs []*chain.Block) []byte {
	rec := append([]byte(nil), recordMagic...)
	for _, b := range bs {
		enc := b.Encode()
		rec = binary.BigEndian.AppendUint32(rec, uint32(len(enc)))
		rec = append(rec, enc...)
	}
	return rec
}

// DecodeRecord unpacks a record made by EncodeRecord, or a record holding
// one block's encoding alone. A truncated or corrupt record is an error.
func DecodeRecord(rec []byte) ([]*chain.Block, error) {
	if !bytes.HasPrefix(rec, recordMagic) {
		b, err := chain.DecodeBlock(rec)
		if err != nil {
			return nil, fmt.Errorf("node: block record: %w", err)
		}
		return []*chain.Block{b}, nil
	}
	rest := rec[len(recordMagic):]
	var out []*chain.Block
	for len(rest) > 0 {
		if len(rest) < 4 {
			return nil, errors.New("node: block record: truncated length")
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-4) {
			return nil, fmt.Errorf("node: block record: block %d: have %d bytes, want %d", len(out), len(rest)-4, n)
		}
		b, err := chain.DecodeBlock(rest[4 : 4+n])
		if err != nil {
			return nil, fmt.Errorf("node: block record: block %d: %w", len(out), err)
		}
		out = append(out, b)
		rest = rest[4+n:]
	}
	return out, nil
}
