// One workload of one library in a fresh process (fresh heap, its own peak
// RSS, a crash or hang that cannot take the run down). Prints one line
// "@@RESULT {json}"; everything else on stdout/stderr is the library's noise.
//
//   node bench/child.mjs '{"lib": "wasmgrad", "workload": "W1", "variant": "eager", "steps": 10000, ...}'
//   node bench/child.mjs '{"lib": "tfjs-wasm", "list": true}'   # version, notes and variants

import { timeLoop, timeRepeated, lossSummary, peakRss, now } from "./harness.mjs";

const LIBS = {
  wasmgrad: async () => (await import("./libs/wasmgrad.mjs")).load(),
  "tfjs-cpu": async () => (await import("./libs/tfjs.mjs")).load({ backend: "cpu" }),
  "tfjs-wasm": async () => (await import("./libs/tfjs.mjs")).load({ backend: "wasm" }),
  "jax-js": async () => (await import("./libs/jax.mjs")).load(),
  "js-pytorch": async () => (await import("./libs/jspytorch.mjs")).load(),
};

const report = (out) => process.stdout.write("@@RESULT " + JSON.stringify(out) + "\n");

async function main() {
  const task = JSON.parse(process.argv[2]);
  const t0 = now();
  const lib = await LIBS[task.lib]();
  const loadMs = now() - t0;
  if (task.list) {
    const variants = Object.fromEntries(Object.entries(lib.workloads).map(([w, vs]) => [w, Object.keys(vs)]));
    return report({ version: lib.version, notes: lib.notes, variants, peakRss: peakRss() });
  }
  const fn = lib.workloads[task.workload]?.[task.variant];
  if (!fn) throw new Error(`${task.lib} has no variant "${task.variant}" of ${task.workload}`);
  const out = { version: lib.version };
  if (task.cold && (task.workload === "W4" || task.workload === "W5")) {
    // a training step or a product, in this fresh process: setting up (data, parameters, optimizer)
    // timed apart, then the time of the first step and the cumulative time at each count in task.marks
    const t1 = now();
    const s = task.workload === "W4" ? await fn(task.n, task.case) : await fn(0);
    const run = s.step ?? s.run;
    const setupMs = now() - t1;
    const marks = task.marks;
    const firstStepsMs = {};
    const t2 = now();
    for (let i = 1; i <= marks[marks.length - 1]; i++) {
      const r = run();
      if (r && typeof r.then === "function") await r;
      if (marks.includes(i)) firstStepsMs[i] = now() - t2;
      // a slow peer stops at the first mark past the budget (the later marks are left out, "n/a")
      if (marks.includes(i) && now() - t2 > (task.budgetMs ?? Infinity)) break;
    }
    s.dispose();
    Object.assign(out, { kind: "coldSteps", loadMs, setupMs, firstStepsMs, peakRss: peakRss() });
    return report(out);
  }
  if (task.cold) {
    // what a user sees: this fresh process's first run, the library's import and init timed apart
    const t1 = now();
    const losses = await fn(task.steps);
    Object.assign(out, { kind: "cold", loadMs, firstRunMs: now() - t1, losses: lossSummary(losses) });
    out.peakRss = peakRss();
    return report(out);
  }
  switch (task.workload) {
    case "W1":
    case "W2":
    case "W2b": {
      const r = await timeLoop({
        warmup: () => fn(Math.max(1, Math.floor(task.steps / 10))),
        once: () => fn(task.steps),
        runs: task.runs,
        budgetMs: task.budgetMs,
        warmupMs: task.warmupMs ?? 0,
      });
      Object.assign(out, { kind: "loop", times: r.times, median: r.median, losses: lossSummary(r.result) });
      break;
    }
    case "W5":
    case "W6":
    case "W3": {
      const s = await fn(task.n ?? 0);
      const r = await timeRepeated({ run: s.step, blocks: task.blocks, targetMs: task.targetMs, budgetMs: task.budgetMs, warmupCalls: 2, warmupMs: task.warmupMs ?? 0 });
      const loss = s.step();
      s.dispose();
      Object.assign(out, { kind: "perStep", ...r, lossAfter: loss });
      break;
    }
    case "W4": {
      const cases = {};
      const t0 = now();
      for (const kase of task.cases) {
        if (now() - t0 > task.budgetMs) {
          cases[kase] = { error: "skipped: the child's time budget was spent" };
          continue;
        }
        const c = await fn(task.n, kase);
        const r = await timeRepeated({ run: c.run, blocks: task.blocks, targetMs: task.targetMs, budgetMs: task.budgetMs / task.cases.length, warmupMs: task.warmupMs ?? 0 });
        c.dispose();
        cases[kase] = { ...r, gflops: (2 * task.n ** 3) / (r.median * 1e6) };
      }
      Object.assign(out, { kind: "matmul", cases });
      break;
    }
    case "perop": {
      const c = fn();
      const r = await timeRepeated({ run: c.run, blocks: task.blocks, targetMs: task.targetMs, budgetMs: task.budgetMs, warmupCalls: 1000, warmupMs: task.warmupMs ?? 500 });
      c.dispose();
      Object.assign(out, { kind: "perCall", ...r });
      break;
    }
    default:
      throw new Error(`unknown workload ${task.workload}`);
  }
  if (lib.memory) out.memory = lib.memory();
  out.peakRss = peakRss();
  report(out);
}

main().then(
  () => process.exit(0), // some peers keep handles open (worker pools, timers)
  (e) => {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  },
);
