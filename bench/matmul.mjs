// GFLOP/s of the matmul_f32 kernel (assembly/matmul.ts), called straight on
// build/wasmgrad.wasm (run `npm run build:wasm` first): C = op(A)·op(B) for
// square n x n operands in the transpose cases, then ns per call of the small
// products the series makes tens of thousands of times.
//
//   node bench/matmul.mjs [--sizes 64,256,1024] [--runs 21] [--cases AB,AtB,ABt,AtBt]
//                         [--small 4x4x4,5x4x4,...] [--baseline other.wasm]
//
// --baseline runs the same products on another build side by side, e.g. the
// kernel before this one:
//   git show HEAD:assembly/matmul.ts > /tmp/old.ts
//   npx asc /tmp/old.ts -O3 --runtime stub --enable simd --noAssert -o /tmp/old.wasm
//
// Times are medians over --runs samples (each sample long enough to time), with
// the best sample alongside: the machine may be shared, and a median shrugs off
// a neighbour's burst. The load average is printed so the numbers can be judged.

import { readFileSync } from "node:fs";
import { loadavg } from "node:os";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizes = opt("sizes", "64,256,1024").split(",").map(Number);
const runs = Number(opt("runs", "21"));
const cases = opt("cases", "AB,AtB,ABt,AtBt").split(",");
const smallShapes = opt("small", "4x4x4,5x4x4,4x4x5,16x16x16,64x64x64,64x64x1,1x64x64").split(",").map((s) => s.split("x").map(Number));
const FLAGS = { AB: [false, false], AtB: [true, false], ABt: [false, true], AtBt: [true, true] };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One instance of a build with A, B, C and scratch regions for products up to maxN. */
function load(file, label, maxN) {
  // Builds since the thread pool import their memory (env.memory); older ones export it.
  const imported = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory: imported, abort() {} } }).exports;
  const mem = ex.memory ?? imported;
  const region = maxN * maxN * 4 + 4096;
  const base = Math.ceil(mem.buffer.byteLength / 4096) * 4096;
  const scratchMax = 8 << 20;
  const end = base + 3 * region + scratchMax;
  if (end > mem.buffer.byteLength) mem.grow(Math.ceil((end - mem.buffer.byteLength) / 65536));
  const A = base, B = A + region, C = B + region, S = C + region;
  const f = new Float32Array(mem.buffer);
  let seed = 12345;
  for (let i = A >> 2; i < C >> 2; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    f[i] = ((seed >>> 8) / (1 << 24)) * 2 - 1;
  }
  // The scratch region is handed over whole; the kernel returns nonzero only if that is too small.
  const call = (m, k, n, tA, tB) => {
    if (ex.matmul_f32(A, B, C, m, k, n, tA, tB, 1, 0, 0, 0, S, scratchMax)) throw new Error(`${file}: scratch too small`);
  };
  return { label, call };
}

/** Median and best ms per call over `runs` samples of `reps` calls, the builds and cases interleaved. */
function time(builds, list, reps) {
  const ts = builds.map(() => list.map(() => []));
  for (let r = 0; r < runs; r++) {
    builds.forEach((b, bi) =>
      list.forEach((fn, li) => {
        const t0 = performance.now();
        for (let q = 0; q < reps; q++) fn(b);
        ts[bi][li].push((performance.now() - t0) / reps);
      }),
    );
  }
  return ts.map((perBuild) => perBuild.map((xs) => ({ median: median(xs), best: Math.min(...xs) })));
}

const root = new URL("..", import.meta.url);
const maxN = Math.max(...sizes, 64);
const builds = [load(new URL("build/wasmgrad.wasm", root), "this build", maxN)];
if (opt("baseline")) builds.push(load(opt("baseline"), opt("baseline"), maxN));

console.log(`node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}, ${runs} samples per entry`);
console.log(`\nGFLOP/s (2n³ flops / time), median [best]`);
for (const n of sizes) {
  const flops = 2 * n ** 3;
  const reps = Math.max(1, Math.round(2e7 / flops));
  const list = cases.map((c) => (b) => b.call(n, n, n, ...FLAGS[c]));
  for (const b of builds) for (const fn of list) for (let w = 0; w < 3; w++) fn(b); // warm-up: tier-up to TurboFan
  const res = time(builds, list, reps);
  builds.forEach((b, bi) => {
    const cells = cases.map((c, ci) => `${c} ${(flops / res[bi][ci].median / 1e6).toFixed(1)} [${(flops / res[bi][ci].best / 1e6).toFixed(1)}]`);
    console.log(`n=${String(n).padEnd(5)} ${builds.length > 1 ? b.label.padEnd(12) + " " : ""}${cells.join("   ")}`);
  });
}

console.log(`\nsmall products, ns per call (m x k x n), median [best]`);
for (const [m, k, n] of smallShapes) {
  const reps = Math.max(20, Math.round(3e6 / (m * k * n + 100)));
  const list = cases.map((c) => (b) => b.call(m, k, n, ...FLAGS[c]));
  for (const b of builds) for (const fn of list) for (let w = 0; w < 200; w++) fn(b);
  const res = time(builds, list, reps);
  builds.forEach((b, bi) => {
    const cells = cases.map((c, ci) => `${c} ${(res[bi][ci].median * 1e6).toFixed(0)} [${(res[bi][ci].best * 1e6).toFixed(0)}]`);
    console.log(`${`${m}x${k}x${n}`.padEnd(9)} ${builds.length > 1 ? b.label.padEnd(12) + " " : ""}${cells.join("   ")}`);
  });
}
