// The fork tree: every block this tab knows at the heights shown, as an
// SVG drawing laid out by the node (Snapshot.tree, package
// chain/node/view's TreeView): one column per height, one lane per branch
// (the best chain on top), a line from each block to its parent, and each
// peer's tip by nickname. A block opens the inspector.
import { $, svg, changed, follower } from "./dom.js";
import { t } from "./catalog.js";

const CW = 36; // column width
const LH = 34; // lane height
const R = 9; // block radius
const LEFT = 14;
const LABEL = 12; // height of one tip's name
const MAXNAMES = 4; // names shown on one block; more say "+N"

// initTree wires the panel; onPick(hash) opens the inspector.
export function initTree(onPick) {
  const box = $("tree-box");
  const root = $("tree");
  const fresh = changed();
  const toNewest = follower(box);
  const pick = (e) => {
    const g = e.target.closest("[data-hash]");
    if (g) onPick(g.dataset.hash);
  };
  root.addEventListener("click", pick);
  root.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      pick(e);
    }
  });

  let drawn = -1e9; // when the tree was last drawn (performance.now())
  function render(s, x) {
    // While the tab syncs the tree follows a few times a second (chainview.js).
    if (s.sync && s.sync.active && performance.now() - drawn < 400) return;
    const tr = s.tree;
    const key = JSON.stringify([tr.from, tr.nodes.map((n) => [n.hash, n.lane, n.main, n.invalid]), tr.tips.map((p) => [p.name, p.hash]), x.locale]);
    if (!fresh(key)) return;
    drawn = performance.now();
    // Room above the lanes for the most names one block carries.
    const names = new Map();
    for (const tip of tr.tips) if (tip.known) names.set(tip.hash, (names.get(tip.hash) || 0) + 1);
    const TOP = 8 + Math.min(MAXNAMES, Math.max(1, ...names.values())) * LABEL;
    const cols = tr.to - tr.from + 1;
    const width = LEFT * 2 + cols * CW;
    const height = TOP + tr.lanes * LH + 18;
    root.setAttribute("viewBox", `0 0 ${width} ${height}`);
    root.setAttribute("width", String(width));
    root.setAttribute("height", String(height));
    const px = (h) => LEFT + (h - tr.from) * CW + CW / 2;
    const py = (lane) => TOP + lane * LH + LH / 2;
    const at = new Map(tr.nodes.map((n) => [n.hash, n]));
    const lines = svg("g", { class: "links" });
    const dots = svg("g", { class: "dots" });
    for (const n of tr.nodes) {
      const p = at.get(n.parent);
      const x1 = p ? px(p.height) : px(n.height) - CW / 2;
      const y1 = p ? py(p.lane) : py(n.lane);
      lines.append(svg("line", { x1, y1, x2: px(n.height), y2: py(n.lane), class: n.main ? "main" : "side" }));
      const cls = n.invalid ? "invalid" : n.main ? "main" : "stale";
      const g = svg("g", { class: `node ${cls}${n.best ? " best" : ""}`, "data-hash": n.hash, "data-height": n.height,
        tabindex: "0", role: "button", "aria-label": t("tree.node", { height: n.height, hash: n.hash, kind: cls }) },
        svg("title", {}, t("tree.node", { height: n.height, hash: n.hash, kind: cls })),
        svg("circle", { cx: px(n.height), cy: py(n.lane), r: R }));
      if (n.invalid) g.append(svg("path", { d: `M${px(n.height) - 4} ${py(n.lane) - 4}l8 8m0 -8l-8 8`, class: "cross" }));
      dots.append(g);
    }
    // The tips: names above their block, stacked when they share one.
    const tips = svg("g", { class: "tips" });
    const byHash = new Map();
    const elsewhere = [];
    for (const tip of tr.tips) {
      if (!tip.known || !at.has(tip.hash)) {
        if (!tip.self) elsewhere.push(tip);
        continue;
      }
      if (!byHash.has(tip.hash)) byHash.set(tip.hash, []);
      byHash.get(tip.hash).push(tip);
    }
    for (const [hash, all] of byHash) {
      const n = at.get(hash);
      all.sort((a, b) => (b.self ? 1 : 0) - (a.self ? 1 : 0)); // ours first, nearest the block
      const list = all.length > MAXNAMES ? [...all.slice(0, MAXNAMES - 1), { more: all.length - MAXNAMES + 1, peer: "" }] : all;
      list.forEach((tip, i) => {
        const label = tip.more ? t("tree.more", { n: tip.more }) : tip.self ? t("tree.you") : tip.name || tip.peer;
        tips.append(svg("text", { x: px(n.height), y: py(n.lane) - R - 4 - i * LABEL, class: `tip${tip.self ? " self" : ""}`,
          "text-anchor": "middle", "data-peer": tip.peer }, label));
      });
    }
    const axis = svg("g", { class: "axis" });
    for (let h = tr.from; h <= tr.to; h++) {
      if ((h - tr.from) % 5 === 0 || h === tr.to) axis.append(svg("text", { x: px(h), y: height - 4, "text-anchor": "middle" }, `#${x.n(h)}`));
    }
    root.replaceChildren(lines, dots, tips, axis);
    $("tree-elsewhere").textContent = elsewhere.length
      ? t("tree.elsewhere", { tips: elsewhere.map((p) => t("tree.tip", { name: p.name || p.peer, height: p.height })).join(t("list.sep")) })
      : "";
    toNewest();
  }
  return { render };
}
