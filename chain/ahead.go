package chain

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// aheadChunk is how many blocks a checkAhead worker takes at a time.
const aheadChunk = 32

// ahead checks blocks before they are connected: each block's sanity
// (checkBlockSanity) and, when it is sane, its transactions' signatures.
// Workers take chunks in order, so the chunk the caller waits for next is
// always being worked on; with one processor (wasm) each chunk is checked
// on the caller's goroutine when it first asks for it.
type ahead struct {
	c      *Chain
	blocks []*Block
	sanity []error
	badSig []int // the first transaction with a bad signature, or −1
	done   []chan struct{}
	next   atomic.Int64 // the next chunk a worker takes
	quit   atomic.Bool
	wg     sync.WaitGroup
	inline bool
}

// checkAhead starts checking blocks; call result for each in order, then
// stop.
func (c *Chain) checkAhead(blocks []*Block) *ahead {
	n := (len(blocks) + aheadChunk - 1) / aheadChunk
	a := &ahead{c: c, blocks: blocks, sanity: make([]error, len(blocks)), badSig: make([]int, len(blocks)), done: make([]chan struct{}, n)}
	for i := range a.done {
		a.done[i] = make(chan struct{})
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		a.inline = true
		return a
	}
	for range workers {
		a.wg.Go(func() {
			for !a.quit.Load() {
				k := int(a.next.Add(1)) - 1
				if k >= n {
					return
				}
				a.check(k)
			}
		})
	}
	return a
}

// check checks chunk k and marks it done: each block's sanity, then the
// signatures of the sane blocks' transactions, together (verifyTxs).
func (a *ahead) check(k int) {
	lo, hi := k*aheadChunk, min((k+1)*aheadChunk, len(a.blocks))
	var txs []*Tx
	var where [][2]int // block, transaction
	for i := lo; i < hi; i++ {
		a.badSig[i] = -1
		b := a.blocks[i]
		if b == nil {
			a.sanity[i] = ruleError(ErrMalformed, "block is missing")
			continue
		}
		if _, a.sanity[i] = checkBlockSanity(b, b.Hash(), a.c.params, a.c.engine); a.sanity[i] != nil {
			continue
		}
		for ti, t := range b.Txs {
			if ti == 0 || t == nil || t.IsCoinbase() {
				continue
			}
			txs = append(txs, t)
			where = append(where, [2]int{i, ti})
		}
	}
	bad := make([]bool, len(txs))
	verifyTxs(a.c.id, txs, bad)
	for j, isBad := range bad {
		if i, ti := where[j][0], where[j][1]; isBad && a.badSig[i] < 0 { // in order: the first bad one
			a.badSig[i] = ti
		}
	}
	close(a.done[k])
}

// result waits for block i's checks: the index of its first transaction
// with a bad signature (−1: none; meaningless when the block is not sane)
// and its sanity error.
func (a *ahead) result(i int) (badSig int, sanity error) {
	k := i / aheadChunk
	if a.inline {
		select {
		case <-a.done[k]:
		default:
			a.check(k)
		}
	}
	<-a.done[k]
	return a.badSig[i], a.sanity[i]
}

// stop ends the work ahead (a bad block makes the rest moot) and waits for
// the workers.
func (a *ahead) stop() {
	a.quit.Store(true)
	a.wg.Wait()
}
