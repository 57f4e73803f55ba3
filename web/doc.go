// Package web is Chainplay's pages: templ components (layout, lobby,
// room with one component per panel, bench), the handler that serves
// them with the static assets, and the QR code of a room's address.
//
// The room page renders the tab's node, which runs in a Web Worker: the
// ES modules in static/ draw the snapshots of its view model (package
// chain/node/view, computed in Go) and send the user's actions back as
// REST requests or tab-protocol messages; they hold no rule and no view
// model. app.js wires the panels (identity.js, chainview.js,
// inspector.js, tamper.js, forktree.js, wallet.js, panels.js, miner.js,
// console.js; admin.js for the teacher), dom.js builds elements from text
// only (never HTML, so what peers write shows as text), and catalog.js
// holds every word: the log's sentences by event code and the page's by
// key (the templ components carry the same English with the key in
// data-msg). There is no JS build step and no framework, and the package
// knows no chain type.
package web
