// Chainplay lobby: start a room from a preset, or join one by its code.
// POST /api/rooms creates the room ({name (empty: the server picks a
// code), preset, and any parameter changed under "Change the rules"});
// this tab keeps the teacher token it gets back in localStorage (key
// chainplay-teacher-ROOM), which is what shows the admin panel on the room
// page. Then the lobby shows the room's code, address and QR code (drawn
// by the server: /r/ROOM/qr.svg). Plain ES module, no build step.
import { t, formatter, lang, onLang } from "./catalog.js";
import { setText } from "./dom.js";

const $ = (id) => document.getElementById(id);

const form = $("create-form");
const out = $("create-status");
const numeric = ["difficulty", "block_time_ms", "retarget_interval", "subsidy", "halving_interval", "max_block_txs"];
const dataKey = { difficulty: "difficulty", block_time_ms: "blockTimeMs", retarget_interval: "retargetInterval", subsidy: "subsidy",
  halving_interval: "halvingInterval", max_block_txs: "maxBlockTxs" };

// The presets' facts, and their values as the placeholders of the fields.
function showPreset() {
  const chosen = form.querySelector('input[name="preset"]:checked');
  for (const input of form.querySelectorAll('input[name="preset"]')) {
    const d = input.dataset;
    const facts = form.querySelector(`[data-preset-facts="${input.value}"]`);
    if (facts) {
      facts.textContent = t("preset.facts", {
        blockTimeMs: Number(d.blockTimeMs), retargetInterval: Number(d.retargetInterval), subsidy: Number(d.subsidy),
        halvingInterval: Number(d.halvingInterval),
      });
    }
  }
  if (!chosen) return;
  const x = formatter(lang());
  for (const key of numeric) form.elements[`create-${key}`].placeholder = x.n(Number(chosen.dataset[dataKey[key]]));
}
form.addEventListener("change", (e) => e.target.name === "preset" && showPreset());
// The engine: a PBFT room has n seats (4, 7 or 10) and a checkpoint
// interval K (web/pbft.templ's engine fields).
const engineOf = () => form.querySelector('input[name="engine"]:checked')?.value || "";
// A PoS or DPoS room has genesis validators (1 to 10) and, in DPoS, the
// round's N delegates (web/stake.templ's engine fields).
form.addEventListener("change", (e) => {
  if (e.target.name !== "engine") return;
  const engine = engineOf();
  $("engine-pbft").hidden = engine !== "pbft";
  $("engine-stake").hidden = engine !== "pos" && engine !== "dpos";
  $("engine-delegates").hidden = engine !== "dpos";
});
showPreset();
onLang(showPreset);

function say(text, bad = false) {
  setText(out, text);
  out.classList.toggle("error", bad);
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { name: form.elements["create-name"].value.trim().toLowerCase() };
  const preset = form.querySelector('input[name="preset"]:checked');
  if (preset) body.preset = preset.value;
  for (const key of numeric) {
    const v = form.elements[`create-${key}`].value.trim();
    if (v !== "") body[key] = Number(v);
  }
  if (engineOf() === "pbft") {
    body.engine = "pbft";
    body.seats = Number(form.elements["create-seats"].value);
    const k = form.elements["create-checkpoint_interval"].value.trim();
    if (k !== "") body.checkpoint_interval = Number(k);
  }
  if (engineOf() === "pos" || engineOf() === "dpos") {
    body.engine = engineOf();
    const v = form.elements["create-validators"].value.trim();
    if (v !== "") body.validators = Number(v); // else the server's: 3 for PoS, 2N+1 for DPoS
    if (body.engine === "dpos") body.delegates = Number(form.elements["create-delegates"].value);
  }
  say(() => t("lobby.creating"));
  try {
    const resp = await fetch("/api/rooms", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const data = await resp.json();
    if (!resp.ok) {
      say(() => t("lobby.createFailed", { why: data.error || resp.statusText }), true);
      return;
    }
    try {
      localStorage.setItem(`chainplay-teacher-${data.room}`, data.teacher_token);
      // A PBFT room's seat keys, or a stake room's validator keys, come
      // once: the board hands them out as seat links.
      const links = data.seat_keys || data.validator_keys;
      if (links) localStorage.setItem(`chainplay-seats-${data.room}`, JSON.stringify(links));
    } catch {
      // private mode: the teacher panel lasts for this page only
    }
    const url = new URL(`/r/${data.room}`, location.href).href;
    $("created-code").textContent = data.room;
    $("created-url").textContent = data.url || url;
    $("created-open").href = `/r/${data.room}`;
    $("created-qr").src = `/r/${data.room}/qr.svg`;
    $("created-copy").onclick = () => navigator.clipboard?.writeText(data.url || url);
    say("");
    if (data.seat_keys || data.validator_keys) {
      const note = $("created-seats") || $("created").appendChild(Object.assign(document.createElement("p"), { id: "created-seats", className: "hint" }));
      note.dataset.testid = "created-seats";
      const key = data.seat_keys ? "lobby.created.seats" : "lobby.created.validators";
      setText(note, () => t(key, { n: (data.seat_keys || data.validator_keys).length, board: `/r/${data.room}/board` }));
    }
    form.hidden = true;
    $("created").hidden = false;
    $("created-open").focus();
  } catch (err) {
    say(() => t("lobby.createFailed", { why: String(err) }), true);
  }
});

// The form creates a room only through this module (POST /api/rooms): its
// button is disabled in the page until the module has run, so a click
// before then cannot submit the form as a plain GET.
$("create-submit").disabled = false;
