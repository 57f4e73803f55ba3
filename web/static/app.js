// Chainplay room page: starts the node (node.wasm) in this tab and renders
// its state. UI wiring only: every rule lives in the Go node.
import { explain } from "./catalog.js";
import { initMiner } from "./miner.js";

const $ = (id) => document.getElementById(id);
const roomEl = $("room");
const config = JSON.parse(roomEl.dataset.config);

// The node's REST API is served in-page by github.com/syumai/workers: it
// registers context.binding.handleRequest and calls workers.ready().
globalThis.context = { binding: {} };
let markReady;
const ready = new Promise((resolve) => (markReady = resolve));

function setStatus(text) {
  $("status").textContent = text;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  const s = JSON.parse(globalThis.chainplay.state());
  $("tip-height").textContent = String(s.height);
  $("tip-hash").textContent = s.tip;
  $("tip-hash").title = s.tip;
  $("tip-difficulty").textContent = `${s.difficulty.toLocaleString()} (≈ ${s.zero_bits} leading zero bits)`;
  // The best chain, newest first; beside each block, the blocks of the
  // same height that lost a fork (stale) or were found invalid.
  const staleAt = new Map();
  for (const x of s.stale) {
    if (!staleAt.has(x.height)) staleAt.set(x.height, []);
    staleAt.get(x.height).push(x);
  }
  const cards = [];
  for (const b of s.blocks) {
    cards.push(
      el(
        "li",
        { class: "block", "data-height": String(b.height), "data-hash": b.hash },
        el("div", { class: "bh" }, `#${b.height} `, el("code", {}, b.hash.slice(0, 16) + "…")),
        el("div", { class: "bp" }, "prev ", el("code", {}, b.prev.slice(0, 16) + "…")),
        el("div", { class: "bn" }, `nonce ${b.nonce} · ${b.txs} tx · miner ${b.miner}`),
      ),
    );
    for (const x of staleAt.get(b.height) || []) {
      cards.push(
        el(
          "li",
          { class: x.invalid ? "block stale invalid" : "block stale", "data-height": String(x.height), "data-hash": x.hash },
          el("div", { class: "bh" }, `#${x.height} `, el("code", {}, x.hash.slice(0, 16) + "…")),
          el("div", { class: "bp" }, "prev ", el("code", {}, x.prev.slice(0, 16) + "…")),
          el("div", { class: "bn" }, x.invalid ? `invalid: ${x.invalid}` : "stale: its branch has less work than the best chain"),
        ),
      );
    }
  }
  $("blocks").replaceChildren(...cards);
  $("peers").replaceChildren(...s.peers.map((p) => el("li", {}, `${p.name} (${p.id})`)));
}

// logEvent adds ev to the log in the reader's words: catalog.js builds the
// sentence from the event's kind, code and numbers (ev.text is for logs).
function logEvent(ev) {
  const li = el("li", { class: `ev ev-${ev.kind}`, "data-code": ev.code || "" }, explain(ev));
  const list = $("events");
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
}

async function start() {
  const go = new Go();
  go.importObject.workers = { ready: () => markReady() };
  globalThis.chainplayConfig = {
    room: config.room,
    params: JSON.stringify(config.params),
    // ?epoch= (issue 7): after a reset the relay refuses tabs loaded before it; admin.js reloads them.
    relay: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/${config.room}?epoch=${config.epoch ?? 0}`,
    epoch: config.epoch ?? 0, // names this room's saved chain in IndexedDB (a reset starts a new one)
    name: localStorage.getItem("chainplay-name") || "",
    seed: localStorage.getItem(`chainplay-seed-${config.room}`) || "",
    onEvent: (ev) => {
      const parsed = JSON.parse(ev);
      logEvent(parsed);
      window.dispatchEvent(new CustomEvent("chainplay:event", { detail: parsed }));
      scheduleRender();
    },
  };
  const res = await WebAssembly.instantiateStreaming(fetch("/static/node.wasm"), go.importObject);
  go.run(res.instance).then(() => setStatus("The node stopped."));
  await ready;
  const cp = globalThis.chainplay;
  localStorage.setItem(`chainplay-seed-${config.room}`, cp.seed());
  setStatus(`Node running · wallet ${cp.address()}`);
  window.dispatchEvent(new Event("chainplay:ready")); // wallet.js and others start here
  $("api-send").disabled = false;
  initMiner(cp); // the miner panel renders itself (miner.js)
  $("api-form").onsubmit = async (e) => {
    e.preventDefault();
    const method = $("api-method").value;
    const init = { method };
    if (method !== "GET" && $("api-body").value.trim() !== "") {
      init.body = $("api-body").value;
      init.headers = { "Content-Type": "application/json" };
    }
    const out = $("api-output");
    out.textContent = "…";
    try {
      const req = new Request(new URL($("api-path").value, location.origin), init);
      const resp = await globalThis.context.binding.handleRequest(req);
      out.textContent = `${resp.status} ${resp.statusText}\n${await resp.text()}`;
    } catch (err) {
      out.textContent = `Error: ${err}`;
    }
  };
  render();
}

start().catch((err) => setStatus(`Could not start the node: ${err}`));
