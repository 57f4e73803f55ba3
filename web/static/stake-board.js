// The board of a proof-of-stake or delegated room (web/stake.templ's
// board panels): the validators' stake against their blocks and the
// recent slots (stake.js), the lessons of proof of stake with what the
// room shows of each right now, and — in the teacher's browser — the
// validator links and the fault switches. The validator keys are the ones
// POST /api/rooms answered once, which lobby.js kept in this browser's
// localStorage (chainplay-seats-ROOM, as a PBFT room's seat keys); a link
// carries its key in the fragment (/r/ROOM#seat=KEY), which browsers
// never send to a server, and boot.js makes it the tab's wallet. A fault
// switch is a teacher control ({"op": "fault", "seat": i}): the server
// signs it and the validator's own node obeys it (chain/node's
// ValidatorLoop): "double-sign" signs two blocks of each slot it leads,
// "crash" signs nothing. It listens for the boards board.js announces
// ("chainplay:board").
import { $, el, say, setText } from "./dom.js";
import { formatter, t, lang, onLang } from "./catalog.js";
import { renderStakeTables, slotLine } from "./stake.js";

const root = $("board");
const room = JSON.parse(root.dataset.config).room;
const token = localStorage.getItem(`chainplay-teacher-${room}`);
let keys = [];
try {
  keys = JSON.parse(localStorage.getItem(`chainplay-seats-${room}`) || "[]");
} catch {
  keys = [];
}
const faults = ["", "crash", "double-sign"];
let last = null;

async function fault(i, f) {
  const status = $("stake-fault-status");
  try {
    const resp = await fetch(`/api/rooms/${room}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ op: "fault", seat: i, fault: f }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `${resp.status}`);
    say(status, t("stake.fault.done", { i, fault: t(`stake.fault.${f || "none"}`) }), true);
  } catch (err) {
    say(status, t("control.failed", { op: "fault", why: err.message }), false);
  }
}

// link fetches validator i's link and QR code into box, once opened.
async function link(i, box) {
  if (box.dataset.done) return;
  box.dataset.done = "1";
  const resp = await fetch(`/r/${room}/link`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ fragment: `seat=${keys[i]}` }) });
  if (!resp.ok) return;
  const { url, svg } = await resp.json();
  const img = el("img", { class: "qr", width: 180, height: 180, alt: t("stake.links.qr", { i }), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
  const a = el("a", { href: url, class: "seat-url", "data-testid": `validator-link-${i}` }, url);
  const copy = el("button", { type: "button", class: "small secondary" }, t("common.copy"));
  copy.onclick = () => navigator.clipboard?.writeText(url);
  box.replaceChildren(img, el("p", {}, a, " ", copy));
}

function linkItem(r, i) {
  const parts = [el("strong", {}, t("stake.links.validator", { i })), " ", el("span", { class: "who" }, (r && r.name) || t("pbft.replica.nobody"))];
  if (keys[i]) {
    const box = el("div", { class: "seat-link" });
    const det = el("details", {}, el("summary", {}, t("pbft.seats.show")), box);
    det.addEventListener("toggle", () => det.open && link(i, box));
    parts.push(det);
  }
  if (token) {
    const select = el("select", { "aria-label": t("stake.fault.label", { i }), "data-testid": `stake-fault-${i}` },
      ...faults.map((f) => el("option", { value: f, selected: ((r && r.fault) || "") === f }, t(`stake.fault.${f || "none"}`))));
    const apply = el("button", { type: "button", class: "small", "data-testid": `stake-fault-apply-${i}` }, t("control.apply"));
    apply.onclick = () => fault(i, select.value);
    parts.push(el("p", { class: "control-row" }, el("label", {}, t("stake.fault.title"), " ", select), " ", apply));
  }
  return el("li", { class: "pbft-seat" }, ...parts);
}

// live says what the room shows of the lessons right now.
function live(v, x) {
  const lines = [];
  if (v.majority) {
    const r = v.validators.find((w) => w.address === v.majority);
    lines.push(t("stake.live.majority", { name: v.majority_name || x.addr(v.majority), share: Math.round((r?.share || 0) * 100), blocks: Math.round((r?.block_share || 0) * 100) }));
  }
  for (const r of v.validators) {
    if (r.slashed) lines.push(t("stake.live.slashed", { name: r.name || x.addr(r.address) }));
    else if (r.fault === "double-sign") lines.push(t("stake.live.doubleSigning", { name: r.name || x.addr(r.address), proofs: v.proofs }));
    if (v.engine === "dpos" && r.producer && r.missed > 0) lines.push(t("stake.live.lazy", { name: r.name || x.addr(r.address), missed: r.missed, window: v.window }));
  }
  return lines.join(" ") || t("stake.live.none");
}

let shown = "";
function render() {
  const v = last && last.stake;
  for (const id of ["stake-board", "stake-lessons"]) $(id).hidden = !v;
  if (!v) return;
  // The attack scenarios are proof of work's (hash power, mining): a
  // stake room's lessons are the ones above.
  if ($("scenario")) $("scenario").hidden = true;
  const x = { ...formatter(lang()), lang: lang() };
  setText($("stake-board-slot"), slotLine(v, x));
  const share = v.majority ? v.validators.find((w) => w.address === v.majority)?.share || 0 : 0;
  setText($("stake-majority"), v.majority ? t("stake.majority", { name: v.majority_name || x.addr(v.majority), share: Math.round(share * 100) }) : t("stake.majority.none"));
  $("stake-majority").classList.toggle("bad", !!v.majority);
  renderStakeTables($("stake-board"), v, x);
  $("lesson-voteout").hidden = v.engine !== "dpos";
  setText($("stake-lesson-live"), live(v, x));
  $("stake-links-none").hidden = keys.length > 0;
  // The genesis validators, in their order (the fault switches name
  // them by index); rebuilt only when a name or fault changed, so an open
  // link or a chosen fault stays as it is.
  const genesis = [];
  for (const r of v.validators) if (r.genesis >= 0) genesis[r.genesis] = r;
  const n = Math.max(genesis.length, keys.length);
  const key = Array.from({ length: n }, (_, i) => `${genesis[i]?.name}|${genesis[i]?.fault}`).join(",") + lang();
  if (key !== shown) {
    shown = key;
    $("stake-link-list").replaceChildren(...Array.from({ length: n }, (_, i) => linkItem(genesis[i], i)));
  }
}

window.addEventListener("chainplay:board", (e) => {
  last = e.detail;
  render();
});
onLang(() => {
  shown = "";
  render();
});
