// Chainplay room page: takes over this tab's node (node.wasm, in a Web
// Worker that boot.js started: node-client.js) and renders the snapshots of its view model, at most one
// per animation frame. UI wiring only: every rule and every figure comes
// from the Go node; words come from catalog.js.
import { explain, formatter } from "./catalog.js";
import { attachNode } from "./node-client.js";
import { initMiner } from "./miner.js";
import { initWallet } from "./wallet.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("room").dataset.config);
const fmt = formatter("en");

function setStatus(text) {
  $("status").textContent = text;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// blockCard is one block of the chain list; stale (off the best chain)
// blocks sit beside the best chain's block of the same height.
function blockCard(b, stale) {
  const cls = stale ? (b.invalid ? "block stale invalid" : "block stale") : "block";
  const last = stale
    ? b.invalid
      ? `invalid: ${explain({ kind: "rejected", code: b.invalid, what: "block", height: b.height, hash: b.hash })}`
      : "stale: its branch has less work than the best chain"
    : `nonce ${b.nonce} · ${b.txs} tx · miner ${b.miner ? b.miner.slice(0, 8) : "–"}`;
  return el(
    "li",
    { class: cls, "data-height": String(b.height), "data-hash": b.hash },
    el("div", { class: "bh" }, `#${b.height} `, el("code", {}, b.hash.slice(0, 16) + "…")),
    el("div", { class: "bp" }, "prev ", el("code", {}, b.prev.slice(0, 16) + "…")),
    el("div", { class: "bn" }, last),
  );
}

// renderChain redraws the block list only when the blocks shown changed.
let shownBlocks = "";
function renderChain(s) {
  $("tip-height").textContent = String(s.tip.height);
  $("tip-hash").textContent = s.tip.hash;
  $("tip-hash").title = s.tip.hash;
  $("tip-difficulty").textContent = `${fmt.n(s.tip.difficulty)} (≈ ${s.tip.zero_bits} leading zero bits)`;
  const key = s.blocks.map((b) => b.hash).join() + "|" + s.stale.map((b) => b.hash).join();
  if (key === shownBlocks) return;
  shownBlocks = key;
  const staleAt = new Map();
  for (const x of s.stale) {
    if (!staleAt.has(x.height)) staleAt.set(x.height, []);
    staleAt.get(x.height).push(x);
  }
  const cards = [];
  for (const b of s.blocks) {
    cards.push(blockCard(b, false));
    for (const x of staleAt.get(b.height) || []) cards.push(blockCard(x, true));
  }
  $("blocks").replaceChildren(...cards);
}

function renderPeers(s) {
  $("peers").replaceChildren(...s.peers.map((p) => el("li", { "data-peer": p.id }, `${p.name} (${p.id}) · #${fmt.n(p.height)}`)));
}

// renderStatus says what the node is doing: connecting, syncing (with its
// progress), or running.
function renderStatus(s, address) {
  if (s.sync.active) {
    setStatus(`Syncing ${fmt.n(s.sync.height)} / ${fmt.n(s.sync.target)} blocks from ${s.sync.name || s.sync.peer}…`);
    return;
  }
  switch (s.conn.state) {
    case "connected":
      setStatus(`Node running · wallet ${address}`);
      break;
    case "connecting":
      setStatus("Joining the room…");
      break;
    case "room-reset":
      setStatus("The teacher reset the room: reloading…");
      break;
    default:
      setStatus(explain({ kind: "connection", code: s.conn.state, reason: s.conn.reason, count: s.conn.retry_ms }));
  }
}

// renderLog adds the snapshot's new log entries, and replaces the ones
// that changed (a sync's line updates in place). Each entry's event is
// also dispatched as a chainplay:event for the other modules.
function renderLog(s) {
  const list = $("events");
  for (const e of s.log) {
    const ev = e.event;
    const li = el("li", { class: `ev ev-${ev.kind}`, "data-code": ev.code || "", "data-id": String(e.id) }, explain(ev));
    const old = list.querySelector(`li[data-id="${e.id}"]`);
    if (old) old.replaceWith(li);
    else list.prepend(li);
    window.dispatchEvent(new CustomEvent("chainplay:event", { detail: ev }));
  }
  while (list.children.length > 200) list.lastChild.remove();
}

// The API console: any request to the tab's REST API.
function initConsole(node) {
  $("api-send").disabled = false;
  $("api-form").onsubmit = async (e) => {
    e.preventDefault();
    const method = $("api-method").value;
    const body = method !== "GET" && $("api-body").value.trim() !== "" ? $("api-body").value : undefined;
    const out = $("api-output");
    out.textContent = "…";
    try {
      const resp = await node.request(method, $("api-path").value, body);
      out.textContent = `${resp.status} ${resp.statusText}\n${resp.text}`;
    } catch (err) {
      out.textContent = `Error: ${err.message}`;
    }
  };
}

async function start() {
  const node = attachNode();
  node.onCrash((msg) => setStatus(`The node stopped: ${msg}`));
  const me = await node.ready;
  localStorage.setItem(`chainplay-seed-${config.room}`, me.seed);
  // globalThis.chainplay: the node as the console (and the browser tests)
  // see it; its figures are the last snapshot's.
  globalThis.chainplay = {
    address: () => me.address,
    seed: () => me.seed,
    view: () => node.snapshot,
    miner: () => JSON.stringify(node.snapshot ? node.snapshot.extra.miner : {}),
    mine: node.mine,
    stop: node.stop,
    setWorkers: node.setWorkers,
    setThrottle: node.setThrottle,
    request: node.request,
  };
  const miner = initMiner(node);
  const wallet = initWallet(node);
  let first = true;
  node.onSnapshot((s) => {
    renderChain(s);
    renderPeers(s);
    renderStatus(s, me.address);
    renderLog(s);
    miner.render(s.extra.miner);
    wallet.render(s);
    if (first) {
      // The controls work from the first render on, once the panels have
      // their content: nothing moves under a click that comes right away.
      first = false;
      initConsole(node);
      wallet.enable();
      window.dispatchEvent(new Event("chainplay:ready"));
    }
  });
}

start().catch((err) => setStatus(`Could not start the node: ${err.message || err}`));
