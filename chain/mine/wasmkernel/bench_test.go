//go:build !js

package wasmkernel_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sum256MHs measures the baseline: crypto/sha256 over the whole header for
// every nonce (SHA-NI where the CPU has it), best of a few rounds of d.
func sum256MHs(d time.Duration) float64 {
	var hdr [100]byte
	for i := range hdr {
		hdr[i] = byte(i*167 + 13)
	}
	var sink byte
	best := 0.0
	for range 4 {
		n, t0 := 0, time.Now()
		for time.Since(t0) < d/4 {
			for range 4096 {
				binary.BigEndian.PutUint64(hdr[92:], uint64(n))
				h := sha256.Sum256(hdr[:])
				sink ^= h[0]
				n++
			}
		}
		best = max(best, float64(n)/time.Since(t0).Seconds()/1e6)
	}
	if sink == 0x100-1 && best < 0 {
		panic(sink)
	}
	return best
}

// BenchmarkKernels measures, in one run (b.N is 1: the run takes ~3 s),
// the SIMD and scalar kernels in node through kernel.js's benchKernel and
// native sha256.Sum256 per nonce, and reports MH/s and the ratio:
//
//	go test -run '^$' -bench Kernels ./chain/mine/wasmkernel/
func BenchmarkKernels(b *testing.B) {
	node := nodePath(b)
	for range b.N {
		native := sum256MHs(time.Second)
		out, err := exec.Command(node, "testdata/bench.js", mustAbs(b, "kernel.js"), modules.simd, modules.scalar, "1200").Output()
		require.NoError(b, err)
		var res []struct {
			Kind string  `json:"kind"`
			MHs  float64 `json:"mhs"`
		}
		require.NoError(b, json.Unmarshal(out, &res))
		for _, r := range res {
			b.ReportMetric(r.MHs, r.Kind+"-MH/s")
			b.ReportMetric(r.MHs/native, r.Kind+"/native")
		}
		b.ReportMetric(native, "native-MH/s")
	}
}
