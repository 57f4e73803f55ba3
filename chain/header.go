package chain

import (
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of an encoded header in bytes.
const HeaderSize = 100

// Offsets of the header fields in the 100-byte encoding. All integers are
// big-endian. The first 64 bytes do not depend on the nonce, so a miner
// hashes them once per job (the midstate).
const (
	offVersion    = 0
	offHeight     = 4
	offTime       = 12
	offDifficulty = 20
	offPrevHash   = 28
	offMerkleRoot = 60
	offNonce      = 92
)

// Header is a block header. Its encoding is exactly HeaderSize bytes and its
// SHA-256 is the block hash.
type Header struct {
	// Version is the consensus version; 1 for proof of work.
	Version uint32
	// Height is the number of blocks before this one; genesis is 0.
	Height uint64
	// Time is the block time in unix milliseconds.
	Time int64
	// Difficulty is the expected number of hashes to find this block, ≥ 1.
	Difficulty uint64
	// PrevHash is the hash of the parent block, zero for genesis.
	PrevHash Hash
	// MerkleRoot commits to the block's transaction ids.
	MerkleRoot Hash
	// Nonce is what miners vary to meet the proof of work.
	Nonce uint64
}

// Encode returns the canonical 100-byte encoding of h.
func (h *Header) Encode() [HeaderSize]byte {
	var b [HeaderSize]byte
	binary.BigEndian.PutUint32(b[offVersion:], h.Version)
	binary.BigEndian.PutUint64(b[offHeight:], h.Height)
	binary.BigEndian.PutUint64(b[offTime:], uint64(h.Time))
	binary.BigEndian.PutUint64(b[offDifficulty:], h.Difficulty)
	copy(b[offPrevHash:], h.PrevHash[:])
	copy(b[offMerkleRoot:], h.MerkleRoot[:])
	binary.BigEndian.PutUint64(b[offNonce:], h.Nonce)
	return b
}

// DecodeHeader decodes a 100-byte header. It fails on any other length.
func DecodeHeader(b []byte) (Header, error) {
	var h Header
	if len(b) != HeaderSize {
		return h, fmt.Errorf("chain: decode header: have %d bytes, want %d", len(b), HeaderSize)
	}
	h.Version = binary.BigEndian.Uint32(b[offVersion:])
	h.Height = binary.BigEndian.Uint64(b[offHeight:])
	h.Time = int64(binary.BigEndian.Uint64(b[offTime:]))
	h.Difficulty = binary.BigEndian.Uint64(b[offDifficulty:])
	copy(h.PrevHash[:], b[offPrevHash:offPrevHash+HashSize])
	copy(h.MerkleRoot[:], b[offMerkleRoot:offMerkleRoot+HashSize])
	h.Nonce = binary.BigEndian.Uint64(b[offNonce:])
	return h, nil
}

// Hash returns SHA-256 of the header's encoding: the block hash.
func (h *Header) Hash() Hash {
	b := h.Encode()
	return HashBytes(b[:])
}
