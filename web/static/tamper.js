// The tamper panel: this tab's forged copy of the chain (Snapshot.tamper,
// package chain/node/view's TamperView). The student edits a transaction
// of a forged block; the node recomputes the copy (merkle root, hash, each
// later block's previous hash) and says which rule each block breaks; the
// student re-mines with the tab's miner and may publish the copy. This
// file only draws it and sends the commands (tabproto "tamper").
import { $, el, changed, say } from "./dom.js";
import { t, rule } from "./catalog.js";
import { card } from "./chainview.js";

// editor is the form of one transaction's editable fields.
function editor(b, tx, i) {
  const fields = [];
  const input = (field, value, attrs) =>
    el("label", { class: "field" }, el("span", {}, t(`tamper.field.${field}`)),
      el("input", { ...attrs, value, "data-height": b.height, "data-tx": i, "data-field": field, "data-testid": `tamper-${b.height}-${i}-${field}` }));
  if (tx.kind !== "post") fields.push(input("amount", String(tx.amount), { type: "number", min: "0", step: "1", inputmode: "numeric" }));
  fields.push(input("to", tx.to || "", { pattern: "[0-9a-fA-F]{40}", spellcheck: "false", autocomplete: "off" }));
  if (tx.kind !== "coinbase") fields.push(input("memo", tx.memo || "", { maxlength: "280" }));
  return el("fieldset", { class: `tx-edit ${tx.kind}` },
    el("legend", {}, t(`tamper.tx.${tx.kind}`, { i, author: tx.author })), ...fields);
}

// initTamper wires the panel to node (node-client.js).
export function initTamper(node) {
  const panel = $("tamper");
  const list = $("tamper-blocks");
  const fresh = changed();
  const send = (cmd) => node.tamper(cmd);
  $("tamper-stop").onclick = () => {
    send({ op: "stop" });
    panel.hidden = true;
  };
  $("tamper-mine-all").onclick = () => send({ op: "mine-all" });
  $("tamper-extend").onclick = () => send({ op: "extend" });
  $("tamper-publish").onclick = () => send({ op: "publish" });
  list.addEventListener("change", (e) => {
    const f = e.target.closest("input[data-field]");
    if (!f) return;
    send({ op: "edit", height: Number(f.dataset.height), tx: Number(f.dataset.tx), field: f.dataset.field, value: f.value });
  });
  list.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-mine]");
    if (b) send({ op: "mine", height: Number(b.dataset.mine) });
  });

  function render(s, x) {
    const v = s.tamper;
    if (!v) {
      if (fresh("off")) {
        panel.hidden = true;
        list.replaceChildren();
      }
      return;
    }
    panel.hidden = false;
    const key = JSON.stringify([v.blocks.map((b) => [b.hash, b.problem, b.edited]), v.mining, v.error, v.published, x.locale]);
    if (!fresh(key)) return;
    const focused = document.activeElement && list.contains(document.activeElement) ? document.activeElement.dataset.testid : "";
    list.replaceChildren(
      ...v.blocks.map((b, i) => {
        const ok = !b.problem;
        const li = el("li", { class: `block forged ${ok ? "valid" : "broken"}${b.edited ? " edited" : ""}${i > 0 ? " linked" : ""}`, "data-height": b.height,
          "data-hash": b.hash, "data-valid": String(ok), "data-testid": `forged-${b.height}` });
        li.style.gridColumn = String(i + 1);
        const status = ok
          ? el("p", { class: "forged-status ok" }, t("tamper.valid"))
          : el("p", { class: "forged-status bad" }, t("tamper.broken", { why: rule({ code: b.problem, have: b.have, want: b.want, what: "block" }, x) }));
        const mining = v.mining === b.height;
        li.append(
          el("div", { class: "card" }, ...card(b, x)),
          status,
          el("p", { class: "forged-orig hint" }, b.original ? (b.original === b.hash ? t("tamper.same") : t("tamper.changed")) : t("tamper.added")),
          ...b.detail.txs.map((tx, j) => editor(b, tx, j)),
          el("button", { type: "button", class: "secondary", "data-mine": b.height, disabled: v.mining ? true : null,
            "data-testid": `tamper-mine-${b.height}` }, mining ? t("tamper.mining") : t("tamper.mine")),
        );
        return li;
      }),
    );
    if (focused) list.querySelector(`[data-testid="${focused}"]`)?.focus();
    for (const id of ["tamper-mine-all", "tamper-extend", "tamper-publish"]) $(id).disabled = !!v.mining;
    const msg = $("tamper-message");
    if (v.error) say(msg, () => t(`tamperError.${v.error}`), false);
    else if (v.mining) say(msg, () => t("tamper.miningMsg", { height: v.mining }));
    else if (v.published) say(msg, () => t("tamper.publishedMsg"), true);
    else say(msg, "");
  }
  return { render };
}
