// Package brokensig is a deliberately broken signer, for the "broken keys"
// lesson: a Schnorr signer over edwards25519 whose signatures are valid
// Ed25519 signatures (RFC 8032 verifies them, and so does the chain), but
// which uses the same nonce r for every message. Two of its signatures
// give its private key away to anyone who reads them off the chain; that
// is what the lesson shows, step by step (Recover), before the class
// spends the key's coins with it (Key.Sign).
//
// Never use it for a real wallet: the room's wallets sign with
// crypto/ed25519, whose nonce is a hash of the key and the message.
//
// # The maths
//
// An Ed25519 key is a scalar a (from its seed: SHA-512, the low 32 bytes
// clamped) and the point A = a·B. A signature of M is (R, S) with
// R = r·B and S = r + k·a (mod L), where k = SHA-512(R ‖ A ‖ M) mod L;
// it verifies when S·B = R + k·A. Two signatures with the same r share
// R, and
//
//	S1 − S2 = (k1 − k2)·a   ⇒   a = (S1 − S2) / (k1 − k2)  (mod L)
//
// and a·B = A proves it is the key. With a, any message can be signed
// (any nonce will do: the verifier never sees it).
//
// # Errors
//
// Recover fails with ErrNotReused when the two signatures have different
// R (a healthy signer), ErrSameChallenge when their challenges are equal
// (the same message twice), ErrMalformed for bytes that are not a key or
// a signature, and ErrNoMatch when the scalar found is not the key's (the
// signatures were not both the key's).
package brokensig

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"filippo.io/edwards25519"
)

// Errors of Recover.
var (
	ErrNotReused     = errors.New("brokensig: the two signatures use different nonces (R differ): nothing to recover")
	ErrSameChallenge = errors.New("brokensig: the two signatures have the same challenge (the same message): nothing to recover")
	ErrMalformed     = errors.New("brokensig: not an Ed25519 public key or signature")
	ErrNoMatch       = errors.New("brokensig: the scalar recovered is not the key's: the signatures are not both its own")
)

// Signer signs with a fixed nonce. It is safe for concurrent use.
type Signer struct {
	a   *edwards25519.Scalar
	pub ed25519.PublicKey
	r   *edwards25519.Scalar
	rb  []byte // R = r·B, encoded
}

// NewSigner returns the broken signer of an Ed25519 seed of 32 bytes: its
// public key is ed25519.NewKeyFromSeed(seed)'s, so its account is an
// ordinary account of the chain; its nonce, fixed, is derived from the
// seed too.
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("brokensig: seed of %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	h := sha512.Sum512(seed)
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		return nil, err
	}
	nh := sha512.Sum512(append([]byte("brokensig: one nonce for every message\x00"), seed...))
	r, err := edwards25519.NewScalar().SetUniformBytes(nh[:])
	if err != nil {
		return nil, err
	}
	return &Signer{a: a, pub: new(edwards25519.Point).ScalarBaseMult(a).Bytes(), r: r,
		rb: new(edwards25519.Point).ScalarBaseMult(r).Bytes()}, nil
}

// Public returns the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.pub }

// Sign signs msg with the reused nonce: a valid Ed25519 signature R ‖ S.
func (s *Signer) Sign(msg []byte) []byte { return sign(s.a, s.pub, s.r, s.rb, msg) }

// sign is Ed25519's signing equation with nonce r (rb = r·B).
func sign(a *edwards25519.Scalar, pub []byte, r *edwards25519.Scalar, rb []byte, msg []byte) []byte {
	k := challenge(rb, pub, msg)
	S := edwards25519.NewScalar().MultiplyAdd(k, a, r) // S = k·a + r
	return append(append(make([]byte, 0, ed25519.SignatureSize), rb...), S.Bytes()...)
}

// challenge is k = SHA-512(R ‖ A ‖ M) mod L.
func challenge(rb, pub, msg []byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write(rb)
	h.Write(pub)
	h.Write(msg)
	k, _ := edwards25519.NewScalar().SetUniformBytes(h.Sum(nil)) // 64 bytes: never fails
	return k
}

// Key is a private scalar recovered from two signatures, with its public
// key: it signs like the key's owner.
type Key struct {
	a   *edwards25519.Scalar
	pub ed25519.PublicKey
}

// Public returns the key's public key.
func (k *Key) Public() ed25519.PublicKey { return k.pub }

// Scalar returns the private scalar a, hex (little-endian, as Ed25519
// encodes scalars).
func (k *Key) Scalar() string { return hex.EncodeToString(k.a.Bytes()) }

// Sign signs msg with a fresh nonce from rand: a valid Ed25519 signature
// under Public.
func (k *Key) Sign(rand io.Reader, msg []byte) ([]byte, error) {
	var b [64]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("brokensig: nonce: %w", err)
	}
	r, _ := edwards25519.NewScalar().SetUniformBytes(b[:])
	return sign(k.a, k.pub, r, new(edwards25519.Point).ScalarBaseMult(r).Bytes(), msg), nil
}

// Recovery is the recovery shown step by step: every value, hex (scalars
// little-endian, as Ed25519 encodes them).
type Recovery struct {
	Public string `json:"public"` // A
	R      string `json:"r"`      // the nonce point both signatures share
	S1     string `json:"s1"`
	S2     string `json:"s2"`
	K1     string `json:"k1"` // SHA-512(R ‖ A ‖ M1) mod L
	K2     string `json:"k2"`
	DeltaS string `json:"delta_s"` // S1 − S2
	DeltaK string `json:"delta_k"` // k1 − k2
	Scalar string `json:"scalar"`  // a = (S1 − S2) / (k1 − k2)
	Check  string `json:"check"`   // a·B, which must be A
	Match  bool   `json:"match"`   // a·B = A
}

// Recover finds the private scalar of pub from two of its signatures
// (sig1 of msg1, sig2 of msg2) that reuse a nonce, and returns it with
// the steps. Errors: see the package's.
func Recover(pub ed25519.PublicKey, msg1, sig1, msg2, sig2 []byte) (*Key, Recovery, error) {
	var rec Recovery
	if len(pub) != ed25519.PublicKeySize || len(sig1) != ed25519.SignatureSize || len(sig2) != ed25519.SignatureSize {
		return nil, rec, ErrMalformed
	}
	A, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil, rec, ErrMalformed
	}
	rec.Public = hex.EncodeToString(pub)
	r1, r2 := sig1[:32], sig2[:32]
	rec.R = hex.EncodeToString(r1)
	if hex.EncodeToString(r2) != rec.R {
		return nil, rec, ErrNotReused
	}
	s1, err1 := edwards25519.NewScalar().SetCanonicalBytes(sig1[32:])
	s2, err2 := edwards25519.NewScalar().SetCanonicalBytes(sig2[32:])
	if err1 != nil || err2 != nil {
		return nil, rec, ErrMalformed
	}
	k1, k2 := challenge(r1, pub, msg1), challenge(r2, pub, msg2)
	rec.S1, rec.S2, rec.K1, rec.K2 = hex.EncodeToString(s1.Bytes()), hex.EncodeToString(s2.Bytes()), hex.EncodeToString(k1.Bytes()), hex.EncodeToString(k2.Bytes())
	ds := edwards25519.NewScalar().Subtract(s1, s2)
	dk := edwards25519.NewScalar().Subtract(k1, k2)
	rec.DeltaS, rec.DeltaK = hex.EncodeToString(ds.Bytes()), hex.EncodeToString(dk.Bytes())
	if dk.Equal(edwards25519.NewScalar()) == 1 {
		return nil, rec, ErrSameChallenge
	}
	a := edwards25519.NewScalar().Multiply(ds, edwards25519.NewScalar().Invert(dk))
	rec.Scalar = hex.EncodeToString(a.Bytes())
	check := new(edwards25519.Point).ScalarBaseMult(a)
	rec.Check = hex.EncodeToString(check.Bytes())
	rec.Match = check.Equal(A) == 1
	if !rec.Match {
		return nil, rec, ErrNoMatch
	}
	return &Key{a: a, pub: pub}, rec, nil
}
