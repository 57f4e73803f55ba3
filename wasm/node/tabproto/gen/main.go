// Command gen writes web/static/tabproto.js from package tabproto (go
// generate in wasm/node/tabproto).
package main

import (
	"log"
	"os"

	"github.com/chainplay/chainplay/wasm/node/tabproto"
)

func main() {
	if err := os.WriteFile("../../../web/static/tabproto.js", []byte(tabproto.JS()), 0o644); err != nil {
		log.Fatal(err)
	}
}
