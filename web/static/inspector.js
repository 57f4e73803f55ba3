// The block inspector: a block's 100 header bytes, coloured field by
// field, with what each field holds; a Verify button that hashes those
// bytes right here (WebCrypto's SHA-256) and compares the result with the
// block's hash and its target; the merkle tree of its transaction ids; its
// transactions. The node computes all of it (Snapshot.inspect: package
// chain/node/view's BlockDetail); only the verification's one hash is the
// page's, so a student sees it happen.
import { $, el, hashEl, changed, say } from "./dom.js";
import { t, txLine } from "./catalog.js";

// hexBytes turns hex into bytes.
function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const toHex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

// fieldValue formats a header field's value.
function fieldValue(f, d, x) {
  switch (f.name) {
    case "time":
      return t("inspector.time", { ms: Number(f.value) });
    case "difficulty":
      return t("card.diff", { difficulty: Number(f.value), bits: d.diff_bits });
    case "prev_hash":
    case "merkle_root":
      return hashEl(f.value);
    default:
      return x.n(f.value);
  }
}

// bytesView draws the header's bytes, one cell per byte, each field a colour.
export function bytesView(d) {
  const cells = [];
  d.fields.forEach((f, i) => {
    const group = el("span", { class: `field-bytes f${i}`, title: t(`field.${f.name}`) });
    for (let j = 0; j < f.size; j++) group.append(el("span", { class: "byte" }, f.hex.slice(2 * j, 2 * j + 2)));
    cells.push(group);
  });
  return cells;
}

// fieldRows is the legend of the bytes.
export function fieldRows(d, x) {
  return d.fields.map((f, i) =>
    el("tr", {},
      el("th", { scope: "row" }, el("span", { class: `swatch f${i}`, "aria-hidden": "true" }), t(`field.${f.name}`)),
      el("td", {}, t("inspector.range", { from: f.offset, to: f.offset + f.size - 1 })),
      el("td", {}, fieldValue(f, d, x))),
  );
}

// merkleView draws the tree, root on top.
export function merkleView(d) {
  const levels = [...d.merkle].reverse();
  return levels.map((l, i) => {
    const depth = levels.length - 1 - i;
    const label = i === 0 ? t("inspector.root") : depth === 0 ? t("inspector.leaves") : t("inspector.level", { n: depth });
    const row = el("div", { class: `merkle-level${i === 0 ? " root" : ""}` }, el("span", { class: "merkle-label" }, label));
    const hashes = el("div", { class: "merkle-hashes" });
    l.hashes.forEach((h, j) => hashes.append(el("span", { class: "merkle-node", title: h }, hashEl(h, 0, 10))));
    if (l.dup) hashes.append(el("span", { class: "merkle-node dup", title: t("inspector.dup") }, hashEl(l.hashes[l.hashes.length - 1], 0, 10), " ", t("inspector.dupShort")));
    row.append(hashes);
    return row;
  });
}

// verify hashes the header bytes with WebCrypto and says whether they give
// the block's hash and meet its target.
export async function verify(d, out) {
  if (!globalThis.crypto?.subtle) {
    say(out, () => t("inspector.noCrypto"), false);
    return;
  }
  const digest = toHex(await crypto.subtle.digest("SHA-256", hexBytes(d.header_hex)));
  const same = digest === d.hash;
  const below = digest <= d.target; // equal-length lowercase hex compares as numbers
  out.replaceChildren(
    el("span", {}, t("inspector.computed")), " ", hashEl(digest), el("br"),
    el("span", { class: same ? "ok" : "bad" }, same ? t("inspector.same") : t("inspector.differs")), " ",
    el("span", { class: below ? "ok" : "bad" }, below ? t("inspector.below", { bits: d.diff_bits }) : t("inspector.above")),
  );
  out.dataset.digest = digest;
  out.classList.toggle("bad", !same || !below);
  out.classList.toggle("ok", same && below);
}

// initInspector wires the panel: node for inspect/tamper messages,
// onClose when it closes. Returns {open(hash), render(snapshot, x)}.
export function initInspector(node, onClose) {
  const panel = $("inspector");
  const fresh = changed();
  let current = null;
  $("inspector-close").onclick = () => {
    node.inspect("");
    panel.hidden = true;
    current = null;
    onClose();
  };
  $("inspector-verify").onclick = () => current && verify(current, $("inspector-verify-result"));
  $("inspector-tamper").onclick = () => {
    if (!current) return;
    node.tamper({ op: "start", height: current.height });
    $("tamper").hidden = false;
    $("tamper").scrollIntoView({ block: "start" });
  };

  function render(s, x) {
    const d = s.inspect;
    if (!d) return;
    const key = `${d.hash}|${d.main}|${d.confirmations}|${d.found}|${x.locale}`;
    if (!fresh(key)) return;
    const newBlock = !current || current.hash !== d.hash;
    current = d.found ? d : null;
    panel.hidden = false;
    $("inspector-title").textContent = d.found ? t("inspector.title", { height: d.height }) : t("inspector.notHere");
    if (newBlock) say($("inspector-verify-result"), "");
    if (!d.found) {
      $("inspector-where").textContent = t("inspector.missing", { hash: d.hash });
      for (const id of ["inspector-bytes", "inspector-fields", "inspector-merkle", "inspector-txs"]) $(id).replaceChildren();
      $("inspector-tamper").hidden = true;
      return;
    }
    $("inspector-where").textContent = d.main ? t("inspector.main", { n: d.confirmations }) : t("inspector.side");
    $("inspector-bytes").replaceChildren(...bytesView(d));
    $("inspector-fields").replaceChildren(...fieldRows(d, x));
    $("inspector-merkle").replaceChildren(...merkleView(d));
    $("inspector-txs").replaceChildren(...d.txs.map((tx) => el("li", { class: `tx ${tx.kind}` }, txLine(tx, x, true))));
    $("inspector-tamper").hidden = !(d.main && d.height > 0);
  }
  return {
    render,
    open(hash) {
      node.inspect(hash);
      panel.hidden = false;
    },
  };
}
