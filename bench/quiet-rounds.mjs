// W4's products on several threads, timed only in quiet moments of the host.
//
//   node bench/quiet-rounds.mjs [--n 256] [--threads 2] [--rounds 6] [--seconds 600]
//
// Each round times A·B, Aᵀ·B and A·Bᵀ (transpose made in the loop, as in W4) on
// `--threads` threads, medians of 7 samples of 40 ms, after 200 ms of warm-up each.
// Just before and just after, a 512³ product is timed (median of 5) on one thread and
// on all of them: a round counts as quiet only if all four read at least --quiet GFLOP/s
// a thread (default 48; the kernel reaches 49–51 on this machine's quiet cores, and a
// split product loses a few percent to waking and waiting). Every round is printed; the script
// stops after --rounds quiet ones or --seconds. The full bench (run.mjs) reruns a
// child that a SIMD probe saw on a shared core, but a stretch can start and end within
// a child; this times the cases apart, in rounds short enough to fall between stretches.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const n = opt("n", 256), threads = opt("threads", 2), rounds = opt("rounds", 6), seconds = opt("seconds", 600), quietAt = opt("quiet", 48);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wg = await import(pathToFileURL(join(root, "dist/wasmgrad.js")).href);
wg.manualSeed(1);
const a = wg.rand(n, n), b = wg.rand(n, n), p = wg.rand(512, 512), q = wg.rand(512, 512);
const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1];

/** GFLOP/s a thread of a 512³ product right now, on as many threads as are set. */
function rate() {
  const xs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    p.matmul(q).dispose();
    xs.push((2 * 512 ** 3) / (performance.now() - t) / 1e6);
  }
  return median(xs) / wg.getNumThreads();
}

const cases = {
  "A·B": () => a.matmul(b).dispose(),
  "Aᵀ·B": () => wg.scope(() => void a.T.matmul(b)),
  "A·Bᵀ": () => wg.scope(() => void a.matmul(b.T)),
};
const end = Date.now() + seconds * 1000;
const quiet = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
let kept = 0;
console.log(`n = ${n}, ${threads} threads, GFLOP/s; a round is quiet when a 512³ product reads >= ${quietAt} a thread, on one thread and on ${threads}, before and after it`);
while (Date.now() < end && kept < rounds) {
  // one thread, then all: the pool starts once a round, and the cases run on it warm
  const beforeOne = rate();
  await wg.setNumThreads(threads);
  const before = Math.min(beforeOne, rate());
  for (const f of Object.values(cases)) for (const t = performance.now(); performance.now() - t < 200; ) f();
  const got = {};
  for (const [k, f] of Object.entries(cases)) {
    const xs = [];
    for (let r = 0; r < 7; r++) {
      let c = 0;
      const t = performance.now();
      while (performance.now() - t < 40) {
        f();
        c++;
      }
      xs.push((2 * n ** 3 * c) / (performance.now() - t) / 1e6);
    }
    got[k] = median(xs);
  }
  const afterAll = rate();
  await wg.setNumThreads(1);
  const after = Math.min(afterAll, rate());
  const ok = before >= quietAt && after >= quietAt;
  if (ok) {
    kept++;
    for (const k of Object.keys(got)) quiet[k].push(got[k]);
  }
  const line = Object.entries(got).map(([k, v]) => `${k} ${v.toFixed(1)}`).join("  ");
  console.log(`${new Date().toISOString().slice(11, 19)}  probe ${before.toFixed(1)} / ${after.toFixed(1)}  ${ok ? "quiet" : "busy "}  ${line}`);
}
console.log(`${kept} quiet rounds` + (kept ? ": " + Object.entries(quiet).map(([k, v]) => `${k} ${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}`).join(", ") : ""));
