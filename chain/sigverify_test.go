package chain

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"filippo.io/edwards25519"
	"github.com/stretchr/testify/require"
)

// The group order L, little-endian.
var orderL = [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}

// torsion are the eight points of small order (the 8-torsion subgroup),
// as encodings: what a key or an R made to trip a verifier looks like.
var torsion = func() [][]byte {
	// A point of order 8 (from the literature), then its multiples.
	t8, err := new(edwards25519.Point).SetBytes(hexBytes("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"))
	if err != nil {
		panic(err)
	}
	var out [][]byte
	p := edwards25519.NewIdentityPoint()
	for range 8 {
		out = append(out, p.Bytes())
		p = new(edwards25519.Point).Add(p, t8)
	}
	return out
}()

func hexBytes(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		fmt.Sscanf(s[2*i:2*i+2], "%02x", &b[i])
	}
	return b
}

func randScalar(rng *rand.Rand) *edwards25519.Scalar {
	var b [64]byte
	for i := 0; i < 64; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	s, _ := new(edwards25519.Scalar).SetUniformBytes(b[:])
	return s
}

// The table method computes the same group element as
// edwards25519's VarTimeDoubleScalarBaseMult, for points with and without
// a small-order component and for scalars with small and extreme digits.
func TestFixedBaseMatchesDoubleScalarMult(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 5))
	var points []*edwards25519.Point
	for i := range 12 {
		p := new(edwards25519.Point).ScalarBaseMult(randScalar(rng))
		if i%2 == 1 { // plus a point of small order
			tp, _ := new(edwards25519.Point).SetBytes(torsion[1+i%7])
			p.Add(p, tp)
		}
		points = append(points, p)
	}
	for _, enc := range torsion {
		p, _ := new(edwards25519.Point).SetBytes(enc)
		points = append(points, p)
	}
	minusOne := new(edwards25519.Scalar).Subtract(edwards25519.NewScalar(), smallScalar(1))
	scalars := []*edwards25519.Scalar{edwards25519.NewScalar(), smallScalar(1), minusOne,
		smallScalar(8), smallScalar(0x8888888888888888)}
	for range 8 {
		scalars = append(scalars, randScalar(rng))
	}
	for pi, p := range points {
		var tp point
		tp.fromPoint(p)
		var tab fixedTable
		tab.build(&tp)
		for si, a := range scalars {
			b := scalars[(si*7+pi)%len(scalars)]
			want := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(a, p, b)
			var got point
			got.doubleBaseMul(&tab, a, b)
			var enc [32]byte
			got.encode(&enc)
			require.Equal(t, want.Bytes(), enc[:], "point %d, scalars %d", pi, si)
		}
	}
}

// verifyCase is one (key, message, signature) that both verifiers judge.
type verifyCase struct {
	name          string
	pub, msg, sig []byte
}

func verifyCases(t testing.TB) []verifyCase {
	rng := rand.New(rand.NewPCG(20, 6))
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(rng.Uint32())
	}
	key := ed25519.NewKeyFromSeed(seed)
	pub := key.Public().(ed25519.PublicKey)
	msg := []byte("chainplay: pay bob 5")
	sig := ed25519.Sign(key, msg)
	mut := func(f func(s []byte)) []byte {
		s := append([]byte(nil), sig...)
		f(s)
		return s
	}
	cases := []verifyCase{
		{"valid", pub, msg, sig},
		{"another message", pub, []byte("chainplay: pay bob 6"), sig},
		{"flipped bit in R", pub, msg, mut(func(s []byte) { s[3] ^= 1 })},
		{"flipped bit in S", pub, msg, mut(func(s []byte) { s[40] ^= 1 })},
		{"S + L (not canonical)", pub, msg, mut(func(s []byte) {
			var c uint16
			for i := range 32 {
				c += uint16(s[32+i]) + uint16(orderL[i])
				s[32+i] = byte(c)
				c >>= 8
			}
		})},
		{"top bits of S set", pub, msg, mut(func(s []byte) { s[63] |= 0x20 })},
		{"short signature", pub, msg, sig[:63]},
		{"R not canonical (y ≥ p)", pub, msg, mut(func(s []byte) {
			copy(s, hexBytes("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))
		})},
		{"R negative zero", pub, msg, mut(func(s []byte) {
			copy(s, hexBytes("0100000000000000000000000000000000000000000000000000000000000080"))
		})},
		{"key not on the curve", hexBytes("0200000000000000000000000000000000000000000000000000000000000000"), msg, sig},
	}
	// With the identity or a point of small order as the key, [k]A is
	// small, and some signatures are valid without any secret: R = [S]B
	// (or [S]B − [k]A) verifies.
	s := randScalar(rng)
	sb := new(edwards25519.Point).ScalarBaseMult(s).Bytes()
	forged := append(append([]byte(nil), sb...), s.Bytes()...)
	identityNonCanonical := hexBytes("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // y = p + 1 ≡ 1
	identityNonCanonical[0] = 0xee
	cases = append(cases,
		verifyCase{"identity key, R = [S]B", torsion[0], msg, forged},
		verifyCase{"identity key, non-canonical, R = [S]B", identityNonCanonical, msg, forged})
	for i, tp := range torsion {
		cases = append(cases, verifyCase{fmt.Sprintf("small-order key %d, R = [S]B", i), tp, msg, forged})
		cases = append(cases, verifyCase{fmt.Sprintf("small-order key %d, real signature", i), tp, msg, sig})
		// R of small order with a real key.
		cases = append(cases, verifyCase{fmt.Sprintf("R of small order %d", i), pub, msg, append(append([]byte(nil), tp...), sig[32:]...)})
	}
	// A key with a small-order component signing as the plain key would.
	a, _ := new(edwards25519.Point).SetBytes(pub)
	t1, _ := new(edwards25519.Point).SetBytes(torsion[4])
	mixed := new(edwards25519.Point).Add(a, t1).Bytes()
	cases = append(cases, verifyCase{"key plus a point of order 2", mixed, msg, sig})
	// Many valid and invalid signatures by random keys.
	for i := range 20 {
		var sd [32]byte
		for j := range sd {
			sd[j] = byte(rng.Uint32())
		}
		k := ed25519.NewKeyFromSeed(sd[:])
		m := fmt.Appendf(nil, "message %d", i)
		sg := ed25519.Sign(k, m)
		if i%3 == 0 {
			sg[rng.IntN(64)] ^= byte(1 << rng.IntN(8))
		}
		cases = append(cases, verifyCase{fmt.Sprintf("random %d", i), k.Public().(ed25519.PublicKey), m, sg})
	}
	return cases
}

// fastVerify runs the table method whatever the cache says.
func fastVerify(pub, msg, sig []byte) bool {
	return newKeyTable([32]byte(pub)).verify(msg, sig)
}

func TestVerifyMatchesStdlib(t *testing.T) {
	valid := 0
	for _, tc := range verifyCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			want := ed25519.Verify(tc.pub, tc.msg, tc.sig)
			require.Equal(t, want, fastVerify(tc.pub, tc.msg, tc.sig), "the table method decides otherwise")
			for range keyTableAfter + 1 { // through the cache: first without a table, then with
				require.Equal(t, want, verifyEd25519(tc.pub, tc.msg, tc.sig))
			}
			if want {
				valid++
			}
		})
	}
	require.GreaterOrEqual(t, valid, 10, "the cases must include valid signatures, forged ones for small-order keys too")
}

// Signatures verified together decide as one by one.
func TestVerifyBatchMatchesStdlib(t *testing.T) {
	cases := verifyCases(t)
	items := make([]sigItem, len(cases))
	for i, tc := range cases {
		items[i] = sigItem{pub: tc.pub, msg: tc.msg, sig: tc.sig}
	}
	items = append(items, sigItem{pub: cases[0].pub[:31], msg: cases[0].msg, sig: cases[0].sig}) // a short key
	for round := range keyTableAfter + 1 {                                                       // without tables at first, then with
		bad := make([]bool, len(items))
		verifyBatch(items, bad)
		for i, it := range items {
			want := len(it.pub) != 32 || !ed25519.Verify(it.pub, it.msg, it.sig)
			require.Equal(t, want, bad[i], "round %d, item %d", round, i)
		}
	}
	verifyBatch(nil, nil) // nothing to do
}

func TestVerifyIsSafeForConcurrentUse(t *testing.T) {
	cases := verifyCases(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 3 * len(cases) {
				tc := cases[(i+w)%len(cases)]
				if verifyEd25519(tc.pub, tc.msg, tc.sig) != ed25519.Verify(tc.pub, tc.msg, tc.sig) {
					t.Errorf("%s: verifiers disagree", tc.name)
				}
			}
		})
	}
	wg.Wait()
}

func TestKeyTableCacheIsBounded(t *testing.T) {
	c := keyTableCache{counts: make(map[[32]byte]int), tables: make(map[[32]byte]*keyTable)}
	for i := range maxKeyTables + 10 {
		var k [32]byte
		k[0], k[1] = byte(i), byte(i>>8)
		for j := range keyTableAfter {
			tab := c.get(k)
			require.Equal(t, j == keyTableAfter-1, tab != nil, "key %d, signature %d", i, j+1)
		}
	}
	require.Len(t, c.tables, maxKeyTables)
	require.Empty(t, c.counts)
}

// FuzzVerifyMatchesStdlib: on any key, message and signature, the table
// method decides as crypto/ed25519.
func FuzzVerifyMatchesStdlib(f *testing.F) {
	cases := verifyCases(f)
	var keys [][]byte
	for _, tc := range cases {
		if len(tc.sig) == 64 {
			f.Add(byte(len(keys)), tc.msg, tc.sig)
		}
		keys = append(keys, tc.pub)
	}
	tables := make([]*keyTable, len(keys))
	for i, k := range keys {
		tables[i] = newKeyTable([32]byte(k))
	}
	f.Fuzz(func(t *testing.T, ki byte, msg, sig []byte) {
		i := int(ki) % len(keys)
		if len(sig) > 64 {
			sig = sig[:64]
		}
		want := ed25519.Verify(keys[i], msg, sig)
		if got := tables[i].verify(msg, sig); got != want {
			t.Fatalf("key %x, msg %x, sig %x: table method %v, crypto/ed25519 %v", keys[i], msg, sig, got, want)
		}
	})
}

// smallScalar is n as a scalar.
func smallScalar(n uint64) *edwards25519.Scalar {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], n)
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(b[:])
	if err != nil {
		panic(err)
	}
	return s
}

// BenchmarkVerify compares crypto/ed25519 with the table method on a
// key that signs often.
func BenchmarkVerify(b *testing.B) {
	seed := make([]byte, 32)
	key := ed25519.NewKeyFromSeed(seed)
	pub := key.Public().(ed25519.PublicKey)
	msg := make([]byte, 200)
	sig := ed25519.Sign(key, msg)
	b.Run("stdlib", func(b *testing.B) {
		for range b.N {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("bad")
			}
		}
	})
	b.Run("table", func(b *testing.B) {
		for range b.N {
			if !verifyEd25519(pub, msg, sig) {
				b.Fatal("bad")
			}
		}
	})
	b.Run("build", func(b *testing.B) {
		for range b.N {
			newKeyTable([32]byte(pub))
		}
	})
}
