package mine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ref is the brute-force reference for Scan, with crypto/sha256 (refHash):
// the first nonce whose hash is ≤ target, and the lowest hash seen up to and
// including it (the first such nonce on a tie).
type ref struct {
	nonce     uint64
	found     bool
	best      [32]byte
	bestNonce uint64
}

func reference(header [HeaderSize]byte, target [32]byte, start, count uint64) ref {
	r := ref{bestNonce: start}
	for i := range r.best {
		r.best[i] = 0xff
	}
	for i := uint64(0); i < count; i++ {
		n := start + i
		h := refHash(header, n)
		if bytes.Compare(h[:], r.best[:]) < 0 {
			r.best, r.bestNonce = h, n
		}
		if bytes.Compare(h[:], target[:]) <= 0 {
			r.nonce, r.found = n, true
			break
		}
		if n == ^uint64(0) {
			break
		}
	}
	return r
}

func scanRef(j *Job, start, count uint64) ref {
	var r ref
	r.nonce, r.found, r.best, r.bestNonce = j.Scan(start, count)
	return r
}

func randHeader(rng *rand.Rand) [HeaderSize]byte {
	var h [HeaderSize]byte
	for i := range h {
		h[i] = byte(rng.Uint32())
	}
	return h
}

// shiftTarget is 2^(256-zeros)-1: a hash meets it with probability 2^-zeros.
func shiftTarget(zeros int) [32]byte {
	var t [32]byte
	for i := range t {
		switch {
		case 8*(i+1) <= zeros:
			t[i] = 0
		case 8*i >= zeros:
			t[i] = 0xff
		default:
			t[i] = 0xff >> (zeros - 8*i)
		}
	}
	return t
}

// minus1 is t-1 as a 256-bit big-endian integer (t must not be zero).
func minus1(t [32]byte) [32]byte {
	for i := 31; i >= 0; i-- {
		t[i]--
		if t[i] != 0xff {
			break
		}
	}
	return t
}

// refHash is the reference hash: crypto/sha256 over the whole header.
func refHash(header [HeaderSize]byte, nonce uint64) [32]byte {
	binary.BigEndian.PutUint64(header[NonceOffset:], nonce)
	return sha256.Sum256(header[:])
}

func TestHashWithNonce(t *testing.T) {
	var h [HeaderSize]byte
	for i := range h {
		h[i] = byte(i)
	}
	want := h
	binary.BigEndian.PutUint64(want[NonceOffset:], 0x0102030405060708)
	require.Equal(t, sha256.Sum256(want[:]), HashWithNonce(h, 0x0102030405060708))

	rng := rand.New(rand.NewPCG(14, 15))
	for i := 0; i < 1000; i++ {
		hdr, n := randHeader(rng), rng.Uint64()
		require.Equal(t, refHash(hdr, n), HashWithNonce(hdr, n), "header %x nonce %d", hdr, n)
	}
}

func TestMeetsTarget(t *testing.T) {
	var hash [32]byte
	for i := range hash {
		hash[i] = byte(0x40 + i)
	}
	deeper := hash
	deeper[20]++
	shallower := hash
	shallower[20]--
	word0Lower := hash
	word0Lower[3]--
	for _, tc := range []struct {
		name   string
		target [32]byte
		want   bool
	}{
		{"equal", hash, true},
		{"target one more", deeper, true},
		{"target one less deep down", shallower, false},
		{"target lower in word 0", word0Lower, false},
		{"target hash minus one", minus1(hash), false},
		{"all ones", shiftTarget(0), true},
		{"zero", [32]byte{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, MeetsTarget(hash, tc.target))
			require.Equal(t, bytes.Compare(hash[:], tc.target[:]) <= 0, MeetsTarget(hash, tc.target))
		})
	}
}

// TestKernelWord0 checks the generated kernel alone: it must report a nonce
// exactly when the real hash's word 0 is ≤ the threshold.
func TestKernelWord0(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		hdr := randHeader(rng)
		j := NewJob(hdr, [32]byte{})
		n := rng.Uint64()
		h := refHash(hdr, n)
		w0 := binary.BigEndian.Uint32(h[:])
		hi, lo := uint32(n>>32), uint32(n)

		got, hit := scanSeg(j, hi, lo, lo, w0)
		require.True(t, hit, "header %x nonce %d", hdr, n)
		require.Equal(t, lo, got)
		if w0 > 0 {
			_, hit = scanSeg(j, hi, lo, lo, w0-1)
			require.False(t, hit, "header %x nonce %d", hdr, n)
		}
		require.Equal(t, h, wordsBytes(j.hashWords(hi, lo)))
	}
}

func wordsBytes(w [8]uint32) [32]byte {
	var b [32]byte
	putWords(&b, &w)
	return b
}

// TestScanRandom compares Scan with the crypto/sha256 brute force on
// thousands of random headers, starts and targets.
func TestScanRandom(t *testing.T) {
	headers := 3000
	if testing.Short() {
		headers = 300
	}
	for _, tc := range []struct {
		name  string
		zeros []int // target = 2^(256-zeros)-1
		count uint64
	}{
		{"never found", []int{256}, 48},
		{"rarely found", []int{5, 6, 7}, 48},
		{"often found", []int{0, 1, 2}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(tc.name)), 7))
			for i := 0; i < headers; i++ {
				hdr := randHeader(rng)
				target := shiftTarget(tc.zeros[i%len(tc.zeros)])
				start := rng.Uint64()
				switch i % 4 {
				case 1: // just before the low word wraps
					start = start&^0xffffffff | 0xffffffff - uint64(rng.IntN(int(tc.count)))
				case 2: // small, as a JS-safe miner would use
					start >>= 11
				}
				j := NewJob(hdr, target)
				require.Equal(t, reference(hdr, target, start, tc.count), scanRef(j, start, tc.count),
					"header %x start %d target %x", hdr, start, target)
			}
		})
	}
}

func TestScanWraparound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	hdr := randHeader(rng)
	for _, tc := range []struct {
		name         string
		start, count uint64
	}{
		{"low word wraps", 0xfffffff0, 64},
		{"one before wrap", 0xffffffff, 2},
		{"last of low word", 0xffffffff, 1},
		{"high word 5 wraps", 5<<32 | 0xffffffe0, 64},
		{"near 2^53", 1<<53 - 20, 64},
		{"near 2^53 low wrap", 1<<53 - 1<<32 - 7, 64},
		{"end of nonce space", ^uint64(0) - 9, 64},
		{"whole tail", ^uint64(0), ^uint64(0)},
		{"zero", 0, 64},
		{"count zero", 1234, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			end := min(tc.count, 64) // what the reference brute-forces
			if tc.start != 0 && end > -tc.start {
				end = -tc.start
			}
			// Never found: best over the whole range.
			j := NewJob(hdr, [32]byte{})
			want := reference(hdr, [32]byte{}, tc.start, end)
			got := scanRef(j, tc.start, end)
			require.Equal(t, want, got)
			if tc.count <= 64 {
				require.Equal(t, want, scanRef(j, tc.start, tc.count))
			}
			if end == 0 {
				return
			}
			// Found: the target is the hash of the last nonce of the range, so
			// the first nonce at or below it (perhaps after the wrap) wins.
			target := refHash(hdr, tc.start+end-1)
			j = NewJob(hdr, target)
			want = reference(hdr, target, tc.start, end)
			require.True(t, want.found)
			require.Equal(t, want, scanRef(j, tc.start, end))
		})
	}
}

func TestScanTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200; i++ {
		hdr := randHeader(rng)
		start := rng.Uint64() >> 11
		n := start + uint64(rng.IntN(32))
		h := refHash(hdr, n)
		// Same word 0, one below / above on a deeper byte.
		deeperLess, deeperMore := h, h
		for k := 4 + rng.IntN(28); ; k = 4 + (k-3)%28 {
			if h[k] > 0 {
				deeperLess[k]--
				break
			}
		}
		for k := 4 + rng.IntN(28); ; k = 4 + (k-3)%28 {
			if h[k] < 0xff {
				deeperMore[k]++
				break
			}
		}
		for _, tc := range []struct {
			name   string
			target [32]byte
			found  bool
		}{
			{"equal", h, true},
			{"hash minus one", minus1(h), false},
			{"same word 0, lower deeper", deeperLess, false},
			{"same word 0, higher deeper", deeperMore, true},
		} {
			require.Equal(t, binary.BigEndian.Uint32(h[:]), binary.BigEndian.Uint32(tc.target[:]), tc.name)
			j := NewJob(hdr, tc.target)
			// The nonce alone.
			nonce, found, best, bestNonce := j.Scan(n, 1)
			require.Equal(t, tc.found, found, tc.name)
			require.Equal(t, h, best, tc.name)
			require.Equal(t, n, bestNonce, tc.name)
			if found {
				require.Equal(t, n, nonce, tc.name)
			}
			// Inside a range: the same as the brute force.
			require.Equal(t, reference(hdr, tc.target, start, 40), scanRef(j, start, 40), tc.name)
		}
	}
}

func TestScanNoAllocs(t *testing.T) {
	j := NewJob(randHeader(rand.New(rand.NewPCG(8, 9))), shiftTarget(40))
	start := uint64(0xffffff00)
	allocs := testing.AllocsPerRun(20, func() {
		j.Scan(start, 4096) // crosses the low-word wrap on the first run
		start += 4096
	})
	require.Zero(t, allocs)
}

func TestMine(t *testing.T) {
	hdr := randHeader(rand.New(rand.NewPCG(10, 11)))
	for _, tc := range []struct {
		name  string
		zeros int
		start uint64
	}{
		{"difficulty 1", 0, 0},
		{"12 bits", 12, 1000},
		{"16 bits", 16, 1 << 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := shiftTarget(tc.zeros)
			nonce, ok := Mine(context.Background(), hdr, target, tc.start, 1<<30)
			require.True(t, ok)
			require.True(t, MeetsTarget(refHash(hdr, nonce), target))
			require.Equal(t, reference(hdr, target, tc.start, nonce-tc.start+1).nonce, nonce)
		})
	}

	t.Run("range without a solution", func(t *testing.T) {
		_, ok := Mine(context.Background(), hdr, [32]byte{}, 0, 3*ChunkSize+5)
		require.False(t, ok)
	})
	t.Run("cancelled before it starts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, ok := Mine(ctx, hdr, shiftTarget(0), 0, 1<<30)
		require.False(t, ok)
	})
	t.Run("cancelled while mining", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan bool, 1)
		go func() {
			_, ok := Mine(ctx, hdr, [32]byte{}, 0, ^uint64(0))
			done <- ok
		}()
		time.Sleep(20 * time.Millisecond)
		cancel()
		select {
		case ok := <-done:
			require.False(t, ok)
		case <-time.After(30 * time.Second):
			t.Fatal("Mine did not return after cancel")
		}
	})
}

// benchHeader is a fixed header for the benchmarks.
func benchHeader() [HeaderSize]byte {
	return randHeader(rand.New(rand.NewPCG(12, 13)))
}

func reportMHs(b *testing.B, hashes int) {
	b.ReportMetric(float64(hashes)/b.Elapsed().Seconds()/1e6, "MH/s")
}

// BenchmarkScan is the kernel: one op = one nonce.
func BenchmarkScan(b *testing.B) {
	j := NewJob(benchHeader(), [32]byte{})
	b.ResetTimer()
	for done := 0; done < b.N; done += ChunkSize {
		j.Scan(uint64(done), uint64(min(ChunkSize, b.N-done)))
	}
	b.StopTimer()
	reportMHs(b, b.N)
}

// BenchmarkSum256PerNonce is the baseline: crypto/sha256 over the whole
// header for every nonce. One op = one nonce.
func BenchmarkSum256PerNonce(b *testing.B) {
	hdr := benchHeader()
	var sink uint32
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint64(hdr[NonceOffset:], uint64(i))
		h := sha256.Sum256(hdr[:])
		sink |= bits.Reverse32(binary.BigEndian.Uint32(h[:]))
	}
	b.StopTimer()
	reportMHs(b, b.N)
	if sink == 1 {
		b.Log(sink)
	}
}
