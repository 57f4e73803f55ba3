package pbft

import (
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
)

// SigCache remembers signatures verified already, so a message verified
// once is not verified again: by the same replica inside the proofs of
// view changes and new views, or by the other replicas of one process (a
// simulation, a benchmark). An entry is the SHA-256 of the public key,
// the signed bytes and the signature, so only exactly those bytes hit it.
// It holds up to a bound and then starts over. It is safe for concurrent
// use; the zero value is not usable: call NewSigCache.
type SigCache struct {
	mu   sync.Mutex
	max  int
	seen map[[32]byte]struct{}
}

// NewSigCache returns a cache of up to max signatures.
func NewSigCache(max int) *SigCache {
	return &SigCache{max: max, seen: make(map[[32]byte]struct{}, max)}
}

// verify reports whether sig is pub's over msg, from the cache when it
// can.
func (c *SigCache) verify(pub ed25519.PublicKey, msg, sig []byte) bool {
	if c == nil {
		return ed25519.Verify(pub, msg, sig)
	}
	h := sha256.New()
	h.Write(pub)
	h.Write(msg)
	h.Write(sig)
	var key [32]byte
	h.Sum(key[:0])
	c.mu.Lock()
	_, ok := c.seen[key]
	c.mu.Unlock()
	if ok {
		return true
	}
	if !ed25519.Verify(pub, msg, sig) {
		return false
	}
	c.mu.Lock()
	if len(c.seen) >= c.max {
		clear(c.seen)
	}
	c.seen[key] = struct{}{}
	c.mu.Unlock()
	return true
}
