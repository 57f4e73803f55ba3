package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Regions is a latency and bandwidth model of the Internet by region: the
// mean one-way latency between any two regions, each region's upload and
// download bandwidth, and how the peers spread over the regions. The
// figures of BitcoinNet2015 and BitcoinNet2019 are the measurements
// SimBlock publishes (Aoki et al., "SimBlock: A Blockchain Network
// Simulator", 2019; github.com/dsg-titech/simblock, NetworkConfiguration),
// retyped here as data.
type Regions struct {
	// Names of the regions.
	Names []string
	// LatencyMs is the mean latency from region i to region j, in ms.
	LatencyMs [][]float64
	// UploadBps and DownloadBps are each region's bandwidth, bits/s.
	UploadBps, DownloadBps []float64
	// Share is the fraction of the peers in each region; it sums to 1.
	Share []float64
}

// The regions of SimBlock's tables.
var regionNames = []string{"north_america", "europe", "south_america", "asia_pacific", "japan", "australia"}

// BitcoinNet2015 is SimBlock's 2015 measurement of the Bitcoin network,
// the one nearest to Decker & Wattenhofer's 2013 measurement.
var BitcoinNet2015 = Regions{
	Names: regionNames,
	LatencyMs: [][]float64{
		{36, 119, 255, 310, 154, 208},
		{119, 12, 221, 242, 266, 350},
		{255, 221, 137, 347, 256, 269},
		{310, 242, 347, 99, 172, 278},
		{154, 266, 256, 172, 9, 163},
		{208, 350, 269, 278, 163, 22},
	},
	UploadBps:   []float64{4.7e6, 8.1e6, 1.8e6, 5.3e6, 3.4e6, 5.2e6},
	DownloadBps: []float64{25e6, 24e6, 6.5e6, 10e6, 17.5e6, 14e6},
	Share:       []float64{0.3869, 0.5159, 0.0113, 0.0574, 0.0119, 0.0166},
}

// BitcoinNet2019 is SimBlock's 2019 measurement of the Bitcoin network.
var BitcoinNet2019 = Regions{
	Names: regionNames,
	LatencyMs: [][]float64{
		{32, 124, 184, 198, 151, 189},
		{124, 11, 227, 237, 252, 294},
		{184, 227, 88, 325, 301, 322},
		{198, 237, 325, 85, 58, 198},
		{151, 252, 301, 58, 12, 126},
		{189, 294, 322, 198, 126, 16},
	},
	UploadBps:   []float64{19.2e6, 20.7e6, 5.8e6, 15.7e6, 10.2e6, 11.3e6},
	DownloadBps: []float64{52e6, 40e6, 18e6, 22.8e6, 22.8e6, 29.9e6},
	Share:       []float64{0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195},
}

// validate reports a table that is not square or whose shares are off.
func (r *Regions) validate() error {
	k := len(r.Names)
	if k == 0 || len(r.LatencyMs) != k || len(r.UploadBps) != k || len(r.DownloadBps) != k || len(r.Share) != k {
		return fmt.Errorf("sim: regions: want %d rows of everything", k)
	}
	sum := 0.0
	for i := range k {
		if len(r.LatencyMs[i]) != k {
			return fmt.Errorf("sim: regions: latency row %d has %d entries, want %d", i, len(r.LatencyMs[i]), k)
		}
		if r.UploadBps[i] <= 0 || r.DownloadBps[i] <= 0 || r.Share[i] < 0 {
			return fmt.Errorf("sim: regions: region %d: bandwidths must be positive and shares not negative", i)
		}
		sum += r.Share[i]
	}
	if math.Abs(sum-1) > 1e-3 {
		return fmt.Errorf("sim: regions: shares sum to %g, want 1", sum)
	}
	return nil
}

// pick draws a region by Share.
func (r *Regions) pick(rng *rand.Rand) int {
	u := rng.Float64()
	for i, s := range r.Share {
		if u < s {
			return i
		}
		u -= s
	}
	return len(r.Share) - 1
}

// ParetoShape is the shape of the Pareto distribution each link's latency
// is drawn from (its mean is the regions' table value): a heavy right
// tail, as measured Internet delays have, with a finite variance.
const ParetoShape = 5.0

// pareto draws from a Pareto distribution of the given mean and shape k:
// scale x_m = mean·(k−1)/k, x = x_m / U^(1/k).
func pareto(rng *rand.Rand, mean, k float64) float64 {
	xm := mean * (k - 1) / k
	u := 1 - rng.Float64() // (0, 1]
	return xm / math.Pow(u, 1/k)
}

// link is the fixed character of one direction of a connection: its
// latency and the bandwidth a message gets on it.
type link struct {
	latency time.Duration
	bps     float64 // bits per second; +Inf for no limit
}

// transfer is how long a message of size bytes takes on l: the latency
// plus its bits over the bandwidth.
func (l link) transfer(size int) time.Duration {
	if math.IsInf(l.bps, 1) {
		return l.latency
	}
	return l.latency + time.Duration(float64(size)*8/l.bps*float64(time.Second))
}

// linkSeed mixes the run's seed with a directed pair of peers, so each
// link's latency is drawn once, the same whenever it is asked for,
// without storing a table of every pair.
func linkSeed(seed uint64, from, to int) (uint64, uint64) {
	x := seed ^ (uint64(from)<<32 | uint64(to)) ^ 0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x, seed + 0x632be59bd9b4e019
}
