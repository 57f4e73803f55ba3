// The chain panel: the best chain's newest blocks as cards, oldest on the
// left, each linked to its parent by an arrow; the stale blocks of a
// height sit under its card. A card shows what the header holds (height,
// time, hash with its leading zeros marked, previous hash, nonce,
// difficulty as "≈ N zero bits") and who mined it, and opens the block
// inspector. Everything comes from the snapshot (chain/node/view).
import { $, el, hashEl, changed, follower } from "./dom.js";
import { t, txLine } from "./catalog.js";

// NO_WORK: the room's engine has no proof of work (PBFT, PoS, DPoS: its
// genesis params name it), so cards show no nonce or difficulty and say
// who signed a block rather than who mined it.
const NO_WORK = (() => {
  try {
    return Boolean(JSON.parse(document.getElementById("room").dataset.config).params.engine);
  } catch {
    return false;
  }
})();

// card is one block card; forged cards (tamper mode) reuse it.
export function card(b, x, opts = {}) {
  const by = NO_WORK && b.height > 0 ? (b.mine ? "card.signedBy.me" : "card.signedBy") : b.height === 0 ? "card.minedBy.genesis" : b.mine ? "card.minedBy.me" : "card.minedBy";
  const main = opts.stale
    ? b.invalid ? t("card.invalid", { invalid: b.invalid }) : t("card.stale")
    : t(by, { name: b.miner_name || x.addr(b.miner) });
  const rows = [
    el("span", { class: "card-top" }, el("span", { class: "card-height" }, `#${x.n(b.height)}`), " ",
      b.time ? el("time", { class: "card-time", datetime: new Date(b.time).toISOString() }, x.clock(b.time)) : ""),
    el("span", { class: "card-row" }, el("span", { class: "k" }, t("card.hash")), " ", hashEl(b.hash, b.zero_hex, 20)),
    el("span", { class: "card-row" }, el("span", { class: "k" }, t("card.prev")), " ", hashEl(b.prev, undefined, 20)),
  ];
  if (!opts.stale) {
    if (!NO_WORK) {
      rows.push(
        el("span", { class: "card-row" }, el("span", { class: "k" }, t("card.nonce")), " ", x.n(b.nonce)),
        el("span", { class: "card-row" }, el("span", { class: "k" }, t("card.difficulty")), " ",
          t("card.diff", { difficulty: b.difficulty, bits: b.diff_bits })));
    }
    rows.push(
      el("span", { class: "card-row card-miner" }, main),
      el("span", { class: "card-row" }, t("card.txs", { n: b.txs })),
      ...(b.tx_lines || []).map((tx) => el("span", { class: "card-tx" }, txLine(tx, x))),
    );
    if (b.txs - 1 > (b.tx_lines || []).length) rows.push(el("span", { class: "card-tx more" }, t("card.more", { n: b.txs - 1 - b.tx_lines.length })));
  } else {
    rows.push(el("span", { class: "card-row card-miner" }, main));
  }
  return rows;
}

// SYNC_CARDS_MS is how often the cards are rebuilt while the tab syncs.
const SYNC_CARDS_MS = 400;

// initChain wires the panel; onPick(hash) opens the inspector. It
// returns {render(snapshot, x), renderCards(snapshot, x), select(hash)}.
export function initChain(onPick) {
  const list = $("blocks");
  const strip = $("blocks-strip");
  const fresh = changed();
  let selected = "";
  let drawn = -1e9; // when the cards were last rebuilt (performance.now())
  const toNewest = follower(strip); // keep the newest card in view until the reader scrolls back
  list.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-hash]");
    if (b) onPick(b.dataset.hash);
  });
  // Arrow keys move between cards.
  list.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const all = [...list.querySelectorAll("button[data-hash]")];
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const next = all[i + (e.key === "ArrowRight" ? 1 : -1)];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });

  function mark() {
    for (const b of list.querySelectorAll("button[data-hash]")) b.setAttribute("aria-pressed", String(b.dataset.hash === selected));
  }

  // render shows the tip; renderCards the cards (the heavy part: app.js
  // runs it in a task of its own).
  function render(s, x) {
    $("tip-height").textContent = String(s.tip.height);
    $("tip-hash").replaceChildren(...hashEl(s.tip.hash, undefined).childNodes);
    $("tip-hash").title = s.tip.hash;
    $("tip-difficulty").textContent = t("tip.difficulty", { difficulty: s.tip.difficulty, bits: s.tip.zero_bits });
  }

  function renderCards(s, x) {
    // While the tab syncs, the cards follow the tip a few times a second,
    // not every frame: each render is thirty cards of new hashes to lay out.
    if (s.sync && s.sync.active && performance.now() - drawn < SYNC_CARDS_MS) return;
    const key = s.blocks.map((b) => b.hash + b.miner_name + (b.tx_lines || []).map((l) => l.to_name).join()).join() +
      "|" + s.stale.map((b) => b.hash).join() + "|" + x.locale;
    if (!fresh(key)) return;
    drawn = performance.now();
    const staleAt = new Map();
    for (const st of s.stale) {
      if (!staleAt.has(st.height)) staleAt.set(st.height, []);
      staleAt.get(st.height).push(st);
    }
    const blocks = [...s.blocks].reverse(); // oldest first
    const items = [];
    blocks.forEach((b, i) => {
      const linked = i > 0 && blocks[i - 1].hash === b.prev;
      const li = el("li", { class: `block${linked ? " linked" : ""}${b.mine ? " mine" : ""}`, "data-height": b.height, "data-hash": b.hash });
      li.style.gridColumn = String(i + 1);
      li.append(el("button", { type: "button", class: "card", "data-hash": b.hash, "aria-label": t("card.open", { height: b.height }) },
        el("span", { class: "card-body" }, ...card(b, x))));
      items.push(li);
      (staleAt.get(b.height) || []).forEach((st, j) => {
        const sl = el("li", { class: `block stale${st.invalid ? " invalid" : ""}`, "data-height": st.height, "data-hash": st.hash });
        sl.style.gridColumn = String(i + 1);
        sl.style.gridRow = String(j + 2);
        sl.append(el("button", { type: "button", class: "card", "data-hash": st.hash, "aria-label": t("card.open", { height: st.height }) },
          el("span", { class: "card-body" }, ...card(st, x, { stale: true }))));
        items.push(sl);
      });
    });
    list.replaceChildren(...items);
    mark();
    toNewest();
  }
  return {
    render,
    renderCards,
    select(hash) {
      selected = hash;
      mark();
    },
  };
}
