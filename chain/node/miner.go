package node

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/chainplay/chainplay/chain"
)

// Miner finds a nonce that gives a header its proof of work.
type Miner interface {
	// Solve returns hdr with a nonce that meets its difficulty, or ctx's
	// error when cancelled first. Nonces stay below 2^53.
	Solve(ctx context.Context, hdr chain.Header) (chain.Header, error)
}

// ThreadMiner searches nonces on Threads goroutines with chain.Mine. It is
// what native nodes use; a tab uses Web Workers instead.
type ThreadMiner struct {
	// Threads is the number of goroutines; values below 1 mean 1.
	Threads int
	// Counter, when set, counts the hashes tried (Hashes), to within
	// countChunk per thread for a search cancelled midway.
	Counter *atomic.Uint64
}

// countChunk is how many nonces a counting ThreadMiner hashes between two
// additions to its Counter.
const countChunk = 4096

// Hashes implements HashCounter: the hashes tried so far, 0 without a
// Counter.
func (m ThreadMiner) Hashes() uint64 {
	if m.Counter == nil {
		return 0
	}
	return m.Counter.Load()
}

// mine searches count nonces from start, counting the hashes when m has
// a Counter.
func (m ThreadMiner) mine(ctx context.Context, hdr chain.Header, start, count uint64) (uint64, bool) {
	if m.Counter == nil {
		return chain.Mine(ctx, hdr, start, count)
	}
	for done := uint64(0); done < count && ctx.Err() == nil; {
		k := min(countChunk, count-done)
		if n, ok := chain.Mine(ctx, hdr, start+done, k); ok {
			m.Counter.Add(n - (start + done) + 1)
			return n, true
		}
		m.Counter.Add(k)
		done += k
	}
	return 0, false
}

// Solve implements Miner by splitting [0, 2^53) into one range per thread.
// Each thread starts at a random nonce of its range and wraps around in
// it, so two searches of the same header (GET /mine and the mining loop
// building their templates in the same millisecond) find different
// blocks rather than the same one twice.
func (m ThreadMiner) Solve(ctx context.Context, hdr chain.Header) (chain.Header, error) {
	threads := max(m.Threads, 1)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const space = chain.MaxSafeInteger + 1
	per := uint64(space) / uint64(threads)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		found = false
		nonce uint64
	)
	for i := range threads {
		wg.Add(1)
		go func(lo uint64) {
			defer wg.Done()
			off := rand.Uint64N(per)
			for _, r := range [2][2]uint64{{lo + off, per - off}, {lo, off}} {
				if n, ok := m.mine(ctx, hdr, r[0], r[1]); ok {
					once.Do(func() { found, nonce = true, n; cancel() })
					return
				}
			}
		}(uint64(i) * per)
	}
	wg.Wait()
	if !found {
		if err := parent.Err(); err != nil {
			return hdr, err
		}
		return hdr, ErrNoNonce
	}
	hdr.Nonce = nonce
	return hdr, nil
}
