// The wallet panel: this tab's account (its key never leaves the
// browser), balances confirmed and pending, sending coins to a peer picked
// by nickname or to any address, writing a post, and the wallet's own
// transactions with their confirmations. It shows each snapshot's wallet
// (chain/node/view's WalletView) and acts through the in-tab node's REST
// API (the API console's); the Go node checks every rule.
import { $, el, changed, say } from "./dom.js";
import { t, apiError, coins } from "./catalog.js";

const OTHER = ""; // the contact option for "another address"

// initWallet wires the forms to node (node-client.js) and returns
// {render(snapshot, x), enable()}.
export function initWallet(node) {
  const contact = $("send-contact");
  const toField = $("send-to-field");
  const message = $("wallet-message");
  const showTo = () => (toField.hidden = contact.value !== OTHER);
  contact.onchange = showTo;

  async function api(method, path, body) {
    const resp = await node.request(method, path, JSON.stringify(body));
    let data = {};
    try {
      data = JSON.parse(resp.text);
    } catch {
      data = {};
    }
    if (resp.status >= 400) throw Object.assign(new Error(data.error || resp.statusText), { body: data, status: resp.status });
    return data;
  }

  $("send-form").onsubmit = async (e) => {
    e.preventDefault();
    const to = (contact.value === OTHER ? $("send-to").value : contact.value).trim().toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(to)) {
      say(message, () => t("wallet.badAddress"), false);
      return;
    }
    const amount = Number($("send-amount").value);
    try {
      await api("POST", "/transactions/new", { recipient: to, amount, fee: Number($("send-fee").value || 0), memo: $("send-memo").value });
      const name = contact.value === OTHER ? "" : contact.selectedOptions[0]?.dataset.name || "";
      say(message, () => t("wallet.sent", { amount, name, to }), true);
      $("send-amount").value = "";
      $("send-memo").value = "";
    } catch (err) {
      say(message, () => t("wallet.notSent", { why: apiError(err) }), false);
    }
  };
  $("post-form").onsubmit = async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/new_transaction", { author: nickname || "anonymous", content: $("post-content").value });
      say(message, () => t("wallet.posted"), true);
      $("post-content").value = "";
    } catch (err) {
      say(message, () => t("wallet.notPosted", { why: apiError(err) }), false);
    }
  };

  let nickname = "";
  const freshContacts = changed();
  const freshHistory = changed();
  function render(s, x) {
    const w = s.wallet;
    nickname = w.name;
    $("wallet-balance").textContent = coins(w.balance, x);
    $("wallet-pending").textContent = w.pending_out && w.pending_in ? t("wallet.pending.both", { out: w.pending_out, in: w.pending_in })
      : w.pending_out ? t("wallet.pending.out", { out: w.pending_out })
      : w.pending_in ? t("wallet.pending.in", { in: w.pending_in }) : t("wallet.nothingPending");
    $("wallet-available").textContent = coins(w.available, x);
    if (freshContacts(JSON.stringify(w.contacts) + x.locale)) {
      const keep = contact.value;
      contact.replaceChildren(
        ...w.contacts.map((c) => el("option", { value: c.address, "data-name": c.name }, t("wallet.contact", c))),
        el("option", { value: OTHER }, t("wallet.otherAddress")),
      );
      contact.value = [...contact.options].some((o) => o.value === keep) ? keep : contact.options[0].value;
      showTo();
    }
    const key = JSON.stringify(w.history.map((h) => [h.id, h.status, h.confirmations, h.to_name])) + x.locale;
    if (!freshHistory(key)) return;
    $("history").replaceChildren(
      ...(w.history.length ? w.history : [null]).map((h) =>
        h
          ? el("li", { class: `hist ${h.dir} ${h.status}`, "data-id": h.id, "data-status": h.status },
              el("span", { class: "hist-what" }, t(`history.${h.dir}`, { ...h, to: h.to_name || x.addr(h.to), fee: h.fee ?? 0 })),
              h.memo && h.dir !== "post" ? el("span", { class: "memo" }, ` “${h.memo}”`) : "",
              el("span", { class: "hist-status" }, t(`history.status.${h.status}`, { n: h.confirmations, height: h.height })))
          : el("li", { class: "empty" }, t("history.empty")),
      ),
    );
  }
  const enable = () => {
    for (const id of ["send", "post"]) $(id).disabled = false;
  };
  return { render, enable };
}
