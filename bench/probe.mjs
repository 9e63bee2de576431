// How fast this core streams float32 data through SIMD arithmetic right now, to
// tell a quiet measurement from one taken while the core was shared.
//
// Why: these cores are shared with other machines' work. For seconds to minutes
// at a time a core runs wasmgrad's matmuls about 1.5x slower (every size from 128
// to 1024 alike, so not a matter of one cache level), and the peers with them,
// while a plain JavaScript integer loop, and a SIMD loop that keeps its data in
// registers, keep their speed. What is shared is the path from the caches: most
// likely another tenant on the core's other hardware thread. A timing taken then
// says more about the neighbour than about the library. So bench/run.mjs reads this
// probe on both cores just before and after every child, and runs a child again,
// once the cores are quiet, when its probe fell well below the best seen.
//
// The probe is a matmul's inner loop reduced to its essentials: a WebAssembly
// loop that loads f32x4 vectors from a 256 KiB buffer (in L2) and multiplies and
// adds them into six accumulators. On a quiet core it runs at ~52 operations per
// ns here; in a slow stretch at 30-40. The module is assembled below byte by
// byte, so that nothing here depends on the library under test.

import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const SIMD = 0xfd;
const op = {
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Const: 0x41, f32Const: 0x43,
  i32Add: 0x6a, i32Sub: 0x6b, i32LtU: 0x49, loop: 0x03, brIf: 0x0d, end: 0x0b, void: 0x40,
  v128: 0x7b, i32: 0x7f, f32: 0x7d,
  v128Load: [SIMD, 0x00], f32x4Splat: [SIMD, 0x13], f32x4ExtractLane: [SIMD, 0x1f], f32x4Add: [SIMD, 0xe4, 0x01], f32x4Mul: [SIMD, 0xe6, 0x01],
};
const leb = (n) => (n < 128 ? [n] : [(n & 127) | 128, ...leb(n >>> 7)]); // unsigned LEB128
const sleb = (n) => (n >= -64 && n < 64 ? [n & 127] : [(n & 127) | 128, ...sleb(n >> 7)]); // signed LEB128
const f32 = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];

const ACC = [1, 2, 3, 4, 5, 6]; // locals: 0 = passes (i32 param); 1..6 accumulators (v128)
const X = 7, OFFSET = 8; //        7 = the factor (v128), 8 = the byte offset (i32)
const STEP = ACC.length * 16; //   bytes per iteration: one vector per accumulator
const BYTES = Math.floor((256 << 10) / STEP) * STEP;
const body = [
  2, 7, op.v128, 1, op.i32, // locals: 7 v128 (zero-initialized: the accumulators start at 0), 1 i32
  op.f32Const, ...f32(0.5), ...op.f32x4Splat, op.localSet, X,
  op.loop, op.void, // for each pass
  op.i32Const, 0, op.localSet, OFFSET,
  op.loop, op.void, // for each STEP bytes: acc[k] += load(offset + 16k) * x
  ...ACC.flatMap((a, k) => [op.localGet, a, op.localGet, OFFSET, ...op.v128Load, 4, ...leb(16 * k), op.localGet, X, ...op.f32x4Mul, ...op.f32x4Add, op.localSet, a]),
  op.localGet, OFFSET, op.i32Const, ...sleb(STEP), op.i32Add, op.localTee, OFFSET, op.i32Const, ...sleb(BYTES), op.i32LtU, op.brIf, 0,
  op.end,
  op.localGet, 0, op.i32Const, 1, op.i32Sub, op.localTee, 0, op.brIf, 0,
  op.end,
  op.localGet, ACC[0], ...ACC.slice(1).flatMap((a) => [op.localGet, a, ...op.f32x4Add]), ...op.f32x4ExtractLane, 0,
  op.end,
];
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 1, op.i32, 1, op.f32]), // type: (i32) -> f32
  ...section(3, [1, 0]), // one function of that type
  ...section(5, [1, 0, (BYTES >> 16) + 1]), // a memory of enough 64 KiB pages
  ...section(7, [2, 3, ...[..."run"].map((c) => c.charCodeAt(0)), 0, 0, 3, ...[..."mem"].map((c) => c.charCodeAt(0)), 2, 0]),
  ...section(10, [1, ...leb(body.length), ...body]),
]);

const PASSES = 4; // ~1 ms
const OPERATIONS = PASSES * (BYTES / STEP) * ACC.length * 8; // a multiply and an add of 4 lanes per vector

let exports = null;
/** Float32 operations per ns of the probe on this thread now: the best of `times` runs of ~1 ms. */
export function fpProbe(times = 8) {
  if (!exports) {
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
    new Float32Array(exports.mem.buffer, 0, BYTES / 4).fill(1);
    // V8 starts the loop in its baseline compiler (~5x slower) and tiers it up after ~40 ms of calls
    for (const t0 = performance.now(); performance.now() - t0 < 150; ) exports.run(1);
  }
  let best = 0;
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const sum = exports.run(PASSES);
    const dt = performance.now() - t0;
    if (sum !== PASSES * (BYTES / STEP) * 0.5 * ACC.length) throw new Error(`probe: the loop computed ${sum}`);
    best = Math.max(best, OPERATIONS / (dt * 1e6));
  }
  return best;
}

// A workload may run on either core (or on both, with threads), so the probe runs on
// this thread and, at the same moment, on a worker thread: the scheduler puts two busy
// threads on two cores. A worker that answers "go" with a measurement:
if (!isMainThread && workerData === "probe") {
  fpProbe(1);
  parentPort.on("message", () => parentPort.postMessage(fpProbe()));
  parentPort.postMessage("ready");
}

/**
 * Starts a probe worker; `measure()` then gives the probe of both cores at once
 * ({ cores: [this thread's, the worker's], min }); `stop()` ends the worker.
 */
export async function startProber() {
  const worker = new Worker(new URL(import.meta.url), { workerData: "probe" });
  // one listener each for the life of the worker (a pair per reply would pile up error listeners)
  let awaiting = null;
  worker.on("message", (m) => awaiting?.resolve(m));
  worker.on("error", (e) => awaiting?.reject(e));
  const next = () => new Promise((resolve, reject) => (awaiting = { resolve, reject }));
  await next(); // "ready": warmed up
  return {
    async measure() {
      const theirs = next();
      worker.postMessage("go");
      const cores = [fpProbe(), await theirs];
      return { cores, min: Math.min(...cores) };
    },
    stop: () => worker.terminate(),
  };
}
