// harness.js runs the kernels for kernel_test.go: it reads a JSON request on
// stdin and writes the results as JSON on stdout.
//
// Request: {kernel: path of kernel.js, simd: path, scalar: path,
//   kinds: ["simd", "scalar"], noSIMD: bool (make the SIMD probe fail),
//   badSIMD: bool (a SIMD module that does not load),
//   cases: [{mode: "js", header: hex(100), target: hex(32), start: "n", count: n}
//         | {mode: "raw", params: hex(224)}]}
// Response: {simdSupported, auto: kind loadKernel picked,
//   results: {kind: [{found, nonce: "n", hash, hashes, next: "n", best, bestNonce: "n"} | {ret, mem: hex}]}}
"use strict";
const fs = require("fs");

const hexToBytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));

(async () => {
  const req = JSON.parse(fs.readFileSync(0, "utf8"));
  if (req.noSIMD) WebAssembly.validate = () => false; // an engine without SIMD
  const K = require(req.kernel);
  const sources = { simd: fs.readFileSync(req.simd), scalar: fs.readFileSync(req.scalar) };
  if (req.badSIMD) sources.simd = new Uint8Array([0x00, 0x61, 0x73, 0x6d]); // a module that fails to load
  const auto = await K.loadKernel(sources);
  const out = { simdSupported: K.simdSupported(), auto: auto.kind, results: {} };
  for (const kind of req.kinds) {
    const k = await K.loadKernel({ ...sources, prefer: kind });
    const mem = new Uint8Array(k.exports.memory.buffer);
    out.results[kind] = req.cases.map((c) => {
      if (c.mode === "raw") {
        mem.set(hexToBytes(c.params), 0);
        const ret = k.exports.scan();
        return { ret, mem: Buffer.from(mem.subarray(0, 224)).toString("hex") };
      }
      k.setJob(hexToBytes(c.header), hexToBytes(c.target));
      const r = k.scan(BigInt(c.start), c.count);
      return { found: r.found, nonce: String(r.nonce), hash: r.hash, hashes: r.hashes, next: String(r.next), best: r.best, bestNonce: String(r.bestNonce) };
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
