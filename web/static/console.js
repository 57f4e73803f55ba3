// The API console: any request to the tab's REST API (the tutorials'
// endpoints, served by the node in this tab's Worker), with the
// tutorials' requests one click away. The answer's JSON is shown indented.
import { $, el, setText } from "./dom.js";
import { t, rule } from "./catalog.js";

// presets are the tutorials' requests; body(s) fills in the snapshot's
// figures (a peer to pay, this tab's nickname).
const presets = [
  { id: "chain", method: "GET", path: "/chain" },
  {
    id: "transfer", method: "POST", path: "/transactions/new",
    body: (s) => ({ sender: s.wallet.address, recipient: (s.wallet.contacts[0] || {}).address || "0".repeat(40), amount: 1 }),
  },
  { id: "post", method: "POST", path: "/new_transaction", body: (s) => ({ author: s.wallet.name, content: "Hello from the API" }) },
  { id: "mine", method: "GET", path: "/mine" },
  { id: "pending", method: "GET", path: "/pending_tx" },
  { id: "resolve", method: "GET", path: "/nodes/resolve" },
];

// pretty indents JSON text; other text is returned as it is.
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// parsed is text's JSON, or null.
function parsed(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

// initConsole wires the console to node; snapshot() returns the last
// snapshot (for the presets' bodies).
export function initConsole(node, snapshot) {
  const box = $("api-presets");
  box.replaceChildren(
    ...presets.map((p) =>
      el("button", { type: "button", class: "small secondary", "data-preset": p.id, "data-testid": `api-preset-${p.id}`, title: t(`console.preset.${p.id}`), "data-msg-title": `console.preset.${p.id}` },
        `${p.method} ${p.path}`),
    ),
  );
  box.onclick = (e) => {
    const b = e.target.closest("button[data-preset]");
    if (!b) return;
    const p = presets.find((x) => x.id === b.dataset.preset);
    $("api-method").value = p.method;
    $("api-path").value = p.path;
    $("api-body").value = p.body ? JSON.stringify(p.body(snapshot()), null, 2) : "";
    $("api-send").focus();
  };
  $("api-send").disabled = false;
  $("api-form").onsubmit = async (e) => {
    e.preventDefault();
    const method = $("api-method").value;
    const raw = $("api-body").value.trim();
    const out = $("api-output");
    const explained = $("api-explain");
    out.textContent = "…";
    setText(explained, "");
    try {
      const resp = await node.request(method, $("api-path").value, method !== "GET" && raw !== "" ? raw : undefined);
      out.textContent = `${resp.status} ${resp.statusText}\n${pretty(resp.text)}`;
      // The API's errors are English, with the stable rule code: the
      // page says the rule in the reader's language.
      const body = parsed(resp.text);
      if (body && typeof body.rule === "string") {
        const what = /block/.test($("api-path").value) ? "block" : "transaction";
        setText(explained, () => t("console.explained", { why: rule({ code: body.rule, have: body.have, want: body.want, what }) }));
      }
    } catch (err) {
      setText(out, () => t("console.failed", { why: err.message }));
    }
  };
}
