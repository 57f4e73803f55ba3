// The page's side of the tab's node, which runs in a Web Worker
// (package wasm/node/tabproto documents the messages; tabproto.js holds
// their names). Plain JS, no build step.
//
// attachNode() takes over the node's Worker, which boot.js started while
// the page loaded, and returns a client:
//   ready             a Promise of {address, seed}, once the node runs
//   request(method, path, body)
//                     the node's REST API (the API console, the wallet):
//                     a Promise of {status, statusText, headers, text}
//   onSnapshot(fn)    fn(snapshot) gets the view (chain/node/view's
//                     Snapshot) at most once per animation frame, and only
//                     when something changed
//   onCrash(fn)       fn(message) when the node stops
//   mine(), stop(), setWorkers(n), setThrottle(pct)
//   inspect(hash)     snapshots carry that block's details ("" stops)
//   tamper(cmd)       a tamper-mode command (chain/node/view's TamperCommand)
//   snapshot          the last snapshot (null before the first)
const { type: T, field: F } = globalThis.ChainplayTab; // tabproto.js: the names, defined in Go

export function attachNode() {
  const boot = globalThis.__chainplayBoot;
  if (!boot) throw new Error("boot.js did not start the node");
  const worker = boot.worker;
  const pending = new Map(); // request id → {resolve, reject}
  const snapshotFns = [];
  const crashFns = [];
  let nextID = 1;
  let polling = false; // a poll is on its way or will be on the next frame
  let markReady, failReady;
  const client = {
    snapshot: null,
    ready: new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    }),
    request(method, path, body) {
      const id = nextID++;
      const url = new URL(path, location.origin).href;
      const headers = body !== undefined && body !== "" ? [["Content-Type", "application/json"]] : [];
      worker.postMessage({ [F.type]: T.request, [F.id]: id, [F.method]: method, [F.url]: url, [F.headers]: headers, [F.body]: body });
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    onSnapshot(fn) {
      snapshotFns.push(fn);
      if (client.snapshot) fn(client.snapshot);
    },
    onCrash(fn) {
      crashFns.push(fn);
    },
    mine: () => worker.postMessage({ [F.type]: T.mine }),
    stop: () => worker.postMessage({ [F.type]: T.stop }),
    setWorkers: (n) => worker.postMessage({ [F.type]: T.workers, [F.n]: n }),
    setThrottle: (pct) => worker.postMessage({ [F.type]: T.throttle, [F.pct]: pct }),
    inspect: (hash) => worker.postMessage({ [F.type]: T.inspect, [F.hash]: hash }),
    tamper: (cmd) => worker.postMessage({ [F.type]: T.tamper, [F.json]: JSON.stringify(cmd) }),
  };

  // The worker says "dirty"; the next frame asks for the snapshot, so the
  // page renders at most once a frame however fast the node goes.
  function schedulePoll() {
    if (polling) return;
    polling = true;
    requestAnimationFrame(() => worker.postMessage({ [F.type]: T.poll }));
  }

  const onmessage = (e) => {
    const m = e.data;
    switch (m && m[F.type]) {
      case T.ready:
        markReady({ address: m[F.address], seed: m[F.seed] });
        break;
      case T.dirty:
        schedulePoll();
        break;
      case T.snapshot: {
        polling = false;
        const s = JSON.parse(m[F.json]);
        client.snapshot = s;
        for (const fn of snapshotFns) fn(s);
        break;
      }
      case T.response: {
        const p = pending.get(m[F.id]);
        pending.delete(m[F.id]);
        if (!p) break;
        if (m[F.error]) p.reject(new Error(m[F.error]));
        else p.resolve({ status: m[F.status], statusText: m[F.statusText], headers: m[F.headers], text: m[F.body] });
        break;
      }
      case T.crash:
        failReady(new Error(m[F.message]));
        for (const fn of crashFns) fn(m[F.message]);
        break;
    }
  };
  worker.onmessage = onmessage;
  worker.onerror = (e) => {
    e.preventDefault();
    onmessage({ data: { [F.type]: T.crash, [F.message]: e.message || "the node's Worker failed" } });
  };
  for (const e of boot.early.splice(0)) onmessage(e);
  return client;
}
