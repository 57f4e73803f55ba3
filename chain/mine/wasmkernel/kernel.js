// kernel.js: the WebAssembly nonce kernel for a Web Worker (package
// chain/mine/wasmkernel; see its doc.go for the memory layout and the
// contract). A plain script: importScripts("/static/kernel.js") defines
// self.ChainplayKernel; in node, require("./kernel.js") returns the same.
//
//   const k = await ChainplayKernel.loadKernel();  // SIMD if the engine has it, else scalar
//   k.kind;                                        // "simd" | "scalar"
//   k.setJob(header /* Uint8Array(100) */, target /* Uint8Array(32) */);
//   const r = k.scan(start /* BigInt or Number */, ChainplayKernel.CHUNK);
//   // r = {found, nonce, hash, hashes, next, best, bestNonce}
//   ChainplayKernel.benchKernel(k, {ms: 1000});    // {kind, hashes, ms, mhs}
//
// loadKernel rejects when no module can be loaded; the Worker then falls
// back to the Go kernel. One Kernel per Worker (it owns its wasm memory).
(function (root) {
  "use strict";

  // (module (func (result v128) i32.const 0 i32x4.splat)): validates only
  // where WebAssembly SIMD is supported.
  const SIMD_PROBE = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type: () -> v128
    0x03, 0x02, 0x01, 0x00, //                         func 0: type 0
    0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b, // code
  ]);

  // Word offsets (byte offset / 4) of the parameter block; see doc.go.
  const MID = 0, W = 8, HI = 15, TARGET = 16, START = 24, COUNT = 25,
    BEST = 26, BEST_LO = 34, BEST_HI = 35, FOUND = 36, NONCE_LO = 37,
    NONCE_HI = 38, DONE = 39, BLOCK0 = 40, STATE = 64;

  // CHUNK is the most nonces one call of the wasm scan hashes (a few ms):
  // V8 has no on-stack replacement for wasm, so a call that starts on
  // baseline code (Liftoff) ends on it. The first calls are shorter still
  // (FIRST_CHUNK, doubling): a first 64K call of the scalar kernel would
  // take ~140 ms on Liftoff in node.
  const CHUNK = 65536, FIRST_CHUNK = 4096;
  const TWO32 = 2 ** 32;
  const MAX_NONCE = (1n << 64n) - 1n;

  function simdSupported() {
    try {
      return WebAssembly.validate(SIMD_PROBE);
    } catch (e) {
      return false;
    }
  }

  async function instantiate(src) {
    if (typeof src === "string" || (typeof URL !== "undefined" && src instanceof URL)) {
      const resp = await fetch(src);
      if (!resp.ok) throw new Error(`kernel: fetch ${src}: ${resp.status}`);
      src = await resp.arrayBuffer();
    }
    const { instance } = await WebAssembly.instantiate(src, {});
    return instance;
  }

  function hex(words) {
    let s = "";
    for (const w of words) s += (w >>> 0).toString(16).padStart(8, "0");
    return s;
  }

  class Kernel {
    constructor(instance, kind) {
      this.kind = kind;
      this.exports = instance.exports;
      this.m = new Uint32Array(instance.exports.memory.buffer, 0, 72);
      this.chunk = FIRST_CHUNK;
    }

    // setJob starts a job: the header's first 100 bytes (its nonce bytes
    // are ignored) and the target, both big-endian. It computes the
    // midstate once and forgets the best hash.
    setJob(header, target) {
      if (header.length < 100 || target.length !== 32) throw new Error("kernel: bad header or target");
      const h = new DataView(header.buffer, header.byteOffset, 100);
      const t = new DataView(target.buffer, target.byteOffset, 32);
      const m = this.m;
      for (let i = 0; i < 16; i++) m[BLOCK0 + i] = h.getUint32(4 * i);
      for (let i = 0; i < 7; i++) m[W + i] = h.getUint32(64 + 4 * i);
      for (let i = 0; i < 8; i++) m[TARGET + i] = t.getUint32(4 * i);
      this.exports.init();
      this.resetBest();
    }

    // resetBest forgets the lowest hash seen.
    resetBest() {
      this.m.fill(0xffffffff, BEST, BEST + 8);
      this.m[BEST_LO] = 0;
      this.m[BEST_HI] = 0;
    }

    // scan hashes nonces start, start+1, … (count of them, at most 2^32,
    // stopping after nonce 2^64-1) in wasm calls of at most CHUNK nonces
    // that never cross a wrap of the low 32 bits, and stops at the first
    // nonce whose hash is ≤ the target. A Worker calls it with count =
    // CHUNK and looks at its messages between calls. Returns
    //   {found, nonce: BigInt, hash: hex of the found hash ("" if none),
    //    hashes: nonces hashed (the found one included),
    //    next: BigInt, the nonce after the last one hashed,
    //    best: hex of the lowest hash since setJob/resetBest ("" if none),
    //    bestNonce: BigInt}
    scan(start, count) {
      const m = this.m, scan = this.exports.scan;
      let n = BigInt(start), left = Math.min(Number(count), TWO32), hashes = 0;
      if (n > MAX_NONCE - BigInt(left) + 1n) left = Number(MAX_NONCE - n + 1n);
      let found = false, nonce = 0n, hash = "";
      while (left > 0) {
        const lo = Number(n & 0xffffffffn);
        const c = Math.min(left, this.chunk, TWO32 - lo);
        if (this.chunk < CHUNK) this.chunk *= 2;
        m[HI] = Number(n >> 32n);
        m[START] = lo;
        m[COUNT] = c;
        found = scan() === 1;
        const done = m[DONE];
        hashes += done;
        n += BigInt(done);
        left -= done;
        if (found) {
          nonce = (BigInt(m[NONCE_HI]) << 32n) | BigInt(m[NONCE_LO]);
          hash = hex(m.subarray(STATE, STATE + 8)); // the last hash the kernel computed
          break;
        }
      }
      return { found, nonce, hash, hashes, next: n, ...this.best() };
    }

    // best is the lowest hash since setJob/resetBest: {best: hex or "",
    // bestNonce: BigInt}.
    best() {
      const m = this.m;
      const w = m.subarray(BEST, BEST + 8);
      if (w.every((x) => x === 0xffffffff)) return { best: "", bestNonce: 0n };
      return { best: hex(w), bestNonce: (BigInt(m[BEST_HI]) << 32n) | BigInt(m[BEST_LO]) };
    }
  }

  // loadKernel instantiates the SIMD kernel where the engine supports wasm
  // SIMD (and the module loads), else the scalar one. opts: {simd, scalar}: URL strings or the
  // modules' bytes (defaults /static/kernel-simd.wasm and
  // /static/kernel-scalar.wasm); prefer: "simd" | "scalar" to force one.
  async function loadKernel(opts = {}) {
    const simdSrc = opts.simd ?? "/static/kernel-simd.wasm";
    const scalarSrc = opts.scalar ?? "/static/kernel-scalar.wasm";
    const prefer = opts.prefer;
    if (prefer !== undefined && prefer !== "simd" && prefer !== "scalar") throw new Error(`kernel: unknown kind ${prefer}`);
    if (prefer === "simd" && !simdSupported()) throw new Error("kernel: no WebAssembly SIMD");
    if (prefer !== "scalar" && simdSupported()) {
      try {
        return new Kernel(await instantiate(simdSrc), "simd");
      } catch (e) {
        if (prefer === "simd") throw e; // else try the scalar kernel
      }
    }
    return new Kernel(await instantiate(scalarSrc), "scalar");
  }

  // benchKernel measures kernel k: a warm-up of warmMs, then calls of chunk
  // nonces for about ms milliseconds on a job with an unreachable target.
  // Returns {kind, hashes, ms, mhs}.
  function benchKernel(k, { ms = 1000, warmMs = 300, chunk = CHUNK } = {}) {
    const header = new Uint8Array(100);
    for (let i = 0; i < 100; i++) header[i] = (i * 167 + 13) & 0xff;
    k.setJob(header, new Uint8Array(32));
    const now = () => performance.now();
    let n = 0n;
    for (const t0 = now(); now() - t0 < warmMs;) n = k.scan(n, chunk).next;
    let hashes = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < ms) {
      const r = k.scan(n, chunk);
      hashes += r.hashes;
      n = r.next;
      t = now();
    }
    return { kind: k.kind, hashes, ms: t - t0, mhs: hashes / (t - t0) / 1000 };
  }

  const api = { loadKernel, simdSupported, benchKernel, Kernel, CHUNK };
  root.ChainplayKernel = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(typeof self !== "undefined" ? self : globalThis);
