// Web Worker bootstrap for miner.wasm. Messages that arrive before the Go
// program has installed its handler are queued and handed over.
importScripts("/static/wasm_exec.js");
self.__queue = [];
self.onmessage = (e) => self.__queue.push(e.data);
const go = new Go();
WebAssembly.instantiateStreaming(fetch("/static/miner.wasm"), go.importObject)
  .then((res) => go.run(res.instance))
  .catch((err) => self.postMessage({ type: "error", message: String(err) }));
