// Wallet panel: the tab's own wallet (its key never leaves this browser),
// its balance on this tab's chain, sending coins, posting, and the
// mempool. It shows each snapshot's wallet and mempool (chain/node/view)
// and acts through the in-tab node's REST API (the one the API console
// uses); every rule is checked by the Go node.
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function say(text, ok) {
  const m = $("wallet-message");
  m.textContent = text;
  m.className = ok ? "wallet-message ok" : "wallet-message bad";
}

// initWallet wires the forms to node (node-client.js) and returns
// {render(snapshot), enable()}; enable turns the buttons on.
export function initWallet(node) {
  let me = "";
  async function api(method, path, body) {
    const resp = await node.request(method, path, JSON.stringify(body));
    const data = JSON.parse(resp.text);
    if (resp.status >= 400) throw new Error(data.error || `${resp.status} ${resp.statusText}`);
    return data;
  }
  $("wallet-copy").onclick = () => navigator.clipboard?.writeText(me);
  $("send-form").onsubmit = async (e) => {
    e.preventDefault();
    try {
      const res = await api("POST", "/transactions/new", {
        recipient: $("send-to").value.trim().toLowerCase(),
        amount: Number($("send-amount").value),
        fee: Number($("send-fee").value || 0),
        memo: $("send-memo").value,
      });
      say(`Sent: ${res.message}.`, true);
      $("send-amount").value = "";
      $("send-memo").value = "";
    } catch (err) {
      say(`Not sent: ${err.message}`, false);
    }
  };
  $("post-form").onsubmit = async (e) => {
    e.preventDefault();
    try {
      await api("POST", "/new_transaction", { author: $("post-author").value || me.slice(0, 8), content: $("post-content").value });
      say("Posted: your message waits in the mempool until a block includes it.", true);
      $("post-content").value = "";
    } catch (err) {
      say(`Not posted: ${err.message}`, false);
    }
  };

  let shownPool = "";
  function render(s) {
    const w = s.wallet;
    me = w.address;
    $("wallet-address").textContent = w.address;
    $("wallet-balance").textContent = `${w.balance} coin${w.balance === 1 ? "" : "s"}`;
    $("wallet-pending").textContent = w.pending_out > 0 ? `${w.pending_out} waiting to be mined` : "";
    $("mempool-count").textContent = String(s.mempool_count);
    const key = s.mempool.map((tx) => tx.id).join();
    if (key === shownPool) return;
    shownPool = key;
    $("mempool").replaceChildren(
      ...s.mempool.map((tx) =>
        el(
          "li",
          { class: tx.mine ? "tx mine" : "tx", "data-id": tx.id },
          el("code", {}, tx.id.slice(0, 10)),
          ` ${tx.author}: `,
          tx.amount > 0 ? `${tx.amount} → ${(tx.to || "").slice(0, 8)}` : "post",
          tx.fee > 0 ? ` (fee ${tx.fee})` : "",
          tx.memo ? ` “${tx.memo}”` : "",
        ),
      ),
    );
  }
  const enable = () => {
    for (const b of document.querySelectorAll("#wallet button")) b.disabled = false;
  };
  return { render, enable };
}
