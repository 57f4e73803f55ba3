package wasmgen

import (
	"os"
	"testing"
)

func TestZZVariants(t *testing.T) {
	dir := os.Getenv("WK_VARIANTS")
	if dir == "" {
		t.Skip()
	}
	os.MkdirAll(dir, 0o755)
	for name, o := range map[string]Options{
		"base":   {SIMD: true},
		"bsel":   {SIMD: true, Bitselect: true},
		"scalar": {},
	} {
		os.WriteFile(dir+"/"+name+".wasm", Generate(o), 0o644)
	}
}
