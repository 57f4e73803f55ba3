// Command sim runs the simulator (package chain/sim) and prints what it
// measured, as JSON with -json:
//
//	sim -scenario network -peers 1000 -blocks 1000 -seed 1 -json
//	sim -scenario selfish -alpha 0.35 -gamma 0.5 -blocks 100000 -seed 1 -json
//	sim -scenario doublespend -q 0.3 -z 2 -trials 100000 -seed 1 -json
//	sim -compare
//
// The selfish and doublespend scenarios run the fast abstract model by
// default (-model markov, -model race) and the full nodes with -model
// nodes; -compare prints the simulated figures beside the papers'
// formulas. The same seed gives the same output.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/chainplay/chainplay/chain/sim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sim:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// options are the command's flags.
type options struct {
	scenario, model, regions string
	seed                     uint64
	blocks, peers, degree    int
	blockSize                int
	interval, latency        time.Duration
	alpha, gamma, q          float64
	z, trials, giveUp        int
	honest                   int
	asJSON, compare, timing  bool
}

func parse(args []string, out io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.scenario, "scenario", "network", "network, selfish or doublespend")
	fs.StringVar(&o.model, "model", "", "selfish: markov (default) or nodes; doublespend: race (default) or nodes")
	fs.Uint64Var(&o.seed, "seed", 1, "the run's seed: the same seed gives the same output")
	fs.IntVar(&o.blocks, "blocks", 0, "blocks to mine (network: 300, selfish: 100000 markov / 5000 nodes)")
	fs.IntVar(&o.peers, "peers", 300, "network: peers")
	fs.IntVar(&o.degree, "degree", 8, "network: outbound connections per peer")
	fs.IntVar(&o.blockSize, "block-size", 1_000_000, "network: bytes a block is charged on a link")
	fs.DurationVar(&o.interval, "interval", 10*time.Minute, "mean time between blocks")
	fs.StringVar(&o.regions, "regions", "2015", "network: SimBlock's latency tables of 2015 or 2019")
	fs.DurationVar(&o.latency, "latency", 100*time.Millisecond, "-model nodes: the honest peers' link latency")
	fs.IntVar(&o.honest, "honest", 10, "-model nodes: honest peers")
	fs.Float64Var(&o.alpha, "alpha", 0.35, "selfish: the pool's hash share")
	fs.Float64Var(&o.gamma, "gamma", 0, "selfish: the share of honest power that mines on the pool's block in a tie")
	fs.Float64Var(&o.q, "q", 0.3, "doublespend: the attacker's hash share")
	fs.IntVar(&o.z, "z", 2, "doublespend: confirmations the merchant waits for")
	fs.IntVar(&o.trials, "trials", 0, "doublespend: races (100000 race / 200 nodes)")
	fs.IntVar(&o.giveUp, "give-up", sim.DefaultGiveUp, "doublespend: blocks behind at which the attacker gives up")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	fs.BoolVar(&o.compare, "compare", false, "print the simulated figures beside the papers' formulas")
	fs.BoolVar(&o.timing, "timing", false, "print the wall time the run took (on stderr)")
	if err := fs.Parse(args); err != nil {
		return o, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parse(args, out)
	if err != nil {
		return err
	}
	if o.compare {
		return compare(out, o.seed)
	}
	start := time.Now()
	var res any
	switch o.scenario {
	case "network":
		res, err = network(o)
	case "selfish":
		res, err = selfish(o)
	case "doublespend":
		res, err = doubleSpend(o)
	default:
		return fmt.Errorf("%w: unknown scenario %q: want network, selfish or doublespend", errUsage, o.scenario)
	}
	if err != nil {
		return err
	}
	if o.timing {
		fmt.Fprintf(os.Stderr, "sim: %s took %.2f s of wall time\n", o.scenario, time.Since(start).Seconds())
	}
	if o.asJSON {
		enc := json.NewEncoder(out)
		return enc.Encode(res)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "%s\n", b)
	return err
}

// network runs the Bitcoin-like network with full nodes.
func network(o options) (sim.Report, error) {
	var regions *sim.Regions
	switch o.regions {
	case "2015":
		regions = &sim.BitcoinNet2015
	case "2019":
		regions = &sim.BitcoinNet2019
	default:
		return sim.Report{}, fmt.Errorf("%w: -regions %q: want 2015 or 2019", errUsage, o.regions)
	}
	blocks := o.blocks
	if blocks == 0 {
		blocks = 300
	}
	s, err := sim.New(sim.Config{Seed: o.seed, Peers: o.peers, Blocks: blocks, BlockInterval: o.interval, BlockSize: o.blockSize,
		Topology: sim.Mesh, Degree: o.degree, Regions: regions})
	if err != nil {
		return sim.Report{}, err
	}
	if err := s.Run(); err != nil {
		return sim.Report{}, err
	}
	return s.Report(), nil
}

func selfish(o options) (sim.SelfishResult, error) {
	switch o.model {
	case "", "markov":
		blocks := o.blocks
		if blocks == 0 {
			blocks = 100_000
		}
		return sim.SelfishMarkov(o.alpha, o.gamma, blocks, o.seed)
	case "nodes":
		blocks := o.blocks
		if blocks == 0 {
			blocks = 5000
		}
		return sim.SelfishNodes(o.alpha, o.gamma, blocks, o.honest, o.latency, o.seed)
	}
	return sim.SelfishResult{}, fmt.Errorf("%w: -model %q: want markov or nodes", errUsage, o.model)
}

func doubleSpend(o options) (sim.DoubleSpendResult, error) {
	switch o.model {
	case "", "race":
		trials := o.trials
		if trials == 0 {
			trials = 100_000
		}
		return sim.DoubleSpendRace(o.q, o.z, trials, o.giveUp, o.seed)
	case "nodes":
		trials := o.trials
		if trials == 0 {
			trials = 200
		}
		return sim.DoubleSpendNodes(o.q, o.z, trials, o.giveUp, o.honest, o.latency, o.seed)
	}
	return sim.DoubleSpendResult{}, fmt.Errorf("%w: -model %q: want race or nodes", errUsage, o.model)
}
