// Chainplay message catalog: the page's words, in the reader's language.
//
// The words live in one file per language, web/static/i18n-LANG.json
// (i18n-en.json, i18n-zh-CN.json, …): a flat object, key → message in the
// format of msgformat.js ("Block #{height, number}"). The same files are
// read by the server (package web/i18n) for the server-rendered pages, and
// a Go test checks them (every key in every language, no unused key, the
// same placeholders). This module holds no sentence of its own, only the
// logic that picks a key: explain(ev) for a node event (chain/node/event.go)
// from its kind, its code and its numbers (height, hash, have, want, count,
// total, …), never from ev.text, which is English for logs.
//
// Languages: the page's <html data-langs> lists the languages the server
// has ({tag: {name, src}}, src the file's URL). On load this module picks
// the language (the ?lang= query parameter, then a language the page
// fixes with <html data-lang-fixed> — a board with a room-fixed language —,
// then the reader's choice kept in localStorage and a cookie, then the
// browser's languages, then English), fetches its file and English (the
// fallback for a key a language lacks) and only then resolves, so every
// module that imports it can call t() at once. setLang(tag) switches
// without a reload: it loads the file, re-labels every element with a
// data-msg key (localize) and dispatches "chainplay:lang" on window, on
// which the modules redraw what they drew. The pseudo-locale en-XA (every
// English message accented and 40 % longer) is made from English here, for
// the layout tests (?lang=en-XA).
//
// Plain ES module, no build step.
import { parse, format } from "./msgformat.js";

const HASH_CHARS = 12; // as chain.Hash.Short
const ADDR_CHARS = 8; // as chain.Address.Short
const RELATIONS = ["≤", "<", ">", "≥"];

// PSEUDO is the pseudo-locale's tag.
export const PSEUDO = "en-XA";

// COOKIE and STORE name where the reader's choice is kept; the server
// reads the cookie (web/i18n.Cookie).
export const COOKIE = "chainplay-lang";
const STORE = "chainplay-lang";

// shortHash shortens a 64-hex hash (or any long hex id) for a sentence.
export function shortHash(h) {
  if (!h) return "";
  return h.length > HASH_CHARS ? h.slice(0, HASH_CHARS) + "…" : h;
}

// split separates a Want such as "≤ 50" into its relation and value.
function split(s) {
  if (typeof s !== "string" || s === "") return { rel: "", value: "" };
  const sp = s.indexOf(" ");
  if (sp > 0 && RELATIONS.includes(s.slice(0, sp))) return { rel: s.slice(0, sp), value: s.slice(sp + 1) };
  return { rel: "", value: s };
}

// groupDigits puts a comma between every three digits of an integer's
// decimal string: "-1234567" → "-1,234,567".
function groupDigits(d) {
  const neg = d.startsWith("-");
  const digits = neg ? d.slice(1) : d;
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return neg ? "-" + out : out;
}

const formatters = new Map();

// formatter returns the number, hash, address and time formatting of a
// locale, cached.
export function formatter(locale) {
  let f = formatters.get(locale);
  if (f) return f;
  // The Intl objects are made on first use: the first one a page makes
  // loads the engine's locale data, tens of milliseconds on a slow laptop.
  // English and Chinese group digits by three with commas: those numbers
  // are grouped here, without Intl, so the first render needs none.
  const intl = locale === PSEUDO ? "en" : locale;
  let nfObj, secObj, clockObj, dayObj;
  const simple = /^(en|zh)\b/.test(locale);
  const nf = {
    format: (v) => {
      if (simple && (typeof v === "bigint" || Number.isInteger(v))) return groupDigits(String(v));
      return (nfObj ??= new Intl.NumberFormat(intl)).format(v);
    },
  };
  const sec = {
    format: (v) =>
      (secObj ??= new Intl.NumberFormat(intl, { style: "unit", unit: "second", unitDisplay: "narrow", maximumFractionDigits: 1 })).format(v),
  };
  const clock = {
    format: (d) =>
      (clockObj ??= new Intl.DateTimeFormat(intl, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23",
      })).format(d),
  };
  f = {
    locale,
    // n formats a number, or a decimal string of any size; other text is
    // returned as it is.
    n(v) {
      if (typeof v === "number" || typeof v === "bigint") return Number.isNaN(v) ? "" : nf.format(v);
      if (typeof v === "string" && /^-?\d+$/.test(v)) return nf.format(BigInt(v));
      return v ?? "";
    },
    hash: shortHash,
    addr: (a) => (a && a.length > ADDR_CHARS ? a.slice(0, ADDR_CHARS) + "…" : a || ""),
    // time formats unix milliseconds as a date and a time of day.
    time(ms) {
      const t = Number(ms);
      return Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? clock.format(new Date(t)) : f.n(ms);
    },
    secs: (ms) => sec.format(Number(ms) / 1000),
    // clock formats unix milliseconds as a time of day ("14:03:22").
    // English and Chinese write it alike (24-hour, two digits each), so it
    // is done here without Intl: the first DateTimeFormat costs the page's
    // first render ~40 ms.
    clock(ms) {
      const t = Number(ms);
      if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return "";
      const d = new Date(t);
      if (simple) return [d.getHours(), d.getMinutes(), d.getSeconds()].map((v) => String(v).padStart(2, "0")).join(":");
      dayObj ??= new Intl.DateTimeFormat(intl, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
      return dayObj.format(d);
    },
    // value formats a Have or Want value: a hash shortened, a number grouped.
    value(v) {
      if (/^[0-9a-f]{40,}$/.test(v)) return shortHash(v);
      return f.n(v);
    },
  };
  formatters.set(locale, f);
  return f;
}

// --- the catalogs -------------------------------------------------------------

// catalogs holds every loaded language: tag → Map(key → message), each
// message parsed on its first use (entry): parsing a whole catalog at
// load took the page's thread ~30 ms on a slow laptop, for words most
// pages never show.
export const catalogs = {};

// entry returns key's parsed message in table, parsing it on first use;
// undefined when table lacks it.
function entry(table, key) {
  let m = table.get(key);
  if (typeof m === "string") {
    m = parse(m);
    table.set(key, m);
  }
  return m;
}

// check parses every message of language tag now and throws the first
// MessageError (a test's "every message parses").
export function check(tag) {
  const table = catalogs[tag];
  if (!table) throw new Error(`no language ${tag}`);
  for (const k of table.keys()) {
    try {
      entry(table, k);
    } catch (err) {
      throw new Error(`${tag} ${k}: ${err.message}`);
    }
  }
}

let current = "en";

// install adds a language's messages (the parsed i18n-LANG.json); the
// page's loader calls it, and so can a test without a browser.
// install(PSEUDO) needs no messages: it is made from English.
export function install(tag, messages) {
  if (tag === PSEUDO) {
    catalogs[PSEUDO] = pseudoTable(catalogs.en);
    return;
  }
  catalogs[tag] = new Map(Object.entries(messages));
}

// lang is the page's language now.
export function lang() {
  return current;
}

// msg returns key's message in lg, English when lg lacks it, undefined
// when English lacks it too.
function msg(key, lg) {
  return (catalogs[lg] && entry(catalogs[lg], key)) ?? (catalogs.en && entry(catalogs.en, key));
}

// has reports whether key has words.
export function has(key, lg = current) {
  return msg(key, lg) !== undefined;
}

// t returns the page's words for key in lg, with a's values. An unknown
// key returns the key itself, so a missing entry shows.
export function t(key, a = {}, lg = current) {
  const m = msg(key, lg);
  if (m === undefined) return key;
  return format(m, a || {}, formatter(lg));
}

// coins formats an amount of coins: "50 coins".
export function coins(n, x, lg = current) {
  return t("coins", { n }, lg);
}

// --- the pseudo-locale ------------------------------------------------------------

const ACCENTS = {
  a: "á", b: "ƀ", c: "ç", d: "đ", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "í", j: "ĵ", k: "ķ", l: "ľ", m: "ɱ",
  n: "ñ", o: "ö", p: "þ", q: "ǫ", r: "ŕ", s: "š", t: "ţ", u: "ü", v: "ṽ", w: "ŵ", x: "ẋ", y: "ý", z: "ž",
  A: "Á", B: "Ɓ", C: "Ç", D: "Đ", E: "É", F: "Ƒ", G: "Ĝ", H: "Ĥ", I: "Í", J: "Ĵ", K: "Ķ", L: "Ľ", M: "Ṁ",
  N: "Ñ", O: "Ö", P: "Þ", Q: "Ǫ", R: "Ŕ", S: "Š", T: "Ţ", U: "Ü", V: "Ṽ", W: "Ŵ", X: "Ẋ", Y: "Ý", Z: "Ž",
};
const PAD = "ļöñĝéŕ ŵöŕđš ƒöŕ ţĥé ļáýöüţ ţéšţ ";

// A pseudo-locale message is the English one with every letter of its
// text accented, and lengthened by 40 % (of its text, counting a plural's
// or select's "other" branch; rounded up) with words at its end, so the
// padding wraps as words do. web/i18n/pseudo.go makes the same.

const accent = (s) => [...s].map((c) => ACCENTS[c] ?? c).join("");

// textLength counts the characters of a message's text.
function textLength(parts) {
  let n = 0;
  for (const p of parts) {
    if (typeof p === "string") n += [...p].length;
    else if (p.branches) n += textLength(p.branches.other);
  }
  return n;
}

function accentParts(parts) {
  return parts.map((p) => {
    if (typeof p === "string") return accent(p);
    if (!p.branches) return p;
    const branches = {};
    for (const [k, b] of Object.entries(p.branches)) branches[k] = accentParts(b);
    return { ...p, branches };
  });
}

// pseudoParts is a parsed message in the pseudo-locale.
export function pseudoParts(parts) {
  const extra = Math.ceil((textLength(parts) * 4) / 10);
  if (extra === 0) return parts;
  let pad = "";
  while ([...pad].length < extra) pad += PAD;
  return [...accentParts(parts), " " + [...pad].slice(0, extra).join("").trimEnd()];
}

function pseudoTable(en) {
  const table = new Map();
  for (const k of (en || new Map()).keys()) table.set(k, k === "lang.name" ? ["Ƥšéüđö"] : pseudoParts(entry(en, k)));
  return table;
}

// --- events --------------------------------------------------------------------------

// ruleArgs is what a rule's clause gets: the event's numbers, formatted.
function ruleArgs(ev, x) {
  const want = split(ev.want);
  const have = ev.have ? x.value(ev.have) : "";
  const w = want.value ? x.value(want.value) : "";
  return {
    have,
    want: w,
    haveRaw: ev.have || "",
    wantRaw: want.value,
    rel: want.rel,
    code: ev.code || "?",
  };
}

// ruleKey picks the message for a rule: some rules read differently
// with a relation ("must be ≤ 50"), without numbers, or by what they are
// about.
function ruleKey(ev, a) {
  const code = ev.code;
  switch (code) {
    case "bad-genesis":
      return a.have ? "rule.bad-genesis" : "rule.bad-genesis.parentless";
    case "bad-height":
      return a.rel ? "rule.bad-height.range" : "rule.bad-height";
    case "bad-difficulty":
      return a.rel ? "rule.bad-difficulty.range" : "rule.bad-difficulty";
    case "bad-seq":
      if (a.rel) return "rule.bad-seq.range";
      return Number(a.haveRaw) < Number(a.wantRaw) ? "rule.bad-seq.used" : "rule.bad-seq";
    case "duplicate-tx":
      return ev.what === "block" ? "rule.duplicate-tx.block" : a.have ? "rule.duplicate-tx" : "rule.duplicate-tx.pending";
    case "invalid-ancestor":
      return a.have ? "rule.invalid-ancestor" : "rule.invalid-ancestor.unnamed";
    case "bad-certificate":
      return a.want ? "rule.bad-certificate.order" : "rule.bad-certificate";
    case "bad-signature":
      return a.have ? "rule.bad-signature.length" : "rule.bad-signature";
    case "wrong-slot":
      return a.rel ? "rule.wrong-slot" : "rule.wrong-slot.time";
    case "wrong-leader":
      return a.want ? "rule.wrong-leader" : "rule.wrong-leader.none";
    case "time-too-old": {
      a.apart = Number(a.wantRaw) - Number(a.haveRaw);
      return a.apart > 0 ? "rule.time-too-old.apart" : "rule.time-too-old";
    }
    case "time-too-new": {
      a.apart = Number(a.haveRaw) - Number(a.wantRaw);
      return a.apart > 0 ? "rule.time-too-new.apart" : "rule.time-too-new";
    }
  }
  return `rule.${code}`;
}

// rule returns the clause saying what rule ev broke ({code, have, want,
// what}), in lg.
export function rule(ev, x, lg = current) {
  x = formatter(lg);
  const a = ruleArgs(ev, x);
  a.numbers = a.have && a.want ? t("rule.numbers", { have: a.have, want: a.rel ? `${a.rel} ${a.want}` : a.want }, lg)
    : a.have ? t("rule.numbers.have", a, lg) : "";
  const key = ruleKey(ev, a);
  return has(key, lg) && ev.code ? t(key, a, lg) : t("rule.unknown", a, lg);
}

// reason says why a link ended or a frame was refused: the relay's
// codes, then the node's own disconnect and retry reasons.
function reason(r, lg) {
  if (r && has(`reason.${r}`, lg)) return t(`reason.${r}`, {}, lg);
  return r ? t("reason.unknown", { reason: r }, lg) : t("reason.none", {}, lg);
}

// who names a peer: its nickname and id.
function who(ev, lg) {
  if (!ev.peer) return t("who.self", {}, lg);
  return ev.name && ev.name !== ev.peer ? t("who.named", ev, lg) : t("who.peer", ev, lg);
}

// object names what an event is about: "block #12 3f2a…",
// "transaction 9c1e…", "a hello message", …
function object(ev, lg) {
  const what = ev.what || "";
  if (what === "block") return t(ev.hash ? "object.blockHash" : "object.block", { height: ev.height ?? 0, hash: ev.hash }, lg);
  const tx = /^transaction ([0-9a-f]+)$/.exec(what); // older nodes put the id in What
  if (what === "transaction" || tx) {
    const id = ev.hash || (ev.tx && ev.tx.id) || (tx && tx[1]) || "";
    return id ? t("object.tx", { id }, lg) : t("object.txNoId", {}, lg);
  }
  if (what && has(`what.${what}`, lg)) return t(`what.${what}`, {}, lg);
  const m = /^(\S+) message$/.exec(what);
  if (m) return t("object.message", { type: m[1] }, lg);
  return what ? t("object.other", { what }, lg) : t("object.data", {}, lg);
}

// eventArgs are the values an event's message may use.
function eventArgs(ev, lg) {
  return {
    height: ev.height ?? 0, hash: ev.hash || "", count: ev.count ?? 0, total: ev.total ?? 0, back: ev.back ?? 0,
    have: ev.have ?? "", want: ev.want ?? "", peer: ev.peer || "", name: ev.name || "", what: ev.what || "?",
    code: ev.code || "", kind: ev.kind || "", ms: ev.count ?? 0,
    who: who(ev, lg), reason: reason(ev.reason, lg),
  };
}

// explain returns the sentence for ev in lg (English for a language
// without it). An unknown code gets a generic sentence that still shows
// it; only an event of a kind no message knows (or a status line without
// a code) falls back to ev.text.
export function explain(ev, lg = current) {
  const a = eventArgs(ev, lg);
  const code = ev.code || "";
  const key = `event.${ev.kind}${code ? "." + code : ""}`;
  switch (ev.kind) {
    case "rejected":
      return t("event.rejected", { ...a, object: object(ev, lg), rule: rule(ev, null, lg) }, lg);
    case "refused":
      return t(ev.peer ? "event.refused.peer" : "event.refused", { ...a, object: object(ev, lg), rule: rule(ev, null, lg) }, lg);
    case "tip":
      if (code === "extended" && Number(ev.count) > 1) return t("event.tip.extended.many", a, lg);
      break;
    case "tx": {
      if (code !== "") break;
      const tx = ev.tx;
      if (!tx) return t("event.tx", a, lg);
      const args = { ...tx, id: tx.id || ev.hash, sent: Boolean(tx.mine && !ev.peer), fee: tx.fee ?? 0, memo: tx.memo || "" };
      return t(tx.amount ? "event.tx.transfer" : "event.tx.post", args, lg);
    }
    case "connection":
      // A node of a cluster's page redials another process (ev.name: its host).
      if (code === "retrying" && ev.name) return t("event.connection.retrying.elsewhere", a, lg);
      if (code === "retrying" && ev.reason) return t("event.connection.retrying.reason", a, lg);
      break;
    case "control":
      if (code === "scenario" && ev.scenario) return scenarioLine(ev.scenario, lg);
      if (code === "latency" && !ev.peer) return t("event.control.latency.room", a, lg);
      if (!has(key, lg)) return t("event.control", a, lg);
      break;
    case "status":
      if (code === "mine-failed") {
        const why = ev.reason && has(`rule.${ev.reason}`, lg) ? t(`rule.${ev.reason}`, {}, lg) : reason(ev.reason, lg);
        return t(key, { ...a, reason: why }, lg);
      }
      break;
  }
  if (has(key, lg)) return t(key, a, lg);
  if (ev.kind === "mined") return t("event.mined.unknown", a, lg);
  const known = has(`event.${ev.kind}`, lg) || [...(catalogs.en || new Map()).keys()].some((k) => k.startsWith(`event.${ev.kind}.`));
  if (!known) return ev.text || unknownCode(ev, a, lg);
  if (code === "" && ev.text) return ev.text; // a free-form status line (e.g. from the tab itself)
  return unknownCode(ev, a, lg);
}

// scenarioLine is the sentence of an attack scenario's step
// (chain/node.ScenarioStep): scenario.NAME.STEP, or scenario.STEP for the
// steps every scenario shares, filled in with the step's numbers.
export function scenarioLine(sc, lg = current) {
  const a = { ...(sc.args || {}), attacker: sc.attacker_name || sc.attacker || "?", text: sc.text || "" };
  const key = `scenario.${sc.name}.${sc.step}`;
  if (has(key, lg)) return t(key, a, lg);
  if (has(`scenario.${sc.step}`, lg)) return t(`scenario.${sc.step}`, a, lg);
  return t("event.control.scenario", a, lg);
}

function unknownCode(ev, a, lg) {
  return t(ev.height || ev.hash ? "event.unknown.at" : "event.unknown", a, lg);
}

// txLine describes a transaction (chain/node/view's TxView, or a
// node.TxSummary with its kind): who paid whom, or who posted what.
export function txLine(tx, x, full = false, lg = current) {
  const kind = tx.kind || (tx.amount > 0 ? "transfer" : "post");
  const f = formatter(lg);
  const to = tx.to_name || (kind === "coinbase" ? tx.author : "") || f.addr(tx.to);
  let s = t(`tx.${kind}`, { ...tx, to, fee: tx.fee ?? 0 }, lg);
  if (tx.memo && kind !== "coinbase") s = t("tx.memo", { line: s, memo: tx.memo }, lg);
  if (full) s = t("tx.full", { line: s, id: t("tx.id", tx, lg) }, lg);
  return s;
}

// apiError turns a REST error (thrown with its body) into words: the
// rule's clause when the answer names one (the API's errors are English;
// its rule code is what a client translates), else its sentence.
export function apiError(err, x, lg = current) {
  const b = err && err.body;
  if (b && b.rule) return rule({ code: b.rule, have: b.have, want: b.want, what: "transaction" }, null, lg);
  return (b && b.error) || (err && err.message) || String(err);
}

// --- the page ----------------------------------------------------------------------

const ATTRS = [["placeholder", "msgPlaceholder", "msg-placeholder"], ["title", "msgTitle", "msg-title"],
  ["aria-label", "msgAriaLabel", "msg-aria-label"], ["alt", "msgAlt", "msg-alt"]];

// localize puts lg's words into every element under root that carries a
// key: data-msg (its text), data-msg-placeholder, data-msg-title,
// data-msg-aria-label and data-msg-alt; data-msg-args holds the
// message's values as JSON. Keys no catalog has keep their words.
export function localize(root, lg = current) {
  const word = (e, k) => {
    if (!has(k, lg)) return undefined;
    let a = {};
    try {
      a = e.dataset.msgArgs ? JSON.parse(e.dataset.msgArgs) : {};
    } catch {
      a = {};
    }
    return t(k, a, lg);
  };
  for (const e of root.querySelectorAll("[data-msg]")) {
    const w = word(e, e.dataset.msg);
    if (w !== undefined && e.textContent !== w) e.textContent = w;
  }
  for (const [attr, data, sel] of ATTRS) {
    for (const e of root.querySelectorAll(`[data-${sel}]`)) {
      const w = word(e, e.dataset[data]);
      if (w !== undefined) e.setAttribute(attr, w);
    }
  }
  const doc = root.documentElement || (root.ownerDocument && root.ownerDocument.documentElement);
  if (doc && root.documentElement) doc.lang = lg;
}

// languages returns the page's languages: tag → {name, src}, from
// <html data-langs> (the server's list).
export function languages() {
  if (typeof document === "undefined") return {};
  try {
    return JSON.parse(document.documentElement.dataset.langs || "{}");
  } catch {
    return {};
  }
}

const loading = new Map();

// load fetches and installs tag's file (English first: the fallback, and
// the pseudo-locale's source).
export function load(tag) {
  if (catalogs[tag]) return Promise.resolve();
  if (loading.has(tag)) return loading.get(tag);
  const p = (async () => {
    if (tag === PSEUDO) {
      await load("en");
      install(PSEUDO);
      return;
    }
    const l = languages()[tag];
    if (!l) throw new Error(`no catalog for “${tag}”`);
    const resp = await fetch(l.src);
    if (!resp.ok) throw new Error(`${l.src}: ${resp.status}`);
    install(tag, await resp.json());
  })();
  loading.set(tag, p);
  p.catch(() => loading.delete(tag));
  return p;
}

// match returns the available language for a tag: itself, or the first
// with the same primary language ("zh-TW" → "zh-CN"), or "".
export function match(tag, available) {
  if (!tag) return "";
  const list = Object.keys(available);
  const exact = list.find((l) => l.toLowerCase() === tag.toLowerCase());
  if (exact) return exact;
  const primary = tag.toLowerCase().split("-")[0];
  return list.find((l) => l.toLowerCase().split("-")[0] === primary) || "";
}

function cookieLang() {
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]*)`).exec(document.cookie || "");
  return m ? decodeURIComponent(m[1]) : "";
}

function storedLang() {
  try {
    return localStorage.getItem(STORE) || "";
  } catch {
    return "";
  }
}

// fixedLang is the language the page fixes (a board showing a room's
// language), or "".
export function fixedLang() {
  return (typeof document !== "undefined" && document.documentElement.dataset.langFixed) || "";
}

// chooseLang picks the page's language (see the top of this file).
export function chooseLang() {
  const avail = { ...languages(), [PSEUDO]: {} };
  const q = new URLSearchParams(location.search).get("lang");
  if (q && match(q, avail)) return match(q, avail);
  const fixed = match(fixedLang(), avail);
  if (fixed) return fixed;
  for (const c of [storedLang(), cookieLang(), ...(navigator.languages || [navigator.language])]) {
    const m = c && c !== PSEUDO ? match(c, languages()) : "";
    if (m) return m;
  }
  return "en";
}

// remember keeps the reader's choice: localStorage for the page, a
// cookie (a year) for the server's next page.
function remember(tag) {
  try {
    localStorage.setItem(STORE, tag);
  } catch {
    // private mode: the cookie still says it
  }
  setCookie(tag);
}

function setCookie(tag) {
  document.cookie = `${COOKIE}=${encodeURIComponent(tag)}; path=/; max-age=31536000; samesite=lax`;
}

// setLang switches the page to tag without a reload: the words of every
// keyed element change, and "chainplay:lang" (detail: {lang}) tells the
// modules to redraw. persist keeps the choice (false for a fixed
// language or a test's ?lang=).
export async function setLang(tag, persist = true) {
  await load(tag);
  if (tag !== "en") await load("en");
  current = tag;
  if (persist && tag !== PSEUDO) remember(tag);
  localize(document, tag);
  const picker = document.getElementById("lang-picker");
  if (picker && picker.value !== tag) picker.value = tag;
  window.dispatchEvent(new CustomEvent("chainplay:lang", { detail: { lang: tag } }));
}

// onLang calls fn(tag) after every switch of the page's language.
export function onLang(fn) {
  window.addEventListener("chainplay:lang", (e) => fn(e.detail.lang));
}

// initPicker wires the language picker (#lang-picker, in the layout) to
// setLang. A fixed language (fixedLang) disables it. A board page with
// its own picker element can pass it.
export function initPicker(picker = document.getElementById("lang-picker")) {
  if (!picker || picker.dataset.wired) return;
  picker.dataset.wired = "1";
  if (![...picker.options].some((o) => o.value === current)) picker.append(new Option(t("lang.name"), current));
  picker.value = current;
  if (fixedLang()) {
    picker.disabled = true;
    picker.title = t("lang.fixed");
  }
  picker.addEventListener("change", () => {
    setLang(picker.value).catch((err) => console.error("chainplay: language", err));
  });
}

// In a page (not in a test under node): load the language before any
// module runs, put its words in, and wire the picker.
if (typeof document !== "undefined" && typeof location !== "undefined" && /^https?:$/.test(location.protocol)) {
  const chosen = chooseLang();
  try {
    await Promise.all([load("en"), load(chosen)]);
    current = chosen;
  } catch (err) {
    console.error("chainplay: language", err);
    await load("en").catch(() => {});
  }
  // A choice kept in localStorage whose cookie is gone (cleared, or set on
  // another path) gets its cookie again, so the server's next page is in
  // it; a language that only follows the browser is not remembered.
  const stored = storedLang();
  if (stored && stored === current && cookieLang() !== stored) setCookie(stored);
  // The server rendered the page in a language (<html lang>) from the same
  // catalogs: only another choice needs the words put in (a room page's
  // thread spent 20–40 ms doing it again).
  if (document.documentElement.lang !== current) localize(document, current);
  initPicker();
}
