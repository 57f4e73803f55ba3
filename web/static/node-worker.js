// The tab's node runs in this dedicated Web Worker (node.wasm, package
// wasm/node), so that validating thousands of blocks never blocks the page:
// the page's thread only renders. Plain JS, no build step.
//
// The messages between the page (node-client.js) and the Go program are
// package wasm/node/tabproto's; their names come from tabproto.js. REST
// requests are served here by the Go handler that github.com/syumai/workers
// registers as context.binding.handleRequest; every other message goes to
// the Go program, through the function it sets as self.__chainplayGo
// (messages that come before it are queued).
// Assets by absolute URL: the Worker may run from a blob: URL. Each is
// named by its literal /static/ path, which the server turns into its
// content-hashed URL (web/asset.go).
const asset = (url) => self.location.origin + url;
// node.wasm is fetched and compiled first, while the scripts below load
// (compiling needs no imports; instantiating does, at the end).
const compiled = WebAssembly.compileStreaming(fetch(asset("/static/node.wasm")));
importScripts(asset("/static/tabproto.js"));
const { type: T, field: F } = self.ChainplayTab;
importScripts(asset("/static/goworker.js"));
const crash = self.goWorkerCrash((message) => self.postMessage({ [F.type]: T.crash, [F.message]: message }));
importScripts(asset("/static/wasm_exec.js"));
// The miner Workers' script, for the Go program (wasm/node/worker_js.go).
self.__chainplayMinerURL = asset("/static/worker.js");

// syumai/workers: the handler is registered on context.binding once the Go
// program runs, and it calls the import workers.ready() when it is.
globalThis.context = { binding: {} };
let markReady;
const handlerReady = new Promise((resolve) => (markReady = resolve));

async function serve(m) {
  try {
    await handlerReady;
    const method = m[F.method];
    const init = { method, headers: m[F.headers] || [] };
    const body = m[F.body];
    if (body !== undefined && body !== null && method !== "GET" && method !== "HEAD") init.body = body;
    const resp = await globalThis.context.binding.handleRequest(new Request(m[F.url], init));
    self.postMessage({
      [F.type]: T.response,
      [F.id]: m[F.id],
      [F.status]: resp.status,
      [F.statusText]: resp.statusText,
      [F.headers]: [...resp.headers],
      [F.body]: await resp.text(),
    });
  } catch (err) {
    self.postMessage({ [F.type]: T.response, [F.id]: m[F.id], [F.error]: String(err && err.message ? err.message : err) });
  }
}

const queue = [];
self.onmessage = (e) => {
  const m = e.data;
  if (m && m[F.type] === T.request) {
    serve(m);
  } else if (self.__chainplayGo) {
    self.__chainplayGo(m);
  } else {
    queue.push(m);
  }
};
// The Go program calls this once it has set __chainplayGo.
self.__chainplayFlush = () => {
  for (const m of queue.splice(0)) self.__chainplayGo(m);
};

const go = new Go();
go.importObject.workers = { ready: () => markReady() };
go.exit = (code) => crash(`the node stopped (exit code ${code})`);
compiled
  .then((module) => WebAssembly.instantiate(module, go.importObject))
  .then((instance) => go.run(instance))
  .catch((err) => crash(`could not start the node: ${err}`));
