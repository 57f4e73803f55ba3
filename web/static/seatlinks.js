// The teacher's seat links and fault switches, shared by the board of a
// PBFT room (pbft-board.js: replica seats) and of a PoS or DPoS room
// (stake-board.js: genesis validators). A link carries its key in the
// fragment (/r/ROOM#seat=KEY), which browsers never send to a server; its
// QR code comes from POST /r/ROOM/link, so the key stays out of every URL
// the server logs. A fault switch is a teacher control ({"op": "fault",
// "seat": i, "fault": f}): the server signs it, and a seat or validator
// obeys only signed controls.
import { el, say } from "./dom.js";
import { t } from "./catalog.js";

// seatKeys returns the keys POST /api/rooms answered once for room, which
// lobby.js kept in this browser (chainplay-seats-ROOM); [] without them.
export function seatKeys(room) {
  try {
    return JSON.parse(localStorage.getItem(`chainplay-seats-${room}`) || "[]");
  } catch {
    return [];
  }
}

// postFault asks for seat's fault f ("" for honest) with the teacher's
// token and says in status how it went: done() words on success.
export async function postFault(room, token, seat, f, status, done) {
  try {
    const resp = await fetch(`/api/rooms/${room}/control`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ op: "fault", seat, fault: f }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || `${resp.status}`);
    say(status, done(), true);
  } catch (err) {
    say(status, t("control.failed", { op: "fault", why: err.message }), false);
  }
}

// linkDetails is a "show the link" disclosure for key: opened, it fetches
// the link and its QR code (alt: the image's words; testid: the link's).
export function linkDetails(room, key, alt, testid) {
  const box = el("div", { class: "seat-link" });
  const det = el("details", {}, el("summary", {}, t("pbft.seats.show")), box);
  det.addEventListener("toggle", async () => {
    if (!det.open || box.dataset.done) return;
    box.dataset.done = "1";
    const resp = await fetch(`/r/${room}/link`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ fragment: `seat=${key}` }) });
    if (!resp.ok) return;
    const { url, svg } = await resp.json();
    const img = el("img", { class: "qr", width: 180, height: 180, alt, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
    const a = el("a", { href: url, class: "seat-url", "data-testid": testid }, url);
    const copy = el("button", { type: "button", class: "small secondary" }, t("common.copy"));
    copy.onclick = () => navigator.clipboard?.writeText(url);
    box.replaceChildren(img, el("p", {}, a, " ", copy));
  });
  return det;
}
