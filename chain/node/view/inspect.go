package view

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/chainplay/chainplay/chain"
)

// BlockDetail is what the block inspector shows: the 100 header bytes
// field by field, the proof of work, the merkle tree of the transaction
// ids, and the transactions. Anyone can check it: SHA-256 of HeaderHex's
// bytes is Hash.
type BlockDetail struct {
	Hash   string `json:"hash"`
	Height uint64 `json:"height"`
	// Found is false when the node does not have the block (Hash only).
	Found bool `json:"found"`
	Main  bool `json:"main"` // on the best chain
	// Confirmations counts the blocks from it to the tip, itself
	// included; 0 off the best chain.
	Confirmations uint64 `json:"confirmations"`
	// HeaderHex is the 100 header bytes, 200 hex digits; Fields says what
	// each byte is, in order.
	HeaderHex string        `json:"header_hex"`
	Fields    []HeaderField `json:"fields"`
	// Target is the largest hash the difficulty allows; PowOK says
	// whether Hash is at most Target.
	Target   string `json:"target"`
	DiffBits int    `json:"diff_bits"`
	ZeroBits int    `json:"zero_bits"`
	ZeroHex  int    `json:"zero_hex"`
	PowOK    bool   `json:"pow_ok"`
	// Merkle is the merkle tree, leaves (the tx ids) first and the root
	// last; MerkleOK says whether its root is the header's.
	Merkle   []MerkleLevel `json:"merkle"`
	MerkleOK bool          `json:"merkle_ok"`
	Txs      []TxView      `json:"txs"`
}

// HeaderField is one field of the 100-byte header.
type HeaderField struct {
	// Name is the field: version, height, time, difficulty, prev_hash,
	// merkle_root or nonce (DESIGN.md's table).
	Name   string `json:"name"`
	Offset int    `json:"offset"`
	Size   int    `json:"size"`
	Hex    string `json:"hex"`   // its bytes, big-endian
	Value  string `json:"value"` // decimal for integers (time: unix ms), hex for hashes
}

// MerkleLevel is one level of a merkle tree.
type MerkleLevel struct {
	Hashes []string `json:"hashes"`
	// Dup says the level had an odd number of hashes, so its last one was
	// paired with itself to make the next level (Bitcoin's rule).
	Dup bool `json:"dup,omitempty"`
}

// headerLayout is the header's encoding, DESIGN.md's table.
var headerLayout = []struct {
	name   string
	offset int
	size   int
	hash   bool
}{
	{"version", 0, 4, false},
	{"height", 4, 8, false},
	{"time", 12, 8, false},
	{"difficulty", 20, 8, false},
	{"prev_hash", 28, 32, true},
	{"merkle_root", 60, 32, true},
	{"nonce", 92, 8, false},
}

// headerFields splits an encoded header into its fields.
func headerFields(enc [chain.HeaderSize]byte) []HeaderField {
	out := make([]HeaderField, 0, len(headerLayout))
	for _, f := range headerLayout {
		b := enc[f.offset : f.offset+f.size]
		v := HeaderField{Name: f.name, Offset: f.offset, Size: f.size, Hex: hex.EncodeToString(b)}
		switch {
		case f.hash:
			v.Value = v.Hex
		case f.size == 4:
			v.Value = strconv.FormatUint(uint64(binary.BigEndian.Uint32(b)), 10)
		case f.name == "time":
			v.Value = strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)
		default:
			v.Value = strconv.FormatUint(binary.BigEndian.Uint64(b), 10)
		}
		out = append(out, v)
	}
	return out
}

// merkleLevels returns the merkle tree of ids, leaves first, by
// chain.MerkleRoot's rule.
func merkleLevels(ids []chain.Hash) []MerkleLevel {
	if len(ids) == 0 {
		return []MerkleLevel{}
	}
	var out []MerkleLevel
	level := append([]chain.Hash(nil), ids...)
	var buf [2 * chain.HashSize]byte
	for {
		l := MerkleLevel{Hashes: make([]string, len(level)), Dup: len(level) > 1 && len(level)%2 == 1}
		for i, h := range level {
			l.Hashes[i] = h.String()
		}
		out = append(out, l)
		if len(level) == 1 {
			return out
		}
		if l.Dup {
			level = append(level, level[len(level)-1])
		}
		next := make([]chain.Hash, 0, len(level)/2)
		for i := 0; i < len(level); i += 2 {
			copy(buf[:chain.HashSize], level[i][:])
			copy(buf[chain.HashSize:], level[i+1][:])
			next = append(next, chain.HashBytes(buf[:]))
		}
		level = next
	}
}

// blockDetail describes b.
func blockDetail(b *chain.Block, me chain.Address, names namer) BlockDetail {
	enc := b.Header.Encode()
	h := chain.HashBytes(enc[:])
	target := chain.Target(b.Header.Difficulty)
	d := BlockDetail{
		Hash:      h.String(),
		Height:    b.Height(),
		Found:     true,
		HeaderHex: hex.EncodeToString(enc[:]),
		Fields:    headerFields(enc),
		Target:    chain.Hash(target).String(),
		DiffBits:  chain.Hash(target).LeadingZeroBits(),
		PowOK:     chain.MeetsTarget(h, target),
		Merkle:    merkleLevels(b.TxIDs()),
		Txs:       make([]TxView, 0, len(b.Txs)),
	}
	d.ZeroBits, d.ZeroHex = hashMarks(h)
	if n := len(d.Merkle); n > 0 {
		d.MerkleOK = d.Merkle[n-1].Hashes[0] == b.Header.MerkleRoot.String()
	}
	for _, tx := range b.Txs {
		d.Txs = append(d.Txs, txView(tx, me, names))
	}
	return d
}
