package brokensig_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/brokensig"
)

func seed(b byte) []byte {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = b + byte(i)
	}
	return s
}

// TestSignaturesAreEd25519: the broken signer's key is the seed's
// Ed25519 key and its signatures verify, though they share R.
func TestSignaturesAreEd25519(t *testing.T) {
	s, err := brokensig.NewSigner(seed(7))
	require.NoError(t, err)
	require.Equal(t, ed25519.NewKeyFromSeed(seed(7)).Public(), s.Public())
	sig1, sig2 := s.Sign([]byte("pay Alice 1")), s.Sign([]byte("pay Bob 1"))
	require.True(t, ed25519.Verify(s.Public(), []byte("pay Alice 1"), sig1))
	require.True(t, ed25519.Verify(s.Public(), []byte("pay Bob 1"), sig2))
	require.Equal(t, sig1[:32], sig2[:32], "the nonce is reused")
}

// TestRecover: two signatures give the key away; the key recovered
// matches (a·B = A) and signs messages that verify under the public key.
func TestRecover(t *testing.T) {
	s, err := brokensig.NewSigner(seed(1))
	require.NoError(t, err)
	m1, m2 := []byte("first"), []byte("second")
	k, rec, err := brokensig.Recover(s.Public(), m1, s.Sign(m1), m2, s.Sign(m2))
	require.NoError(t, err)
	require.True(t, rec.Match)
	require.Equal(t, rec.Public, rec.Check)
	require.Equal(t, s.Public(), k.Public())
	msg := []byte("spend its coins")
	sig, err := k.Sign(rand.Reader, msg)
	require.NoError(t, err)
	require.True(t, ed25519.Verify(s.Public(), msg, sig))
	require.Len(t, k.Scalar(), 64)
}

func TestRecoverRefuses(t *testing.T) {
	s, _ := brokensig.NewSigner(seed(1))
	other, _ := brokensig.NewSigner(seed(2))
	healthy := ed25519.NewKeyFromSeed(seed(1))
	m1, m2 := []byte("first"), []byte("second")
	_, _, err := brokensig.Recover(s.Public(), m1, ed25519.Sign(healthy, m1), m2, ed25519.Sign(healthy, m2))
	require.ErrorIs(t, err, brokensig.ErrNotReused, "a healthy signer's nonces differ")
	_, _, err = brokensig.Recover(s.Public(), m1, s.Sign(m1), m1, s.Sign(m1))
	require.ErrorIs(t, err, brokensig.ErrSameChallenge)
	_, _, err = brokensig.Recover(other.Public(), m1, s.Sign(m1), m2, s.Sign(m2))
	require.ErrorIs(t, err, brokensig.ErrNoMatch)
	_, _, err = brokensig.Recover(s.Public()[:5], m1, s.Sign(m1), m2, s.Sign(m2))
	require.ErrorIs(t, err, brokensig.ErrMalformed)
}
