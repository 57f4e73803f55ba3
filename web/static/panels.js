// The simple panels of the room page: the posts feed, the mempool, the
// peers and the event log. Each draws a list from the snapshot
// (chain/node/view) and is rebuilt only when what it shows changed.
import { $, el, changed } from "./dom.js";
import { t, explain, txLine } from "./catalog.js";

// initPosts: the feed, newest first (Snapshot.posts).
export function initPosts() {
  const fresh = changed();
  return {
    render(s, x) {
      if (!fresh(JSON.stringify(s.posts.map((p) => [p.id, p.confirmations, p.pending])) + x.locale)) return;
      $("posts").replaceChildren(
        ...(s.posts.length ? s.posts : [null]).map((p) =>
          p
            ? el("li", { class: `post${p.mine ? " mine" : ""}${p.pending ? " pending" : ""}`, "data-id": p.id },
                el("p", { class: "post-head" }, el("strong", { class: "post-author" }, p.author), " ",
                  el("span", { class: "hint" }, x.addr(p.from)), " · ", el("time", { datetime: new Date(p.time).toISOString() }, x.clock(p.time))),
                el("p", { class: "post-content" }, p.content),
                el("p", { class: "post-where hint" }, p.pending ? t("posts.pending") : t("posts.inBlock", { height: p.height, n: p.confirmations })))
            : el("li", { class: "empty" }, t("posts.empty")),
        ),
      );
    },
  };
}

// initMempool: what waits for a block, the best fee first.
export function initMempool() {
  const fresh = changed();
  return {
    render(s, x) {
      $("mempool-count").textContent = x.n(s.mempool_count);
      if (!fresh(s.mempool.map((tx) => tx.id).join() + x.locale)) return;
      $("mempool").replaceChildren(
        ...(s.mempool.length ? s.mempool : [null]).map((tx) =>
          tx
            ? el("li", { class: tx.mine ? "tx mine" : "tx", "data-id": tx.id }, txLine({ ...tx, kind: tx.amount > 0 ? "transfer" : "post" }, x))
            : el("li", { class: "empty" }, t("mempool.empty")),
        ),
      );
    },
  };
}

// ago says how long ago s seconds were: "just now", "15 s ago", "3 min ago".
const ago = (s) => (s < 5 ? t("ago.now") : s < 90 ? t("ago.s", { s }) : t("ago.min", { min: Math.round(s / 60) }));

// initPeers: the room's peers with their tip and when last heard from.
export function initPeers() {
  const fresh = changed();
  return {
    render(s, x) {
      const seen = (p) => Math.max(0, Math.round((s.now - p.last_seen) / 5000) * 5); // to 5 s, so the list changes rarely
      if (!fresh(JSON.stringify(s.peers.map((p) => [p.id, p.name, p.height, p.banned, seen(p)])) + x.locale)) return;
      $("peers").replaceChildren(
        ...s.peers.map((p) =>
          el("li", { class: `peer${p.banned ? " banned" : ""}`, "data-peer": p.id },
            el("strong", {}, p.name || p.id), " ", el("span", { class: "hint" }, `(${p.id})`), " · ",
            t("peers.at", { height: p.height }), " · ", el("span", { class: "hint" }, t("peers.seen", { ago: ago(seen(p)) })),
            p.banned ? el("span", { class: "bad" }, " · ", t("peers.banned")) : ""),
        ),
      );
    },
  };
}

// initLog: the explained event log. New entries go on top; an entry whose
// id is shown already is replaced (a sync's line updates in place). Each
// entry's event is also dispatched as a chainplay:event for the other
// modules (admin.js follows resets).
export function initLog() {
  const list = $("events");
  const shown = new Map(); // entry id → its event, for relabel
  return {
    render(s, x) {
      for (const e of s.log) {
        const ev = e.event;
        const li = el("li", { class: `ev ev-${ev.kind}`, "data-code": ev.code || "", "data-id": String(e.id) }, explain(ev, x.lang));
        const old = list.querySelector(`li[data-id="${e.id}"]`);
        if (old) old.replaceWith(li);
        else list.prepend(li);
        shown.set(String(e.id), ev);
        window.dispatchEvent(new CustomEvent("chainplay:event", { detail: ev }));
      }
      while (list.children.length > 200) {
        shown.delete(list.lastChild.dataset.id);
        list.lastChild.remove();
      }
    },
    // relabel says every entry again in x's language.
    relabel(x) {
      for (const li of list.children) {
        const ev = shown.get(li.dataset.id);
        if (ev) li.textContent = explain(ev, x.lang);
      }
    },
  };
}
