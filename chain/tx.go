package chain

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Limits of transaction fields, enforced by encoding, decoding and validation.
const (
	MaxNameBytes = 32  // Tx.Name, UTF-8
	MaxMemoBytes = 280 // Tx.Memo, UTF-8
	// MaxSafeInteger is the largest integer JavaScript reads exactly
	// (2^53 − 1). Amounts, fees, sequence numbers, times and nonces stay
	// at or below it so every JSON number survives a browser.
	MaxSafeInteger = 1<<53 - 1
)

// Tx is a transaction: a transfer, a post (amount 0, `To` may be zero) or a
// coinbase (no From, the first transaction of every block).
//
// A Tx is immutable once built: ID caches nothing, so callers may compare
// and share pointers freely.
type Tx struct {
	// From is the sender's ed25519 public key (32 bytes); empty only in a coinbase.
	From []byte
	// To is the recipient; zero for a post without a recipient.
	To Address
	// Amount moves from sender to recipient (the reward in a coinbase).
	Amount uint64
	// Fee goes to the miner of the block that includes the transaction.
	Fee uint64
	// Seq is the sender's counter starting at 0 (the height in a coinbase).
	Seq uint64
	// Time is when the sender made it, unix milliseconds.
	Time int64
	// Name is the sender's nickname (the tutorials' author), ≤ 32 bytes UTF-8.
	Name string
	// Memo is a post's content, ≤ 280 bytes UTF-8.
	Memo string
	// Sig is the ed25519 signature (64 bytes) over SigningMessage; empty in a coinbase.
	Sig []byte
}

// IsCoinbase reports whether t has no sender.
func (t *Tx) IsCoinbase() bool { return len(t.From) == 0 }

// Sender returns the sender's address (zero for a coinbase).
func (t *Tx) Sender() Address {
	if t.IsCoinbase() {
		return Address{}
	}
	return AddressOf(t.From)
}

// IsPost reports whether t is a post: a signed transaction of amount 0
// (the IBM tutorial's {author, content}; its memo is the content). A
// coinbase is never a post, nor is a transfer, memo or not.
// A stake room's candidacy or vote (amount 0, to CandidateAddress or
// VoteAddress) is an instruction, not a post (StakeOp).
func (t *Tx) IsPost() bool {
	return !t.IsCoinbase() && t.Amount == 0 && t.To != CandidateAddress && t.To != VoteAddress
}

// Author is the name shown for the sender: Name, or the short address.
func (t *Tx) Author() string {
	if t.Name != "" {
		return t.Name
	}
	if t.IsCoinbase() {
		return "coinbase"
	}
	return t.Sender().Short()
}

// appendBody appends the canonical encoding of every field but Sig.
//
//	from   u8 length (0 or 32) + bytes
//	to     20 bytes
//	amount u64, fee u64, seq u64, time u64 (all big-endian)
//	name   u8 length + UTF-8 bytes
//	memo   u16 length + UTF-8 bytes
func (t *Tx) appendBody(b []byte) []byte {
	b = append(b, byte(len(t.From)))
	b = append(b, t.From...)
	b = append(b, t.To[:]...)
	b = binary.BigEndian.AppendUint64(b, t.Amount)
	b = binary.BigEndian.AppendUint64(b, t.Fee)
	b = binary.BigEndian.AppendUint64(b, t.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(t.Time))
	b = append(b, byte(len(t.Name)))
	b = append(b, t.Name...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(t.Memo)))
	b = append(b, t.Memo...)
	return b
}

// Encode returns the canonical encoding: the body followed by the signature
// as u8 length (0 or 64) + bytes. It is what the tx id hashes.
func (t *Tx) Encode() []byte {
	b := t.appendBody(make([]byte, 0, 128+len(t.Name)+len(t.Memo)))
	b = append(b, byte(len(t.Sig)))
	return append(b, t.Sig...)
}

// ID returns SHA-256 of the canonical encoding, signature included.
func (t *Tx) ID() Hash { return HashBytes(t.Encode()) }

// SigningMessage returns what the sender signs: the chain id (the genesis
// hash) followed by the canonical encoding of every field but Sig, so a
// transaction can't be replayed in another room.
func (t *Tx) SigningMessage(chainID Hash) []byte {
	return t.appendBody(append(make([]byte, 0, 160+len(t.Name)+len(t.Memo)), chainID[:]...))
}

// Sign sets From to key's public key and Sig to the signature over
// SigningMessage(chainID).
func (t *Tx) Sign(chainID Hash, key ed25519.PrivateKey) {
	t.From = append([]byte(nil), key.Public().(ed25519.PublicKey)...)
	t.Sig = ed25519.Sign(key, t.SigningMessage(chainID))
}

// VerifySignature reports whether Sig is a valid signature by From over
// SigningMessage(chainID).
func (t *Tx) VerifySignature(chainID Hash) bool {
	if len(t.From) != ed25519.PublicKeySize || len(t.Sig) != ed25519.SignatureSize {
		return false
	}
	return verifyEd25519(t.From, t.SigningMessage(chainID), t.Sig)
}

// checkEncodable reports fields the canonical encoding can't represent.
func (t *Tx) checkEncodable() error {
	switch {
	case len(t.From) != 0 && len(t.From) != ed25519.PublicKeySize:
		return fmt.Errorf("from: have %d bytes, want 0 or %d", len(t.From), ed25519.PublicKeySize)
	case len(t.Sig) != 0 && len(t.Sig) != ed25519.SignatureSize:
		return fmt.Errorf("sig: have %d bytes, want 0 or %d", len(t.Sig), ed25519.SignatureSize)
	case len(t.Name) > MaxNameBytes:
		return fmt.Errorf("name: have %d bytes, max %d", len(t.Name), MaxNameBytes)
	case len(t.Memo) > MaxMemoBytes && !(t.IsCoinbase() && len(t.Memo) <= maxGenesisMemoBytes):
		return fmt.Errorf("memo: have %d bytes, max %d", len(t.Memo), MaxMemoBytes)
	case !utf8.ValidString(t.Name):
		return fmt.Errorf("name is not valid UTF-8")
	case !utf8.ValidString(t.Memo):
		return fmt.Errorf("memo is not valid UTF-8")
	}
	return nil
}

// maxGenesisMemoBytes bounds a coinbase memo, which in the genesis block
// carries the room parameters as canonical JSON.
const maxGenesisMemoBytes = 1024
