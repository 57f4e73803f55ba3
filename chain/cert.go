package chain

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// MaxSeats is the most replicas a PBFT room may have: the genesis
// coinbase memo (1024 bytes) holds the parameters with ten public keys in
// hex, n = 10 = 3·3+1 tolerates three faulty replicas.
const MaxSeats = 10

// MinSeats is the fewest replicas of a PBFT room: n = 4 = 3·1+1
// tolerates one faulty replica.
const MinSeats = 4

// VersionPBFT is the header version of a PBFT block. Proof of work is
// version 1; the genesis block of every room is version 1 (it has no
// seal: the parameters fix it).
const VersionPBFT = 2

// SeatSig is one replica's signature in a commit certificate: Seat is its
// index in Params.Seats, Sig its ed25519 signature over
// CommitSigningBytes.
type SeatSig struct {
	Seat int
	Sig  []byte
}

// CommitCert is a PBFT block's commit certificate: the signatures of at
// least 2f+1 distinct replicas (n = len(Params.Seats), f = (n−1)/3) over
// CommitSigningBytes(chain id, View, Seq, block hash), the very
// signatures of their COMMIT messages. Seq is the PBFT sequence number the
// block was ordered at: it grows from block to block (a sequence that
// committed a null request has no block, so Seq may skip numbers but
// never goes back). Sigs are in increasing seat order. The certificate is
// not part of the block hash (it signs it): a block is stored under one
// hash whichever valid certificate it came with.
type CommitCert struct {
	View uint64
	Seq  uint64
	Sigs []SeatSig
}

// commitDomain prefixes the bytes a COMMIT signs, so that no other message
// of the protocol, nor a transaction, can be passed off as a commit.
const commitDomain = "chainplay/pbft/commit\x00"

// CommitSigningBytes returns the bytes a replica signs in a COMMIT
// message (and so in a commit certificate): a domain string, the chain
// id, the view and sequence as big-endian u64 and the block hash.
func CommitSigningBytes(chainID Hash, view, seq uint64, digest Hash) []byte {
	b := make([]byte, 0, len(commitDomain)+HashSize+16+HashSize)
	b = append(b, commitDomain...)
	b = append(b, chainID[:]...)
	b = binary.BigEndian.AppendUint64(b, view)
	b = binary.BigEndian.AppendUint64(b, seq)
	return append(b, digest[:]...)
}

// Quorum returns 2f+1 for n replicas, f = (n−1)/3: how many matching
// votes make a certificate.
func Quorum(n int) int { return 2*((n-1)/3) + 1 }

// certSize is the encoded size of c (see appendCert).
func certSize(c *CommitCert) int {
	if c == nil {
		return 1
	}
	return 1 + 16 + 1 + len(c.Sigs)*(1+ed25519.SignatureSize)
}

// appendCert appends the encoding of a certificate beside a version-2
// header: u8 1 (present) or 0 (absent); when present u64 view, u64 seq,
// u8 count, then count × (u8 seat, 64-byte signature).
func appendCert(out []byte, c *CommitCert) []byte {
	if c == nil {
		return append(out, 0)
	}
	out = append(out, 1)
	out = binary.BigEndian.AppendUint64(out, c.View)
	out = binary.BigEndian.AppendUint64(out, c.Seq)
	out = append(out, byte(len(c.Sigs)))
	for _, s := range c.Sigs {
		out = append(out, byte(s.Seat))
		out = append(out, s.Sig...)
	}
	return out
}

// cert decodes what appendCert wrote.
func (d *decoder) cert() *CommitCert {
	if !d.present("certificate") {
		return nil
	}
	c := &CommitCert{View: d.u64(), Seq: d.u64()}
	n := d.u8()
	if d.err == nil && n > MaxSeats {
		d.err = fmt.Errorf("certificate: have %d signatures, max %d", n, MaxSeats)
	}
	for i := 0; i < n && d.err == nil; i++ {
		s := SeatSig{Seat: d.u8()}
		s.Sig = append([]byte(nil), d.take(ed25519.SignatureSize)...)
		c.Sigs = append(c.Sigs, s)
	}
	return c
}

// checkEncodable reports a certificate appendCert can't write faithfully.
func (c *CommitCert) checkEncodable() error {
	if len(c.Sigs) > MaxSeats {
		return fmt.Errorf("certificate: have %d signatures, max %d", len(c.Sigs), MaxSeats)
	}
	for _, s := range c.Sigs {
		if s.Seat < 0 || s.Seat > 255 || len(s.Sig) != ed25519.SignatureSize {
			return fmt.Errorf("certificate: seat %d with a %d-byte signature", s.Seat, len(s.Sig))
		}
	}
	return nil
}

// VerifyCert checks a commit certificate for the block with hash digest
// against the replica set seats of the chain chainID: at least Quorum
// signatures (ErrShortCert, Have the count, Want "≥ " the quorum), seats
// in increasing order and each one of the set (ErrBadCert), every
// signature valid over CommitSigningBytes (ErrBadCert, Have the seat). A
// nil certificate is ErrNoCert. It returns a *RuleError.
func VerifyCert(c *CommitCert, chainID Hash, seats []ed25519.PublicKey, digest Hash) error {
	if c == nil {
		return ruleError(ErrNoCert, "block %s has no commit certificate", digest.Short())
	}
	q := Quorum(len(seats))
	if len(c.Sigs) < q {
		return ruleErrorHW(ErrShortCert, len(c.Sigs), atLeast(q), "have %d signatures, want at least %d of %d replicas", len(c.Sigs), q, len(seats))
	}
	msg := CommitSigningBytes(chainID, c.View, c.Seq, digest)
	last := -1
	for _, s := range c.Sigs {
		switch {
		case s.Seat <= last:
			return ruleErrorHW(ErrBadCert, s.Seat, above(last), "seat %d after seat %d: seats must be distinct and in increasing order", s.Seat, last)
		case s.Seat >= len(seats):
			return ruleErrorHW(ErrBadCert, s.Seat, below(len(seats)), "seat %d: the room has %d seats", s.Seat, len(seats))
		case len(s.Sig) != ed25519.SignatureSize || !ed25519.Verify(seats[s.Seat], msg, s.Sig):
			return ruleErrorHW(ErrBadCert, s.Seat, nil, "seat %d did not sign view %d, sequence %d, block %s", s.Seat, c.View, c.Seq, digest.Short())
		}
		last = s.Seat
	}
	return nil
}

// CertJSON is the JSON shape of a commit certificate.
type CertJSON struct {
	View uint64        `json:"view"`
	Seq  uint64        `json:"seq"`
	Sigs []SeatSigJSON `json:"sigs"`
}

// SeatSigJSON is one signature of a CertJSON, the signature in hex.
type SeatSigJSON struct {
	Seat int    `json:"seat"`
	Sig  string `json:"sig"`
}

// JSON returns the JSON shape of c (nil for nil).
func (c *CommitCert) JSON() *CertJSON {
	if c == nil {
		return nil
	}
	j := &CertJSON{View: c.View, Seq: c.Seq, Sigs: make([]SeatSigJSON, len(c.Sigs))}
	for i, s := range c.Sigs {
		j.Sigs[i] = SeatSigJSON{Seat: s.Seat, Sig: hex.EncodeToString(s.Sig)}
	}
	return j
}

// Cert rebuilds the certificate; it checks the shape (hex signatures of
// 64 bytes, at most MaxSeats), not the signatures. A bad shape is
// ErrMalformed.
func (j *CertJSON) Cert() (*CommitCert, error) {
	if j == nil {
		return nil, nil
	}
	c := &CommitCert{View: j.View, Seq: j.Seq, Sigs: make([]SeatSig, len(j.Sigs))}
	for i, s := range j.Sigs {
		sig, err := hex.DecodeString(s.Sig)
		if err != nil {
			return nil, ruleError(ErrMalformed, "certificate signature %d is not hex", i)
		}
		c.Sigs[i] = SeatSig{Seat: s.Seat, Sig: sig}
	}
	if err := c.checkEncodable(); err != nil {
		return nil, ruleError(ErrMalformed, "%v", err)
	}
	return c, nil
}
