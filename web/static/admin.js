// Chainplay room page, two small jobs beside app.js (plain JS, no build step):
//
// 1. Every tab: follow resets. When the teacher resets the room or starts a
//    new genesis, the server bumps the room's epoch and kicks every peer; a
//    tab loaded before that is refused by the relay (its ?epoch= is old), so
//    its chain can't come back. The tab's node reads the room's epoch before
//    each redial (node.StayJoined) and, when it moved on, reports a
//    "connection" event with code "room-reset" and stops: this script then
//    reloads the page, and the tab restarts its chain from the room's (new)
//    genesis.
// 2. The teacher's tab (it holds localStorage chainplay-teacher-ROOM, saved by
//    lobby.js when it created the room): show the admin panel — reset the
//    chain, new genesis with new parameters, kick a peer. Requests carry
//    "Authorization: Bearer TOKEN".
import { t } from "./catalog.js";
import { setText } from "./dom.js";

const $ = (id) => document.getElementById(id);
const config = JSON.parse($("room").dataset.config);
const room = config.room;
const api = `/api/rooms/${room}`;

async function roomInfo() {
  const resp = await fetch(api, { cache: "no-store" });
  if (!resp.ok) throw new Error(`${resp.status} ${resp.statusText}`);
  return resp.json();
}

// --- 1. follow resets -------------------------------------------------------

// app.js dispatches every node event as a chainplay:event (detail: the
// event's JSON, see chain/node/event.go).
window.addEventListener("chainplay:event", (e) => {
  const ev = e.detail;
  if (ev.kind === "connection" && ev.code === "room-reset") {
    setText($("status"), () => t("status.reset"));
    setTimeout(() => location.reload(), 300);
  }
});

// --- 2. the teacher's admin panel ---------------------------------------------

const token = localStorage.getItem(`chainplay-teacher-${room}`);
const panel = $("admin");

function say(text, bad = false) {
  const out = $("admin-status");
  setText(out, text);
  out.classList.toggle("error", bad);
}

async function adminPost(action, body) {
  const resp = await fetch(`${api}/${action}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body || {}),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || `${resp.status} ${resp.statusText}`);
  return data;
}

function renderPeers(info) {
  const list = $("admin-peers");
  list.replaceChildren(
    ...info.peers.map((p) => {
      const li = document.createElement("li");
      li.append(`${p.name} (${p.id}) `);
      if (p.archive) {
        li.append(t("admin.archivePeer"));
      } else {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = t("admin.kick");
        b.dataset.peer = p.id;
        b.className = "small secondary";
        b.onclick = async () => {
          try {
            await adminPost("kick", { peer: p.id });
            say(() => t("admin.kicked", p));
          } catch (err) {
            say(() => t("admin.kickFailed", { id: p.id, why: err.message }), true);
          }
          refresh();
        };
        li.append(b);
      }
      return li;
    }),
  );
  $("admin-archive").textContent = info.archive.running ? t("admin.archiveAt", info.archive) : t("admin.archiveOff");
}

async function refresh() {
  try {
    renderPeers(await roomInfo());
  } catch (err) {
    say(() => t("admin.loadFailed", { why: err.message }), true);
  }
}

const paramFields = ["difficulty", "block_time_ms", "retarget_interval", "subsidy", "halving_interval", "max_block_txs"];

if (token && panel) {
  panel.hidden = false;
  const form = $("admin-genesis");
  for (const key of paramFields) form.elements[key].value = config.params[key];

  $("admin-reset").onclick = async () => {
    if (!confirm(t("admin.confirmReset"))) return;
    try {
      await adminPost("reset");
      say(() => t("admin.resetDone"));
    } catch (err) {
      say(() => t("admin.resetFailed", { why: err.message }), true);
    }
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = {};
    for (const key of paramFields) {
      const v = form.elements[key].value.trim();
      if (v !== "") body[key] = Number(v);
    }
    if (!confirm(t("admin.confirmGenesis"))) return;
    try {
      await adminPost("genesis", body);
      say(() => t("admin.genesisDone"));
    } catch (err) {
      say(() => t("admin.genesisFailed", { why: err.message }), true);
    }
  };
  $("admin-refresh").onclick = refresh;
  refresh();
  setInterval(refresh, 5000);
}
