// Soak test of memory (issue 7): part 2's inverse loop run for many steps,
// written naively (no dispose, no scope) and with scope(), each in its own
// process. Prints linear memory and process RSS after step 100 and after the
// last step, and their ratios (the target: at most 2 for the naive loop, 1
// for linear memory with scope), and checks both loops end with the same bits.
//
//   node scripts/soak.mjs                 # 10^6 steps of each loop
//   node scripts/soak.mjs --steps 30000   # shorter
//   node scripts/soak.mjs --json          # one JSON object on stdout (test/memory.test.ts reads it)
//
// The library is bundled from src/ with esbuild first, so this measures the
// working tree. Each loop runs with --expose-gc; RSS is read as it is and again
// after a forced full GC (the JS heap's high-water mark says little).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const steps = Number(opt("--steps", 1_000_000));
if (!Number.isInteger(steps) || steps < 100) throw new RangeError(`soak: --steps must be an integer >= 100, got ${opt("--steps")}`);
const child = opt("--child", null);

if (child) {
  await runLoop(child, opt("--bundle"), steps);
} else {
  await main();
}

async function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const bundle = join(tmpdir(), `wasmgrad-soak-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, "src/index.ts")], bundle: true, format: "esm", platform: "neutral",
    target: "es2020", outfile: bundle, logLevel: "warning",
  });
  const results = {};
  try {
    for (const mode of ["scope", "naive"]) {
      const out = execFileSync(
        process.execPath,
        ["--expose-gc", fileURLToPath(import.meta.url), "--child", mode, "--bundle", bundle, "--steps", String(steps)],
        { encoding: "utf8", maxBuffer: 1 << 24 },
      );
      results[mode] = JSON.parse(out.trim().split("\n").pop());
    }
  } finally {
    rmSync(bundle, { force: true });
  }
  const sameBits = results.naive.finalX === results.scope.finalX;
  if (args.includes("--json")) {
    console.log(JSON.stringify({ steps, sameBits, ...results }));
    return;
  }
  const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const ratio = (a, b) => (b / a).toFixed(3);
  console.log(`node ${process.version}, ${steps} steps of part 2's inverse loop (4x4, momentum), each loop in its own process\n`);
  for (const mode of ["naive", "scope"]) {
    const r = results[mode];
    const [a, b] = r.samples;
    console.log(`${mode === "naive" ? "naive (no dispose, no scope)" : "with scope()"}: ${r.usPerStep.toFixed(1)} µs/step`);
    console.log(`  step ${String(a.step).padStart(8)}: linear memory ${mib(a.memoryBytes)} (${a.bytesInUse} bytes in use), RSS ${mib(a.rss)}, after gc ${mib(a.rssAfterGC)} (JS heap ${mib(a.heapUsedAfterGC)})`);
    console.log(`  step ${String(b.step).padStart(8)}: linear memory ${mib(b.memoryBytes)} (${b.bytesInUse} bytes in use), RSS ${mib(b.rss)}, after gc ${mib(b.rssAfterGC)} (JS heap ${mib(b.heapUsedAfterGC)})`);
    console.log(`  ratios (last / step 100): linear memory ${ratio(a.memoryBytes, b.memoryBytes)}, bytes in use ${ratio(a.bytesInUse, b.bytesInUse)}, RSS ${ratio(a.rss, b.rss)}, RSS after gc ${ratio(a.rssAfterGC, b.rssAfterGC)}`);
    console.log(`  blocks spilled out of linear memory: ${b.spills}, copied back in: ${b.restores}; final loss ${r.finalLoss}`);
  }
  console.log(`\nnaive and scoped loops end with the same bits: ${sameBits}`);
  const n = results.naive.samples, s = results.scope.samples;
  const ok = sameBits && n[1].memoryBytes / n[0].memoryBytes <= 2 && n[1].rss / n[0].rss <= 2 &&
    s[1].memoryBytes === s[0].memoryBytes && s[1].bytesInUse === s[0].bytesInUse;
  console.log(ok ? "PASS: bounded (ratios <= 2; no growth with scope)" : "FAIL");
  if (!ok) process.exitCode = 1;
}

async function runLoop(mode, bundle, steps) {
  const wg = await import(pathToFileURL(bundle).href);
  const { manualSeed, rand, eye, mseLoss, noGrad, scope, memoryStats } = wg;
  const lr = 0.9, momentum = 0.9;
  manualSeed(314);
  const M = rand(4, 4);
  const X = rand([4, 4], { requiresGrad: true });
  const I = eye(4);

  // Part 2's loop, as a user would first write it: nothing freed by hand.
  const naiveStep = () => {
    const loss = mseLoss(X.matmul(M), I);
    loss.backward();
    noGrad(() => {
      X.sub_(X.grad.mul(lr));
      X.grad.mul_(momentum);
    });
    return loss;
  };
  const scopedStep = () =>
    scope(() => {
      const loss = mseLoss(X.matmul(M), I);
      loss.backward();
      noGrad(() => {
        X.sub_(X.grad.mul(lr));
        X.grad.mul_(momentum);
      });
      return loss.item();
    });

  const sample = (step) => {
    const m = memoryStats();
    const rss = process.memoryUsage().rss;
    globalThis.gc?.();
    globalThis.gc?.();
    const after = process.memoryUsage();
    return { step, ...m, rss, rssAfterGC: after.rss, heapUsedAfterGC: after.heapUsed };
  };
  const samples = [];
  let finalLoss = NaN;
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    if (mode === "naive") {
      const loss = naiveStep();
      if (i === steps) finalLoss = loss.item();
    } else {
      finalLoss = scopedStep();
    }
    if (i === 100 || i === steps) samples.push(sample(i));
  }
  const usPerStep = ((performance.now() - t0) * 1000) / steps;
  const bits = new Uint32Array(new Float32Array(X.data()).buffer);
  const finalX = Array.from(bits, (b) => b.toString(16).padStart(8, "0")).join("");
  console.log(JSON.stringify({ mode, samples, usPerStep, finalLoss, finalX, gc: typeof globalThis.gc === "function" }));
}
