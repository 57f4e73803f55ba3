package chain_test

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/internal/benchrun"
)

// BenchmarkProcessBlock100Tx processes blocks of 100 transfers (plus the
// coinbase) on the tip, each from a different sender: 100 signatures, 100
// state updates.
func BenchmarkProcessBlock100Tx(b *testing.B) {
	p := chaintest.Params()
	p.MaxBlockTxs = 101
	p.HalvingInterval = 0
	c := chaintest.New(b, p)
	now := chaintest.Now(p)
	// 100 funded senders: block i pays Key(i).
	for i := range 100 {
		blk := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(i))
		if _, err := c.ProcessBlock(blk, now); err != nil {
			b.Fatal(err)
		}
	}
	keys := make([]chaintest.KeyPair, 100)
	for i := range keys {
		keys[i] = chaintest.KeyPair{Key: chaintest.Key(i), Addr: chaintest.Addr(i)}
	}
	b.ResetTimer()
	for n := range b.N {
		b.StopTimer()
		txs := make([]*chain.Tx, 100)
		for i := range txs {
			txs[i] = chaintest.Transfer(c.ID(), keys[i].Key, keys[(i+1)%100].Addr, 1, 0, uint64(n))
		}
		blk := chaintest.NextBlock(c, c.Tip().Block, chaintest.Addr(100), txs...)
		b.StartTimer()
		if st, err := c.ProcessBlock(blk, now); err != nil || st != chain.StatusMainChain {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/100, "µs/tx")
}

var bigDump struct {
	once   sync.Once
	data   []byte
	blocks []*chain.Block
}

// dump10k returns a 10,000-block chain with 5 transfers per block (50,000
// signatures), as JSON and as blocks.
func dump10k(b testing.TB) ([]byte, []*chain.Block) {
	bigDump.once.Do(func() {
		p := chaintest.Params()
		p.Name = "bench"
		p.HalvingInterval = 0
		bld := chaintest.NewBuilder(p)
		blocks := []*chain.Block{bld.Genesis()}
		tip := bld.Genesis()
		seq := make([]uint64, 5)
		for h := 1; h <= 10_000; h++ {
			var txs []*chain.Tx
			if h > 5 { // blocks 1-5 fund keys 0-4
				for k := range 5 {
					txs = append(txs, chaintest.Transfer(bld.ID(), chaintest.Key(k), chaintest.Addr((k+1)%5), 1, 1, seq[k]))
					seq[k]++
				}
			}
			tip = bld.Block(tip, h%5, txs...)
			blocks = append(blocks, tip)
		}
		d := chain.ChainJSON{Length: len(blocks)}
		for _, blk := range blocks {
			d.Chain = append(d.Chain, blk.JSON())
		}
		var err error
		bigDump.data, err = jsonMarshal(d)
		if err != nil {
			b.Fatal(err)
		}
		bigDump.blocks = blocks
	})
	return bigDump.data, bigDump.blocks
}

// BenchmarkImport10k imports a 10,000-block chain with 5 transfers per
// block from its JSON dump: parse, validate everything, build the state.
func BenchmarkImport10k(b *testing.B) {
	data, blocks := dump10k(b)
	now := chaintest.Now(chaintest.Params())
	b.Run("json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			c, err := chain.ImportChain(data, now)
			if err != nil {
				b.Fatal(err)
			}
			if c.Tip().Height != 10_000 {
				b.Fatal("short")
			}
		}
	})
	b.Run("blocks", func(b *testing.B) {
		for range b.N {
			if _, err := chain.NewFromBlocks(chain.Config{}, blocks, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			if _, err := chain.ParseChainJSON(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// targetImport10kSeconds is issue 20's target for importing the 10,000 ×
// 5 chain natively.
const targetImport10kSeconds = 1

// TestImportBench is make bench's import figures: the 10,000-block chain
// of BenchmarkImport10k (5 transfers a block, 50,000 signatures) imported
// into a fresh chain from its JSON dump (parse, validate everything,
// build the state) and from decoded blocks, each a warm-up and then
// benchrun.MinPairs times. It runs only with CHAINPLAY_BENCH=1.
func TestImportBench(t *testing.T) {
	if os.Getenv("CHAINPLAY_BENCH") == "" {
		t.Skip("a benchmark: run it with make bench (CHAINPLAY_BENCH=1)")
	}
	data, blocks := dump10k(t)
	now := chaintest.Now(chaintest.Params())
	seconds := func(f func() error) benchrun.Run {
		return benchrun.One(func() (float64, error) {
			start := time.Now()
			err := f()
			return time.Since(start).Seconds(), err
		})
	}
	fromJSON, err := benchrun.Repeat(1, benchrun.MinPairs, seconds(func() error {
		_, err := chain.ImportChain(data, now)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	fromBlocks, err := benchrun.Repeat(1, benchrun.MinPairs, seconds(func() error {
		_, err := chain.NewFromBlocks(chain.Config{}, blocks, now)
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	figs := []benchrun.Figure{
		benchrun.Absolute("import 10,000 blocks × 5 transfers from JSON (parse, validate, state)", "s", benchrun.Column(fromJSON, "value"), benchrun.Below(targetImport10kSeconds)),
		benchrun.Absolute("import 10,000 blocks × 5 transfers, decoded blocks", "s", benchrun.Column(fromBlocks, "value"), nil),
	}
	if err := benchrun.Publish(os.Stdout, "import", figs, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// sync1k is a 1,000-block chain of coinbase-only blocks, as a room's
// chain mostly is, and its blocks' JSON as a blocks message carries them.
func sync1k(b *testing.B) (blocks []*chain.Block, enc [][]byte) {
	b.Helper()
	c := chaintest.New(b, chaintest.Params())
	blocks = chaintest.Extend(b, c, 1000, chaintest.Addr(1))
	for _, blk := range blocks {
		e, err := json.Marshal(blk)
		if err != nil {
			b.Fatal(err)
		}
		enc = append(enc, e)
	}
	return blocks, enc
}

// BenchmarkSync1k times what a syncing node does per block of a
// coinbase-only chain: decode it (its JSON, as the REST API has it, and
// its canonical encoding, as a blocks message has it), and process it
// into a fresh chain.
// It runs natively and as wasm under node (make bench), the tab's cost.
func BenchmarkSync1k(b *testing.B) {
	blocks, enc := sync1k(b)
	now := chaintest.Now(chaintest.Params())
	b.Run("decode", func(b *testing.B) {
		for range b.N {
			for _, e := range enc {
				var blk chain.Block
				if err := json.Unmarshal(e, &blk); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(enc))/b.Elapsed().Seconds(), "blocks/s")
	})
	bin := make([][]byte, len(blocks))
	for i, blk := range blocks {
		bin[i] = blk.Encode()
	}
	b.Run("decode-binary", func(b *testing.B) { // what a blocks message carries
		for range b.N {
			for _, e := range bin {
				if _, err := chain.DecodeBlock(e); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(bin))/b.Elapsed().Seconds(), "blocks/s")
	})
	b.Run("encode", func(b *testing.B) {
		for range b.N {
			for _, blk := range blocks {
				if _, err := json.Marshal(blk); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(blocks))/b.Elapsed().Seconds(), "blocks/s")
	})
	b.Run("process", func(b *testing.B) {
		for range b.N {
			c := chaintest.New(b, chaintest.Params())
			for _, blk := range blocks {
				if _, err := c.ProcessBlock(blk, now); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(blocks))/b.Elapsed().Seconds(), "blocks/s")
	})
}
