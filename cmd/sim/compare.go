package main

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/chainplay/chainplay/chain/sim"
)

// compare prints the simulated figures beside the papers' formulas:
// Eyal & Sirer's relative revenue and thresholds, Nakamoto's §11 and
// Rosenfeld's double-spend probabilities — the abstract models over many
// blocks, and the full nodes at a few points.
func compare(out io.Writer, seed uint64) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(out, "Selfish mining: the pool's share of the main chain (Eyal & Sirer 2014, eq. 8)")
	fmt.Fprintln(w, "alpha\tgamma\tformula\tmarkov 1M blocks\tnodes 5k blocks\tprofitable (markov)\t")
	for _, g := range []float64{0, 0.5, 1} {
		for _, a := range []float64{0.1, 0.2, 0.25, 0.3, 1.0 / 3, 0.35, 0.4, 0.45} {
			m, err := sim.SelfishMarkov(a, g, 1_000_000, seed)
			if err != nil {
				return err
			}
			nodes := "\t"
			if (g == 0 || g == 0.5) && (a == 0.25 || a == 0.35) {
				n, err := sim.SelfishNodes(a, g, 5000, 10, 100*time.Millisecond, seed)
				if err != nil {
					return err
				}
				nodes = fmt.Sprintf("%.4f\t", n.RevenueShare)
			}
			fmt.Fprintf(w, "%.3f\t%.1f\t%.4f\t%.4f\t%s%v\t\n", a, g, sim.SelfishRevenue(a, g), m.RevenueShare, nodes, m.Profitable)
		}
	}
	w.Flush()
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Selfish-mining threshold (1-γ)/(3-2γ), and the least α (step 0.005) at which the markov model pays")
	fmt.Fprintln(w, "gamma\tformula\tsimulated\t")
	for _, g := range []float64{0, 0.5} {
		found := math.NaN()
		for a := 0.15; a < 0.45; a += 0.005 {
			m, err := sim.SelfishMarkov(a, g, 2_000_000, seed)
			if err != nil {
				return err
			}
			if m.RevenueShare > a {
				found = a
				break
			}
		}
		fmt.Fprintf(w, "%.1f\t%.4f\t%.3f\t\n", g, sim.SelfishThreshold(g), found)
	}
	w.Flush()
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Double spend: the attacker's success after z confirmations (Nakamoto 2008 §11, Rosenfeld 2012)")
	fmt.Fprintln(w, "q\tz\tNakamoto\tRosenfeld\trace 1M trials\tnodes 300 trials\t")
	for _, c := range []struct {
		q  float64
		zs []int
	}{
		{0.1, []int{0, 1, 2, 3, 4, 5, 6, 8, 10}},
		{0.3, []int{0, 1, 2, 5, 10, 15, 20, 30}},
	} {
		for _, z := range c.zs {
			r, err := sim.DoubleSpendRace(c.q, z, 1_000_000, sim.DefaultGiveUp, seed)
			if err != nil {
				return err
			}
			nodes := "\t"
			if (c.q == 0.3 && (z == 1 || z == 2 || z == 5)) || (c.q == 0.1 && z == 1) {
				n, err := sim.DoubleSpendNodes(c.q, z, 300, sim.DefaultGiveUp, 4, 50*time.Millisecond, seed)
				if err != nil {
					return err
				}
				nodes = fmt.Sprintf("%.4f\t", n.SuccessRate)
			}
			fmt.Fprintf(w, "%.1f\t%d\t%.7f\t%.7f\t%.7f\t%s\n", c.q, z, sim.Nakamoto(c.q, z), sim.Rosenfeld(c.q, z), r.SuccessRate, nodes)
		}
	}
	return w.Flush()
}
