// The board's attack-scenario panel: lists the scenarios
// (GET /api/scenarios), lets the teacher start and stop one (POST and
// DELETE /api/rooms/ROOM/scenario, with the token), and polls what runs
// (GET /api/rooms/ROOM/scenario) once a second: its steps, in the
// catalog's words (scenarioLine), and its figures — the double spend's
// race, selfish mining's share of the main chain beside the paper's
// curve, the timestamp attack's difficulty, the broken key's recovery,
// the dishonest node's lies beside the truth. Every figure comes from
// the server; no consensus logic here.
import { $, el, svg } from "./dom.js";
import { t, scenarioLine, onLang } from "./catalog.js";

const root = $("board");
const room = JSON.parse(root.dataset.config).room;
const api = `/api/rooms/${room}`;
const token = localStorage.getItem(`chainplay-teacher-${room}`);
const box = $("scenario");
let defs = [];
let last = null;

// bars draws labelled horizontal bars: [{label, value, max, cls}].
function bars(rows) {
  const w = 420, h = 26 * rows.length + 4;
  const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "scenario-bars", role: "img", "data-testid": "scenario-bars" });
  rows.forEach((r, i) => {
    const y = 4 + i * 26;
    const len = r.max > 0 ? Math.max(2, (w - 250) * Math.min(r.value / r.max, 1)) : 2; // room on the right for the value
    s.append(svg("text", { x: 0, y: y + 15, class: "bar-label" }, r.label));
    s.append(svg("rect", { x: 180, y, width: len, height: 18, rx: 3, class: r.cls || "sbar" }));
    s.append(svg("text", { x: 186 + len, y: y + 15, class: "bar-value" }, r.text ?? String(r.value)));
  });
  return s;
}

const fmtPct = (x) => `${(100 * x).toFixed(1)} %`;

function figures(st) {
  const f = st.figures;
  if (!f) return [];
  switch (st.name) {
    case "doublespend": {
      const max = Math.max(f.private || 0, f.public || 0, (f.z || 0) + 1, 3);
      return [
        el("p", { class: "hint" }, t("scenario.race", { height: f.base || 0 })),
        bars([
          { label: t("scenario.race.private"), value: f.private || 0, max, cls: "sbar attacker" },
          { label: t("scenario.race.public"), value: f.public || 0, max, cls: "sbar honest" },
        ]),
        el("p", {}, t("scenario.race.confirmations", { n: f.confirmations || 0, z: f.z || 0 })),
        el("p", { class: "hint" }, t("scenario.race.paper", { pct: f.share_pct || 0, p: fmtPct(f.paper || 0) })),
      ];
    }
    case "selfish": {
      const share = f.main_blocks ? f.attacker_blocks / f.main_blocks : 0;
      return [
        bars([
          { label: t("scenario.selfish.share"), value: (f.share_pct || 0) / 100, max: 1, text: `${f.share_pct} %`, cls: "sbar" },
          { label: t("scenario.selfish.main", { mine: f.attacker_blocks || 0, main: f.main_blocks || 0 }), value: share, max: 1, text: fmtPct(share), cls: "sbar attacker" },
          { label: t("scenario.selfish.paper0"), value: f.paper_gamma0 || 0, max: 1, text: fmtPct(f.paper_gamma0 || 0), cls: "sbar paper" },
          { label: t("scenario.selfish.paperHalf"), value: f.paper_gamma_half || 0, max: 1, text: fmtPct(f.paper_gamma_half || 0), cls: "sbar paper" },
        ]),
        el("p", {}, t("scenario.selfish.orphaned", { n: f.orphaned || 0, w: f.withheld || 0 })),
      ];
    }
    case "timestamp":
      return [el("p", {}, t("scenario.timestamp.figures", {
        rules: t(`scenario.rules.${f.rules || "default"}`), start: f.start_difficulty || 0, now: f.difficulty || 0,
        forged: f.forged || 0, refused: f.refused || 0,
      }))];
    case "brokenkey": {
      const out = [el("p", {}, t("scenario.brokenkey.account", { account: f.account })),
        el("p", { class: "hint" }, t("scenario.brokenkey.try", { account: f.account }))];
      const r = f.recovery;
      if (!r || !r.r) {
        out.push(el("p", { class: "hint" }, t("scenario.brokenkey.wait")));
        return out;
      }
      const row = (k, v) => el("li", {}, el("span", {}, t(k, { ok: String(r.match) })), " ", el("code", { class: "hex" }, v));
      out.push(el("ol", { class: "scenario-recovery", "data-testid": "scenario-recovery" },
        row("scenario.brokenkey.step.r", r.r),
        row("scenario.brokenkey.step.s", `${r.s1} · ${r.s2}`),
        row("scenario.brokenkey.step.k", `${r.k1} · ${r.k2}`),
        row("scenario.brokenkey.step.a", r.scalar),
        row("scenario.brokenkey.step.check", `${r.check} = ${r.public}`)));
      return out;
    }
    case "liar": {
      const url = `${location.origin}${api}/liar`;
      return [
        el("p", { class: "hint" }, t("scenario.liar.try", { url })),
        el("table", { class: "peers-table", "data-testid": "scenario-claims" },
          el("thead", {}, el("tr", {}, el("th", {}, t("scenario.liar.what")), el("th", {}, t("scenario.liar.claimed")), el("th", {}, t("scenario.liar.truth")))),
          el("tbody", {}, ...(f.claims || []).map((c) => el("tr", {}, el("td", {}, c.what), el("td", { class: "lie" }, c.claimed), el("td", {}, c.truth))))),
      ];
    }
  }
  return [];
}

function render(st) {
  last = st;
  const name = st.name ? t(`scenario.${st.name}.name`) : "";
  const head = !st.name ? t("scenario.none")
    : t(st.running ? "scenario.running" : "scenario.ended", { name, attacker: (st.steps[0] && st.steps[0].attacker_name) || "Mallory" });
  $("scenario-head").textContent = head;
  $("scenario-figures").replaceChildren(...figures(st));
  const steps = st.steps.slice(-8).reverse();
  $("scenario-steps").replaceChildren(...steps.map((s) => el("li", { "data-step": s.step }, scenarioLine(s))));
  if (token) $("scenario-stop").disabled = !st.running;
}

async function refresh() {
  try {
    const r = await fetch(`${api}/scenario`, { cache: "no-store" });
    if (r.ok) render(await r.json());
  } catch {
    // the next poll tries again
  }
}

async function send(method, body) {
  const r = await fetch(`${api}/scenario`, {
    method, headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json().catch(() => ({}));
  $("scenario-status").textContent = r.ok ? "" : j.error || r.statusText;
  refresh();
}

function renderForm() {
  const pick = $("scenario-name");
  pick.replaceChildren(...defs.map((d) => el("option", { value: d.name }, t(`scenario.${d.name}.name`))));
  const peers = $("scenario-merchant");
  const b = globalThis.chainplayBoard && globalThis.chainplayBoard.board();
  const keep = peers.value;
  peers.replaceChildren(el("option", { value: "" }, t("scenario.merchant.any")),
    ...((b && b.peers) || []).map((p) => el("option", { value: p.id }, p.name || p.id)));
  peers.value = keep;
  pick.onchange = () => {
    const d = defs.find((x) => x.name === pick.value);
    if (!d) return;
    $("scenario-pct").value = d.defaults.pct || 0;
    for (const id of ["scenario-z-row", "scenario-amount-row", "scenario-merchant-row"]) $(id).hidden = d.name !== "doublespend";
    $("scenario-rules-row").hidden = d.name !== "timestamp";
    $("scenario-pct-row").hidden = !d.defaults.pct;
  };
  pick.onchange();
}

if (box) {
  if (token) {
    $("scenario-form").hidden = false;
    $("scenario-form").onsubmit = (e) => {
      e.preventDefault();
      const name = $("scenario-name").value;
      const params = { pct: Number($("scenario-pct").value) || undefined };
      if (name === "doublespend") {
        params.z = Number($("scenario-z").value);
        params.amount = Number($("scenario-amount").value);
        if ($("scenario-merchant").value) params.merchant = $("scenario-merchant").value;
      }
      if (name === "timestamp") {
        params.rules = $("scenario-rules").value;
        if (!confirm(t("scenario.confirmRules"))) return;
      }
      send("POST", { name, params });
    };
    $("scenario-stop").onclick = () => send("DELETE");
    $("scenario-merchant").onfocus = renderForm;
  }
  fetch("/api/scenarios").then((r) => r.json()).then((d) => {
    defs = d;
    if (token) renderForm();
  }).catch(() => {});
  refresh();
  setInterval(refresh, 1000);
  onLang(() => {
    if (token) renderForm();
    if (last) render(last);
  });
}
