// /bench: measures the miner Worker (worker.js + miner.wasm, the same a
// room uses) in this browser, with each nonce kernel it can run
// (worker.js?kernel=simd, scalar or go). Each run starts fresh Workers,
// gives each a share of a search that can never succeed (the target is 0),
// lets them warm up, then reads the hashes and elapsed time the Workers
// themselves report at the start and end of a window. The result is left in
// globalThis.benchResult for scripts (make bench reads it):
//
//   {cores, seconds, native, sum256, userAgent, longestTaskMs, error,
//    kernels: [{kernel, one: {workers, total, per}, all, scaling, unavailable}]}
//
// with MH/s figures; unavailable says why a kernel could not run here.
// globalThis.benchMeasure(kernel, workers, seconds, warmupMs) runs one
// measurement alone, so that make bench can alternate it with a native
// baseline (internal/benchrun): it resolves to {workers, total, per} or
// {unavailable}.
import { fmtRate, kernelName } from "./miner.js";
import { t } from "./catalog.js";
import { setText } from "./dom.js";

const $ = (id) => document.getElementById(id);
const q = new URLSearchParams(location.search);
const cores = navigator.hardwareConcurrency || 1;
const native = Number(q.get("native")) || 0; // MH/s of the Go kernel, native
const sum256 = Number(q.get("sum256")) || 0; // MH/s of sha256.Sum256 per nonce, native
const WARMUP_MS = 1000;
const SPACE = 2 ** 53;
const KERNELS = (q.get("kernels") || "simd,scalar,go").split(",").filter((k) => ["simd", "scalar", "go"].includes(k));

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

// startWorker resolves when the Worker's program is ready; rec.kernel is
// the kernel it runs and rec.latest its latest {hashes, elapsed} report.
function startWorker(kernel) {
  return new Promise((resolve, reject) => {
    const w = new Worker(`/static/worker.js?kernel=${kernel}`);
    const rec = { w, kernel: "", why: "", latest: { hashes: 0, elapsed: 0 } };
    w.onmessage = (e) => {
      const m = e.data;
      if (m.type === "ready") {
        rec.kernel = m.kernel;
        rec.why = m.kernel_error || "";
        resolve(rec);
      } else if (m.type === "progress") rec.latest = { hashes: m.hashes, elapsed: m.elapsed_ms };
      else if (m.type === "crash") reject(new Error(m.message));
    };
    w.onerror = (e) => reject(new Error(e.message || "the Worker failed"));
  });
}

// measure runs n Workers with kernel for seconds and returns MH/s per
// Worker, or {unavailable} when a Worker runs another kernel.
async function measure(kernel, n, seconds, warmupMs = WARMUP_MS) {
  const recs = [];
  try {
    recs.push(...(await Promise.all(Array.from({ length: n }, () => startWorker(kernel)))));
    const other = recs.find((r) => r.kernel !== kernel);
    if (other) return { unavailable: t("bench.fellBack", { kernel: kernelName(other.kernel), why: other.why }) };
    const header = crypto.getRandomValues(new Uint8Array(100));
    const target = new Uint8Array(32); // only a hash of 0 would do
    const per = Math.floor(SPACE / n);
    recs.forEach((r, i) => r.w.postMessage({ type: "job", id: 1, header, target, start: i * per, count: per, duty: 1 }));
    await sleep(warmupMs);
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

function row(kernel, r) {
  const tr = document.createElement("tr");
  tr.dataset.kernel = kernel;
  const cells = [kernelName(kernel)];
  if (r.unavailable) {
    cells.push("–", t("bench.unavailable", { why: r.unavailable }));
  } else {
    tr.dataset.workers = String(r.workers);
    const one = r.total / r.workers;
    cells.push(
      String(r.workers),
      fmtRate(r.total * 1e6),
      r.per.map((x) => fmtRate(x * 1e6)).join(", "),
      native ? fx(one / native) : "–",
      sum256 ? fx(one / sum256) : "–",
    );
  }
  for (const text of cells) {
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
  setText($("bench-summary"), "");
  longestTask = 0;
  const result = { cores, seconds, native, sum256, userAgent: navigator.userAgent, kernels: [] };
  try {
    const parts = [];
    for (const kernel of KERNELS) {
      const k = { kernel };
      result.kernels.push(k);
      setText($("bench-status"), () => t("bench.runningOne", { kernel: kernelName(kernel) }));
      const one = await measure(kernel, 1, seconds);
      if (one.unavailable) {
        k.unavailable = one.unavailable;
        row(kernel, one);
        continue;
      }
      k.one = one;
      row(kernel, one);
      if (n > 1) {
        setText($("bench-status"), () => t("bench.runningMany", { kernel: kernelName(kernel), n }));
        k.all = await measure(kernel, n, seconds);
        row(kernel, k.all);
        k.scaling = k.all.total / one.total;
        const scaling = k.scaling;
        parts.push(() => t("bench.scaling", { kernel: kernelName(kernel), n, scaling: scaling.toFixed(2), pct: ((100 * scaling) / n).toFixed(0) }));
      }
    }
    result.longestTaskMs = longestTask;
    const longest = Math.round(longestTask);
    parts.push(() => (longest > 0 ? t("bench.longest", { ms: longest }) : t("bench.noLongTask")));
    setText($("bench-summary"), () => parts.map((f) => f()).join(t("bench.sep")));
    setText($("bench-status"), () => t("bench.done"));
  } catch (err) {
    result.error = String(err);
    setText($("bench-status"), () => t("bench.failed", { why: String(err) }));
  } finally {
    $("bench-run").disabled = false;
    globalThis.benchResult = result;
  }
}

globalThis.benchMeasure = measure;

$("bench-form").onsubmit = (e) => {
  e.preventDefault();
  run();
};
if (q.get("auto") === "1") run();
