//go:build ignore

// gen.go writes the committed kernel modules kernel-simd.wasm and
// kernel-scalar.wasm (package internal/wasmgen emits the wasm bytes itself).
// Run it with `go generate ./chain/mine/wasmkernel/`.
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
	flag.Parse()
	for name, o := range map[string]wasmgen.Options{
		"kernel-simd.wasm":   wasmgen.DefaultSIMD,
		"kernel-scalar.wasm": wasmgen.DefaultScalar,
	} {
		if err := os.WriteFile(filepath.Join(*dir, name), wasmgen.Generate(o), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
