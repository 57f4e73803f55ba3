package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
)

// MaxProofs is the most double-sign proofs one block's seal may carry.
const MaxProofs = 4

// StakeSeal is the seal of a PoS or DPoS block (header versions
// VersionPoS and VersionDPoS), beside the header like a PBFT block's
// commit certificate and, like it, not hashed: Producer is the slot
// leader's public key, Sig its ed25519 signature over
// SealSigningBytes(chain id, block hash), Proofs the double-sign proofs
// the block applies (at most MaxProofs).
type StakeSeal struct {
	Producer ed25519.PublicKey
	Sig      []byte
	Proofs   []*DoubleSign
}

// SignedHeader is a header and its producer's seal signature.
type SignedHeader struct {
	Header Header
	Sig    []byte
}

// DoubleSign proves that the validator with key Producer signed two
// different headers A and B of one slot: the nothing-at-stake offence. A
// block carrying it slashes the validator (StakeEngine).
type DoubleSign struct {
	Producer ed25519.PublicKey
	A, B     SignedHeader
}

// sealDomain prefixes the bytes a stake block's producer signs.
const sealDomain = "chainplay/stake/block\x00"

// SealSigningBytes returns what a PoS or DPoS producer signs: a domain
// string, the chain id and the block hash.
func SealSigningBytes(chainID, hash Hash) []byte {
	b := make([]byte, 0, len(sealDomain)+2*HashSize)
	b = append(b, sealDomain...)
	b = append(b, chainID[:]...)
	return append(b, hash[:]...)
}

// SignSeal seals b for the chain chainID with key: b's seal becomes key's
// public key and signature over b's hash, keeping b's proofs.
func SignSeal(b *Block, chainID Hash, key ed25519.PrivateKey) {
	var proofs []*DoubleSign
	if b.Seal != nil {
		proofs = b.Seal.Proofs
	}
	b.Seal = &StakeSeal{
		Producer: key.Public().(ed25519.PublicKey),
		Sig:      ed25519.Sign(key, SealSigningBytes(chainID, b.Hash())),
		Proofs:   proofs,
	}
}

// isStakeVersion reports whether a header version carries a StakeSeal.
func isStakeVersion(v uint32) bool { return v == VersionPoS || v == VersionDPoS }

// maxSealSize is the largest encoded seal.
const maxSealSize = 1 + ed25519.PublicKeySize + ed25519.SignatureSize + 1 + MaxProofs*(ed25519.PublicKeySize+2*(HeaderSize+ed25519.SignatureSize))

// appendSeal appends the encoding of a seal beside a version-3 or -4
// header: u8 1 (present) or 0 (absent); when present the 32-byte key, the
// 64-byte signature, u8 count, then count × (32-byte key, header A,
// signature A, header B, signature B).
func appendSeal(out []byte, s *StakeSeal) []byte {
	if s == nil {
		return append(out, 0)
	}
	out = append(out, 1)
	out = append(out, s.Producer...)
	out = append(out, s.Sig...)
	out = append(out, byte(len(s.Proofs)))
	for _, d := range s.Proofs {
		out = append(out, d.Producer...)
		for _, sh := range []*SignedHeader{&d.A, &d.B} {
			h := sh.Header.Encode()
			out = append(out, h[:]...)
			out = append(out, sh.Sig...)
		}
	}
	return out
}

// seal decodes what appendSeal wrote.
func (d *decoder) seal() *StakeSeal {
	if !d.present("seal") {
		return nil
	}
	s := &StakeSeal{
		Producer: append(ed25519.PublicKey(nil), d.take(ed25519.PublicKeySize)...),
		Sig:      append([]byte(nil), d.take(ed25519.SignatureSize)...),
	}
	n := d.u8()
	if d.err == nil && n > MaxProofs {
		d.err = fmt.Errorf("seal: have %d proofs, max %d", n, MaxProofs)
	}
	for i := 0; i < n && d.err == nil; i++ {
		p := &DoubleSign{Producer: append(ed25519.PublicKey(nil), d.take(ed25519.PublicKeySize)...)}
		for _, sh := range []*SignedHeader{&p.A, &p.B} {
			hb := d.take(HeaderSize)
			if d.err != nil {
				break
			}
			sh.Header, _ = DecodeHeader(hb)
			sh.Sig = append([]byte(nil), d.take(ed25519.SignatureSize)...)
		}
		s.Proofs = append(s.Proofs, p)
	}
	return s
}

// checkEncodable reports a seal appendSeal can't write faithfully.
func (s *StakeSeal) checkEncodable() error {
	if len(s.Producer) != ed25519.PublicKeySize || len(s.Sig) != ed25519.SignatureSize {
		return fmt.Errorf("seal: a %d-byte key and a %d-byte signature", len(s.Producer), len(s.Sig))
	}
	if len(s.Proofs) > MaxProofs {
		return fmt.Errorf("seal: have %d proofs, max %d", len(s.Proofs), MaxProofs)
	}
	for i, d := range s.Proofs {
		if d == nil || len(d.Producer) != ed25519.PublicKeySize || len(d.A.Sig) != ed25519.SignatureSize || len(d.B.Sig) != ed25519.SignatureSize {
			return fmt.Errorf("seal: proof %d: want a 32-byte key and two 64-byte signatures", i)
		}
	}
	return nil
}

// SealJSON is the JSON shape of a stake block's seal (keys and
// signatures in hex).
type SealJSON struct {
	Producer string            `json:"producer"`
	Address  Address           `json:"address"`
	Sig      string            `json:"sig"`
	Proofs   []*DoubleSignJSON `json:"proofs,omitempty"`
}

// DoubleSignJSON is the JSON shape of a double-sign proof.
type DoubleSignJSON struct {
	Producer string            `json:"producer"`
	A        *SignedHeaderJSON `json:"a"`
	B        *SignedHeaderJSON `json:"b"`
}

// SignedHeaderJSON is a header's 100 bytes and its signature, in hex.
type SignedHeaderJSON struct {
	Header string `json:"header"`
	Sig    string `json:"sig"`
}

// JSON returns the JSON shape of s (nil for nil).
func (s *StakeSeal) JSON() *SealJSON {
	if s == nil {
		return nil
	}
	j := &SealJSON{Producer: hex.EncodeToString(s.Producer), Sig: hex.EncodeToString(s.Sig)}
	if len(s.Producer) == ed25519.PublicKeySize {
		j.Address = AddressOf(s.Producer)
	}
	for _, d := range s.Proofs {
		dj := &DoubleSignJSON{Producer: hex.EncodeToString(d.Producer)}
		for i, sh := range []SignedHeader{d.A, d.B} {
			h := sh.Header.Encode()
			x := &SignedHeaderJSON{Header: hex.EncodeToString(h[:]), Sig: hex.EncodeToString(sh.Sig)}
			if i == 0 {
				dj.A = x
			} else {
				dj.B = x
			}
		}
		j.Proofs = append(j.Proofs, dj)
	}
	return j
}

// Seal rebuilds the seal; it checks the shape (hex of the right sizes, at
// most MaxProofs), not the signatures. A bad shape is ErrMalformed.
func (j *SealJSON) Seal() (*StakeSeal, error) {
	if j == nil {
		return nil, nil
	}
	bad := func(what string) error { return ruleError(ErrMalformed, "seal: %s", what) }
	key, err1 := hex.DecodeString(j.Producer)
	sig, err2 := hex.DecodeString(j.Sig)
	if err1 != nil || err2 != nil {
		return nil, bad("producer and sig must be hex")
	}
	s := &StakeSeal{Producer: key, Sig: sig}
	if len(j.Proofs) > MaxProofs {
		return nil, bad(fmt.Sprintf("have %d proofs, max %d", len(j.Proofs), MaxProofs))
	}
	for i, dj := range j.Proofs {
		if dj == nil || dj.A == nil || dj.B == nil {
			return nil, bad(fmt.Sprintf("proof %d is incomplete", i))
		}
		k, err := hex.DecodeString(dj.Producer)
		if err != nil {
			return nil, bad(fmt.Sprintf("proof %d: producer is not hex", i))
		}
		d := &DoubleSign{Producer: k}
		for _, p := range []struct {
			j  *SignedHeaderJSON
			sh *SignedHeader
		}{{dj.A, &d.A}, {dj.B, &d.B}} {
			hb, err1 := hex.DecodeString(p.j.Header)
			sb, err2 := hex.DecodeString(p.j.Sig)
			h, err3 := DecodeHeader(hb)
			if err1 != nil || err2 != nil || err3 != nil {
				return nil, bad(fmt.Sprintf("proof %d: a header is 100 bytes of hex and a signature hex", i))
			}
			p.sh.Header, p.sh.Sig = h, sb
		}
		s.Proofs = append(s.Proofs, d)
	}
	if err := s.checkEncodable(); err != nil {
		return nil, ruleError(ErrMalformed, "%v", err)
	}
	return s, nil
}
