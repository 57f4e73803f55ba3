// Chainplay room page: takes over this tab's node (node.wasm, in a Web
// Worker that boot.js started: node-client.js) and renders the snapshots
// of its view model (package chain/node/view), at most one per animation
// frame, panel by panel. UI wiring only: every rule and every figure comes
// from the Go node; every word from catalog.js.
import { $ } from "./dom.js";
import { explain, formatter, t, lang, onLang } from "./catalog.js";
import { attachNode } from "./node-client.js";
import { initMiner } from "./miner.js";
import { initWallet } from "./wallet.js";
import { initIdentity } from "./identity.js";
import { initChain } from "./chainview.js";
import { initInspector } from "./inspector.js";
import { initTamper } from "./tamper.js";
import { initTree } from "./forktree.js";
import { initPosts, initMempool, initPeers, initLog } from "./panels.js";
import { initConsole } from "./console.js";
import { initBanner } from "./banner.js";

const config = JSON.parse($("room").dataset.config);
// x is the formatting of the page's language (catalog.js loaded it and
// put its words in the page); a switch of language replaces it.
let x = { ...formatter(lang()), lang: lang() };

// setStatus shows the status line; text is a function, so a switch of
// language says it again.
let statusText = () => t("room.loading");
function setStatus(text) {
  statusText = text;
  $("status").textContent = text();
}

// status says what the node is doing: connecting, syncing (with its
// progress), or running.
function status(s) {
  if (s.sync.active) return t("status.syncing", { height: s.sync.height, target: s.sync.target, from: s.sync.name || s.sync.peer });
  switch (s.conn.state) {
    case "connected":
      return t("status.running", { height: s.tip.height, peers: s.peers.length });
    case "connecting":
      return t("status.joining");
    case "room-reset":
      return t("status.reset");
    default:
      return explain({ kind: "connection", code: s.conn.state, reason: s.conn.reason, count: s.conn.retry_ms, name: s.conn.target }, x.lang);
  }
}

async function start() {
  const node = attachNode();
  node.onCrash((msg) => setStatus(() => t("status.crashed", { why: msg })));
  const me = await node.ready;
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
    tamper: node.tamper,
    inspect: node.inspect,
  };
  const identity = initIdentity(node, me, config.room);
  const miner = initMiner(node);
  const wallet = initWallet(node);
  let chain;
  const inspector = initInspector(node, () => chain.select(""));
  const pick = (hash) => {
    chain.select(hash);
    inspector.open(hash);
  };
  chain = initChain(pick);
  const tree = initTree(pick);
  const tamper = initTamper(node);
  const panels = [initPosts(), initMempool(), initPeers()];
  const log = initLog();
  const banner = initBanner();
  // The heavy panels — the block cards and the fork tree, tens of
  // milliseconds of DOM and layout each — render after the rest, each in
  // a task of its own, with the newest snapshot: in one task with the
  // rest, a tab's first render held the page's thread 100 ms and more.
  const heavy = [(s) => chain.renderCards(s, x), (s) => tree.render(s, x)];
  let latest = null; // the snapshot the heavy panels are to show
  let next = -1; // the heavy panel to render next; -1: none due
  let cycleOf = null; // the snapshot the running cycle started with
  const heavyStep = () => {
    try {
      heavy[next](latest);
    } catch (err) {
      console.error("chainplay: render", err); // the next snapshot tries again; the cycle goes on
    }
    next++;
    if (next === heavy.length) next = latest === cycleOf ? -1 : 0; // a newer snapshot came: once more
    if (next === 0) cycleOf = latest;
    if (next >= 0) setTimeout(heavyStep, 0);
  };
  const drawHeavy = (s) => {
    latest = s;
    if (next >= 0) return; // a cycle is under way: it picks s up
    next = 0;
    cycleOf = s;
    setTimeout(heavyStep, 0);
  };
  let first = true;
  const draw = (s) => {
    setStatus(() => status(s));
    banner.render(s);
    identity.render(s, x);
    chain.render(s, x);
    inspector.render(s, x);
    tamper.render(s, x);
    drawHeavy(s);
    wallet.render(s, x);
    for (const p of panels) p.render(s, x);
    miner.render(s.extra.miner, x);
    log.render(s, x);
    window.dispatchEvent(new CustomEvent("chainplay:snapshot", { detail: s })); // pbft.js
    if (first) {
      // The controls work from the first render on, once the panels have
      // their content: nothing moves under a click that comes right away.
      first = false;
      initConsole(node, () => node.snapshot);
      wallet.enable();
      window.dispatchEvent(new Event("chainplay:ready"));
    }
  };
  node.onSnapshot(draw);
  // A switch of language redraws the last snapshot in the new words: the
  // node (in its Worker) goes on as it was; only the page's words change.
  onLang(() => {
    x = { ...formatter(lang()), lang: lang() };
    log.relabel(x);
    if (node.snapshot) draw(node.snapshot);
    else setStatus(statusText);
  });
}

start().catch((err) => setStatus(() => t("status.failed", { why: err.message || String(err) })));

