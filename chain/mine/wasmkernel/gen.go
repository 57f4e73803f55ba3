//go:build ignore

// gen.go writes the committed kernel modules kernel-simd.wasm and
// kernel-scalar.wasm (package internal/wasmgen emits the wasm bytes itself;
// no tool outside Go). Run it with `go generate ./chain/mine/wasmkernel/`.
//
// -break-round N writes kernels whose nonce loop uses a wrong K[N-1] (to
// see the tests catch it); never commit those.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/chainplay/chainplay/chain/mine/wasmkernel/internal/wasmgen"
)

func main() {
	dir := flag.String("o", ".", "output folder")
	broken := flag.Int("break-round", 0, "flip a bit of this round's constant (1..64; 0 = none)")
	flag.Parse()
	simd, scalar := wasmgen.DefaultSIMD, wasmgen.DefaultScalar
	simd.BreakRound, scalar.BreakRound = *broken, *broken
	for _, m := range []struct {
		name string
		o    wasmgen.Options
	}{
		{"kernel-simd.wasm", simd},
		{"kernel-scalar.wasm", scalar},
	} {
		if err := os.WriteFile(filepath.Join(*dir, m.name), wasmgen.Generate(m.o), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
