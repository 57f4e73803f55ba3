// Chainplay message format: the subset of ICU MessageFormat the catalogs
// (i18n-LANG.json) use, parsed and formatted here and, the same way, by
// the Go package web/i18n (which also checks the catalogs). Plain ES
// module, no build step.
//
//   text {name} text            the argument; a number is formatted for the
//                               locale, text is put in as it is
//   {name, number}              a number (or a decimal string of any size)
//   {name, hash}                a hash, shortened ("3f2a9c1b7e0d…")
//   {name, addr}                an address, shortened ("3f2a9c1b…")
//   {name, time}                unix milliseconds as a date and a time
//   {name, clock}               unix milliseconds as a time of day
//   {name, secs}                milliseconds as seconds ("3.2s")
//   {name, plural, =0 {…} one {…} other {…}}
//                               by the number's plural category in the
//                               locale (Intl.PluralRules); =N matches N
//                               exactly and goes first; # in a branch is
//                               the number, formatted
//   {name, select, a {…} other {…}}
//                               by the value (true/false for a boolean)
//
// There is no quoting: a message never holds a literal { or }. "other" is
// required in plural and select.

const TYPES = new Set(["number", "hash", "addr", "time", "clock", "secs", "plural", "select"]);

// MessageError is a message the parser refuses, with the offset.
export class MessageError extends Error {}

// parse returns a message's parts: strings, {arg, type} and, for plural
// and select, {arg, type, branches: {selector: parts}}; "#" in a plural
// branch is {pound: true}.
export function parse(src) {
  let i = 0;
  const fail = (why) => {
    throw new MessageError(`${why} at ${i} in “${src}”`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const ident = () => {
    const m = /^[A-Za-z0-9_=-]+/.exec(src.slice(i));
    if (!m) fail("expected a name");
    i += m[0].length;
    return m[0];
  };
  function message(inPlural, nested) {
    const parts = [];
    let text = "";
    while (i < src.length) {
      const c = src[i];
      if (c === "}") {
        if (!nested) fail("unexpected }");
        break;
      }
      if (c === "{") {
        if (text) parts.push(text), (text = "");
        i++;
        parts.push(arg());
        continue;
      }
      if (c === "#" && inPlural) {
        if (text) parts.push(text), (text = "");
        parts.push({ pound: true });
        i++;
        continue;
      }
      text += c;
      i++;
    }
    if (text) parts.push(text);
    return parts;
  }
  function arg() {
    ws();
    const name = ident();
    ws();
    if (src[i] === "}") {
      i++;
      return { arg: name, type: "" };
    }
    if (src[i] !== ",") fail("expected , or }");
    i++;
    ws();
    const type = ident();
    if (!TYPES.has(type)) fail(`unknown type “${type}”`);
    ws();
    if (type !== "plural" && type !== "select") {
      if (src[i] !== "}") fail("expected }");
      i++;
      return { arg: name, type };
    }
    if (src[i] !== ",") fail("expected ,");
    i++;
    const branches = {};
    for (;;) {
      ws();
      if (src[i] === "}") {
        i++;
        break;
      }
      const sel = ident();
      if (sel in branches) fail(`the branch “${sel}” twice`);
      ws();
      if (src[i] !== "{") fail("expected {");
      i++;
      branches[sel] = message(type === "plural", true);
      if (src[i] !== "}") fail("unclosed branch");
      i++;
    }
    if (!("other" in branches)) fail(`a ${type} needs an “other” branch`);
    return { arg: name, type, branches };
  }
  const parts = message(false, false);
  if (i < src.length) fail("unexpected }");
  return parts;
}

// args lists the argument names a message uses, nested ones included.
export function argNames(parts, into = new Set()) {
  for (const p of parts) {
    if (typeof p === "string" || p.pound) continue;
    into.add(p.arg);
    if (p.branches) for (const b of Object.values(p.branches)) argNames(b, into);
  }
  return into;
}

const pluralRules = new Map();

function category(locale, n) {
  let r = pluralRules.get(locale);
  if (!r) pluralRules.set(locale, (r = new Intl.PluralRules(locale)));
  return r.select(n);
}

// format puts args into parts, with x (catalog.js's formatter for the
// locale) doing the numbers, hashes and times.
export function format(parts, args, x, pound) {
  let out = "";
  for (const p of parts) {
    if (typeof p === "string") {
      out += p;
      continue;
    }
    if (p.pound) {
      out += x.n(pound);
      continue;
    }
    const v = args[p.arg];
    switch (p.type) {
      case "":
        out += typeof v === "number" || typeof v === "bigint" ? x.n(v) : v ?? "";
        break;
      case "number":
        out += x.n(v);
        break;
      case "hash":
        out += x.hash(v);
        break;
      case "addr":
        out += x.addr(v);
        break;
      case "time":
        out += x.time(v);
        break;
      case "clock":
        out += x.clock(v);
        break;
      case "secs":
        out += x.secs(v);
        break;
      case "plural": {
        const n = Number(v ?? 0);
        const b = p.branches[`=${n}`] ?? p.branches[category(x.locale, n)] ?? p.branches.other;
        out += format(b, args, x, v ?? 0);
        break;
      }
      case "select": {
        const b = p.branches[String(v)] ?? p.branches.other;
        out += format(b, args, x, pound);
        break;
      }
    }
  }
  return out;
}
