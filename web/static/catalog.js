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
  let nfObj, secObj, clockObj, dayObj;
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
    // clock formats unix milliseconds as a time of day ("14:03:22").
    // English and Chinese write it alike (24-hour, two digits each), so it
    // is done here without Intl: the first DateTimeFormat costs the page's
    // first render ~40 ms.
    clock(ms) {
      const t = Number(ms);
      if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) return "";
      const d = new Date(t);
      if (simple) return [d.getHours(), d.getMinutes(), d.getSeconds()].map((v) => String(v).padStart(2, "0")).join(":");
      dayObj ??= new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
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
    // PBFT rooms: a block's commit certificate (chain/pbft.go).
    "no-certificate": () => "it has no commit certificate: in a PBFT room a block needs the signatures of 2f+1 replicas",
    "short-certificate": (x) => `its commit certificate has ${x.have} replica signatures, and a block needs ${x.want} (2f+1)`,
    "bad-certificate": (x) =>
      x.want
        ? `its commit certificate names seat ${x.have} out of place (it must be ${x.rel} ${x.want}): each replica signs once, in seat order`
        : `the signature of seat ${x.have} in its commit certificate does not verify: it is forged, or signs another block, view or sequence number`,
    "bad-certificate-seq": (x) => `its sequence number ${x.have} is not above its parent's (it must be ${x.rel} ${x.want})`,
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
        `Reorg: ${x.n(ev.count ?? 0)} ${plural(ev.count, "block", "blocks")} replaced` +
        (ev.total ? ` by ${x.n(ev.total)}` : "") +
        `; ${x.n(ev.back ?? 0)} ${plural(ev.back ?? 0, "transaction", "transactions")} back in the mempool` +
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
      "tamper-mined": (ev, x) =>
        `Re-mined forged block #${x.n(ev.height ?? 0)}: nonce ${x.n(ev.count ?? 0)} gives the hash ${x.hash(ev.hash)}, below the target.`,
      "tamper-won": (ev, x) =>
        `Your forged chain carries more work than the room's: its tip #${x.n(ev.height ?? 0)} ${x.hash(ev.hash)} is the best chain now, here and for every peer that gets it.`,
      "tamper-ignored": (ev, x) =>
        `Published ${x.n(ev.count ?? 0)} forged ${plural(ev.count, "block", "blocks")}, but the forged chain carries no more work (${x.n(ev.have)}) than the best chain (${x.n(ev.want)}): this node and the room keep the best chain.`,
      "store-unavailable": () => "This browser can't keep the chain: after a reload the tab downloads it again.",
      "store-ignored": () => "This browser's saved chain could not be used: the tab starts afresh.",
      "key-invalid": () => "The wallet key this tab was given is not valid, so it made a new wallet.",
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

// --- English: the page's own words -------------------------------------------
//
// ui holds every word the pages show other than the log's: key → a string,
// or (a, x) => string for words with numbers (a: the arguments, x: the
// formatter). The templ components carry the same English with the key in
// data-msg (a test keeps them equal); t(key, a) looks a key up.

const coinsEn = (n, x) => `${x.n(n)} ${plural(n, "coin", "coins")}`;
const agoEn = (s) => (s < 5 ? "just now" : s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`);

en.ui = {
  // layout
  "page.skip": "Skip to the content",
  "page.tagline": "a blockchain playground in your browser",
  "common.copy": "Copy",
  "common.close": "Close",

  // lobby
  "lobby.title": "A blockchain for your class",
  "lobby.lead": "Every tab in a room is a full peer: it keeps its own copy of the chain, checks every block it receives, signs its own transactions and mines in the background. Nobody installs anything.",
  "lobby.create.title": "Start a room",
  "lobby.preset.legend": "Rules of the chain",
  "preset.quick-demo.name": "Quick demo",
  "preset.quick-demo.about": "A block every few seconds: forks, rewards and posts in a few minutes.",
  "preset.classroom.name": "Classroom",
  "preset.classroom.about": "A block about every 15 seconds, the difficulty following the room's hash power.",
  "preset.bitcoin-like.name": "Bitcoin-like",
  "preset.bitcoin-like.about": "Bitcoin's rules scaled down: a reward of 50 that halves, a retarget every 20 blocks, a block a minute.",
  "preset.facts": (a, x) =>
    `≈ ${x.secs(a.blockTimeMs)} per block · ${a.retargetInterval > 0 ? `retarget every ${x.n(a.retargetInterval)} blocks` : "fixed difficulty"} · ` +
    `reward ${x.n(a.subsidy)}${a.halvingInterval > 0 ? `, halving every ${x.n(a.halvingInterval)} blocks` : ""}`,
  "lobby.create.name": "Room code (leave empty for a new one)",
  "lobby.create.name.placeholder": "e.g. class-7b",
  "lobby.create.advanced": "Change the rules",
  "param.difficulty": "Difficulty (expected hashes per block)",
  "param.block_time_ms": "Target block time (ms)",
  "param.retarget_interval": "Retarget every N blocks (0: fixed)",
  "param.subsidy": "Block reward (coins)",
  "param.halving_interval": "Halving every N blocks (0: never)",
  "param.max_block_txs": "Max transactions per block",
  "lobby.create.submit": "Start the room",
  "lobby.creating": "Starting the room…",
  "lobby.createFailed": (a) => `Could not start the room: ${a.why}`,
  "lobby.created.title": "Your room is ready",
  "lobby.created.share": "Students scan the code or type the address. This browser keeps the teacher key: from the room's page you can reset the chain, start a new one or remove a peer.",
  "lobby.created.qr": "QR code of the room's address",
  "lobby.created.code": "Room code",
  "lobby.created.url": "Address",
  "lobby.created.open": "Open the room",
  "lobby.join.title": "Join a room",
  "lobby.join.code": "Room code",
  "lobby.join.submit": "Join",
  "lobby.join.hint": "Your teacher shows the code, or a QR code your phone's camera opens.",

  // room
  "room.title": "Room",
  "room.loading": "Loading the node…",
  "status.syncing": (a, x) => `Syncing ${x.n(a.height)} / ${x.n(a.target)} blocks from ${a.from}…`,
  "status.running": (a, x) => `Node running at block #${x.n(a.height)} · ${x.n(a.peers)} ${plural(a.peers, "peer", "peers")}`,
  "status.joining": "Joining the room…",
  "status.reset": "The teacher reset the room: reloading…",
  "status.crashed": (a) => `The node stopped: ${a.why}`,
  "status.failed": (a) => `Could not start the node: ${a.why}`,

  // identity
  "identity.title": "You",
  "identity.nickname": "Nickname",
  "identity.rename": "Rename",
  "identity.address": "Address",
  "identity.about": "This tab is its own peer with its own key: a second tab is a second student. A reload keeps who you are.",
  "identity.export": "Export my wallet",
  "identity.import": "Import a wallet file",
  "identity.save": "Save in this browser",
  "identity.saved": "Saved wallets",
  "identity.use": "Use my saved wallet",
  "identity.savedEntry": (a, x) => `${a.name || x.addr(a.address)} (${x.addr(a.address)}, room ${a.room})`,
  "identity.noneSaved": "no saved wallet yet",
  "identity.saved.ok": "Saved: another tab of this browser can take this wallet with “Use my saved wallet”.",
  "identity.exported": "Exported. Anyone with this file can spend your coins: keep it safe.",
  "identity.importBad": "That file is not a Chainplay wallet.",
  "identity.storageFull": "This browser would not store it (private mode, or storage full).",
  "identity.nameTooLong": "A nickname has at most 32 bytes.",
  "identity.mismatch": (a, x) => `The wallet file's key gives another address than it says; this tab uses ${x.addr(a.address)}.`,
  "identity.notice.duplicate": "This tab was a copy of another open tab, which has that wallet: this one made a wallet of its own.",
  "identity.notice.moved": "Another tab took this tab's wallet: this one made a new wallet.",
  "identity.notice.imported": "Wallet imported.",
  "identity.notice.switched": "This tab uses your saved wallet now.",

  // chain
  "chain.title": "Chain",
  "chain.height": "Height",
  "chain.tip": "Tip",
  "chain.difficulty": "Difficulty",
  "chain.about": "Each block names the hash of the block before it. Its own hash must start with enough zeros: the proof of work. Pick a block to see inside it.",
  "tip.difficulty": (a, x) => `${x.n(a.difficulty)} hashes per block (≈ ${x.n(a.bits)} leading zero bits)`,
  "card.hash": "hash",
  "card.prev": "prev",
  "card.nonce": "nonce",
  "card.difficulty": "difficulty",
  "card.diff": (a, x) => `${x.n(a.difficulty)} ≈ ${x.n(a.bits)} zero bits`,
  "card.minedBy": (a) => (a.genesis ? "the genesis block: the room's rules" : a.mine ? `mined by you (${a.name})` : `mined by ${a.name}`),
  "card.txs": (a, x) => `${x.n(a.n)} ${plural(a.n, "transaction", "transactions")}`,
  "card.more": (a, x) => `and ${x.n(a.n)} more`,
  "card.open": (a, x) => `Block #${x.n(a.height)}: open the inspector`,
  "card.stale": (a) =>
    a.invalid ? `invalid (${a.invalid}): a node refuses it and every block built on it` : "stale: its branch has less work than the best chain",

  // transactions, in cards and lists
  "tx.coinbase": (a, x) => `reward ${x.n(a.amount)} → ${a.to_name || a.author || x.addr(a.to)}`,
  "tx.transfer": (a, x) => `${a.author} → ${a.to_name || x.addr(a.to)}: ${coinsEn(a.amount, x)}${a.fee ? ` (fee ${x.n(a.fee)})` : ""}`,
  "tx.post": (a, x) => `${a.author} posted${a.fee ? ` (fee ${x.n(a.fee)})` : ""}`,
  "tx.id": (a, x) => `id ${x.hash(a.id)}`,

  // inspector
  "inspector.title": (a, x) => (a.found ? `Block #${x.n(a.height)}` : "Block not here"),
  "inspector.missing": (a, x) => `This tab does not have block ${x.hash(a.hash)}: it was found invalid, or never arrived.`,
  "inspector.main": (a, x) => `On the best chain, ${x.n(a.n)} ${plural(a.n, "confirmation", "confirmations")}.`,
  "inspector.side": "Off the best chain: a stale block of a branch with less work.",
  "inspector.header": "The 100 header bytes",
  "inspector.header.about": "The block's hash is the SHA-256 of these bytes, nothing else. Each colour is one field; numbers are big-endian.",
  "inspector.field": "Field",
  "inspector.bytes": "Bytes",
  "inspector.value": "Value",
  "inspector.range": (a) => `${a.from}–${a.to}`,
  "field.version": "version",
  "field.height": "height",
  "field.time": "time",
  "field.difficulty": "difficulty",
  "field.prev_hash": "previous hash",
  "field.merkle_root": "merkle root",
  "field.nonce": "nonce",
  "inspector.verify": "Verify: hash these bytes here",
  "inspector.computed": "SHA-256 of the 100 bytes, computed by this page:",
  "inspector.same": "✓ the block's hash.",
  "inspector.differs": "✗ not the block's hash.",
  "inspector.below": (a, x) => `✓ at most the target (≈ ${x.n(a.bits)} leading zero bits): the proof of work holds.`,
  "inspector.above": "✗ above the target: no proof of work.",
  "inspector.noCrypto": "This browser can't compute SHA-256 here (WebCrypto needs https or localhost).",
  "inspector.merkle": "Merkle tree",
  "inspector.merkle.about": "The header commits to every transaction through one hash: pairs of transaction ids are hashed together, level by level, until one is left, the merkle root. Change one transaction and the root changes.",
  "inspector.root": "root",
  "inspector.leaves": "tx ids",
  "inspector.level": (a) => `level ${a.n}`,
  "inspector.dup": "an odd level pairs its last hash with itself",
  "inspector.dupShort": "(again)",
  "inspector.txs": "Transactions",
  "inspector.tamper": "Tamper with this block",

  // tamper mode
  "tamper.title": "Tamper mode",
  "tamper.stop": "Leave tamper mode",
  "tamper.about": "This is a copy of the chain in this tab only. Change a block: its hash changes, so its proof of work breaks, and so does every later block's, since each names the hash before it. Re-mine them one by one to repair the copy. The room keeps its chain unless yours carries more work.",
  "tamper.mineAll": "Re-mine every broken block",
  "tamper.extend": "Add a block on top",
  "tamper.publish": "Publish to the room",
  "tamper.mine": "Re-mine",
  "tamper.mining": "Mining…",
  "tamper.valid": "✓ valid: a node would take it",
  "tamper.broken": (a) => `✗ broken: ${a.why}`,
  "tamper.same": "the same as the room's block",
  "tamper.changed": "differs from the room's block",
  "tamper.added": "a block added on top",
  "tamper.field.amount": "amount",
  "tamper.field.to": "to (address)",
  "tamper.field.memo": "memo",
  "tamper.tx.coinbase": () => "the reward (coinbase)",
  "tamper.tx.transfer": (a) => `transaction ${a.i}: a transfer by ${a.author}`,
  "tamper.tx.post": (a) => `transaction ${a.i}: a post by ${a.author}`,
  "tamper.miningMsg": (a, x) => `Re-mining forged block #${x.n(a.height)} with this tab's miner…`,
  "tamper.publishedMsg": "Published: the log says what this node and the room made of it.",
  "tamperError.tamper-off": "Tamper mode is off.",
  "tamperError.tamper-genesis": "The genesis block holds the room's rules: pick a later block.",
  "tamperError.tamper-no-block": "There is no such block.",
  "tamperError.tamper-bad-value": "That value does not fit the field: an amount is a whole number, an address 40 hex digits, a memo at most 280 bytes.",
  "tamperError.tamper-busy": "Wait for the re-mining to finish.",
  "tamperError.tamper-full": "The forged copy is as long as it may get.",
  "tamperError.tamper-bad-op": "The page sent a command the node does not know.",

  // fork tree
  "tree.title": "Fork tree",
  "tree.about": "Every block this tab knows, by height. The best chain (the most work) runs along the top; blocks of losing branches are stale. The names show where each peer's tip is.",
  "tree.legend.main": "best chain",
  "tree.legend.stale": "stale",
  "tree.legend.invalid": "invalid",
  "tree.you": "you",
  "tree.more": (a, x) => `+${x.n(a.n)} more`,
  "tree.node": (a, x) => `Block #${x.n(a.height)} ${x.hash(a.hash)}: ${{ main: "best chain", stale: "stale", invalid: "invalid" }[a.kind]}`,
  "tree.elsewhere": (a) => `Tips this tab does not have (yet): ${a.tips}.`,

  // wallet
  "wallet.title": "Wallet",
  "wallet.balance": "Balance",
  "wallet.pending": "Pending",
  "wallet.available": "You can spend",
  "wallet.nothingPending": "nothing",
  "wallet.pendingText": (a, x) =>
    a.out && a.in ? `${x.n(a.out)} out, ${x.n(a.in)} in, waiting to be mined`
      : a.out ? `${x.n(a.out)} waiting to be mined` : `${x.n(a.in)} coming in, waiting to be mined`,
  "wallet.send": "Send coins",
  "wallet.send.to": "To",
  "wallet.send.address": "Address (40 hex digits)",
  "wallet.send.amount": "Amount",
  "wallet.send.fee": "Fee for the miner",
  "wallet.send.memo": "Memo (optional)",
  "wallet.send.submit": "Send",
  "wallet.contact": (a, x) => `${a.name} (${x.addr(a.address)})`,
  "wallet.otherAddress": "another address…",
  "wallet.badAddress": "Not sent: an address is 40 hex digits.",
  "wallet.sent": (a, x) => `Sent ${coinsEn(a.amount, x)} to ${a.name || x.addr(a.to)}: it waits in the mempool until a block includes it.`,
  "wallet.notSent": (a) => `Not sent: ${a.why}.`,
  "wallet.post": "Write a post",
  "wallet.post.content": "Your post",
  "wallet.post.placeholder": "Say something on the chain",
  "wallet.post.submit": "Post",
  "wallet.posted": "Posted: your message waits in the mempool until a block includes it.",
  "wallet.notPosted": (a) => `Not posted: ${a.why}.`,
  "wallet.history": "My transactions",
  "history.empty": "None yet: mine a block, or ask someone for coins.",
  "history.in": (a) => `received ${coinsEn(a.amount, a.x)} from ${a.author}`,
  "history.out": (a) => `sent ${coinsEn(a.amount, a.x)} to ${a.to_name || a.x.addr(a.to)}${a.fee ? ` (fee ${a.x.n(a.fee)})` : ""}`,
  "history.post": (a) => `posted “${a.memo}”`,
  "history.mined": (a) => `block reward ${coinsEn(a.amount, a.x)}`,
  "history.status.pending": " · pending: waiting for a block",
  "history.status.back": " · back in the mempool: a reorg replaced its block",
  "history.status.dropped": " · dropped: a reorg replaced its block and it is valid no more",
  "history.status.confirmed": (a, x) => ` · in block #${x.n(a.height)}, ${x.n(a.n)} ${plural(a.n, "confirmation", "confirmations")}`,

  // posts, mempool, peers, log
  "posts.title": "Posts",
  "posts.about": "Everything posted on this chain, newest first. A post is a transaction of 0 coins: once in a block, nobody can change it.",
  "posts.empty": "No posts yet: write one in the wallet.",
  "posts.pending": "waiting for a block",
  "posts.inBlock": (a, x) => `in block #${x.n(a.height)} · ${x.n(a.n)} ${plural(a.n, "confirmation", "confirmations")}`,
  "mempool.title": "Mempool",
  "mempool.about": "Transactions waiting for a miner to put them in a block, the best fee first.",
  "mempool.empty": "Empty.",
  "peers.title": "Peers",
  "peers.at": (a, x) => `at #${x.n(a.height)}`,
  "peers.seen": (a) => `heard ${agoEn(a.s)}`,
  "peers.banned": "ignored: it broke too many rules",
  "log.title": "What happened",

  // miner
  "miner.title": "Miner",
  "miner.mine": "Mine",
  "miner.stop": "Stop",
  "miner.workers": "Workers",
  "miner.throttle": "Throttle",
  "miner.idle": "Idle",
  "miner.mining": (a, x) =>
    `Mining block #${a.height === null ? "?" : x.n(a.height)} with ${x.n(a.workers)} ${plural(a.workers, "worker", "workers")}` +
    (a.duty < 100 ? ` at ${a.duty}%` : ""),
  "miner.rate": "Hash rate",
  "miner.kernel": "Kernel",
  "miner.kernel.about": "the nonce kernel the workers run: wasm SIMD (four nonces at a time), wasm scalar, or the Go kernel compiled into miner.wasm",
  "miner.eta": "Expected time to a block",
  "miner.tried": "Hashes tried",
  "miner.bar.about": "hashes tried on this block against the expected number (the difficulty)",
  "miner.best": "Lowest hash",
  "miner.progress": (a) => `${a.tried} of ~${a.expected} expected (${a.pct}%)` + (a.unlucky ? ": unlucky so far; every hash is a fresh chance" : ""),
  "miner.bestNote": (a) => `${a.bits} leading zero bits; the target has ${a.target}`,
  "miner.bestNonce": (a) => `nonce ${a.nonce}`,
  "miner.worker": (a) =>
    `Worker ${a.n}: ${en.ui[`miner.state.${a.state}`] || a.state}${a.rate ? ` · ${a.rate}` : ""}${a.crashes ? ` · restarted ${a.crashes}×` : ""}`,
  "miner.state.loading": "loading",
  "miner.state.idle": "idle",
  "miner.state.mining": "mining",
  "miner.state.restarting": "restarting",
  "miner.state.dormant": "starts when you mine",
  "kernel.simd": "wasm SIMD",
  "kernel.scalar": "wasm scalar",
  "kernel.go": "Go",
  "duration": (a) => {
    const s = a.s;
    if (s < 1) return "< 1 s";
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 90 * 60) return `${Math.round(s / 60)} min`;
    if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
    if (s < 730 * 86400) return `${Math.round(s / 86400)} days`;
    return `${(s / (365.25 * 86400)).toExponential(1)} years`;
  },

  // API console
  "console.title": "API console",
  "console.about": "The REST API of the tutorials, served by the node in this tab. Pick a request, change it, send it.",
  "console.method": "Method",
  "console.path": "Path",
  "console.send": "Send",
  "console.body": "JSON body",
  "console.body.placeholder": "JSON body for POST",
  "console.failed": (a) => `Error: ${a.why}`,
  "console.preset.chain": "the whole chain, genesis first (both tutorials)",
  "console.preset.transfer": "send coins, signed by this tab's wallet (dvf's tutorial)",
  "console.preset.post": "write a post (IBM's tutorial)",
  "console.preset.mine": "mine a block with the pending transactions",
  "console.preset.pending": "the mempool (IBM's tutorial)",
  "console.preset.resolve": "take the longest valid chain from the peers (dvf's consensus)",

  // teacher
  "admin.title": "Teacher",
  "admin.reset": "Reset the chain",
  "admin.difficulty": "Difficulty",
  "admin.block_time_ms": "Block time (ms)",
  "admin.retarget_interval": "Retarget every",
  "admin.subsidy": "Reward",
  "admin.halving_interval": "Halving every",
  "admin.max_block_txs": "Max txs per block",
  "admin.genesis": "New genesis",
  "admin.peers": "Peers",
  "admin.refresh": "Refresh",
  "admin.kick": "Kick",
  "admin.kicked": (a) => `Kicked ${a.name} (${a.id}).`,
  "admin.kickFailed": (a) => `Could not kick ${a.id}: ${a.why}`,
  "admin.archivePeer": "· the server's archive",
  "admin.archiveAt": (a, x) => `Archive at height ${x.n(a.height)}`,
  "admin.archiveOff": "Archive not running",
  "admin.loadFailed": (a) => `Could not load the room: ${a.why}`,
  "admin.confirmReset": "Reset the chain? Every block is deleted and every tab restarts from the genesis block.",
  "admin.resetDone": "The room was reset; every tab reloads.",
  "admin.resetFailed": (a) => `Could not reset: ${a.why}`,
  "admin.confirmGenesis": "Start a new chain with these parameters? Every tab restarts from the new genesis block.",
  "admin.genesisDone": "New genesis; every tab reloads.",
  "admin.genesisFailed": (a) => `Could not start a new genesis: ${a.why}`,

  // the bench page is English-only for now (it is for developers)
};

// coins formats an amount of coins: "50 coins".
export function coins(n, x = formatter("en"), lang = "en") {
  const table = catalogs[lang] || en;
  return table.coins ? table.coins(n, x) : coinsEn(n, x);
}

// lang is the page's language: a key of catalogs (English for now; the
// i18n issue adds Chinese and picks it from the reader's settings).
export function lang() {
  return "en";
}

// t returns the page's words for key in lang, with a's values. An
// unknown key returns the key itself, so a missing entry shows.
export function t(key, a = {}, lg = lang()) {
  const table = catalogs[lg] || en;
  const v = table.ui[key] ?? en.ui[key];
  if (v === undefined) return key;
  return typeof v === "function" ? v(a || {}, formatter(table.locale)) : v;
}

// rule returns the clause saying what rule ev broke ({code, have, want,
// what}), in lang.
export function rule(ev, x = formatter("en"), lg = lang()) {
  const table = catalogs[lg] || en;
  return table.rule(ev, x);
}

// txLine describes a transaction (chain/node/view's TxView, or a
// node.TxSummary with its kind): who paid whom, or who posted what.
export function txLine(tx, x = formatter("en"), full = false) {
  const kind = tx.kind || (tx.amount > 0 ? "transfer" : "post");
  let s = t(`tx.${kind}`, tx);
  if (tx.memo && kind !== "coinbase") s += ` “${tx.memo}”`;
  if (full) s += ` · ${t("tx.id", tx)}`;
  return s;
}

// apiError turns a REST error (thrown with its body) into words: the
// rule's clause when the answer names one, else its sentence.
export function apiError(err, x = formatter("en")) {
  const b = err && err.body;
  if (b && b.rule) return rule({ code: b.rule, have: b.have, want: b.want, what: "transaction" }, x);
  return (b && b.error) || (err && err.message) || String(err);
}

// localize puts lang's words into every element under root that carries a
// key: data-msg (its text), data-msg-placeholder, data-msg-title,
// data-msg-aria-label and data-msg-alt. Keys the table lacks keep the
// page's English.
export function localize(root, lg = lang()) {
  const table = catalogs[lg] || en;
  const word = (k) => (typeof table.ui[k] === "string" ? table.ui[k] : undefined);
  for (const e of root.querySelectorAll("[data-msg]")) {
    const w = word(e.dataset.msg);
    if (w !== undefined && e.textContent !== w) e.textContent = w; // the server's words are often these already
  }
  for (const [attr, data] of [["placeholder", "msgPlaceholder"], ["title", "msgTitle"], ["aria-label", "msgAriaLabel"], ["alt", "msgAlt"]]) {
    for (const e of root.querySelectorAll(`[data-${attr === "aria-label" ? "msg-aria-label" : "msg-" + attr}]`)) {
      const w = word(e.dataset[data]);
      if (w !== undefined) e.setAttribute(attr, w);
    }
  }
  if (root.documentElement) root.documentElement.lang = table.locale;
}

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
