package chain

import (
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// decodeBlockJSON decodes the JSON shape of a block in one pass, for the
// layout Block.MarshalJSON writes (compact or indented): BlockJSON's
// members in their order, no certificate or seal, every transaction with
// TxJSON's members in their order, strings without escapes. It reports
// false for anything else, and the caller decodes with encoding/json;
// when it reports true, j is what encoding/json would have decoded
// (FuzzDecodeBlockJSON checks it). It checks no derived field: that is
// BlockJSON.Block's.
//
// encoding/json spends most of a block's decoding on reflection and on
// scanning the input twice; a node decodes every block it is announced,
// and an import every block of the dump.
func decodeBlockJSON(data []byte, j *BlockJSON) bool {
	d := jsonDec{b: data}
	ok := d.open('{') &&
		d.member("index", true) && d.uint(&j.Index, 64) &&
		d.member("timestamp", false) && d.float(&j.Timestamp) &&
		d.member("time", false) && d.int(&j.Time) &&
		d.member("version", false) && d.uint32(&j.Version) &&
		d.member("difficulty", false) && d.uint(&j.Difficulty, 64) &&
		d.member("previous_hash", false) && d.hex(j.PreviousHash[:]) &&
		d.member("merkle_root", false) && d.hex(j.MerkleRoot[:]) &&
		d.member("nonce", false) && d.uint(&j.Nonce, 64) &&
		d.member("hash", false) && d.hex(j.Hash[:]) &&
		d.member("transactions", false) && d.txs(&j.Transactions) &&
		d.close('}')
	if !ok {
		return false
	}
	d.ws()
	return d.i == len(d.b)
}

// jsonDec walks a JSON value; i is the next byte.
type jsonDec struct {
	b []byte
	i int
}

func (d *jsonDec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// open and close read a bracket after white space.
func (d *jsonDec) open(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *jsonDec) close(c byte) bool { return d.open(c) }

// member reads `,"name":` (without the comma when first).
func (d *jsonDec) member(name string, first bool) bool {
	if !first && !d.open(',') {
		return false
	}
	d.ws()
	n := len(name)
	if d.i+n+2 > len(d.b) || d.b[d.i] != '"' || string(d.b[d.i+1:d.i+1+n]) != name || d.b[d.i+1+n] != '"' {
		return false
	}
	d.i += n + 2
	return d.open(':')
}

// number returns the bytes of a JSON number at d.i (its grammar checked).
func (d *jsonDec) number() ([]byte, bool) {
	d.ws()
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.i < len(d.b) && '1' <= d.b[d.i] && d.b[d.i] <= '9':
		d.digits()
	default:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !d.digits() {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !d.digits() {
			return nil, false
		}
	}
	return d.b[start:d.i], true
}

func (d *jsonDec) digits() bool {
	start := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// uint reads an unsigned integer of the given bits, as encoding/json
// does (strconv.ParseUint of the literal: no sign, fraction or exponent).
func (d *jsonDec) uint(v *uint64, bits int) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseUint(string(lit), 10, bits)
	if err != nil {
		return false
	}
	*v = n
	return true
}

func (d *jsonDec) uint32(v *uint32) bool {
	var n uint64
	if !d.uint(&n, 32) {
		return false
	}
	*v = uint32(n)
	return true
}

func (d *jsonDec) int(v *int64) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(string(lit), 10, 64)
	if err != nil {
		return false
	}
	*v = n
	return true
}

func (d *jsonDec) float(v *float64) bool {
	lit, ok := d.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return false
	}
	*v = f
	return true
}

// raw reads a string without escapes or control characters, whose bytes
// are valid UTF-8 (so its value is its bytes, as encoding/json gives it).
func (d *jsonDec) raw() ([]byte, bool) {
	if !d.open('"') {
		return nil, false
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		d.i++
	}
	return nil, false
}

func (d *jsonDec) str(v *string) bool {
	s, ok := d.raw()
	if ok {
		*v = string(s)
	}
	return ok
}

// hex reads a string of exactly 2·len(dst) hex digits into dst (either
// case), as Hash's and Address's UnmarshalText do.
func (d *jsonDec) hex(dst []byte) bool {
	s, ok := d.raw()
	if !ok || len(s) != 2*len(dst) {
		return false
	}
	_, err := hex.Decode(dst, s)
	return err == nil
}

// address reads an Address: 40 hex digits, or "" for the zero address.
func (d *jsonDec) address(a *Address) bool {
	s, ok := d.raw()
	if !ok {
		return false
	}
	if len(s) == 0 {
		*a = Address{}
		return true
	}
	if len(s) != 2*AddressSize {
		return false
	}
	_, err := hex.Decode(a[:], s)
	return err == nil
}

// txs reads the array of transactions (not null).
func (d *jsonDec) txs(out *[]*TxJSON) bool {
	if !d.open('[') {
		return false
	}
	txs := []*TxJSON{}
	if d.close(']') {
		*out = txs
		return true
	}
	for {
		t := new(TxJSON)
		if !d.tx(t) {
			return false
		}
		txs = append(txs, t)
		if d.close(']') {
			*out = txs
			return true
		}
		if !d.open(',') {
			return false
		}
	}
}

func (d *jsonDec) tx(t *TxJSON) bool {
	return d.open('{') &&
		d.member("id", true) && d.hex(t.ID[:]) &&
		d.member("from", false) && d.str(&t.From) &&
		d.member("sender", false) && d.str(&t.Sender) &&
		d.member("recipient", false) && d.address(&t.Recipient) &&
		d.member("amount", false) && d.uint(&t.Amount, 64) &&
		d.member("fee", false) && d.uint(&t.Fee, 64) &&
		d.member("seq", false) && d.uint(&t.Seq, 64) &&
		d.member("time", false) && d.int(&t.Time) &&
		d.member("timestamp", false) && d.float(&t.Timestamp) &&
		d.member("name", false) && d.str(&t.Name) &&
		d.member("memo", false) && d.str(&t.Memo) &&
		d.member("sig", false) && d.str(&t.Sig) &&
		d.member("author", false) && d.str(&t.Author) &&
		d.member("content", false) && d.str(&t.Content) &&
		d.close('}')
}
