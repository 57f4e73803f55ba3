// The board's comparison of the four ways to agree (web/stake.templ's
// engines panel): proof of work, PBFT, proof of stake and delegated proof
// of stake side by side, each column the class's own room of that engine
// as the server measured it (chain/node/view's EngineFigures, the board's
// "engines"): how fast blocks come, how long until one is final, what a
// block costs in hashes, and whether each participant's share of the
// blocks follows its share of the power (hash rate, stake, votes). It
// listens for the boards board.js announces ("chainplay:board").
import { $, el } from "./dom.js";
import { formatter, t, lang, onLang } from "./catalog.js";

const ENGINES = ["", "pbft", "pos", "dpos"];
const pct = (v) => `${Math.round((v || 0) * 100)} %`;
let last = null;

// cells returns one row's cell per engine: what(f, x) for a measured
// room, "–" for an engine no room runs.
function row(key, figures, x, what) {
  return el("tr", {}, el("th", {}, t(key)),
    ...ENGINES.map((e) => {
      const f = figures.get(e);
      return el("td", {}, f ? what(f, x) : "–");
    }));
}

function render() {
  if (!last) return;
  const x = { ...formatter(lang()), lang: lang() };
  const figures = new Map((last.engines || []).map((f) => [f.engine, f]));
  const rows = [
    row("engines.room", figures, x, (f) => t("engines.roomIs", { room: f.room, n: f.participants })),
    row("engines.rate", figures, x, (f) => (f.blocks ? t("engines.perMin", { n: Math.round(f.blocks_per_min * 10) / 10, ms: f.block_ms }) : t("engines.none"))),
    row("engines.finality", figures, x, (f) =>
      !f.blocks ? t("engines.none") : f.engine === "pbft" ? t("engines.final.pbft", { ms: f.finality_ms }) : t("engines.final.blocks", { n: f.final_blocks, ms: f.finality_ms })),
    row("engines.hashes", figures, x, (f) => t("engines.hashesAre", { n: Math.round(f.hashes_per_block) })),
    row("engines.fair", figures, x, (f) => {
      if (f.gap < 0) return t(f.power === "seat" ? "engines.fair.seat" : "engines.fair.unknown");
      const top = f.top.map((s) => t("engines.share", { name: s.name, power: pct(s.power), blocks: pct(s.blocks) }));
      return el("span", {}, t(`engines.fair.${f.power}`, { gap: Math.round(f.gap * 100) }), ...top.flatMap((s) => [el("br"), el("span", { class: "hint" }, s)]));
    }),
  ];
  $("engines-rows").replaceChildren(...rows);
}

window.addEventListener("chainplay:board", (e) => {
  last = e.detail;
  render();
});
onLang(render);
