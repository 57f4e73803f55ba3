// Web Worker for sim.wasm (package wasm/sim): chain/sim's curves, off the
// page's thread. Messages: {id, request} in (a simproto.Request), {id,
// answer} out (the curve as JSON text, or {"error"}); {type: "ready"} once
// the Go program runs, {type: "crash", message} if it cannot.
const asset = (url) => self.location.origin + url;
importScripts(asset("/static/goworker.js"));
const crash = self.goWorkerCrash((message) => self.postMessage({ type: "crash", message }));
importScripts(asset("/static/wasm_exec.js"));
const queue = [];
let ready = false;
const answer = (m) => self.postMessage({ id: m.id, answer: self.chainplaySim(JSON.stringify(m.request)) });
self.onmessage = (e) => (ready ? answer(e.data) : queue.push(e.data));
const go = new Go();
go.exit = (code) => crash(`the simulator stopped (exit code ${code})`);
WebAssembly.instantiateStreaming(fetch(asset("/static/sim.wasm")), go.importObject)
  .then((res) => {
    go.run(res.instance);
    ready = true;
    for (const m of queue.splice(0)) answer(m);
  })
  .catch((err) => crash(`could not start the simulator: ${err}`));
