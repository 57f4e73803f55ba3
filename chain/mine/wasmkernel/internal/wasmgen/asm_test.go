package wasmgen

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLEB128(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    int32
		want []byte
	}{
		{"0", 0, []byte{0x00}},
		{"63", 63, []byte{0x3f}},
		{"64", 64, []byte{0xc0, 0x00}},
		{"-1", -1, []byte{0x7f}},
		{"-64", -64, []byte{0x40}},
		{"-65", -65, []byte{0xbf, 0x7f}},
		{"0x80000000", -0x80000000, []byte{0x80, 0x80, 0x80, 0x80, 0x78}},
		{"624485", 624485, []byte{0xe5, 0x8e, 0x26}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, appendS32(nil, tt.v))
		})
	}
	require.Equal(t, []byte{0xe5, 0x8e, 0x26}, appendU32(nil, 624485))
}

func TestScalarModuleHasNoSIMD(t *testing.T) {
	m := &Module{Pages: 1}
	f := m.NewFunc("f", nil, nil)
	require.Panics(t, func() { f.SIMD(simdI32x4Add) })
	require.Panics(t, func() { f.Local(V128) })
	require.NotPanics(t, func() { Generate(DefaultScalar) })
}

// TestDAGFolding: the partial evaluator folds literals, hoists invariants and
// keeps only what word 0 needs in the loop.
func TestDAGFolding(t *testing.T) {
	d := newDAG(true, false)
	var mid, w [8]uint32
	for i := range mid {
		mid[i], w[i] = uint32(4*i), uint32(32+4*i)
	}
	out := d.word0(mid, w, &K)
	d.liveness(out)
	var live, loop int
	for _, n := range d.nodes {
		if n.uses > 0 && n.k == vary {
			loop++
		}
		if n.uses > 0 {
			live++
		}
		if n.uses > 0 && n.k == vary && n.op == opRotr {
			t.Fatalf("a vector rotation in the SIMD loop: %+v", n)
		}
	}
	require.Equal(t, vary, out.k)
	require.Less(t, loop, live)
	t.Logf("%d live nodes, %d in the loop", live, loop)
}

// TestScalarRotationsComposed: in i32 code each Σ or σ rotates its
// varying input once (they are composed; see rot3), so a value is rotated
// at most twice (a message word gets both σ0 and σ1), not three times per
// Σ as rotr(x, a) ^ rotr(x, b) ^ rotr(x, c) would.
func TestScalarRotationsComposed(t *testing.T) {
	d := newDAG(false, false)
	var mid, w [8]uint32
	for i := range mid {
		mid[i], w[i] = uint32(4*i), uint32(32+4*i)
	}
	d.liveness(d.word0(mid, w, &K))
	rotated := map[*node]int{}
	for _, n := range d.nodes {
		if n.uses > 0 && n.op == opRotr && n.k == vary {
			rotated[n.args[0]]++
		}
	}
	require.NotEmpty(t, rotated)
	for x, k := range rotated {
		require.LessOrEqual(t, k, 2, "node %d rotated %d times", x.id, k)
	}
}
