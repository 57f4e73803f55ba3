// Package web is Chainplay's page: templ components (layout, lobby, room,
// bench), the handler that serves them, and the embedded static assets —
// app.js (page wiring), miner.js, wallet.js, admin.js, lobby.js, bench.js,
// worker.js (the Web Worker bootstrap), style.css, and after `make wasm`
// node.wasm, miner.wasm and wasm_exec.js. There is no JS build step and no
// framework: the scripts are plain modules, and every rule lives in the Go
// node the page starts. The package holds no chain logic.
package web
