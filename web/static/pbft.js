// A PBFT room's panels (web/pbft.templ), drawn from the view model's
// PBFTView (chain/node/view/pbft.go): the replica panel (this tab's seat,
// in place of the miner panel), the replicas with the current view and
// primary, and for each committed block a message-sequence picture of its
// three phases — who sent what to whom, when, as this tab saw it — with
// its message count against the theory 2n(n−1). The room page feeds it
// the snapshots app.js announces ("chainplay:snapshot"); the board
// (pbft-board.js) calls renderPBFT itself. Words from catalog.js; every
// figure from Go.
import { $, el, svg, setText } from "./dom.js";
import { formatter, t, lang, onLang, shortHash } from "./catalog.js";

// Where each kind of message sits in the picture and how it is drawn.
const KINDS = {
  "view-change": { cls: "vc", phase: "pbft.phase.view-change" },
  "new-view": { cls: "nv", phase: "pbft.phase.new-view" },
  "pre-prepare": { cls: "pp", phase: "pbft.phase.pre-prepare" },
  prepare: { cls: "prep", phase: "pbft.phase.prepare" },
  commit: { cls: "commit", phase: "pbft.phase.commit" },
  checkpoint: { cls: "ckpt", phase: "pbft.phase.checkpoint" },
};

// statusText says in words what the seat me is doing (pbft.Status.Code).
export function statusText(me, v) {
  const phase = me.phase ? t(KINDS[me.phase]?.phase || "pbft.phase.pre-prepare") : "";
  switch (me.code) {
    case "ordering":
      return t("pbft.status.ordering", { seq: me.executed + 1, phase, have: me.have, want: me.want });
    case "view-change":
      return t("pbft.status.view-change", { view: me.view, have: me.have, want: me.want });
    case "no-quorum":
      return t("pbft.status.no-quorum", { have: me.have, want: me.want, f: v.f });
    case "behind":
      return t("pbft.status.behind");
    case "crashed":
      return t("pbft.status.crashed");
    default:
      return t("pbft.status.idle", { executed: me.executed });
  }
}

// viewText is the room's view, its primary and a view change under way.
export function viewText(v) {
  let s = t("pbft.view", { view: v.view, primary: v.primary, n: v.seats, f: v.f, quorum: v.quorum });
  if (v.change_to) s += " " + t("pbft.view.changing", { to: v.change_to, have: v.change_votes, want: v.quorum });
  return s;
}

function replicaItem(r, x) {
  const chips = [];
  if (r.primary) chips.push(el("span", { class: "chip primary" }, t("pbft.replica.primary")));
  if (r.me) chips.push(el("span", { class: "chip me" }, t("pbft.replica.me")));
  if (r.fault) chips.push(el("span", { class: "chip fault" }, t(`pbft.fault.${r.fault}`)));
  if (!r.online) chips.push(el("span", { class: "chip off" }, t("pbft.replica.silent")));
  return el("li", { class: `pbft-replica${r.primary ? " is-primary" : ""}`, "data-seat": String(r.seat) },
    el("strong", {}, t("pbft.replica", { seat: r.seat })), " ",
    el("span", { class: "who" }, r.name || (r.peer ? r.peer : t("pbft.replica.nobody"))), " ", ...chips);
}

// drawPhases draws block b's messages among n replicas: a line per
// replica, time to the right, an arrow from the sender to each receiver.
export function drawPhases(b, n, x) {
  const left = 74, right = 12, top = 36, row = n > 7 ? 18 : 24, slant = 14;
  const W = 600, H = top + row * (n - 1) + 34;
  const g = svg("svg", { class: "phases", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": countText(b, n), xmlns: "http://www.w3.org/2000/svg" });
  const ms = b.messages;
  const t0 = ms.length ? Math.min(...ms.map((m) => m.at)) : 0;
  const t1 = ms.length ? Math.max(...ms.map((m) => m.at)) : 1;
  const span = Math.max(1, t1 - t0);
  const X = (at) => left + ((at - t0) / span) * (W - left - right - slant);
  const Y = (seat) => top + seat * row;
  for (let i = 0; i < n; i++) {
    g.append(svg("line", { class: "lifeline", x1: left, x2: W - right, y1: Y(i), y2: Y(i) }),
      svg("text", { class: "seat-label", x: 4, y: Y(i) + 4 }, t("pbft.replica", { seat: i })));
  }
  const phases = {};
  for (const m of ms) {
    const k = KINDS[m.kind] || KINDS.commit;
    const x0 = X(m.at);
    const to = m.to === -1 ? [...Array(n).keys()].filter((i) => i !== m.from) : [m.to];
    for (const r of to) {
      g.append(svg("line", { class: `msg ${k.cls}${m.resent ? " resent" : ""}`, x1: x0, y1: Y(m.from), x2: x0 + slant, y2: Y(r) }));
    }
    g.append(svg("circle", { class: `dot ${k.cls}`, cx: x0, cy: Y(m.from), r: 2.5 }));
    (phases[m.kind] ||= []).push(x0);
  }
  // Each phase is labelled where it starts, on two alternating rows so
  // phases that overlap in time keep their labels apart.
  Object.keys(KINDS).filter((kind) => phases[kind]).forEach((kind, i) => {
    const k = KINDS[kind];
    g.append(svg("text", { class: `phase-label ${k.cls}`, x: Math.min(W - 80, Math.max(left, Math.min(...phases[kind]))), y: i % 2 ? 26 : 12 }, t(k.phase)));
  });
  g.append(svg("text", { class: "time-label", x: left, y: H - 6 }, t("pbft.time", { ms: span === 1 && t1 === t0 ? 0 : t1 - t0 })));
  return g;
}

function countText(b, n) {
  return t("pbft.count", { count: b.count, frames: b.frames, resent: b.resent, theory: b.theory, n });
}

function blockItem(b, v, x) {
  const head = t("pbft.block", { height: b.height, seq: b.seq, view: b.view, hash: shortHash(b.hash) });
  const fin = b.end ? t("pbft.final", { ms: b.finality_ms }) : t("pbft.learned");
  const split = t("pbft.split", { pp: b.pre_prepares, prep: b.prepares, commit: b.commits });
  const extra = [];
  if (b.view_changes) extra.push(el("p", { class: "hint" }, t("pbft.viewchanges", { count: b.view_changes })));
  return el("li", { class: "pbft-block", "data-height": String(b.height), "data-count": String(b.count), "data-theory": String(b.theory) },
    el("p", { class: "pbft-block-head" }, el("strong", {}, head), " ", fin),
    drawPhases(b, v.seats, x),
    el("p", { class: "pbft-count" }, countText(b, v.seats), " ", el("span", { class: "hint" }, split)), ...extra);
}

// renderPBFT fills the replicas and pictures of the panel #pbft from v
// (null: not a PBFT room, the panel stays hidden).
export function renderPBFT(v, x) {
  const panel = $("pbft");
  panel.hidden = !v;
  if (!v) return;
  setText($("pbft-view"), viewText(v));
  panel.dataset.view = String(v.view);
  panel.dataset.primary = String(v.primary);
  $("pbft-replicas").replaceChildren(...v.replicas.map((r) => replicaItem(r, x)));
  const key = v.blocks.map((b) => `${b.hash}:${b.messages.length}`).join(",") + lang();
  const list = $("pbft-blocks");
  if (list.dataset.key !== key) {
    list.dataset.key = key;
    list.replaceChildren(...(v.blocks.length ? v.blocks.map((b) => blockItem(b, v, x)) : [el("li", { class: "hint" }, t("pbft.noblocks"))]));
  }
}

// renderReplica fills the replica panel from this tab's seat (v.me).
function renderReplica(v, x) {
  const panel = $("replica");
  panel.hidden = !v;
  const miner = $("miner");
  if (miner && v) miner.hidden = true;
  if (!v) return;
  const me = v.me;
  if (!me) {
    setText($("replica-seat"), t("pbft.replica.client", { n: v.seats }));
    setText($("replica-status"), viewText(v));
    $("replica-facts").replaceChildren();
    panel.dataset.code = "client";
    return;
  }
  panel.dataset.code = me.code;
  panel.dataset.seat = String(me.seat);
  setText($("replica-seat"), t("pbft.replica.mine", { seat: me.seat, n: v.seats, primary: me.primary === me.seat ? 1 : 0 }));
  setText($("replica-status"), statusText(me, v));
  const sent = Object.values(me.sent).reduce((a, b) => a + b, 0);
  const got = Object.values(me.received).reduce((a, b) => a + b, 0);
  const facts = [
    ["pbft.fact.view", t("pbft.fact.viewis", { view: me.view, primary: me.primary })],
    ["pbft.fact.executed", x.n(me.executed)],
    ["pbft.fact.marks", t("pbft.fact.marksare", { low: me.low, high: me.high })],
    ["pbft.fact.messages", t("pbft.fact.messagesare", { sent, got, invalid: me.invalid })],
  ];
  $("replica-facts").replaceChildren(...facts.flatMap(([k, val]) => [el("dt", {}, t(k)), el("dd", {}, val)]));
}

// The room page: draw each snapshot app.js announces.
if ($("room")) {
  let last = null;
  const draw = () => {
    if (!last) return;
    const x = { ...formatter(lang()), lang: lang() };
    renderReplica(last.pbft, x);
    renderPBFT(last.pbft, x);
    if (last.pbft) pbftWords();
  };
  // A PBFT room has no mining: the chain and mempool panels say what makes
  // a block valid here instead (the keys move, so a switch of language
  // keeps them).
  const pbftWords = () => {
    setText($("tip-difficulty"), t("pbft.tip.final"));
    for (const [from, to] of [["chain.about", "chain.about.pbft"], ["mempool.about", "mempool.about.pbft"]]) {
      for (const e of document.querySelectorAll(`[data-msg="${from}"], [data-msg="${to}"]`)) {
        e.dataset.msg = to;
        setText(e, t(to));
      }
    }
  };
  window.addEventListener("chainplay:snapshot", (e) => {
    last = e.detail;
    draw();
  });
  onLang(draw);
}
