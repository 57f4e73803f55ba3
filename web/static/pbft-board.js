// The board of a PBFT room (web/pbft.templ's board panels): the replicas
// and phase pictures (pbft.js), the comparison with proof of work, and —
// in the teacher's browser — the seat links and the fault switches. The
// seat keys are the ones POST /api/rooms answered once, which lobby.js
// kept in this browser's localStorage (chainplay-seats-ROOM, beside the
// teacher token); a seat link carries its key in the fragment
// (/r/ROOM#seat=KEY), which browsers never send to a server, and its QR
// code comes from POST /r/ROOM/link so the key stays out of every URL the
// server logs. A fault switch is a teacher control ({"op": "fault"}): the
// server signs it and every seat obeys only signed controls. It listens
// for the boards board.js announces ("chainplay:board").
import { $, el, setText } from "./dom.js";
import { formatter, t, lang, onLang } from "./catalog.js";
import { renderPBFT } from "./pbft.js";
import { linkDetails, postFault, seatKeys } from "./seatlinks.js";

const root = $("board");
const room = JSON.parse(root.dataset.config).room;
const token = localStorage.getItem(`chainplay-teacher-${room}`);
const keys = seatKeys(room);
let last = null;
const faults = ["", "crash", "slow", "equivocate", "wrong-vote"];

const fault = (seat, f) =>
  postFault(room, token, seat, f, $("pbft-fault-status"), () => t("pbft.fault.done", { seat, fault: t(`pbft.fault.${f || "none"}`) }));

function seatItem(r, i) {
  const select = el("select", { "aria-label": t("pbft.fault.label", { seat: i }), "data-testid": `fault-${i}` },
    ...faults.map((f) => el("option", { value: f, selected: (r?.fault || "") === f }, t(`pbft.fault.${f || "none"}`))));
  const apply = el("button", { type: "button", class: "small", "data-testid": `fault-apply-${i}` }, t("control.apply"));
  apply.onclick = () => fault(i, select.value);
  const parts = [el("strong", {}, t("pbft.replica", { seat: i })), " ", el("span", { class: "who" }, r?.name || t("pbft.replica.nobody"))];
  if (keys[i]) parts.push(linkDetails(room, keys[i], t("pbft.seats.qr", { seat: i }), `seat-link-${i}`));
  if (token) parts.push(el("p", { class: "control-row" }, el("label", {}, t("pbft.fault.title"), " ", select), " ", apply));
  return el("li", { class: "pbft-seat" }, ...parts);
}

function compare(v, pow, x) {
  const rows = [
    ["pbft.compare.finality", t("pbft.compare.ms", { ms: v.finality_ms }), t("pbft.compare.powfinal", { ms: pow.finality_ms })],
    ["pbft.compare.messages", t("pbft.compare.msgs", { n: Math.round(v.per_block), theory: v.theory }), t("pbft.compare.powmsgs", { n: pow.messages })],
    ["pbft.compare.hashes", x.n(0), x.n(Math.round(pow.hashes))],
    ["pbft.compare.final", t("pbft.compare.final.pbft"), t("pbft.compare.final.pow")],
  ];
  $("pbft-compare-rows").replaceChildren(...rows.map(([k, a, b]) => el("tr", {}, el("th", {}, t(k)), el("td", {}, a), el("td", {}, b))));
  setText($("pbft-compare-source"), pow.room ? t("pbft.compare.measured", { room: pow.room, peers: pow.peers }) : t("pbft.compare.preset", { peers: pow.peers }));
}

let shown = "";
function render() {
  if (!last) return;
  const v = last.pbft;
  const x = { ...formatter(lang()), lang: lang() };
  renderPBFT(v || null, x);
  for (const id of ["pbft-compare", "pbft-seats"]) $(id).hidden = !v;
  if (!v) return;
  if (last.pow) compare(v, last.pow, x);
  $("pbft-seats-none").hidden = keys.length > 0;
  // The seat list is rebuilt only when who holds a seat or its fault
  // changed, so an open link or a chosen fault stays as it is.
  const key = v.replicas.map((r) => `${r.name}|${r.fault}`).join(",") + lang();
  if (key !== shown) {
    shown = key;
    $("pbft-seat-list").replaceChildren(...v.replicas.map((r, i) => seatItem(r, i)));
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
