package wasmkernel

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/mine"
)

// TestNewParams: the midstate and words NewParams computes, finished with
// the nonce block, give crypto/sha256's hash of the header.
func TestNewParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for i := range 20 {
		var h [HeaderSize]byte
		for j := range h {
			h[j] = byte(rng.Uint32())
		}
		var target [32]byte
		target[i] = 0x42
		p := NewParams(h, target)
		nonce := rng.Uint64()
		block := [16]uint32{8: uint32(nonce), 9: 0x80000000, 15: HeaderSize * 8}
		copy(block[:7], p.W[:])
		block[7] = uint32(nonce >> 32)
		st := p.Mid
		mine.Compress(&st, &block)
		binary.BigEndian.PutUint64(h[92:], nonce)
		require.Equal(t, sha256.Sum256(h[:]), Bytes(st))
		require.Equal(t, target, Bytes(p.Target))
		require.Equal(t, [32]byte{0: 0xff, 1: 0xff, 2: 0xff, 3: 0xff, 4: 0xff, 5: 0xff, 6: 0xff, 7: 0xff, 8: 0xff, 9: 0xff,
			10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff, 14: 0xff, 15: 0xff, 16: 0xff, 17: 0xff, 18: 0xff, 19: 0xff, 20: 0xff,
			21: 0xff, 22: 0xff, 23: 0xff, 24: 0xff, 25: 0xff, 26: 0xff, 27: 0xff, 28: 0xff, 29: 0xff, 30: 0xff, 31: 0xff},
			Bytes(p.Best), "no best hash yet")
	}
}

func TestCallCount(t *testing.T) {
	for _, tt := range []struct {
		name        string
		start, left uint64
		chunk, want uint32
	}{
		{"chunk", 5, 1 << 20, Chunk, Chunk},
		{"fewer left", 5, 100, Chunk, 100},
		{"none left", 5, 0, Chunk, 0},
		{"stops at the wrap", 7<<32 | 0xfffffff0, 1000, Chunk, 16},
		{"last before the wrap", 0xffffffff, 1000, Chunk, 1},
		{"at the wrap", 1 << 32, 1000, Chunk, 1000},
		{"whole low range", 0, 1 << 40, 0xffffffff, 0xffffffff},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, CallCount(tt.start, tt.left, tt.chunk))
		})
	}
}

// TestPutRead: the block Put writes reads back field by field, and Next
// carries the best hash and advances the range.
func TestPutRead(t *testing.T) {
	var h [HeaderSize]byte
	p := NewParams(h, [32]byte{1})
	p.SetRange(0x1234_5678_9abc_def0, 99)
	p.Best[0], p.BestNonce = 7, 0xaabb_ccdd_0011_2233
	mem := make([]byte, ParamsSize)
	for i := range mem {
		mem[i] = 0xee
	}
	p.Put(mem)
	le := binary.LittleEndian
	require.Equal(t, uint32(0x12345678), le.Uint32(mem[OffHi:]))
	require.Equal(t, uint32(0x9abcdef0), le.Uint32(mem[OffStart:]))
	require.Equal(t, uint32(99), le.Uint32(mem[OffCount:]))
	require.Equal(t, p.Mid[3], le.Uint32(mem[OffMid+12:]))
	require.Equal(t, p.Target[0], le.Uint32(mem[OffTarget:]))
	r := ReadResult(mem)
	require.Equal(t, Result{Best: p.Best, BestNonce: p.BestNonce}, r, "outputs zeroed, best passed through")

	le.PutUint32(mem[OffFound:], 1)
	le.PutUint32(mem[OffNonceLo:], 0x9abcdef5)
	le.PutUint32(mem[OffNonceHi:], 0x12345678)
	le.PutUint32(mem[OffDone:], 6)
	r = ReadResult(mem)
	require.True(t, r.Found)
	require.Equal(t, uint64(0x1234_5678_9abc_def5), r.Nonce)
	r.Best[0] = 3
	require.Equal(t, uint64(0x1234_5678_9abc_def6), p.Next(r))
	require.Equal(t, uint32(3), p.Best[0])
}
