// The identity panel: this tab's nickname and wallet. Each tab is its own
// peer: boot.js starts the node with the seed this tab keeps in
// sessionStorage (chainplay-tab-ROOM = {seed, name, since}); a new tab has
// none and gets a new wallet, which is kept there once the node runs.
//
// - A duplicated tab copies sessionStorage, so two live tabs would share
//   a key (and their transactions would collide on seq). Every tab says
//   which address it holds on a BroadcastChannel; of two tabs with the
//   same address, the one whose key is older in its tab ("since") gives
//   it up, and a duplicate (same since) that started later does: it
//   reloads with a wallet of its own.
// - "Save in this browser" keeps the wallet in localStorage
//   (chainplay-wallets: [{address, name, seed, room, saved}]); "Use my
//   saved wallet" takes one into this tab (the tab that had it gives it
//   up, by the rule above: the newer choice wins).
// - Export writes the wallet as a JSON file; import reads one.
// Changing the wallet or the nickname reloads the tab: the node starts
// again with it and resumes its chain from IndexedDB.
import { $, el, say, download } from "./dom.js";
import { t, formatter, lang } from "./catalog.js";

const SAVED = "chainplay-wallets";
const FORMAT = "chainplay-wallet";

function readJSON(store, key, fallback) {
  try {
    return JSON.parse(store.getItem(key) || "null") ?? fallback;
  } catch {
    return fallback;
  }
}

function writeJSON(store, key, value) {
  try {
    store.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false; // private mode or full: the choice lasts for this page only
  }
}

// validSeed: 64 hex digits (an ed25519 seed).
const validSeed = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);

// badgeColor picks a colour from an address, the same in every tab.
function badgeColor(address) {
  const hue = parseInt((address || "0").slice(0, 4), 16) % 360;
  return `hsl(${hue} 55% 27%)`; // dark enough for white text (AA) at every hue
}

// initIdentity wires the panel; me is the node's {address, seed}. It
// returns {render(snapshot)}.
export function initIdentity(node, me, room) {
  const boot = globalThis.__chainplayBoot;
  const key = boot.identityKey;
  const old = boot.identity || {};
  const started = performance.timeOrigin;
  const since = old.seed === me.seed && old.since ? old.since : Date.now();
  const tabID = crypto.randomUUID ? crypto.randomUUID() : String(Math.random());
  const mine = { seed: me.seed, name: old.name || "", since };
  writeJSON(sessionStorage, key, mine);
  const message = $("identity-message");

  if (old.expect && old.expect !== me.address) say(message, () => t("identity.mismatch", { address: me.address }), false);
  else if (old.notice) say(message, () => t(`identity.notice.${old.notice}`), true);

  // reloadWith restarts the tab with another identity.
  function reloadWith(id) {
    if (!writeJSON(sessionStorage, key, id)) {
      say(message, () => t("identity.storageFull"), false);
      return;
    }
    location.reload();
  }

  // --- two live tabs with one key ---------------------------------------
  let channel = null;
  if (typeof BroadcastChannel === "function") {
    channel = new BroadcastChannel(`chainplay-identity-${room}`);
    const self = () => ({ address: me.address, since, started, tab: tabID });
    const yields = (other) => {
      if (other.since !== since) return since < other.since; // the newer choice keeps the key
      if (other.started !== started) return started > other.started; // a duplicate: the later tab yields
      return tabID > other.tab;
    };
    channel.onmessage = (e) => {
      const m = e.data;
      if (!m || m.address !== me.address || m.tab === tabID) return;
      if (m.type === "claim") channel.postMessage({ type: "taken", ...self() });
      if (yields(m)) {
        channel.close();
        reloadWith({ seed: "", name: "", since: Date.now(), notice: m.type === "claim" && m.since > since ? "moved" : "duplicate" });
      }
    };
    channel.postMessage({ type: "claim", ...self() });
  }

  // --- nickname ---------------------------------------------------------
  const nameInput = $("name-input");
  $("name-form").onsubmit = (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    if (new TextEncoder().encode(name).length > 32) {
      say(message, () => t("identity.nameTooLong"), false);
      return;
    }
    reloadWith({ ...mine, name });
  };

  // --- export, import, saved wallets -----------------------------------
  let nickname = "";
  $("wallet-copy").onclick = () => navigator.clipboard?.writeText(me.address);
  $("wallet-export").onclick = () => {
    const file = { format: FORMAT, version: 1, address: me.address, name: nickname, room, seed: me.seed };
    download(`chainplay-wallet-${(nickname || me.address.slice(0, 8)).replace(/[^A-Za-z0-9_-]+/g, "_")}.json`, JSON.stringify(file, null, 2));
    say(message, () => t("identity.exported"), true);
  };
  $("wallet-import").onchange = async (e) => {
    const f = e.target.files && e.target.files[0];
    e.target.value = "";
    if (!f) return;
    let data;
    try {
      data = JSON.parse(await f.text());
    } catch {
      say(message, () => t("identity.importBad"), false);
      return;
    }
    if (!data || data.format !== FORMAT || !validSeed(data.seed)) {
      say(message, () => t("identity.importBad"), false);
      return;
    }
    reloadWith({ seed: data.seed, name: typeof data.name === "string" ? data.name.slice(0, 32) : "", since: Date.now(),
      expect: typeof data.address === "string" ? data.address : "", notice: "imported" });
  };
  const savedList = () => readJSON(localStorage, SAVED, []).filter((w) => w && validSeed(w.seed));
  function fillSaved() {
    const list = savedList().filter((w) => w.address !== me.address);
    const sel = $("wallet-saved");
    sel.replaceChildren(
      ...(list.length ? list : [null]).map((w) =>
        w ? el("option", { value: w.address }, t("identity.savedEntry", { ...w, label: w.name || formatter(lang()).addr(w.address) })) : el("option", { value: "" }, t("identity.noneSaved")),
      ),
    );
    sel.disabled = list.length === 0;
    $("wallet-use").disabled = list.length === 0;
  }
  $("wallet-save").onclick = () => {
    const list = savedList().filter((w) => w.address !== me.address);
    list.unshift({ address: me.address, name: nickname, seed: me.seed, room, saved: Date.now() });
    const ok = writeJSON(localStorage, SAVED, list.slice(0, 20));
    say(message, () => (ok ? t("identity.saved.ok") : t("identity.storageFull")), true);
    fillSaved();
  };
  $("wallet-use").onclick = () => {
    const w = savedList().find((x) => x.address === $("wallet-saved").value);
    if (!w) return;
    reloadWith({ seed: w.seed, name: w.name || "", since: Date.now(), expect: w.address, notice: "switched" });
  };
  window.addEventListener("storage", (e) => e.key === SAVED && fillSaved());
  fillSaved();
  for (const id of ["name-set", "wallet-copy", "wallet-export", "wallet-import", "wallet-save"]) $(id).disabled = false;

  let shown = "";
  function render(s) {
    const w = s.wallet;
    nickname = w.name;
    const k = `${w.address}|${w.name}`;
    if (k === shown) return;
    shown = k;
    $("wallet-address").textContent = w.address;
    if (document.activeElement !== nameInput) nameInput.value = w.name;
    const badge = $("identity-badge");
    badge.textContent = (w.name || "?").slice(0, 2).toUpperCase();
    badge.style.backgroundColor = badgeColor(w.address);
  }
  return { render };
}
