package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// TxJSON is the JSON shape of a transaction. It keeps the tutorials' names:
// sender/recipient/amount (dvf) and author/content/timestamp (IBM).
// sender, author, content and timestamp are derived from the hashed
// fields; on decoding they must agree with them when present.
type TxJSON struct {
	ID        Hash    `json:"id"`
	From      string  `json:"from"`
	Sender    string  `json:"sender"`
	Recipient Address `json:"recipient"`
	Amount    uint64  `json:"amount"`
	Fee       uint64  `json:"fee"`
	Seq       uint64  `json:"seq"`
	Time      int64   `json:"time"`
	Timestamp float64 `json:"timestamp"`
	Name      string  `json:"name"`
	Memo      string  `json:"memo"`
	Sig       string  `json:"sig"`
	Author    string  `json:"author"`
	Content   string  `json:"content"`
}

// BlockJSON is the JSON shape of a block: index (= height) and
// previous_hash as the tutorials, timestamp in seconds, and every header
// field so anyone can rebuild the 100 header bytes and check the hash.
type BlockJSON struct {
	Index        uint64    `json:"index"`
	Timestamp    float64   `json:"timestamp"`
	Time         int64     `json:"time"`
	Version      uint32    `json:"version"`
	Difficulty   uint64    `json:"difficulty"`
	PreviousHash Hash      `json:"previous_hash"`
	MerkleRoot   Hash      `json:"merkle_root"`
	Nonce        uint64    `json:"nonce"`
	Hash         Hash      `json:"hash"`
	Transactions []*TxJSON `json:"transactions"`
	// Cert is a PBFT block's commit certificate (version 2 only); absent
	// from a proof-of-work block.
	Cert *CertJSON `json:"cert,omitempty"`
	// Seal is a PoS or DPoS block's producer signature and proofs
	// (versions 3 and 4 only).
	Seal *SealJSON `json:"seal,omitempty"`
}

// seconds converts unix milliseconds to the tutorials' float seconds.
func seconds(ms int64) float64 { return float64(ms) / 1000 }

// JSON returns the JSON shape of t.
func (t *Tx) JSON() *TxJSON {
	j := &TxJSON{
		ID:        t.ID(),
		From:      hex.EncodeToString(t.From),
		Sender:    "0",
		Recipient: t.To,
		Amount:    t.Amount,
		Fee:       t.Fee,
		Seq:       t.Seq,
		Time:      t.Time,
		Timestamp: seconds(t.Time),
		Name:      t.Name,
		Memo:      t.Memo,
		Sig:       hex.EncodeToString(t.Sig),
		Author:    t.Author(),
		Content:   t.Memo,
	}
	if !t.IsCoinbase() {
		j.Sender = t.Sender().String()
	}
	return j
}

// Tx rebuilds the transaction and checks that every derived field agrees
// with the hashed ones. A mismatch is ErrMalformed.
func (j *TxJSON) Tx() (*Tx, error) {
	from, err := hex.DecodeString(j.From)
	if err != nil {
		return nil, ruleError(ErrMalformed, "tx from %q is not hex", j.From)
	}
	sig, err := hex.DecodeString(j.Sig)
	if err != nil {
		return nil, ruleError(ErrMalformed, "tx sig is not hex")
	}
	t := &Tx{To: j.Recipient, Amount: j.Amount, Fee: j.Fee, Seq: j.Seq, Time: j.Time, Name: j.Name, Memo: j.Memo}
	if len(from) > 0 {
		t.From = from
	}
	if len(sig) > 0 {
		t.Sig = sig
	}
	if err := t.checkEncodable(); err != nil {
		return nil, ruleError(ErrMalformed, "tx: %v", err)
	}
	// The derived fields, each computed only when present (what t.JSON()
	// would give).
	id := t.ID()
	if j.ID != id {
		return nil, ruleErrorHW(ErrMalformed, j.ID, id, "tx id: have %s, want %s", j.ID, id)
	}
	if j.Sender != "" {
		want := "0"
		if !t.IsCoinbase() {
			want = t.Sender().String()
		}
		if j.Sender != want {
			return nil, ruleError(ErrMalformed, "tx %s sender: have %s, want %s", id.Short(), j.Sender, want)
		}
	}
	if want := seconds(t.Time); j.Timestamp != 0 && math.Abs(j.Timestamp-want) > 0.0005 {
		return nil, ruleError(ErrMalformed, "tx %s timestamp: have %v, want %v", id.Short(), j.Timestamp, want)
	}
	if j.Author != "" {
		if want := t.Author(); j.Author != want {
			return nil, ruleError(ErrMalformed, "tx %s author: have %q, want %q", id.Short(), j.Author, want)
		}
	}
	if j.Content != "" && j.Content != t.Memo {
		return nil, ruleError(ErrMalformed, "tx %s content: have %q, want %q", id.Short(), j.Content, t.Memo)
	}
	return t, nil
}

// MarshalJSON encodes t in its JSON shape.
func (t *Tx) MarshalJSON() ([]byte, error) { return json.Marshal(t.JSON()) }

// UnmarshalJSON decodes and checks the JSON shape.
func (t *Tx) UnmarshalJSON(b []byte) error {
	var j TxJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return ruleError(ErrMalformed, "tx: %v", err)
	}
	p, err := j.Tx()
	if err != nil {
		return err
	}
	*t = *p
	return nil
}

// JSON returns the JSON shape of b.
func (b *Block) JSON() *BlockJSON {
	j := &BlockJSON{
		Index:        b.Header.Height,
		Timestamp:    seconds(b.Header.Time),
		Time:         b.Header.Time,
		Version:      b.Header.Version,
		Difficulty:   b.Header.Difficulty,
		PreviousHash: b.Header.PrevHash,
		MerkleRoot:   b.Header.MerkleRoot,
		Nonce:        b.Header.Nonce,
		Hash:         b.Hash(),
		Transactions: make([]*TxJSON, len(b.Txs)),
	}
	if b.Header.Version == VersionPBFT {
		j.Cert = b.Cert.JSON()
	}
	if isStakeVersion(b.Header.Version) {
		j.Seal = b.Seal.JSON()
	}
	for i, t := range b.Txs {
		j.Transactions[i] = t.JSON()
	}
	return j
}

// Block rebuilds the block and checks that its hash and derived fields
// agree with the header. It does not check any consensus rule.
func (j *BlockJSON) Block() (*Block, error) {
	if len(j.Transactions) > MaxBlockTxs {
		return nil, ruleErrorHW(ErrTooManyTxs, len(j.Transactions), atMost(MaxBlockTxs), "have %d, max %d", len(j.Transactions), MaxBlockTxs)
	}
	b := &Block{Header: Header{
		Version:    j.Version,
		Height:     j.Index,
		Time:       j.Time,
		Difficulty: j.Difficulty,
		PrevHash:   j.PreviousHash,
		MerkleRoot: j.MerkleRoot,
		Nonce:      j.Nonce,
	}}
	if j.Cert != nil {
		if j.Version != VersionPBFT {
			return nil, ruleError(ErrMalformed, "block %d: a version-%d block carries no certificate", j.Index, j.Version)
		}
		c, err := j.Cert.Cert()
		if err != nil {
			return nil, err
		}
		b.Cert = c
	}
	if j.Seal != nil {
		if !isStakeVersion(j.Version) {
			return nil, ruleError(ErrMalformed, "block %d: a version-%d block carries no seal", j.Index, j.Version)
		}
		s, err := j.Seal.Seal()
		if err != nil {
			return nil, err
		}
		b.Seal = s
	}
	for i, tj := range j.Transactions {
		if tj == nil {
			return nil, ruleError(ErrMalformed, "block %d: transaction %d is null", j.Index, i)
		}
		t, err := tj.Tx()
		if err != nil {
			return nil, err
		}
		b.Txs = append(b.Txs, t)
	}
	if h := b.Hash(); j.Hash != h {
		return nil, ruleErrorHW(ErrMalformed, j.Hash, h, "block %d hash: have %s, want %s", j.Index, j.Hash, h)
	}
	if j.Timestamp != 0 && math.Abs(j.Timestamp-seconds(j.Time)) > 0.0005 {
		return nil, ruleError(ErrMalformed, "block %d timestamp: have %v, want %v", j.Index, j.Timestamp, seconds(j.Time))
	}
	return b, nil
}

// MarshalJSON encodes b in its JSON shape.
func (b *Block) MarshalJSON() ([]byte, error) { return json.Marshal(b.JSON()) }

// UnmarshalJSON decodes the JSON shape and checks hash and derived fields.
func (b *Block) UnmarshalJSON(data []byte) error {
	var j BlockJSON
	if !decodeBlockJSON(data, &j) { // the layout MarshalJSON writes, fast
		j = BlockJSON{}
		if err := json.Unmarshal(data, &j); err != nil {
			return ruleError(ErrMalformed, "block: %v", err)
		}
	}
	p, err := j.Block()
	if err != nil {
		return err
	}
	*b = *p
	return nil
}

// strictUnmarshal decodes one JSON value, refusing unknown fields and
// trailing data.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}
