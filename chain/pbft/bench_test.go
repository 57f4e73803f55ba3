package pbft_test

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkProtocol runs the protocol core alone — every message signed,
// encoded, decoded and verified, no network delay — and reports blocks
// per second and messages per block for n = 4, 7 and 10 (the O(n²) of the
// three phases, plus checkpoints every 3 blocks). Replicas share a
// signature cache here as on one machine they could; each signature is
// still verified once.
func BenchmarkProtocol(b *testing.B) {
	for _, n := range []int{4, 7, 10} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := newSim(b, 1, n, netConfig{}, behaviours(n, nil), b.N)
			s.tick = time.Millisecond
			b.ResetTimer()
			start := time.Now()
			s.run(time.Duration(b.N)*time.Hour, s.honestDone)
			elapsed := time.Since(start)
			if !s.honestDone() {
				b.Fatalf("only %d of %d blocks", len(s.apps[0].blocks), b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "blocks/s")
			b.ReportMetric(float64(s.sent)/float64(b.N), "msgs/block")
			b.ReportMetric(float64(s.bytes)/float64(b.N), "bytes/block")
		})
	}
}
