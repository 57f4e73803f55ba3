// bench.js measures the kernels for BenchmarkKernels: node bench.js
// kernel.js simd.wasm scalar.wasm ms. It prints JSON [{kind, mhs}], each the
// best of a few rounds of ms/4 milliseconds (the machine may be shared).
"use strict";
const fs = require("fs");
const [kernel, simd, scalar, ms] = process.argv.slice(2);
const K = require(kernel);
(async () => {
  const sources = { simd: fs.readFileSync(simd), scalar: fs.readFileSync(scalar) };
  const out = [];
  for (const kind of ["simd", "scalar"]) {
    const k = await K.loadKernel({ ...sources, prefer: kind });
    let best = 0;
    for (let i = 0; i < 4; i++) best = Math.max(best, K.benchKernel(k, { ms: Number(ms) / 4, warmMs: i ? 20 : 300 }).mhs);
    out.push({ kind, mhs: best });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
