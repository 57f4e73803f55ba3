// The tab's node runs in this dedicated Web Worker (node.wasm, package
// wasm/node), so that validating thousands of blocks never blocks the page:
// the page's thread only renders. Plain JS, no build step.
//
// The page (node-client.js) and the Go program talk in messages; the
// names are wasm/node/tabproto's (Go), written out in tabproto.js:
//
//   page → worker  {type:"start", config}      start the node (once)
//                  {type:"poll"}               send a snapshot of the view
//                  {type:"mine"|"stop"}        start or stop mining
//                  {type:"workers", n}         1 … cores miner Workers
//                  {type:"throttle", pct}      10 … 100
//                  {type:"request", id, method, url, headers, body}
//                      a request to the node's REST API; answered here
//   worker → page  {type:"ready", address, seed}
//                  {type:"dirty"}              the view changed: poll when you can
//                  {type:"snapshot", json}     the view (chain/node/view), as JSON text
//                  {type:"response", id, status, statusText, headers, body} or {type:"response", id, error}
//                  {type:"crash", message}     the node stopped
//
// REST requests are served here by the Go handler that
// github.com/syumai/workers registers as context.binding.handleRequest;
// every other message goes to the Go program, through the function it
// sets as self.__chainplayGo (messages that come before it are queued).
const tail = [];
for (const level of ["log", "error"]) {
  const orig = console[level].bind(console);
  console[level] = (...args) => {
    tail.push(...args.join(" ").split("\n"));
    tail.splice(0, tail.length - 100);
    orig(...args);
  };
}
let crashed = false;
function crash(message) {
  if (crashed) return;
  crashed = true;
  const panic = tail.find((l) => l.startsWith("panic: ") || l.startsWith("fatal error: "));
  const last = panic || tail.filter((l) => l.trim() !== "").pop();
  self.postMessage({ type: "crash", message: last ? `${message}: ${last}` : message });
}
self.addEventListener("error", (e) => crash(e.message || "uncaught error"));
self.addEventListener("unhandledrejection", (e) => crash(String(e.reason)));

// Assets by absolute URL: the Worker may run from a blob: URL.
const asset = (name) => `${self.location.origin}/static/${name}`;
importScripts(asset("wasm_exec.js"));

// syumai/workers: the handler is registered on context.binding once the Go
// program runs, and it calls the import workers.ready() when it is.
globalThis.context = { binding: {} };
let markReady;
const handlerReady = new Promise((resolve) => (markReady = resolve));

async function serve(m) {
  try {
    await handlerReady;
    const init = { method: m.method, headers: m.headers || [] };
    if (m.body !== undefined && m.body !== null && m.method !== "GET" && m.method !== "HEAD") init.body = m.body;
    const resp = await globalThis.context.binding.handleRequest(new Request(m.url, init));
    self.postMessage({
      type: "response",
      id: m.id,
      status: resp.status,
      statusText: resp.statusText,
      headers: [...resp.headers],
      body: await resp.text(),
    });
  } catch (err) {
    self.postMessage({ type: "response", id: m.id, error: String(err && err.message ? err.message : err) });
  }
}

const queue = [];
self.onmessage = (e) => {
  const m = e.data;
  if (m && m.type === "request") {
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
WebAssembly.instantiateStreaming(fetch(asset("node.wasm")), go.importObject)
  .then((res) => go.run(res.instance))
  .catch((err) => crash(`could not start the node: ${err}`));
