//go:build !js

package wasmkernel_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/mine/wasmkernel"
	"github.com/chainplay/chainplay/chain/mine/wasmkernel/internal/wasmgen"
)

// nodePath finds node: the tests fail without it when CI=true, else skip.
func nodePath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node is required in CI: %v", err)
		}
		t.Skipf("node not found: %v", err)
	}
	return p
}

func mustAbs(t testing.TB, p string) string {
	a, err := filepath.Abs(p)
	require.NoError(t, err)
	return a
}

// outcome is what a search reports, from the kernel or the reference.
type outcome struct {
	Found     bool
	Nonce     uint64
	Done      uint64 // nonces hashed, the found one included
	Best      string // hex of the lowest hash; "" when none
	BestNonce uint64
}

// tcase is one search: through the JS glue (setJob + scan) or, when raw,
// one call of the wasm scan() with a parameter block built by the Go API.
type tcase struct {
	name          string
	raw           bool
	header        [wasmkernel.HeaderSize]byte
	target        [32]byte
	start, count  uint64
	seed          *[32]byte // raw: the best hash passed in (nil: none)
	seedNonce     uint64
	wantClampedTo uint64 // raw: the count the kernel must clamp to
}

var allOnes = [32]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func hashNonce(h [wasmkernel.HeaderSize]byte, n uint64) [32]byte {
	binary.BigEndian.PutUint64(h[92:], n)
	return sha256.Sum256(h[:])
}

// reference is the brute force with crypto/sha256: the first nonce whose
// hash is ≤ target, and the lowest hash up to it (the first on a tie),
// starting from best. The scan stops after nonce 2^64-1.
func reference(c tcase) outcome {
	best, bestNonce := allOnes, uint64(0)
	if c.seed != nil {
		best, bestNonce = *c.seed, c.seedNonce
	}
	var o outcome
	for i := uint64(0); i < c.count; i++ {
		n := c.start + i
		h := hashNonce(c.header, n)
		o.Done++
		if bytes.Compare(h[:], best[:]) < 0 {
			best, bestNonce = h, n
		}
		if bytes.Compare(h[:], c.target[:]) <= 0 {
			o.Found, o.Nonce = true, n
			break
		}
		if n == ^uint64(0) {
			break
		}
	}
	if best != allOnes {
		o.Best, o.BestNonce = hex.EncodeToString(best[:]), bestNonce
	}
	return o
}

func (c tcase) params() wasmkernel.Params {
	p := wasmkernel.NewParams(c.header, c.target)
	p.SetRange(c.start, uint32(c.count))
	if c.seed != nil {
		p.Best, p.BestNonce = wasmkernel.Words(*c.seed), c.seedNonce
	}
	return p
}

func (c tcase) request() map[string]any {
	if c.raw {
		p := c.params()
		mem := make([]byte, wasmkernel.ParamsSize)
		p.Put(mem)
		return map[string]any{"mode": "raw", "params": hex.EncodeToString(mem)}
	}
	return map[string]any{"mode": "js", "header": hex.EncodeToString(c.header[:]),
		"target": hex.EncodeToString(c.target[:]), "start": strconv.FormatUint(c.start, 10), "count": c.count}
}

type jsResult struct {
	Found     bool   `json:"found"`
	Nonce     string `json:"nonce"`
	Hash      string `json:"hash"`
	Hashes    uint64 `json:"hashes"`
	Next      string `json:"next"`
	Best      string `json:"best"`
	BestNonce string `json:"bestNonce"`
	Ret       int    `json:"ret"`
	Mem       string `json:"mem"`
}

type response struct {
	SIMDSupported bool                  `json:"simdSupported"`
	Auto          string                `json:"auto"`
	Results       map[string][]jsResult `json:"results"`
}

func parseU64(t testing.TB, s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err)
	return n
}

// got turns the harness's result for c into an outcome.
func got(t testing.TB, c tcase, r jsResult) outcome {
	if !c.raw {
		o := outcome{Found: r.Found, Done: r.Hashes, Best: r.Best}
		if r.Found {
			o.Nonce = parseU64(t, r.Nonce)
			h := hashNonce(c.header, o.Nonce)
			require.Equal(t, hex.EncodeToString(h[:]), r.Hash, "found hash")
		}
		if r.Best != "" {
			o.BestNonce = parseU64(t, r.BestNonce)
		}
		if next := c.start + r.Hashes; next >= c.start {
			require.Equal(t, strconv.FormatUint(next, 10), r.Next, "next")
		} else { // past nonce 2^64-1
			require.Equal(t, "18446744073709551616", r.Next, "next")
		}
		return o
	}
	mem, err := hex.DecodeString(r.Mem)
	require.NoError(t, err)
	res := wasmkernel.ReadResult(mem)
	require.Equal(t, res.Found, r.Ret == 1, "scan() return value")
	require.Equal(t, uint32(c.wantClampedTo), binary.LittleEndian.Uint32(mem[wasmkernel.OffCount:]), "clamped count")
	o := outcome{Found: res.Found, Done: uint64(res.Done)}
	if res.Found {
		o.Nonce = res.Nonce
	}
	if bh := res.BestHash(); bh != allOnes {
		o.Best, o.BestNonce = hex.EncodeToString(bh[:]), res.BestNonce
	}
	return o
}

// run runs the harness under node with the given modules and flags.
// noSIMD selects an engine without SIMD ("probe") or a SIMD module that
// fails to load ("load").
func run(t testing.TB, simd, scalar string, kinds []string, noSIMD string, cases []tcase, flags ...string) response {
	t.Helper()
	node := nodePath(t)
	var reqCases []map[string]any
	for _, c := range cases {
		reqCases = append(reqCases, c.request())
	}
	req, err := json.Marshal(map[string]any{"kernel": mustAbs(t, "kernel.js"), "simd": mustAbs(t, simd), "scalar": mustAbs(t, scalar),
		"kinds": kinds, "noSIMD": noSIMD == "probe", "badSIMD": noSIMD == "load", "cases": reqCases})
	require.NoError(t, err)
	cmd := exec.Command(node, append(flags, "testdata/harness.js")...)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node: %s", stderr.String())
	var resp response
	require.NoError(t, json.Unmarshal(out, &resp))
	for _, k := range kinds {
		require.Len(t, resp.Results[k], len(cases))
	}
	return resp
}

func randHeader(rng *rand.Rand) [wasmkernel.HeaderSize]byte {
	var h [wasmkernel.HeaderSize]byte
	for i := range h {
		h[i] = byte(rng.Uint32())
	}
	return h
}

// zerosTarget is the target with z leading zero bits and ones after them.
func zerosTarget(z int) [32]byte {
	t := allOnes
	for i := 0; i < z; i++ {
		t[i/8] &^= 0x80 >> (i % 8)
	}
	return t
}

// addWord adds d to word w of h (a hash or target), wrapping.
func addWord(h [32]byte, w int, d uint32) [32]byte {
	binary.BigEndian.PutUint32(h[4*w:], binary.BigEndian.Uint32(h[4*w:])+d)
	return h
}

// minHash is the nonce with the lowest hash in [start, start+count).
func minHash(h [wasmkernel.HeaderSize]byte, start, count uint64) (uint64, [32]byte) {
	best, bn := allOnes, start
	for i := uint64(0); i < count; i++ {
		if x := hashNonce(h, start+i); bytes.Compare(x[:], best[:]) < 0 {
			best, bn = x, start+i
		}
	}
	return bn, best
}

// testCases is the table: random headers, ranges and targets; ranges that
// cross a wrap of the nonce's low word (and the end of the nonce space);
// targets and seeded best hashes that tie the real hashes in word 0 and
// differ deeper; raw calls that the kernel must clamp.
func testCases(seed uint64) []tcase {
	rng := rand.New(rand.NewPCG(seed, 7))
	var cs []tcase
	counts := []uint64{0, 1, 2, 3, 4, 5, 7, 63, 64, 65, 1000, 4099}
	for i := 0; i < 48; i++ {
		c := tcase{
			name:   fmt.Sprintf("random-%d", i),
			header: randHeader(rng),
			target: zerosTarget(4 + rng.IntN(9)),
			start:  rng.Uint64(),
			count:  counts[i%len(counts)],
		}
		if i%3 == 0 {
			c.start &= 0xffff // small nonces too
		}
		cs = append(cs, c)
	}
	hdr := randHeader(rng)
	cs = append(cs,
		tcase{name: "unreachable target", header: hdr, target: [32]byte{}, start: 77, count: 5000},
		tcase{name: "every hash meets the target", header: hdr, target: allOnes, start: 1 << 40, count: 10},
		tcase{name: "several wasm calls", header: randHeader(rng), target: zerosTarget(20), start: 3, count: 3*wasmkernel.Chunk + 5},
	)
	for _, k := range []uint64{1, 2, 3, 4, 5, 6, 100} {
		hi := rng.Uint64() & 0xffffffff00000000
		cs = append(cs,
			tcase{name: fmt.Sprintf("wrap %d before, easy target", k), header: randHeader(rng), target: zerosTarget(7),
				start: hi + 1<<32 - k, count: 400},
			tcase{name: fmt.Sprintf("wrap %d before, no target", k), header: randHeader(rng), target: [32]byte{},
				start: hi + 1<<32 - k, count: 300})
	}
	cs = append(cs,
		tcase{name: "end of the nonce space", header: randHeader(rng), target: [32]byte{}, start: ^uint64(0) - 9, count: 100},
		tcase{name: "last nonce", header: randHeader(rng), target: [32]byte{}, start: ^uint64(0), count: 5})

	// Ties: targets built from the range's lowest hash h, equal to it in
	// word 0 and below or above it deeper.
	for i := 0; i < 4; i++ {
		h := randHeader(rng)
		start, count := rng.Uint64()&^0x80000000, uint64(2000+i) // no wrap in the raw calls
		_, low := minHash(h, start, count)
		for _, tt := range []struct {
			name   string
			target [32]byte
		}{
			{"target = lowest hash", low},
			{"target = lowest hash - 1 in word 7", addWord(low, 7, ^uint32(0))},
			{"target = lowest hash + 1 in word 7", addWord(low, 7, 1)},
			{"target = lowest hash - 1 in word 1", addWord(low, 1, ^uint32(0))},
			{"target = lowest hash + 1 in word 1", addWord(low, 1, 1)},
			{"target = lowest hash - 1 in word 3", addWord(low, 3, ^uint32(0))},
		} {
			cs = append(cs, tcase{name: fmt.Sprintf("tie %d: %s", i, tt.name), header: h, target: tt.target, start: start, count: count})
			cs = append(cs, tcase{name: fmt.Sprintf("tie %d raw: %s", i, tt.name), raw: true, header: h, target: tt.target,
				start: start, count: count, wantClampedTo: count})
		}
		// A second hash: the first nonce whose hash is ≤ a mid-range hash.
		mid := hashNonce(h, start+count/2)
		cs = append(cs, tcase{name: fmt.Sprintf("tie %d: target = a mid-range hash", i), header: h, target: mid, start: start, count: count})
		// A best hash passed in that ties the lowest hash in word 0.
		for _, s := range []struct {
			name string
			seed [32]byte
		}{
			{"seeded best above in word 7", addWord(low, 7, 1)},
			{"seeded best below in word 7", addWord(low, 7, ^uint32(0))},
			{"seeded best above in word 2", addWord(low, 2, 1)},
			{"seeded best equal", low},
		} {
			seed := s.seed
			cs = append(cs, tcase{name: fmt.Sprintf("tie %d raw: %s", i, s.name), raw: true, header: h, target: [32]byte{},
				start: start, count: count, seed: &seed, seedNonce: 0xdeadbeef_00c0ffee, wantClampedTo: count})
		}
	}

	// Raw calls: the kernel clamps a count that would cross a wrap.
	for _, r := range []struct {
		name         string
		lo           uint64
		count, clamp uint64
	}{
		{"raw: no nonces", 5, 0, 0},
		{"raw: 16 before the wrap", 0xfffffff0, 100, 16},
		{"raw: 1 before the wrap", 0xffffffff, 7, 1},
		{"raw: ends at the wrap", 0xffffff00, 256, 256},
		{"raw: low word 0", 0, 1000, 1000},
		{"raw: all but the last 2^32-1", 1, 0xffffffff, 0xffffffff},
	} {
		c := tcase{name: r.name, raw: true, header: randHeader(rng), target: zerosTarget(6),
			start: rng.Uint64()&0xffffffff00000000 | r.lo, count: r.count, wantClampedTo: r.clamp}
		if r.count == 0xffffffff {
			c.target = allOnes // found at once: the test stays short
		}
		cs = append(cs, c)
	}
	return cs
}

// want is the reference outcome of c (a raw call hashes at most up to the wrap).
func want(c tcase) outcome {
	if c.raw {
		c.count = c.wantClampedTo
	}
	return reference(c)
}

var modules = struct{ simd, scalar string }{"kernel-simd.wasm", "kernel-scalar.wasm"}

func TestKernels(t *testing.T) {
	cases := testCases(1)
	for _, tier := range []struct {
		name  string
		flags []string
	}{
		{"liftoff", []string{"--liftoff-only"}},
		{"turbofan", []string{"--no-liftoff"}},
	} {
		t.Run(tier.name, func(t *testing.T) {
			resp := run(t, modules.simd, modules.scalar, []string{"simd", "scalar"}, "", cases, tier.flags...)
			require.True(t, resp.SIMDSupported, "node supports wasm SIMD")
			require.Equal(t, "simd", resp.Auto, "loadKernel picks SIMD when the engine has it")
			for _, kind := range []string{"simd", "scalar"} {
				t.Run(kind, func(t *testing.T) {
					for i, c := range cases {
						t.Run(c.name, func(t *testing.T) {
							require.Equal(t, want(c), got(t, c, resp.Results[kind][i]))
						})
					}
				})
			}
		})
	}
}

// TestNoSIMD: an engine without wasm SIMD, or one where the SIMD module
// does not load, gets the scalar kernel.
func TestNoSIMD(t *testing.T) {
	cases := testCases(2)[:12]
	for _, tt := range []struct{ name, how string }{
		{"no SIMD in the engine", "probe"},
		{"SIMD module fails to load", "load"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := run(t, modules.simd, modules.scalar, []string{"scalar"}, tt.how, cases)
			require.Equal(t, tt.how == "load", resp.SIMDSupported)
			require.Equal(t, "scalar", resp.Auto)
			for i, c := range cases {
				require.Equal(t, want(c), got(t, c, resp.Results["scalar"][i]), c.name)
			}
		})
	}
}

// TestBrokenKernelIsCaught: a kernel with one wrong round constant in its
// nonce loop must fail the comparison with the reference.
func TestBrokenKernelIsCaught(t *testing.T) {
	nodePath(t)
	cases := testCases(3)
	for _, tt := range []struct {
		name string
		o    wasmgen.Options
	}{
		{"simd, K[0] wrong", wasmgen.Options{SIMD: true, ScalarLanes: 1, BreakRound: 1}},
		{"simd, K[8] wrong", wasmgen.Options{SIMD: true, ScalarLanes: 1, BreakRound: 9}},
		{"simd, K[40] wrong", wasmgen.Options{SIMD: true, ScalarLanes: 1, BreakRound: 41}},
		{"simd, K[63] wrong", wasmgen.Options{SIMD: true, ScalarLanes: 1, BreakRound: 64}},
		{"scalar, K[20] wrong", wasmgen.Options{BreakRound: 21}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.wasm")
			require.NoError(t, os.WriteFile(path, wasmgen.Generate(tt.o), 0o644))
			kind, simd, scalar := "scalar", modules.simd, path
			if tt.o.SIMD {
				kind, simd, scalar = "simd", path, modules.scalar
			}
			resp := run(t, simd, scalar, []string{kind}, "", cases)
			wrong := 0
			for i, c := range cases {
				if want(c) != got(t, c, resp.Results[kind][i]) {
					wrong++
				}
			}
			t.Logf("%d of %d cases caught it", wrong, len(cases))
			require.Positive(t, wrong, "the broken kernel passes every case")
		})
	}
}

// TestOtherOptions: the generator's other SIMD loops (the alternatives
// package wasmkernel's doc measures) search exactly as the reference does.
func TestOtherOptions(t *testing.T) {
	nodePath(t)
	cases := testCases(4)
	for _, tt := range []struct {
		name string
		o    wasmgen.Options
	}{
		{"one vector", wasmgen.Options{SIMD: true}},
		{"one vector, two scalar lanes", wasmgen.Options{SIMD: true, ScalarLanes: 2}},
		{"two vectors", wasmgen.Options{SIMD: true, Interleave: true}},
		{"two vectors, one scalar lane", wasmgen.Options{SIMD: true, Interleave: true, ScalarLanes: 1}},
		{"bitselect, one scalar lane", wasmgen.Options{SIMD: true, Bitselect: true, ScalarLanes: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kernel.wasm")
			require.NoError(t, os.WriteFile(path, wasmgen.Generate(tt.o), 0o644))
			resp := run(t, path, modules.scalar, []string{"simd"}, "", cases, "--no-liftoff")
			for i, c := range cases {
				require.Equal(t, want(c), got(t, c, resp.Results["simd"][i]), c.name)
			}
		})
	}
}

// TestGenerateRoundTrip: the committed modules are what the generator
// writes (run `go generate ./chain/mine/wasmkernel/` after changing it).
func TestGenerateRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name      string
		o         wasmgen.Options
		committed []byte
	}{
		{"kernel-simd.wasm", wasmgen.DefaultSIMD, wasmkernel.SIMDModule},
		{"kernel-scalar.wasm", wasmgen.DefaultScalar, wasmkernel.ScalarModule},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, bytes.Equal(wasmgen.Generate(tt.o), tt.committed),
				"%s differs from the generator's output: run go generate ./chain/mine/wasmkernel/", tt.name)
		})
	}
}
