package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var staticFS embed.FS

// StaticFS holds the page's assets: app.js, worker.js, style.css and, once
// `make wasm` has run, wasm_exec.js, node.wasm and miner.wasm (with their
// .gz twins). The directory is embedded whole so the package builds before
// any wasm exists.
var StaticFS, _ = fs.Sub(staticFS, "static")
