// Chainplay message catalog: the page's words for the node's events.
//
// explain(ev, lang) builds the sentence for an Event (chain/node/event.go)
// from its kind, its code and its numbers (height, hash, have, want,
// count, total, …), never from ev.text, which is English for logs. Each
// language is one table of the same shape (en below); a second language is
// another table in `catalogs`. Plain ES module, no build step.
//
// A table has:
//   kinds    kind → code → (ev, x) => sentence. "" is the key for events
//            without a code; "*" answers every code of the kind (rejected
//            and refused events, whose code is a rule's).
//   rules    rule code (chain's rules and the node's errors) → (x) => the
//            clause saying what broke, used by rejected and refused events.
//   reasons  reason (the relay's codes and the node's own disconnect
//            reasons) → clause, used by disconnected and relay events.
//   whats    ev.what → the object's name ("block", "hello", …).
//   unknown* generic sentences for a code the table lacks: they still show
//            the code.
// x is the formatter for the table's locale (numbers with
// Intl.NumberFormat, hashes shortened alike everywhere) plus, for rules,
// the event's have/want already formatted.
//
// Have and Want (chain.RuleError) are a decimal number or a 64-hex hash,
// Want possibly prefixed by a relation and a space ("≤ 50", "> 1700…");
// x.have and x.want are the values formatted, x.rel the relation.

const HASH_CHARS = 12; // as chain.Hash.Short
const ADDR_CHARS = 8; // as chain.Address.Short
const RELATIONS = ["≤", "<", ">", "≥"];

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
  let nfObj, secObj, clockObj;
  const simple = /^(en|zh)\b/.test(locale);
  const nf = {
    format: (v) => {
      if (simple && (typeof v === "bigint" || Number.isInteger(v))) return groupDigits(String(v));
      return (nfObj ??= new Intl.NumberFormat(locale)).format(v);
    },
  };
  const sec = {
    format: (v) =>
      (secObj ??= new Intl.NumberFormat(locale, { style: "unit", unit: "second", unitDisplay: "narrow", maximumFractionDigits: 1 })).format(v),
  };
  const clock = {
    format: (d) =>
      (clockObj ??= new Intl.DateTimeFormat(locale, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23",
      })).format(d),
  };
  f = {
    locale,
    // n formats a number, or a decimal string of any size; other text is
    // returned as it is.
    n(v) {
      if (typeof v === "number" || typeof v === "bigint") return nf.format(v);
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
    // value formats a Have or Want value: a hash shortened, a number grouped.
    value(v) {
      if (/^[0-9a-f]{40,}$/.test(v)) return shortHash(v);
      return f.n(v);
    },
  };
  formatters.set(locale, f);
  return f;
}

// ruleArgs is the x a rule's clause gets: the formatter and the event's
// numbers.
function ruleArgs(ev, f) {
  const want = split(ev.want);
  return {
    ...f,
    ev,
    have: ev.have ? f.value(ev.have) : "",
    want: want.value ? f.value(want.value) : "",
    haveRaw: ev.have || "",
    wantRaw: want.value,
    rel: want.rel,
    isBlock: ev.what === "block",
  };
}

// --- English ---------------------------------------------------------------

const plural = (n, one, many) => (Number(n) === 1 ? one : many);

// who names a peer: its nickname and id.
function enWho(ev) {
  if (!ev.peer) return "this node";
  return ev.name && ev.name !== ev.peer ? `${ev.name} (${ev.peer})` : ev.peer;
}

// enApart says how far apart two times are: " (3.2 s earlier)".
function enApart(x, ms, word) {
  return Number.isFinite(ms) && ms > 0 ? ` (${x.secs(ms)} ${word})` : "";
}

// The clause "(have X, want Y)" when a rule has numbers.
function enNumbers(x) {
  if (x.have && x.want) return ` (have ${x.have}, want ${x.rel ? x.rel + " " : ""}${x.want})`;
  if (x.have) return ` (${x.have})`;
  return "";
}

export const en = {
  locale: "en",

  whats: {
    "block": "block",
    "transaction": "transaction",
    "transactions": "a batch of transactions",
    "blocks": "a batch of blocks",
    "hello": "a hello message",
    "getblocks": "a request for blocks",
    "message": "a message",
  },

  // object names what an event is about: "block #12 3f2a…",
  // "transaction 9c1e…", "a hello message", …
  object(ev, f) {
    const what = ev.what || "";
    if (what === "block") return `block #${f.n(ev.height ?? 0)}${ev.hash ? " " + f.hash(ev.hash) : ""}`;
    const tx = /^transaction ([0-9a-f]+)$/.exec(what); // older nodes put the id in What
    if (what === "transaction" || tx) {
      const id = ev.hash || (ev.tx && ev.tx.id) || (tx && tx[1]) || "";
      return id ? `transaction ${f.hash(id)}` : "a transaction";
    }
    if (this.whats[what]) return this.whats[what];
    const msg = /^(\S+) message$/.exec(what);
    if (msg) return `a “${msg[1]}” message`;
    return what ? `“${what}”` : "data";
  },

  // What broke, by rule code: chain's rules, then the node's errors.
  rules: {
    "malformed": (x) => `it is malformed${enNumbers(x)}`,
    "bad-text": () => "its name or memo is not valid UTF-8 text",
    "tx-too-big": (x) => `one of its text fields is ${x.have} bytes long, and the most allowed is ${x.want} bytes`,
    "bad-version": (x) => `its version is ${x.have}, but this chain only knows version ${x.want}`,
    "bad-genesis": (x) =>
      x.have
        ? `its genesis block ${x.have} is not this room's genesis block ${x.want}`
        : "it claims to be a genesis block, but only the room's own first block may have no parent",
    "bad-height": (x) =>
      x.rel
        ? `its height ${x.have} is out of range (it must be ${x.rel} ${x.want})`
        : `its height is ${x.have}, but it must be ${x.want}: its parent's height + 1`,
    "bad-prev-hash": (x) => `it names ${x.have} as the previous block, but its parent is ${x.want}`,
    "bad-difficulty": (x) =>
      x.rel
        ? `its difficulty ${x.have} is out of range (it must be ${x.rel} ${x.want})`
        : `its difficulty is ${x.have}, but the retarget rule gives ${x.want}`,
    "high-hash": (x) => `its hash ${x.have} is above the target ${x.want} — not enough proof of work`,
    "bad-time": (x) => `its time ${x.have} is out of range (it must be ${x.rel} ${x.want})`,
    "bad-nonce": (x) => `its nonce ${x.have} is above ${x.want}, the largest number a browser counts exactly`,
    "time-too-old": (x) =>
      `its time ${x.time(x.haveRaw)} is not after ${x.time(x.wantRaw)}, the median time of the blocks before it` +
      enApart(x, Number(x.wantRaw) - Number(x.haveRaw), "earlier"),
    "time-too-new": (x) =>
      `its time ${x.time(x.haveRaw)} is too far ahead of this computer's clock: the latest allowed now is ${x.time(x.wantRaw)}` +
      enApart(x, Number(x.haveRaw) - Number(x.wantRaw), "later"),
    "no-txs": () => "it has no transactions, not even the coinbase that pays the miner",
    "too-many-txs": (x) => `it has ${x.have} transactions, and a block may hold at most ${x.want}`,
    "bad-merkle-root": (x) =>
      `the merkle root in its header, ${x.have}, is not ${x.want}, the root of its transactions: they were changed after the header was made`,
    "first-not-coinbase": () => "its first transaction is not the coinbase (the miner's reward)",
    "extra-coinbase": () => "it has more than one coinbase (reward) transaction",
    "bad-coinbase": (x) => `its coinbase (the miner's reward) has a signature or a fee (${x.have}), and a coinbase has neither`,
    "bad-coinbase-seq": (x) => `its coinbase has seq ${x.have}, but a coinbase's seq is the block height, ${x.want}`,
    "bad-reward": (x) => `its coinbase pays the miner ${x.have} coins, but the reward is exactly ${x.want} (the subsidy plus the fees)`,
    "duplicate-tx": (x) =>
      x.isBlock ? `it holds transaction ${x.have} twice` : `transaction ${x.have || "it"} is already pending`,
    "unknown-parent": () => "its parent block is unknown",
    "duplicate-block": () => "this node has it already",
    "invalid-ancestor": (x) =>
      x.have ? `it builds on block ${x.have}, which broke a rule` : "it builds on a block that broke a rule",
    "bad-signature": (x) =>
      x.have
        ? `its signature is ${x.have} bytes long, and a signature is ${x.want} bytes`
        : "a signature does not verify: the transaction was changed after it was signed, or signed for another room",
    "bad-seq": (x) => {
      if (x.rel) return `its seq ${x.have} is out of range (it must be ${x.rel} ${x.want})`;
      const used = Number(x.haveRaw) < Number(x.wantRaw);
      return `its seq is ${x.have}, but the sender's next is ${x.want}: ` +
        (used ? "that seq was used already (a replay or a double spend)" : "a transaction before it is missing");
    },
    "overspend": (x) => `it spends ${x.have} coins (amount + fee), but the sender can spend only ${x.want}`,
    "bad-amount": (x) => `an amount of ${x.have} is too large (it must be ${x.rel} ${x.want})`,
    "self-send": () => "it sends coins to its own sender",
    "no-recipient": () => "it sends coins to no one",
    "seq-gap": (x) => `its seq is ${x.have}, but the next this node can take from the sender is ${x.want}: an earlier transaction is missing`,
    "mempool-conflict": (x) =>
      `another pending transaction has the same seq; a replacement must pay a fee above ${x.want}, and it pays ${x.have}`,
    "mempool-full": (x) => `the pending pool is full (${x.have} transactions, the limit is ${x.want})`,
    "too-many-free-txs": () => "its sender sent too many free transactions; pay a fee or wait a little",
    "coinbase-not-alone": () => "a coinbase (the miner's reward) exists only inside a block",

    // The node's own errors (chain/node/errors.go).
    "other-chain": () => "the saved chain belongs to another room",
    "message-too-big": () => "the message is too large",
    "peer-rate-limited": () => "that peer sends messages too fast",
    "bad-message": () => "the message is malformed",
    "sync-stalled": () => "that peer announced more work than it sends, so blocks are asked from another peer",
    "no-nonce": () => "the miner tried every nonce without finding a block; it starts again with a fresh time",
    "room-reset": () => "the teacher reset the room, so this chain is void",
    "preempted": () => "a search of its own (GET /mine) took the miner; mining goes on after it",
  },
  unknownRule: (x) => `it broke the rule “${x.ev.code || "?"}”${enNumbers(x)}`,

  // Why a link ended or a frame was refused: the relay's codes, then the
  // node's own disconnect and retry reasons.
  reasons: {
    "kicked": "the teacher or the server removed this peer from the room",
    "rate-limited": "this peer sent more messages per second than the relay allows",
    "send-queue-full": "this peer did not keep up with the messages sent to it",
    "frame-too-big": "this peer sent a message larger than the relay allows",
    "shutting-down": "the server is shutting down",
    "bye": "this peer left",
    "misbehaving": "this peer sent too many messages the relay had to refuse",
    "malformed-frame": "a message was not a valid JSON frame",
    "reserved-type": "a message used a type only the relay may send",
    "binary-frame": "a message was binary, and the relay takes only text",
    "unknown-peer": "its recipient is no longer in the room",
    "invalid-room": "the room name is not valid",
    "room-full": "the room is full",
    "too-many-rooms": "the server has too many rooms open",
    "closed": "the relay closed the link",
    "lost": "the link to the relay broke",
    "stopped": "this node was stopped",
    "dial-failed": "the relay could not be reached",
    "check-failed": "the room's settings could not be read",
  },
  unknownReason: (reason) => (reason ? `“${reason}”` : "no reason given"),

  kinds: {
    "rejected": {
      "*": (ev, x) => `Rejected ${en.object(ev, x)} from ${enWho(ev)}: ${en.rule(ev, x)}.`,
    },
    "refused": {
      "*": (ev, x) => `Did not add ${en.object(ev, x)}${ev.peer ? " from " + enWho(ev) : ""}: ${en.rule(ev, x)}.`,
    },
    "tip": {
      "extended": (ev, x) =>
        `New tip #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}` +
        (Number(ev.count) > 1 ? `: ${x.n(ev.count)} blocks joined the best chain.` : "."),
      "": (ev, x) => `New tip #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}.`,
    },
    "reorg": {
      "": (ev, x) =>
        `Reorg: ${x.n(ev.count ?? 0)} ${plural(ev.count, "block", "blocks")} left the best chain` +
        (ev.total ? ` and ${x.n(ev.total)} joined it` : "") +
        `; new tip #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}.`,
    },
    "mined": {
      "main-chain": (ev, x) => `Mined block #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}: it is the new tip.`,
      "side-chain": (ev, x) =>
        `Mined block #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}, but another branch has more work: it stays on a side branch.`,
      "*": (ev, x) => `Mined block #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)} (${ev.code}).`,
    },
    "tx": {
      "": (ev, x) => {
        const t = ev.tx;
        if (!t) return `New transaction ${x.hash(ev.hash)}.`;
        const head = `${t.mine && !ev.peer ? "Sent" : "New"} transaction ${x.hash(t.id || ev.hash)}: `;
        if (!t.amount) return head + `${t.author} posted “${t.memo || ""}”` + (t.fee ? ` (fee ${x.n(t.fee)})` : "") + ".";
        return head + `${t.author} sends ${x.n(t.amount)} ${plural(t.amount, "coin", "coins")} to ${x.addr(t.to)} (fee ${x.n(t.fee ?? 0)}).`;
      },
    },
    "peer": {
      "joined": (ev) => `${enWho(ev)} joined.`,
      "left": (ev) => `${enWho(ev)} left.`,
      "hello": (ev, x) => `${enWho(ev)} is at block #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}.`,
      "banned": (ev, x) => `Ignoring ${enWho(ev)} from now on: ${x.n(ev.count ?? 0)} rule violations.`,
      "welcome": (ev, x) =>
        `Joined room ${ev.name || ""} as ${ev.peer}; ${x.n(ev.count ?? 0)} other ${plural(ev.count, "peer is", "peers are")} here.`,
    },
    "sync": {
      "started": (ev, x) => `Syncing from ${enWho(ev)}: this node is at #${x.n(ev.count ?? 0)}, they are at #${x.n(ev.total ?? 0)}.`,
      "progress": (ev, x) => `Syncing ${x.n(ev.count ?? 0)} / ${x.n(ev.total ?? 0)} blocks…`,
      "done": (ev, x) => `Synced with ${enWho(ev)} at block #${x.n(ev.height ?? 0)}.`,
    },
    "connection": {
      "connected": () => "Connected to the room.",
      "disconnected": (ev) => `Disconnected from the room: ${en.reason(ev.reason)}.`,
      "retrying": (ev, x) => `Connecting to the room again in ${x.secs(ev.count ?? 0)}${ev.reason ? ` (${en.reason(ev.reason)})` : ""}…`,
      "room-reset": () => "The teacher reset the room: this chain is void.",
    },
    "status": {
      "resumed": (ev, x) => `Resumed this browser's copy of the chain at #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)}.`,
      "store-failed": (ev, x) => `Could not save ${x.n(ev.count ?? 0)} ${plural(ev.count, "block", "blocks")} in this browser's storage.`,
      "send-dropped": (ev) => `The send queue was full: dropped a “${ev.what || "?"}” message.`,
      "held": (ev, x) =>
        `Holding block #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)} from ${enWho(ev)}: its time is ahead of this computer's clock; it is tried again when that time comes.`,
      "relay": (ev) => `The relay refused a message: ${en.reason(ev.reason)}.`,
      "mine-failed": (ev, x) =>
        `Mining paused: ${ev.reason && en.rules[ev.reason] ? en.rules[ev.reason](ruleArgs(ev, x)) : en.unknownReason(ev.reason)}; it tries again in a moment.`,
    },
  },

  rule(ev, x) {
    const args = ruleArgs(ev, x);
    const fn = this.rules[ev.code];
    return fn ? fn(args) : this.unknownRule(args);
  },
  reason(r) {
    return this.reasons[r] ?? this.unknownReason(r);
  },
  unknownCode: (ev, x) => {
    const nums = [ev.height ? `#${x.n(ev.height)}` : "", ev.hash ? x.hash(ev.hash) : ""].filter(Boolean).join(" ");
    return `Event “${ev.kind}” with code “${ev.code || ""}”${nums ? " (" + nums + ")" : ""}.`;
  },
};

// catalogs holds every language's table, by language tag.
export const catalogs = { en };

// explain returns the sentence for ev in lang (a key of catalogs; English
// when it has no table). An unknown code gets a generic sentence that
// still shows it; only an event of a kind the table does not know at all
// (or a status line without a code) falls back to ev.text.
export function explain(ev, lang = "en") {
  const table = catalogs[lang] || en;
  const x = formatter(table.locale);
  const kind = table.kinds[ev.kind];
  if (!kind) return ev.text || table.unknownCode(ev, x);
  const code = ev.code || "";
  const fn = kind[code] || kind["*"];
  if (fn) return fn(ev, x);
  if (code === "" && ev.text) return ev.text; // a free-form status line (e.g. from the tab itself)
  return table.unknownCode(ev, x);
}
