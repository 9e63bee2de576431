// Timing shared by every JavaScript library's child process. Medians, never
// means: the machine is shared, and a median shrugs off a neighbour's burst.

import { readFileSync } from "node:fs";

export const now = () => performance.now();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident set size of this process so far (VmHWM), in bytes; null where /proc is missing. */
export function peakRss() {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  return null;
}

/** Picks up to `losses` at the indices the golden data uses, to check that every library does the same math. */
export function lossSummary(losses) {
  const pick = (i) => (i < losses.length ? losses[i] : null);
  return { first: pick(0), at100: pick(100), at1000: pick(1000), last: losses[losses.length - 1], steps: losses.length };
}

/**
 * Runs `once()` (a whole training loop) until `runs` timings are taken or one
 * more run would overrun the budget (ms of measured time); always at least one.
 * First `warmup()` (a tenth of the loop) runs until warmupMs have passed: V8
 * keeps tiering a hot loop up for a second or more, and the runs should time
 * the steady state, not the compiler.
 */
export async function timeLoop({ warmup, once, runs, budgetMs, warmupMs = 0 }) {
  if (warmup) {
    const w0 = now();
    do await warmup();
    while (now() - w0 < warmupMs);
  }
  const times = [];
  let result;
  let spent = 0;
  while (times.length < runs && (times.length === 0 || spent + times[times.length - 1] <= budgetMs)) {
    const t0 = now();
    result = await once();
    const dt = now() - t0;
    times.push(dt);
    spent += dt;
  }
  return { times, median: median(times), result };
}

/**
 * Times `run()` (one small operation, or one training step) in blocks long
 * enough to read a clock reliably (~targetMs each); returns ms per call for
 * each block, after a warm-up. A `run` that returns a promise is awaited (jax-js's
 * blockUntilReady); a synchronous one is called in a plain loop, so the
 * harness adds no microtask to what it measures.
 */
export async function timeRepeated({ run, blocks, targetMs, budgetMs, warmupCalls = 3, warmupMs = 0, slowMs = 2000 }) {
  let isAsync = false;
  const w0 = now();
  // warm up for warmupCalls calls and at least warmupMs: V8 tiers a hot function up over ~100s of ms
  for (let i = 0; i < warmupCalls || now() - w0 < warmupMs; i++) {
    const t0 = now();
    const r = run();
    if (r && typeof r.then === "function") {
      isAsync = true;
      await r;
    }
    // one call long enough to time on its own (a slow peer's big matmul): that call is the measurement
    const dt = now() - t0;
    if (i === 0 && dt > slowMs) return { perCall: [dt], median: dt, reps: 1, single: true };
  }
  const block = isAsync
    ? async (reps) => {
        const t0 = now();
        for (let i = 0; i < reps; i++) await run();
        return now() - t0;
      }
    : (reps) => {
        const t0 = now();
        for (let i = 0; i < reps; i++) run();
        return now() - t0;
      };
  // calibrate: double the repetitions until a block lasts a quarter of targetMs
  let reps = 1;
  let spent = 0;
  for (;;) {
    const dt = await block(reps);
    spent += dt;
    if (dt >= targetMs / 4 || reps >= 1 << 24) {
      reps = Math.max(1, Math.round((reps * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 2;
  }
  const perCall = [];
  while (perCall.length < blocks && (perCall.length === 0 || spent < budgetMs)) {
    const dt = await block(reps);
    perCall.push(dt / reps);
    spent += dt;
  }
  return { perCall, median: median(perCall), reps };
}
