// The teacher's board (/r/ROOM/board): polls the room's board
// (GET /api/rooms/ROOM/board, chain/node/view's BoardView, built on the
// server from the archive peer and the lesson's timeline) once a second
// and draws it; the slider replays a past moment (?at=). In the browser
// that holds the teacher token (localStorage chainplay-teacher-ROOM, kept
// by lobby.js) it shows the controls, which go to the server with the
// token; the server signs them for the peers. UI wiring only: every figure
// comes from the server, every word from catalog.js.
import { $, el, svg, say, download } from "./dom.js";
import { formatter, t, lang, onLang } from "./catalog.js";
import { initTree } from "./forktree.js";
import { bannerLines } from "./banner.js";

const root = $("board");
const config = JSON.parse(root.dataset.config);
const room = config.room;
const api = `/api/rooms/${room}`;
let x = { ...formatter(lang()), lang: lang() };
const token = localStorage.getItem(`chainplay-teacher-${room}`);
$("board-url").textContent = `${location.host}/r/${room}`;

const tree = initTree(() => {});
let at = 0; // the moment replayed, unix ms; 0 is live
let board = null;
let lessons = [];
const status = $("ctl-status");

async function fetchBoard() {
  const resp = await fetch(`${api}/board${at ? `?at=${at}` : ""}`, { cache: "no-store" });
  if (resp.status === 409) return null; // nobody in the room yet
  if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}`);
  return resp.json();
}

function setText(id, v) {
  const e = $(id);
  if (e.textContent !== v) e.textContent = v;
}

function renderCounters(b) {
  setText("count-blocks", x.n(b.counts.blocks));
  setText("count-stale", x.n(b.counts.stale));
  setText("count-reorgs", x.n(b.counts.reorgs));
  setText("count-confirmed", x.n(b.counts.confirmed));
  setText("count-reverted", x.n(b.counts.reverted));
  setText("count-rate", t("board.rate", { rate: Math.round(b.hash_rate) }));
}

// bar is a share bar; its width is set through the CSSOM (the page's
// Content-Security-Policy refuses style attributes).
function bar(pct) {
  const fill = el("span");
  fill.style.width = `${Math.min(100, Math.max(0, pct)).toFixed(1)}%`;
  return el("span", { class: "bar", role: "img", "aria-label": t("board.pct", { pct: Math.round(pct) }) }, fill);
}

// scaleTree enlarges the drawn tree for the projector: up to 2.5 times,
// as far as the panel's width allows.
function scaleTree() {
  const g = $("tree");
  let vb = (g.getAttribute("viewBox") || "").split(" ").map(Number);
  if (vb.length !== 4 || !vb[2]) return;
  if (g.dataset.vb !== g.getAttribute("viewBox")) {
    vb[2] += 48; // room on the right for the newest tip's names
    g.setAttribute("viewBox", vb.join(" "));
    g.dataset.vb = g.getAttribute("viewBox");
  }
  const box = $("tree-box").clientWidth || vb[2];
  const k = Math.min(2.5, Math.max(1, (box - 4) / vb[2]));
  g.setAttribute("width", String(Math.floor(vb[2] * k)));
  g.setAttribute("height", String(Math.floor(vb[3] * k)));
}

function renderPeers(b) {
  const rows = b.peers.map((p) => {
    const pct = p.share * 100;
    const chips = [];
    if (p.group) chips.push(el("span", { class: `chip group g${p.group}` }, t("board.group", { g: p.group })));
    if (p.latency_ms) chips.push(el("span", { class: "chip" }, t("board.latencyOf", { ms: p.latency_ms })));
    if (p.duty < 1) chips.push(el("span", { class: "chip" }, t("board.pct", { pct: Math.round(p.duty * 100) })));
    return el("tr", { "data-peer": p.id },
      el("td", { class: "peer-name" }, el("strong", {}, p.name || p.id), " ", ...chips, el("br"),
        el("span", { class: "hint" }, t("board.rate", { rate: Math.round(p.rate) }), " · ", t("board.mined", { n: p.mined }))),
      el("td", { class: "peer-share" },
        bar(pct), " ", t("board.pct", { pct: Math.round(pct) })),
      el("td", {}, `#${x.n(p.height)}`));
  });
  if (rows.length === 0) rows.push(el("tr", {}, el("td", { colspan: "3", class: "hint" }, t("board.none"))));
  $("board-peer-rows").replaceChildren(...rows);
  for (const id of ["ctl-share-peer", "ctl-rename-peer", "ctl-kick-peer", "ctl-latency-peer"]) {
    const sel = $(id);
    const keep = sel.value;
    const fixed = [...sel.querySelectorAll("option[data-msg]")];
    const opts = b.peers.map((p) => el("option", { value: p.id }, `${p.name} (${p.id})`));
    const key = JSON.stringify(b.peers.map((p) => [p.id, p.name]));
    if (sel.dataset.key === key) continue;
    sel.dataset.key = key;
    sel.replaceChildren(...fixed, ...opts);
    if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
  }
}

// chart draws values (one per block, oldest first) as a line in an SVG of
// 400×120, with an optional dashed reference line.
function chart(id, values, ref) {
  const box = $(id);
  const W = 400, H = 120, P = 6;
  const top = Math.max(1, ref || 0, ...values) * 1.1;
  const px = (i) => P + (values.length < 2 ? 0 : (i * (W - 2 * P)) / (values.length - 1));
  const py = (v) => H - P - (v / top) * (H - 2 * P);
  const parts = [svg("line", { x1: P, y1: H - P, x2: W - P, y2: H - P, class: "axis" })];
  if (ref) parts.push(svg("line", { x1: P, y1: py(ref), x2: W - P, y2: py(ref), class: "ref" }));
  if (values.length) {
    parts.push(svg("polyline", { points: values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(" "), class: "series" }));
    const last = values[values.length - 1];
    parts.push(svg("text", { x: W - P, y: 14, "text-anchor": "end", class: "chart-label" }, x.n(Math.round(last * 10) / 10)));
  }
  box.replaceChildren(...parts);
}

function renderCharts(b) {
  chart("chart-time", b.blocks.map((k) => Math.max(0, k.interval) / 1000), b.target_ms / 1000);
  chart("chart-difficulty", b.blocks.map((k) => k.difficulty), 0);
}

// entryArgs are a timeline entry's values for its message.
function entryArgs(e) {
  return {
    ...e, miner: e.miner || "?", name: e.name || e.peer || "", peer: e.peer || "", op: e.op || "",
    orphaned: e.orphaned ? e.orphaned.length : 0, reverted: e.reverted ? e.reverted.length : 0, joined: e.op === "joined",
  };
}

function entryLine(e) {
  const fn = { block: "timeline.block", reorg: "timeline.reorg", control: "timeline.control", peer: "timeline.peer", note: "timeline.note" }[e.kind];
  return el("li", { class: `entry ${e.kind}` }, el("span", { class: "hint" }, x.clock(e.time)), " ", fn ? t(fn, entryArgs(e)) : e.kind);
}

function renderBanner(b) {
  const names = Object.fromEntries(b.peers.map((p) => [p.id, p.name]));
  const lines = bannerLines(b.control.state, null, names);
  setText("board-banner", lines.join(" "));
}

function renderLesson(b) {
  const st = b.control.state || {};
  const l = lessons.find((k) => k.id === st.lesson);
  if (!l) {
    setText("lesson-head", t("board.noLesson"));
    setText("lesson-step", "");
    $("lesson-nav").hidden = true;
    return;
  }
  const step = st.step || 0;
  setText("lesson-head", `${t("board.lessonHead", { n: l.n, name: t(`lesson.${l.id}.name`) })} · ${t("board.stepOf", { i: step + 1, n: l.steps })}`);
  setText("lesson-step", t(`lesson.${l.id}.step.${step}`));
  $("lesson-nav").hidden = !token;
  $("lesson-prev").disabled = step <= 0;
  $("lesson-next").disabled = step >= l.steps - 1;
}

function renderSlider(b) {
  const s = $("board-slider");
  if (at === 0) {
    s.value = "1000";
    setText("board-at", t("board.liveNow"));
  } else {
    setText("board-at", t("board.at", { time: x.clock(at) }));
  }
}

function render(b) {
  board = b;
  renderCounters(b);
  tree.render({ tree: b.tree }, x);
  scaleTree();
  renderPeers(b);
  renderCharts(b);
  renderBanner(b);
  renderLesson(b);
  renderSlider(b);
  window.dispatchEvent(new CustomEvent("chainplay:board", { detail: b })); // pbft-board.js
  $("board-recent").replaceChildren(...b.recent.map(entryLine));
  root.dataset.seq = String(b.control.seq || 0);
  root.dataset.reorgs = String(b.counts.reorgs);
  root.classList.toggle("split", b.split);
}

let busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const b = await fetchBoard();
    if (b) render(b);
    else setText("board-banner", t("board.waiting"));
  } catch (err) {
    setText("board-banner", String(err.message || err));
  } finally {
    busy = false;
  }
}

$("board-slider").addEventListener("input", (e) => {
  if (!board || !board.start) return;
  const v = Number(e.target.value);
  const end = board.at ? Math.max(board.end, board.now) : board.now;
  at = v >= 1000 ? 0 : Math.round(board.start + ((end - board.start) * v) / 1000);
  refresh();
});
$("board-live").onclick = () => {
  at = 0;
  refresh();
};

// --- the teacher's controls ------------------------------------------------

async function post(path, body, what) {
  try {
    const resp = await fetch(`${api}/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `${resp.status} ${resp.statusText}`);
    say(status, t("control.done", { op: what }), true);
    refresh();
    return data;
  } catch (err) {
    say(status, t("control.failed", { op: what, why: err.message }), false);
    return null;
  }
}
const control = (body) => post("control", body, body.op);

async function exportTimeline(format) {
  const resp = await fetch(`${api}/timeline?format=${format}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!resp.ok) {
    say(status, t("control.failed", { op: "export", why: `${resp.status}` }), false);
    return;
  }
  download(`${room}-timeline.${format}`, await resp.text(), format === "csv" ? "text/csv" : "application/json");
}

function renderLessonList() {
  $("lesson-list").replaceChildren(
    ...lessons.map((l) => {
      const li = el("li", {}, el("strong", {}, t(`lesson.${l.id}.name`)), " ",
        el("span", { class: "hint" }, t("board.minutes", { m: l.minutes }), l.coming ? ` · ${t("board.coming")}` : ""));
      if (token) {
        const b = el("button", { type: "button", class: "small secondary", "data-lesson": l.id }, t("board.start"));
        b.onclick = () => {
          if (confirm(t("control.confirmLesson"))) post("lesson", { lesson: l.id }, l.id);
        };
        li.append(" ", b);
      }
      return li;
    }),
  );
}

if (token) {
  $("controls").hidden = false;
  $("ctl-pause").onclick = () => control({ op: "pause" });
  $("ctl-resume").onclick = () => control({ op: "resume" });
  $("ctl-split").onclick = () => control({ op: "split" });
  $("ctl-heal").onclick = () => control({ op: "heal" });
  $("ctl-clear").onclick = () => control({ op: "clear" });
  $("ctl-throttle-form").onsubmit = (e) => {
    e.preventDefault();
    control({ op: "throttle", pct: Number($("ctl-throttle").value) });
  };
  $("ctl-share-form").onsubmit = (e) => {
    e.preventDefault();
    control({ op: "share", peer: $("ctl-share-peer").value, pct: Number($("ctl-share-pct").value) });
  };
  $("ctl-share-lift").onclick = () => control({ op: "share", pct: 0 });
  $("ctl-latency-form").onsubmit = (e) => {
    e.preventDefault();
    const peer = $("ctl-latency-peer").value;
    control({ op: "latency", ...(peer ? { peer } : {}), ms: Number($("ctl-latency-ms").value) });
  };
  $("ctl-rename-form").onsubmit = (e) => {
    e.preventDefault();
    control({ op: "rename", peer: $("ctl-rename-peer").value, name: $("ctl-rename-name").value.trim() });
  };
  $("ctl-lang-form").onsubmit = async (e) => {
    e.preventDefault();
    // The board is rendered in its fixed language by the server: reload.
    if (await post("language", { lang: $("ctl-lang").value }, "language")) location.reload();
  };
  $("ctl-kick-form").onsubmit = (e) => {
    e.preventDefault();
    post("kick", { peer: $("ctl-kick-peer").value }, "kick");
  };
  $("ctl-reset").onclick = () => {
    if (confirm(t("control.confirmReset"))) post("reset", {}, "reset");
  };
  $("ctl-rules-form").onsubmit = (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = {};
    if (f.block_time_ms.value) body.block_time_ms = Number(f.block_time_ms.value);
    if (f.difficulty.value) {
      body.difficulty = Number(f.difficulty.value);
      body.retarget_interval = 0; // locked
    }
    if (confirm(t("control.confirmRules"))) post("genesis", body, "genesis");
  };
  $("ctl-export-json").onclick = () => exportTimeline("json");
  $("ctl-export-csv").onclick = () => exportTimeline("csv");
  const step = (d) => {
    const st = (board && board.control.state) || {};
    if (st.lesson) control({ op: "lesson", lesson: st.lesson, step: (st.step || 0) + d });
  };
  $("lesson-prev").onclick = () => step(-1);
  $("lesson-next").onclick = () => step(1);
}

fetch("/api/lessons")
  .then((r) => r.json())
  .then((l) => {
    lessons = l;
    renderLessonList();
    if (board) renderLesson(board);
  })
  .catch(() => {});

refresh();
setInterval(refresh, 1000);
globalThis.chainplayBoard = { board: () => board, refresh };

// A switch of language redraws the board in the new words.
onLang(() => {
  x = { ...formatter(lang()), lang: lang() };
  renderLessonList();
  if (board) render(board);
});
onLang(() => {
  const guide = $("lessons-guide");
  if (guide) guide.href = lang() === "zh-CN" ? "/docs/lessons.zh-CN.md" : "/docs/lessons.md";
});

// The tree follows the width it is given (a projector, a phone turned).
if (typeof ResizeObserver === "function") new ResizeObserver(() => scaleTree()).observe($("tree-box"));
