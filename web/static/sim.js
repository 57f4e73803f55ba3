// The /sim page (web/sim.templ): asks the simulator Worker (sim-worker.js,
// chain/sim compiled to wasm) for a curve and draws it as SVG beside the
// papers' formulas. Every figure comes from Go; words from catalog.js.
import { $, svg, setText } from "./dom.js";
import { t, formatter, lang, onLang } from "./catalog.js";

let worker = null;
let nextID = 1;
const waiting = new Map();

function ask(request) {
  if (!worker) {
    worker = new Worker("/static/sim-worker.js");
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === "crash") for (const w of waiting.values()) w.reject(new Error(m.message));
      if (m.id === undefined) return;
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (!w) return;
      const a = JSON.parse(m.answer);
      if (a.error) w.reject(new Error(a.error));
      else w.resolve(a);
    };
  }
  return new Promise((resolve, reject) => {
    const id = nextID++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, request });
  });
}

// plot draws series (each {points: [[x, y]…], cls, dots}) on the chart
// box: x in [x0, x1], y in [0, 1], with axis labels.
function plot(box, series, x0, x1, xLabel, yLabel, ticks) {
  const W = 420, H = 260, L = 44, B = 34, R = 10, T = 24;
  const px = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => H - B - Math.max(0, Math.min(1, y)) * (H - B - T);
  const kids = [];
  kids.push(svg("line", { x1: L, y1: py(0), x2: W - R, y2: py(0), class: "axis" }), svg("line", { x1: L, y1: py(0), x2: L, y2: py(1), class: "axis" }));
  for (const y of [0, 0.25, 0.5, 0.75, 1]) kids.push(svg("text", { x: L - 6, y: py(y) + 4, class: "tick", "text-anchor": "end" }, `${Math.round(y * 100)} %`));
  for (const x of ticks) kids.push(svg("text", { x: px(x), y: H - B + 16, class: "tick", "text-anchor": "middle" }, String(x)));
  kids.push(svg("text", { x: (L + W - R) / 2, y: H - 4, class: "label", "text-anchor": "middle" }, xLabel));
  kids.push(svg("text", { x: L + 6, y: 12, class: "label" }, yLabel));
  for (const s of series) {
    const d = s.points.map(([x, y], i) => `${i ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    kids.push(svg("path", { d, class: `series ${s.cls}` }));
    if (s.dots) for (const [x, y] of s.points) kids.push(svg("circle", { cx: px(x), cy: py(y), r: 3.5, class: `dot ${s.cls}` }));
  }
  box.replaceChildren(...kids);
}

let selfish = null;
let ds = null;

function drawSelfish() {
  if (!selfish) return;
  const pts = selfish.points;
  plot($("sim-selfish-chart"), [
    { points: pts.map((p) => [p.alpha, p.alpha]), cls: "honest" },
    { points: pts.map((p) => [p.alpha, p.paper]), cls: "paper" },
    { points: pts.map((p) => [p.alpha, p.simulated]), cls: "simulated", dots: true },
  ], 0, 0.5, t("sim.axis.alpha"), t("sim.axis.revenue"), [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  const worst = Math.max(...pts.map((p) => Math.abs(p.simulated - p.paper)));
  const x = formatter(lang());
  setText($("sim-selfish-status"), t("sim.selfish.done", { gamma: selfish.gamma, blocks: selfish.blocks, threshold: x.n(Math.round(selfish.threshold * 1000) / 10), worst: x.n(Math.round(worst * 1000) / 10) }));
  $("sim-selfish-chart").dataset.points = JSON.stringify(pts);
}

function drawDS() {
  if (!ds) return;
  const pts = ds.points;
  const zmax = pts[pts.length - 1].z;
  plot($("sim-ds-chart"), [
    { points: pts.map((p) => [p.z, p.nakamoto]), cls: "honest" },
    { points: pts.map((p) => [p.z, p.rosenfeld]), cls: "paper" },
    { points: pts.map((p) => [p.z, p.simulated]), cls: "simulated", dots: true },
  ], 0, zmax, t("sim.axis.z"), t("sim.axis.success"), pts.map((p) => p.z));
  setText($("sim-ds-status"), t("sim.ds.done", { q: Math.round(ds.q * 100), trials: ds.trials }));
  $("sim-ds-chart").dataset.points = JSON.stringify(pts);
}

async function run(form, status, request, done) {
  const button = form.querySelector("button");
  button.disabled = true;
  setText(status, t("sim.running"));
  try {
    done(await ask(request));
  } catch (err) {
    setText(status, t("sim.failed", { why: err.message }));
  } finally {
    button.disabled = false;
  }
}

$("sim-selfish").onsubmit = (e) => {
  e.preventDefault();
  const alphas = [];
  for (let i = 1; i <= 9; i++) alphas.push(i / 20); // 0.05 … 0.45
  run($("sim-selfish"), $("sim-selfish-status"),
    { kind: "selfish", seed: 1, gamma: Number($("sim-gamma").value), alphas, blocks: Number($("sim-blocks").value) },
    (c) => { selfish = c; drawSelfish(); });
};
$("sim-ds").onsubmit = (e) => {
  e.preventDefault();
  run($("sim-ds"), $("sim-ds-status"),
    { kind: "doublespend", seed: 1, q: Number($("sim-q").value) / 100, zs: [0, 1, 2, 3, 4, 5, 6, 8, 10], trials: Number($("sim-trials").value) },
    (c) => { ds = c; drawDS(); });
};
onLang(() => { drawSelfish(); drawDS(); });
globalThis.chainplaySimPage = { ask };
