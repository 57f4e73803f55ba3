// Starts the tab's node as early as the page allows: a classic script at
// the top of the room page, run before the rest of the page is parsed, so
// the node's Worker downloads and compiles node.wasm while the page and
// its modules load. node-client.js (loaded by app.js) takes the Worker
// over from globalThis.__chainplayBoot, with the messages that came
// before it. The config is the room page's (data-config), plus this
// browser's nickname and this room's wallet seed (tabproto.Start).
(() => {
  const config = JSON.parse(document.currentScript.dataset.config);
  const room = config.room;
  const start = {
    room,
    params: config.params,
    // ?epoch=: after a reset the relay refuses tabs loaded before it; admin.js reloads them.
    relay: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${room}?epoch=${config.epoch ?? 0}`,
    epoch: config.epoch ?? 0, // names this room's saved chain in IndexedDB (a reset starts a new one)
    name: localStorage.getItem("chainplay-name") || "",
    seed: localStorage.getItem(`chainplay-seed-${room}`) || "",
  };
  const { type: T, field: F } = globalThis.ChainplayTab; // tabproto.js, loaded before this script
  const worker = new Worker("/static/node-worker.js");
  const boot = (globalThis.__chainplayBoot = { worker, config, early: [] });
  worker.onmessage = (e) => boot.early.push(e);
  worker.onerror = (e) => {
    e.preventDefault();
    boot.early.push({ data: { [F.type]: T.crash, [F.message]: e.message || "the node's Worker failed" } });
  };
  worker.postMessage({ [F.type]: T.start, [F.config]: JSON.stringify(start) });
})();
