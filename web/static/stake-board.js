// The board of a proof-of-stake or delegated room (web/stake.templ's
// board panels): the validators' stake against their blocks and the
// recent slots (stake.js), the lessons of proof of stake with what the
// room shows of each right now, and — in the teacher's browser — the
// validator links and the fault switches (seatlinks.js, as a PBFT room's
// seats): boot.js makes a link's key the tab's wallet, and the
// validator's own node obeys a signed fault (chain/node's ValidatorLoop):
// "double-sign" signs two blocks of each slot it leads, "crash" signs
// nothing. It listens for the boards board.js announces
// ("chainplay:board").
import { $, el, setText } from "./dom.js";
import { formatter, t, lang, onLang } from "./catalog.js";
import { renderStakeTables, slotLine } from "./stake.js";
import { linkDetails, postFault, seatKeys } from "./seatlinks.js";

const root = $("board");
const room = JSON.parse(root.dataset.config).room;
const token = localStorage.getItem(`chainplay-teacher-${room}`);
const keys = seatKeys(room);
const faults = ["", "crash", "double-sign"];
let last = null;

const fault = (i, f) =>
  postFault(room, token, i, f, $("stake-fault-status"), () => t("stake.fault.done", { i, fault: t(`stake.fault.${f || "none"}`) }));

function linkItem(r, i) {
  const parts = [el("strong", {}, t("stake.links.validator", { i })), " ", el("span", { class: "who" }, (r && r.name) || t("pbft.replica.nobody"))];
  if (keys[i]) parts.push(linkDetails(room, keys[i], t("stake.links.qr", { i }), `validator-link-${i}`));
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
