// Small DOM helpers shared by the page's modules. Every piece of text goes
// in as a text node (textContent, append of a string), never as HTML, so
// whatever a peer wrote (a nickname, a post, a memo) shows as text and
// runs nothing. Plain ES module, no build step.

export const $ = (id) => document.getElementById(id);

// el makes an element: attrs are attributes (false/null/undefined ones
// are left out), children strings or nodes (strings become text).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const SVG = "http://www.w3.org/2000/svg";

// svg makes an SVG element with attributes.
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

// hashEl shows a hex hash with its leading zeros marked: zeros is how
// many leading "0" digits it has (the view model says). chars > 0 cuts the
// hash to that many digits plus "…"; the whole hash is the title.
export function hashEl(hash, zeros, chars = 0, tag = "code") {
  const h = hash || "";
  let z = Math.min(zeros ?? (h.match(/^0*/)[0].length), h.length);
  let rest = h.slice(z);
  if (chars > 0 && h.length > chars) {
    z = Math.min(z, chars); // a hash of zeros (the genesis block's parent) is cut too
    rest = h.slice(z, Math.max(z, chars)) + "…";
  }
  const e = el(tag, { class: "hash", title: h });
  if (z > 0) e.append(el("span", { class: "zeros" }, h.slice(0, z)));
  e.append(rest);
  return e;
}

// leadingZeros counts the leading "0" digits of a hex string.
export const leadingZeros = (h) => (h || "").match(/^0*/)[0].length;

// keyed remembers what a list last showed, so it is rebuilt only when that
// changes: keyed(list) returns a function (key) → true when key differs
// from the last one.
export function changed() {
  let last;
  return (key) => {
    if (key === last) return false;
    last = key;
    return true;
  };
}

// live holds the elements whose words are functions (say, setText): a
// switch of language ("chainplay:lang", catalog.js) says them again.
const live = new Map();
if (typeof window !== "undefined") {
  window.addEventListener("chainplay:lang", () => {
    for (const [e, fn] of live) {
      if (e.isConnected) e.textContent = fn();
      else live.delete(e);
    }
  });
}

// setText puts text in e: a string, or a function returning the words
// (() => t(key, args)), said again after a switch of language.
export function setText(e, text) {
  if (typeof text === "function") {
    live.set(e, text);
    e.textContent = text();
  } else {
    live.delete(e);
    e.textContent = text;
  }
}

// say puts a message in a status element (setText): ok true, false or
// null (neutral).
export function say(e, text, ok = null) {
  setText(e, text);
  e.classList.toggle("ok", ok === true);
  e.classList.toggle("bad", ok === false);
}

// download offers text as a file named name.
export function download(name, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// follower keeps a sideways-scrolling box at its right end (the newest
// blocks) until the reader scrolls back, and again once they scroll to
// the end; call the returned function after each change of the content.
export function follower(box) {
  let follow = true;
  let touched = -1e9; // when the reader last scrolled, wheeled, dragged or keyed in it
  for (const ev of ["wheel", "touchmove", "pointerdown", "keydown"]) box.addEventListener(ev, () => (touched = performance.now()), { passive: true });
  box.addEventListener("scroll", () => {
    // Only the reader's scrolls count: a resize or our own scroll also
    // fires one.
    if (performance.now() - touched < 1500) follow = box.scrollLeft + box.clientWidth >= box.scrollWidth - 40;
  });
  const toEnd = () => {
    if (follow) box.scrollLeft = box.scrollWidth;
  };
  if (typeof ResizeObserver === "function") new ResizeObserver(toEnd).observe(box);
  return () => requestAnimationFrame(toEnd);
}
