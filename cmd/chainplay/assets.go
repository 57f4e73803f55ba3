//go:build !js

package main

import (
	"fmt"
	"io/fs"
	"strings"
)

// builtAssets are the files `make wasm` puts in web/static before the
// binary embeds it: without them the room page cannot start its node.
var builtAssets = []string{"wasm_exec.js", "node.wasm", "miner.wasm"}

// checkAssets returns an error saying how to build the binary when assets
// lack what `make wasm` builds: a binary from a plain `go build
// ./cmd/chainplay` would serve a room page that fails in every browser
// ("Go is not defined").
func checkAssets(assets fs.FS) error {
	var missing []string
	for _, name := range builtAssets {
		if info, err := fs.Stat(assets, name); err != nil || info.Size() == 0 {
			missing = append(missing, "web/static/"+name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("chainplay: this binary was built without the page's WebAssembly (%s missing), so no room page could start: "+
		"build it with `make build` (or run `make wasm` before `go build ./cmd/chainplay`)", strings.Join(missing, ", "))
}
