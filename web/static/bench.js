// /bench: measures the miner Worker (worker.js + miner.wasm, the same a
// room uses) in this browser. Each run starts fresh Workers, gives each a
// share of a search that can never succeed (the target is 0), lets them
// warm up, then reads the hashes and elapsed time the Workers themselves
// report at the start and end of a window. The result is left in
// globalThis.benchResult for scripts (make bench reads it).
import { fmtRate } from "./miner.js";

const $ = (id) => document.getElementById(id);
const q = new URLSearchParams(location.search);
const cores = navigator.hardwareConcurrency || 1;
const native = Number(q.get("native")) || 0; // MH/s of the same kernel, native
const sum256 = Number(q.get("sum256")) || 0; // MH/s of sha256.Sum256 per nonce, native
const WARMUP_MS = 1000;
const SPACE = 2 ** 53;

$("bench-seconds").value = q.get("seconds") || "3";
$("bench-workers").value = q.get("workers") || String(cores);

// The page's own main thread: the longest task seen while Workers mine.
let measuring = false;
let longestTask = 0;
try {
  new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const e of list.getEntries()) longestTask = Math.max(longestTask, e.duration);
  }).observe({ type: "longtask" });
} catch {
  // no Long Tasks API in this browser
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startWorker resolves when the Worker's program is ready; w.latest is its
// latest {hashes, elapsed} report.
function startWorker() {
  return new Promise((resolve, reject) => {
    const w = new Worker("/static/worker.js");
    const rec = { w, latest: { hashes: 0, elapsed: 0 } };
    w.onmessage = (e) => {
      const m = e.data;
      if (m.type === "ready") resolve(rec);
      else if (m.type === "progress") rec.latest = { hashes: m.hashes, elapsed: m.elapsed_ms };
      else if (m.type === "crash") reject(new Error(m.message));
    };
    w.onerror = (e) => reject(new Error(e.message || "the Worker failed"));
  });
}

// measure runs n Workers for seconds and returns MH/s per Worker.
async function measure(n, seconds) {
  const recs = await Promise.all(Array.from({ length: n }, startWorker));
  try {
    const header = crypto.getRandomValues(new Uint8Array(100));
    const target = new Uint8Array(32); // only a hash of 0 would do
    const per = Math.floor(SPACE / n);
    recs.forEach((r, i) => r.w.postMessage({ type: "job", id: 1, header, target, start: i * per, count: per, duty: 1 }));
    await sleep(WARMUP_MS);
    measuring = true;
    const a = recs.map((r) => r.latest);
    await sleep(seconds * 1000);
    const b = recs.map((r) => r.latest);
    measuring = false;
    const rates = recs.map((_, i) => (b[i].hashes - a[i].hashes) / (b[i].elapsed - a[i].elapsed) / 1000);
    return { workers: n, total: rates.reduce((x, y) => x + y, 0), per: rates };
  } finally {
    for (const r of recs) r.w.terminate();
  }
}

const fx = (x) => (x > 0 && Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");

function row(label, r) {
  const tr = document.createElement("tr");
  tr.dataset.workers = String(r.workers);
  const one = r.total / r.workers;
  for (const text of [
    label,
    fmtRate(r.total * 1e6),
    r.per.map((x) => fmtRate(x * 1e6)).join(", "),
    native ? fx(one / native) : "–",
    sum256 ? fx(one / sum256) : "–",
  ]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  $("bench-rows").append(tr);
}

async function run() {
  const seconds = Math.min(60, Math.max(1, Number($("bench-seconds").value) || 3));
  const n = Math.max(1, Number($("bench-workers").value) || cores);
  $("bench-run").disabled = true;
  $("bench-rows").replaceChildren();
  $("bench-summary").textContent = "";
  longestTask = 0;
  const result = { cores, seconds, native, sum256, userAgent: navigator.userAgent };
  try {
    $("bench-status").textContent = "Running with 1 worker…";
    result.one = await measure(1, seconds);
    row("1 worker", result.one);
    if (n > 1) {
      $("bench-status").textContent = `Running with ${n} workers…`;
      result.all = await measure(n, seconds);
      row(`${n} workers`, result.all);
      result.scaling = result.all.total / result.one.total;
    }
    result.longestTaskMs = longestTask;
    const parts = [];
    if (result.all) {
      parts.push(
        `${n} workers do ${result.scaling.toFixed(2)}× the work of one (ideal: ${n}×, ${((100 * result.scaling) / n).toFixed(0)}% of it).`,
      );
    }
    parts.push(
      longestTask > 0
        ? `Longest task on this page's main thread while mining: ${Math.round(longestTask)} ms.`
        : "No task on this page's main thread took over 50 ms while mining.",
    );
    $("bench-summary").textContent = parts.join(" ");
    $("bench-status").textContent = "Done.";
  } catch (err) {
    result.error = String(err);
    $("bench-status").textContent = `The benchmark failed: ${err}`;
  } finally {
    $("bench-run").disabled = false;
    globalThis.benchResult = result;
  }
}

$("bench-form").onsubmit = (e) => {
  e.preventDefault();
  run();
};
if (q.get("auto") === "1") run();
