// Starts the tab's node as early as the page allows: a classic script in
// the room page's <head>, inline after tabproto.js (web/inline.go: the
// page carries both, so nothing is fetched before the node's Worker
// starts), run before the rest of the page is parsed, so the node's
// Worker downloads and compiles node.wasm while the page and its modules
// load. node-client.js (loaded by app.js) takes the Worker
// over from globalThis.__chainplayBoot, with the messages that came
// before it. The config is the room page's (data-config), plus this tab's
// identity (tabproto.Start's name and seed).
//
// Identity is per tab: sessionStorage (kept across reloads of this tab,
// empty in a new tab) holds chainplay-tab-ROOM = {seed, name, since}. A
// tab without one starts with no seed, and its node makes a new wallet,
// which identity.js then keeps there. identity.js also catches a
// duplicated tab, which copies sessionStorage, and hands it a wallet of
// its own.
(() => {
  const script = document.currentScript;
  const config = JSON.parse(script.dataset.config);
  const room = config.room;
  const key = `chainplay-tab-${room}`;
  let id = null;
  try {
    id = JSON.parse(sessionStorage.getItem(key) || "null");
  } catch {
    id = null; // unreadable: a new wallet
  }
  // A PBFT seat link (/r/ROOM#seat=KEY, from the teacher's board) makes
  // this tab that seat's replica. The key is in the fragment, which the
  // browser never sends to the server; it is kept in this tab's
  // sessionStorage (a reload stays the replica) and taken out of the
  // address bar, so a projected screen does not show it.
  const seatKey = `chainplay-seat-${room}`;
  const m = /(?:^#|&)seat=([0-9a-f]{64})(?:&|$)/.exec(location.hash);
  if (m) {
    try {
      sessionStorage.setItem(seatKey, m[1]);
    } catch {
      // private mode: the seat lasts for this load only
    }
    history.replaceState(null, "", location.pathname + location.search);
  }
  let seat = m ? m[1] : "";
  try {
    seat = seat || sessionStorage.getItem(seatKey) || "";
  } catch {
    // no storage: no seat kept
  }
  // In a proof-of-stake or delegated room a seat link carries a genesis
  // validator's key instead: it becomes this tab's wallet, whose stake
  // signs the slots it leads.
  const engine = config.params && config.params.engine;
  if (seat && (engine === "pos" || engine === "dpos")) {
    if (!id || id.seed !== seat) id = { seed: seat, name: (id && id.name) || "", since: Date.now() };
    try {
      sessionStorage.setItem(key, JSON.stringify(id));
    } catch {
      // private mode: the wallet lasts for this load only
    }
    seat = "";
  }
  const start = {
    room,
    params: config.params,
    // ?epoch=: after a reset the relay refuses tabs loaded before it; admin.js reloads them.
    relay: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${room}?epoch=${config.epoch ?? 0}`,
    // The room on the cluster's other processes: the node redials them in
    // turn when this server's socket drops (empty on a single server).
    relays: Array.isArray(config.relays) ? config.relays.filter((u) => typeof u === "string") : [],
    epoch: config.epoch ?? 0, // names this room's saved chain in IndexedDB (a reset starts a new one)
    name: (id && typeof id.name === "string" && id.name) || "",
    seed: (id && typeof id.seed === "string" && id.seed) || "",
    control_key: config.control_key || "", // the teacher's controls are signed by it (chain/node/control.go)
    seat, // a PBFT seat key (hex), or "": a client
  };
  const { type: T, field: F } = globalThis.ChainplayTab; // tabproto.js, loaded before this script
  const worker = new Worker(script.dataset.worker);
  const boot = (globalThis.__chainplayBoot = { worker, config, identityKey: key, identity: id, early: [] });
  worker.onmessage = (e) => boot.early.push(e);
  worker.onerror = (e) => {
    e.preventDefault();
    boot.early.push({ data: { [F.type]: T.crash, [F.message]: e.message || "the node's Worker failed" } });
  };
  worker.postMessage({ [F.type]: T.start, [F.config]: JSON.stringify(start) });
})();
