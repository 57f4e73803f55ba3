// Web Worker bootstrap for miner.wasm. The messages between the node and
// the Worker, their types and field names, are defined once in Go, in
// package wasm/internal/minerproto. Messages that arrive before the Go
// program has installed its handler are queued and handed over. When the
// program exits or the Worker fails, the page gets {type:"crash", message}
// (minerproto's TypeCrash and FieldMessage: a test checks this spelling)
// with the last lines the program printed (a Go panic prints its message
// there), and the pool starts a new Worker.
//
// The nonce kernel: while miner.wasm downloads, kernel.js (package
// chain/mine/wasmkernel) loads the wasm SIMD kernel where
// WebAssembly.validate says the engine has SIMD, else the scalar wasm
// kernel, and leaves it in self.__kernel for the Go program, which runs its
// scan in chunks. When neither loads, self.__kernelError says why and the Go
// program uses its own kernel (package chain/mine). worker.js?kernel=simd,
// scalar or go forces one (the /bench page measures each); a forced wasm
// kernel that fails to load also falls back to Go.
// Assets by absolute URL: the Worker may run from a blob: URL. Each is
// named by its literal /static/ path, which the server turns into its
// content-hashed URL (web/asset.go).
const asset = (url) => self.location.origin + url;
importScripts(asset("/static/goworker.js"));
const crash = self.goWorkerCrash((message) => self.postMessage({ type: "crash", message: message }));

importScripts(asset("/static/wasm_exec.js"));
self.__queue = [];
self.onmessage = (e) => self.__queue.push(e.data);

// loadKernel resolves to a wasm kernel, or to null with self.__kernelError
// set; it never rejects.
async function loadKernel() {
  const want = new URLSearchParams(self.location.search).get("kernel");
  try {
    if (want === "go") throw new Error("the Go kernel was asked for");
    importScripts(asset("/static/kernel.js"));
    return await self.ChainplayKernel.loadKernel({
      simd: asset("/static/kernel-simd.wasm"),
      scalar: asset("/static/kernel-scalar.wasm"),
      prefer: want === "simd" || want === "scalar" ? want : undefined,
    });
  } catch (err) {
    self.__kernelError = String(err && err.message ? err.message : err);
    return null;
  }
}

const go = new Go();
go.exit = (code) => crash(`the miner stopped (exit code ${code})`);
Promise.all([loadKernel(), WebAssembly.instantiateStreaming(fetch(asset("/static/miner.wasm")), go.importObject)])
  .then(([kernel, res]) => {
    self.__kernel = kernel;
    go.run(res.instance);
  })
  .catch((err) => crash(`could not start the miner: ${err}`));
