// Miner panel: the controls and figures of the tab's worker pool
// (wasm/node/minerpool computes them; this file only shows them).
import { t, has } from "./catalog.js";

const $ = (id) => document.getElementById(id);

// fmtRate formats hashes per second.
export function fmtRate(hps) {
  if (!(hps > 0)) return "0 H/s";
  const units = ["H/s", "kH/s", "MH/s", "GH/s"];
  let i = 0;
  while (hps >= 1000 && i < units.length - 1) {
    hps /= 1000;
    i++;
  }
  return `${hps.toFixed(hps < 10 ? 2 : hps < 100 ? 1 : 0)} ${units[i]}`;
}

// fmtCount formats a number of hashes: 1234567 → "1.23 M".
export function fmtCount(n) {
  const units = ["", " k", " M", " G", " T", " P"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? String(Math.round(n)) : `${n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)}${units[i]}`;
}

// fmtDuration formats seconds as a rough duration.
export function fmtDuration(s) {
  if (!(s > 0) || !Number.isFinite(s)) return "–";
  if (s < 1) return t("duration.lt1s");
  if (s < 90) return t("duration.s", { n: Math.round(s) });
  if (s < 90 * 60) return t("duration.min", { n: Math.round(s / 60) });
  if (s < 36 * 3600) return t("duration.h", { n: Math.round(s / 360) / 10 });
  if (s < 730 * 86400) return t("duration.days", { n: Math.round(s / 86400) });
  return t("duration.years", { n: (s / (365.25 * 86400)).toExponential(1) });
}

// kernelName names a worker's nonce kernel (wasm/miner's ready message).
export function kernelName(kind) {
  return has(`kernel.${kind}`) ? t(`kernel.${kind}`) : kind;
}

// kernelsText names the kernels the ready workers run: "wasm SIMD", or
// "wasm SIMD (2), Go (1)" when they differ; "–" before any is ready.
function kernelsText(workers) {
  const counts = new Map();
  for (const w of workers) if (w.kernel) counts.set(w.kernel, (counts.get(w.kernel) || 0) + 1);
  if (counts.size === 0) return "–";
  if (counts.size === 1) return kernelName([...counts.keys()][0]);
  return [...counts].map(([k, n]) => t("miner.kernels", { kernel: kernelName(k), n })).join(t("list.sep"));
}

function store(key, value) {
  try {
    localStorage.setItem(key, String(value));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

// initMiner wires the panel to the tab's node (node-client.js) and
// returns {render(stats)}: app.js calls it with each snapshot's miner
// figures (wasm/node/minerpool's Stats).
export function initMiner(node) {
  const workers = $("miner-workers");
  const throttle = $("miner-throttle");
  const throttleOut = $("miner-throttle-value");
  let set = false; // the controls got their first values

  workers.onchange = () => {
    node.setWorkers(Number(workers.value));
    store("chainplay-workers", workers.value);
  };
  throttle.oninput = () => (throttleOut.value = `${throttle.value}%`);
  throttle.onchange = () => {
    node.setThrottle(Number(throttle.value));
    store("chainplay-throttle", throttle.value);
  };
  $("mine").onclick = () => {
    $("mine").disabled = true;
    node.mine();
  };
  $("stop").onclick = () => {
    $("stop").disabled = true;
    node.stop();
  };

  // first fills the controls from the first figures and the choices this
  // browser remembers.
  function first(s) {
    for (let n = 1; n <= s.max_workers; n++) workers.append(new Option(String(n), String(n)));
    let n = s.workers.length;
    const savedWorkers = Number(localStorage.getItem("chainplay-workers"));
    if (savedWorkers >= 1 && savedWorkers <= s.max_workers && savedWorkers !== n) {
      node.setWorkers(savedWorkers);
      n = savedWorkers;
    }
    let duty = Math.round(s.duty * 100);
    const savedThrottle = Number(localStorage.getItem("chainplay-throttle"));
    if (savedThrottle >= 10 && savedThrottle <= 100 && savedThrottle !== duty) {
      node.setThrottle(savedThrottle);
      duty = savedThrottle;
    }
    workers.value = String(n);
    throttle.value = String(duty);
    throttleOut.value = `${duty}%`;
    workers.disabled = false;
    throttle.disabled = false;
  }

  function render(s) {
    if (!s || !s.workers) return;
    if (!set) {
      set = true;
      first(s);
    }
    const r = s.round;
    $("mine").disabled = s.mining;
    $("stop").disabled = !s.mining;
    $("miner-status").textContent = s.mining
      ? t(Math.round(s.duty * 100) < 100 ? "miner.mining.throttled" : "miner.mining", { height: r ? r.height : "?", workers: s.workers.length, duty: Math.round(s.duty * 100) })
      : t("miner.idle");
    $("miner-rate").textContent = s.mining ? fmtRate(s.hash_rate) : "–";
    $("miner-kernel").textContent = kernelsText(s.workers);
    $("miner-eta").textContent = s.mining && s.expected_seconds > 0 ? t("miner.eta.value", { duration: fmtDuration(s.expected_seconds) }) : "–";
    if (r) {
      const pct = (100 * r.tried) / r.difficulty;
      $("miner-bar").style.width = `${Math.min(100, pct)}%`;
      $("miner-bar").classList.toggle("over", pct > 100);
      $("miner-progress").textContent = t(pct > 100 ? "miner.progress.unlucky" : "miner.progress", {
        tried: fmtCount(r.tried), expected: fmtCount(r.difficulty), pct: pct < 10 ? pct.toFixed(1) : String(Math.round(pct)),
      });
      const best = $("miner-best");
      if (r.best) {
        const zeros = r.best.match(/^0*/)[0];
        const z = document.createElement("span");
        z.className = "zeros";
        z.textContent = zeros;
        best.replaceChildren(z, r.best.slice(zeros.length));
        best.title = t("miner.bestNonce", { nonce: r.best_nonce });
        $("miner-best-note").textContent = ` ${t("miner.bestNote", { bits: r.best_zero_bits, target: r.target_zero_bits })}`;
      } else {
        best.textContent = "–";
        $("miner-best-note").textContent = "";
      }
    }
    $("miner-worker-list").replaceChildren(
      ...s.workers.map((w) => {
        const li = document.createElement("li");
        li.className = `worker worker-${w.state}`;
        li.dataset.state = w.state;
        const state = has(`miner.state.${w.state}`) ? t(`miner.state.${w.state}`) : w.state;
        const rate = w.state === "mining" ? fmtRate(w.hash_rate) : "";
        const line = t(rate ? "miner.worker.rate" : "miner.worker", { n: w.index + 1, state, rate });
        li.textContent = w.crashes ? t("miner.worker.restarted", { line, crashes: w.crashes }) : line;
        return li;
      }),
    );
  }
  return { render };
}
