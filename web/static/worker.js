// Web Worker bootstrap for miner.wasm (wasm/miner documents the messages).
// Messages that arrive before the Go program has installed its handler are
// queued and handed over. When the program exits or the Worker fails, the
// page gets {type:"crash", message} with the last lines the program printed
// (a Go panic prints its message there), and the pool starts a new Worker.
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
  // A Go panic prints "panic: …" and then the goroutines' stacks.
  const panic = tail.find((l) => l.startsWith("panic: ") || l.startsWith("fatal error: "));
  const last = panic || tail.filter((l) => l.trim() !== "").pop();
  self.postMessage({ type: "crash", message: last ? `${message}: ${last}` : message });
}
self.addEventListener("error", (e) => crash(e.message || "uncaught error"));
self.addEventListener("unhandledrejection", (e) => crash(String(e.reason)));

importScripts("/static/wasm_exec.js");
self.__queue = [];
self.onmessage = (e) => self.__queue.push(e.data);
const go = new Go();
go.exit = (code) => crash(`the miner stopped (exit code ${code})`);
WebAssembly.instantiateStreaming(fetch("/static/miner.wasm"), go.importObject)
  .then((res) => go.run(res.instance))
  .catch((err) => crash(`could not start the miner: ${err}`));
