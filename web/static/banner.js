// The teacher's controls in words: the students' banner on the room page
// and the board's. The node obeys only controls signed by the room's key
// (chain/node/control.go); this only says what holds. Plain ES module.
import { $ } from "./dom.js";
import { t } from "./catalog.js";

// bannerLines returns the sentences for a control state (node.ControlState
// as JSON); view is the room page's ControlView ({duty, group}) or null
// on the board; names maps peer ids to nicknames.
export function bannerLines(state, view, names = {}) {
  const st = state || {};
  const out = [];
  if (st.paused) out.push(t("banner.paused"));
  if (!st.paused && st.throttle > 0 && st.throttle < 100) out.push(t("banner.throttle", { pct: st.throttle }));
  if (st.share) out.push(t("banner.share", { name: names[st.share.peer] || st.share.peer, pct: st.share.pct }));
  if (view && !st.paused && view.duty < 1 && (st.share || st.throttle)) out.push(t("banner.duty", { pct: Math.round(view.duty * 100) }));
  if (st.groups) out.push(view ? t("banner.split", { group: view.group || 1 }) : t("banner.splitBoard"));
  if (st.latency_ms > 0) out.push(t("banner.latency", { ms: st.latency_ms }));
  if (st.lesson) out.push(t("banner.lesson", { name: t(`lesson.${st.lesson}.name`) }));
  return out;
}

// initBanner wires the room page's banner: render(snapshot) shows the
// controls the tab's node obeys, hidden when there are none.
export function initBanner() {
  const box = $("control-banner");
  let last = "";
  return {
    render(s) {
      if (!box) return;
      const c = s.control || {};
      const names = Object.fromEntries((s.peers || []).map((p) => [p.id, p.name]));
      const lines = c.seq ? bannerLines(c.state, c, names) : [];
      const text = lines.length ? `${t("banner.title")}: ${lines.join(" ")}` : "";
      if (text === last) return;
      last = text;
      box.textContent = text;
      box.hidden = text === "";
    },
  };
}
