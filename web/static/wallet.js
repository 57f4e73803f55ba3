// Wallet panel: the tab's own wallet (its key never leaves this browser),
// its balance on this tab's chain, sending coins, posting, and the
// mempool. It talks only to the in-tab node's REST API (the same one the
// API console uses); every rule is checked by the Go node.
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  const resp = await globalThis.context.binding.handleRequest(new Request(new URL(path, location.origin), init));
  const data = await resp.json();
  if (!resp.ok) throw new Error(data.error || `${resp.status} ${resp.statusText}`);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

let me = "";
let refreshing = false;
let again = false;

// refresh reads the wallet and the mempool; calls that overlap coalesce.
async function refresh() {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    const [w, pending] = await Promise.all([api("GET", "/wallet"), api("GET", "/pending_tx")]);
    me = w.address;
    $("wallet-address").textContent = w.address;
    let out = 0;
    for (const tx of pending) if (tx.sender === me) out += tx.amount + tx.fee;
    $("wallet-balance").textContent = `${w.balance} coin${w.balance === 1 ? "" : "s"}`;
    $("wallet-pending").textContent = out > 0 ? `${out} waiting to be mined` : "";
    const list = $("mempool");
    list.replaceChildren(
      ...pending.map((tx) =>
        el(
          "li",
          { class: tx.sender === me ? "tx mine" : "tx", "data-id": tx.id },
          el("code", {}, tx.id.slice(0, 10)),
          ` ${tx.author}: `,
          tx.amount > 0 ? `${tx.amount} → ${tx.recipient.slice(0, 8)}` : "post",
          tx.fee > 0 ? ` (fee ${tx.fee})` : "",
          tx.memo ? ` “${tx.memo}”` : "",
        ),
      ),
    );
    $("mempool-count").textContent = String(pending.length);
  } catch (err) {
    $("wallet-message").textContent = `Could not read the wallet: ${err.message}`;
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      refresh();
    }
  }
}

function say(text, ok) {
  const m = $("wallet-message");
  m.textContent = text;
  m.className = ok ? "wallet-message ok" : "wallet-message bad";
}

function init() {
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
    refresh();
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
    refresh();
  };
  for (const b of document.querySelectorAll("#wallet button")) b.disabled = false;
  refresh();
}

window.addEventListener("chainplay:ready", init);
window.addEventListener("chainplay:event", (e) => {
  const k = e.detail?.kind;
  if (k === "tip" || k === "reorg" || k === "mined" || k === "tx") refresh();
});
