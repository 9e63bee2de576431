// wasmgrad's benchmark against its peers, on the workloads of the blog series
// (see bench/README.md). Each workload of each library runs in its own child
// process with a timeout; a library that fails shows "n/a" with the reason.
//
//   npm run bench                  # full run (~40 min with the cold rows), writes bench/RESULTS.md and bench/results.json
//   npm run bench -- --quick       # smoke run (fewer steps, runs and sizes), writes bench/RESULTS-quick.md
//   npm run bench -- --libs=wasmgrad,torch --workloads=W1,W3   # a subset (writes nothing unless --write)

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startProber } from "./probe.mjs";
import { sizes } from "./size.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const PYTHON = "/usr/bin/python3";

// ---- options -----------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const quick = flag("quick");
const onlyLibs = option("libs")?.split(",");
const onlyWorkloads = option("workloads")?.split(",");
const subset = Boolean(onlyLibs || onlyWorkloads);
const write = !subset || flag("write");

const CONFIG = quick
  ? {
      steps: { W1: 1000, W2: 2000, W2b: 2000 },
      runs: 2,
      loopBudgetMs: 4000,
      loopWarmupMs: 300,
      w3: { sizes: [64, 256], blocks: 2, targetMs: 50, budgetMs: 1000, warmupMs: 100 },
      w4: { sizes: [64, 256], blocks: 2, targetMs: 30, budgetMs: 3000, warmupMs: 50 },
      perop: { blocks: 2, targetMs: 30, budgetMs: 500, warmupMs: 200 },
      timeoutMs: 60_000,
    }
  : {
      steps: { W1: 10_000, W2: 20_000, W2b: 20_000 },
      runs: 5,
      loopBudgetMs: 15_000,
      loopWarmupMs: 1500,
      w3: { sizes: [64, 256, 512], blocks: 5, targetMs: 200, budgetMs: 4000, warmupMs: 500 },
      w4: { sizes: [64, 256, 512, 1024], blocks: 5, targetMs: 100, budgetMs: 15_000, warmupMs: 200 },
      perop: { blocks: 7, targetMs: 100, budgetMs: 2000, warmupMs: 1000 },
      timeoutMs: 180_000,
    };

const MATMUL_CASES = [
  ["AB", "A·B"],
  ["AtB", "Aᵀ·B, transpose in the loop"],
  ["ABt", "A·Bᵀ, transpose in the loop"],
  ["AtB_pre", "Aᵀ·B, Aᵀ made beforehand"],
  ["ABt_pre", "A·Bᵀ, Bᵀ made beforehand"],
];

// ---- the libraries -----------------------------------------------------------------------------

/** wasmgrad first; the peers are the table's other columns. */
const LIBS = [
  { id: "wasmgrad", title: "wasmgrad", runner: "node" },
  { id: "tfjs-cpu", title: "tfjs cpu", runner: "node" },
  { id: "tfjs-wasm", title: "tfjs wasm", runner: "node" },
  { id: "jax-js", title: "jax-js wasm+jit", runner: "node" },
  { id: "js-pytorch", title: "js-pytorch", runner: "node" },
  { id: "torch", title: "PyTorch 1 thread", runner: "python", threads: 1 },
].filter((l) => !onlyLibs || onlyLibs.includes(l.id) || l.id === "wasmgrad");

const say = (s = "") => process.stdout.write(s + "\n");

/** Runs one child; returns its @@RESULT object, or { error } with a short reason. */
function runChild(lib, task, timeoutMs = CONFIG.timeoutMs) {
  const [cmd, args] =
    lib.runner === "python"
      ? [PYTHON, [join(here, "torch_bench.py"), JSON.stringify({ ...task, threads: lib.threads === 1 ? 1 : "default" })]]
      : [process.execPath, [join(here, "child.mjs"), JSON.stringify({ lib: lib.id, ...task })]];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, encoding: "utf8" });
  const wallMs = performance.now() - t0;
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("@@RESULT "));
  if (line) return { ...JSON.parse(line.slice(9)), wallMs };
  if (r.error?.code === "ETIMEDOUT" || r.signal === "SIGKILL") return { error: `timeout after ${Math.round(timeoutMs / 1000)} s`, wallMs };
  const err = (r.stderr || r.stdout || String(r.error ?? "")).trim().split("\n");
  const reason = err.find((l) => /Error|error:|Cannot|not found|No module/.test(l)) ?? err[err.length - 1] ?? `exit ${r.status}`;
  return { error: reason.trim().slice(0, 160), wallMs };
}

function preflight(lib) {
  if (lib.id === "wasmgrad" && !existsSync(join(root, "dist/wasmgrad.js"))) return { error: "dist/wasmgrad.js missing: run `npm run build`" };
  if (lib.runner === "node" && lib.id !== "wasmgrad" && !existsSync(join(here, "node_modules")))
    return { error: "bench/node_modules missing: run `(cd bench && npm install)`" };
  if (lib.runner === "python") {
    const r = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) return { error: `${PYTHON} -c "import torch" failed: ${(r.stderr || String(r.error)).trim().split("\n").pop()}` };
    const info = runChild(lib, { workload: "perop", blocks: 1, targetMs: 1, budgetMs: 1 }, 60_000);
    if (info.error) return info;
    return { version: info.version, notes: [`torch's default thread count here: ${info.default_threads}`], defaultThreads: info.default_threads, peakRss: info.peakRss };
  }
  return runChild(lib, { list: true }, 60_000);
}

// ---- shared cores ------------------------------------------------------------------------------

// Just before and after each child, the runner measures both cores' float throughput
// at once (bench/probe.mjs). A child whose probe (the lowest of the four readings)
// is under QUIET times the best seen in this run timed cores that something else was
// using: once the probe reads quiet again (or after WAIT_MS), it runs again, up to
// RETRIES times, and the run with the highest probe is kept. Rows still under QUIET
// are marked in the table.
const QUIET = 0.85;
const RETRIES = flag("no-retries") ? 0 : 2; // --no-retries: take each child as it comes (a smoke run on a busy machine)
const WAIT_MS = 60_000; // per retry, and at most WAIT_TOTAL_MS in a whole run
const WAIT_TOTAL_MS = 8 * 60_000;
const prober = await startProber();
let bestProbe = 0;
let waitedMs = 0;
for (let i = 0; i < 5; i++) bestProbe = Math.max(bestProbe, ...(await prober.measure()).cores);
const quietness = (r) => (r?.probe ? Math.min(...r.probe.before, ...r.probe.after) / bestProbe : null);

/** Waits (in 2 s steps) until the cores' probe reads quiet, for at most WAIT_MS and the run's remaining waiting budget. */
async function waitForQuiet() {
  const t0 = performance.now();
  while (waitedMs + (performance.now() - t0) < WAIT_TOTAL_MS && performance.now() - t0 < WAIT_MS) {
    const { min } = await prober.measure();
    if (min >= QUIET * bestProbe) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  waitedMs += performance.now() - t0;
}

/** Runs one child, and again while the cores were shared (see above); `attempts` says how many ran. */
async function measure(lib, task) {
  let kept = null;
  let attempts = 0;
  while (attempts <= RETRIES) {
    if (attempts > 0) await waitForQuiet();
    attempts++;
    const before = (await prober.measure()).cores;
    const r = runChild(lib, task);
    if (!r.error) r.probe = { before, after: (await prober.measure()).cores };
    if (r.probe) bestProbe = Math.max(bestProbe, ...r.probe.before, ...r.probe.after);
    if (!kept || (quietness(r) ?? 0) > (quietness(kept) ?? 0)) kept = r;
    if (r.error || quietness(r) >= QUIET) break;
  }
  return { ...kept, attempts };
}

// ---- the workloads -----------------------------------------------------------------------------

/** A job is one child per (library, variant); a row is one number in the table. */
const GROUPS = [];
const loopTask = (w) => ({ workload: w, steps: CONFIG.steps[w], runs: CONFIG.runs, budgetMs: CONFIG.loopBudgetMs, warmupMs: CONFIG.loopWarmupMs });
const k = (n) => n.toLocaleString("en-US");
GROUPS.push({ workload: "W1", task: loopTask("W1"), rows: [{ id: "W1", label: `W1 inverse 4×4, ${k(CONFIG.steps.W1)} steps, hand momentum`, unit: "ms" }] });
GROUPS.push({ workload: "W2", task: loopTask("W2"), rows: [{ id: "W2", label: `W2 SVD 5×4, ${k(CONFIG.steps.W2)} steps, hand momentum`, unit: "ms" }] });
GROUPS.push({ workload: "W2b", task: loopTask("W2b"), rows: [{ id: "W2b", label: `W2b SVD 5×4, ${k(CONFIG.steps.W2b)} steps, Adam(wd=1e-5)`, unit: "ms" }] });
for (const n of CONFIG.w3.sizes)
  GROUPS.push({ workload: "W3", task: { workload: "W3", n, ...CONFIG.w3 }, rows: [{ id: `W3:${n}`, label: `W3 inverse ${n}×${n} by Adam, per step`, unit: "ms/step" }] });
for (const n of CONFIG.w4.sizes)
  GROUPS.push({
    workload: "W4",
    // n = 1024 gets three times the time budget, not fewer blocks: with 3 blocks one brush with a shared
    // core (a block at 34 GFLOP/s among ones at 48) moved the median, and at twice the budget
    // js-pytorch (one 16 s call per case) ran out before its fifth case.
    task: { workload: "W4", n, cases: MATMUL_CASES.map(([c]) => c), ...CONFIG.w4, ...(n >= 1024 && { budgetMs: 3 * CONFIG.w4.budgetMs }) },
    rows: MATMUL_CASES.map(([c, text]) => ({ id: `W4:${n}:${c}`, case: c, label: `W4 matmul ${n}: ${text}`, unit: "GFLOP/s" })),
  });
GROUPS.push({ workload: "W5", task: { workload: "W5", ...CONFIG.w3 }, rows: [{ id: "W5", label: "W5 MLP 784→256→10, batch 128, ReLU, cross-entropy, Adam: per step", unit: "ms/step" }] });
GROUPS.push({ workload: "W6", task: { workload: "W6", ...CONFIG.w3 }, rows: [{ id: "W6", label: "W6 CNN 2×conv3×3 + maxPool + linear, batch 32 of 28×28, Adam: per step", unit: "ms/step" }] });
GROUPS.push({ workload: "perop", task: { workload: "perop", ...CONFIG.perop }, rows: [{ id: "perop", label: "one eager 4×4 mul with autograd", unit: "µs" }] });
const groups = GROUPS.filter((g) => !onlyWorkloads || onlyWorkloads.includes(g.workload));

/** The number a row shows for one child's result (or an error). */
function metric(row, r) {
  if (!r || r.error) return { error: r?.error ?? "not run" };
  if (r.kind === "loop") return { value: r.median };
  if (r.kind === "perStep") return { value: r.median };
  if (r.kind === "perCall") return { value: r.median * 1000 };
  if (r.kind === "matmul") {
    const c = r.cases[row.case];
    return c?.error ? { error: c.error } : { value: c.gflops };
  }
  return { error: `unknown result kind ${r.kind}` };
}
const higherIsBetter = (row) => row.unit === "GFLOP/s";

// ---- formatting ------------------------------------------------------------------------------------

function num(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}
const ratioText = (r) => (r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)) + "×";
const mb = (b) => (b == null ? "–" : (b / 2 ** 20).toFixed(0));
const kib = (b) => (b == null ? "–" : b >= 2 ** 20 ? (b / 2 ** 20).toFixed(1) + " MiB" : (b / 1024).toFixed(1) + " KiB");

function markdownTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  return [line(header), "|" + widths.map((w, i) => (i === 0 ? ":" : "-") + "-".repeat(w) + (i === 0 ? "-" : ":")).join("|") + "|", ...rows.map(line)].join("\n");
}

// ---- run -----------------------------------------------------------------------------------------

/**
 * Which wasmgrad is measured: the commit, whether src/ or assembly/ differ from
 * it, when dist/ was built. The bundle (self-contained, the wasm inside) is
 * copied now and every child imports the copy: other engineers rebuild dist/
 * while a run is going.
 */
function snapshotWasmgrad() {
  const git = (...a) => spawnSync("git", a, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  const commit = git("rev-parse", "--short", "HEAD") || "?";
  const dirty = git("status", "--porcelain", "--", "src", "assembly") !== "";
  const dist = join(root, "dist/wasmgrad.js");
  if (!existsSync(dist)) return "dist/wasmgrad.js not built";
  const built = statSync(dist).mtime.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  const bytes = readFileSync(dist);
  const copy = join(mkdtempSync(join(os.tmpdir(), "wasmgrad-bench-")), "wasmgrad.js");
  writeFileSync(copy, bytes);
  process.env.WASMGRAD_BUNDLE = pathToFileURL(copy).href;
  const sha = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  return `commit ${commit}${dirty ? " plus uncommitted changes in src/ or assembly/" : ""}; dist/wasmgrad.js built ${built} (sha256 ${sha}…, copied at the start of the run)`;
}
const wasmgradBuild = snapshotWasmgrad();

const started = new Date();
const loadStart = os.loadavg();
say(`wasmgrad benchmark${quick ? " (--quick)" : ""}: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism?.() ?? os.cpus().length} cores, node ${process.version}`);
say(`wasmgrad: ${wasmgradBuild}`);
say("Timings are medians; other processes share this machine, so expect noise of 10–30 % between runs.\n");

const libInfo = {};
for (const lib of LIBS) {
  const info = preflight(lib);
  libInfo[lib.id] = info;
  say(`  ${lib.title.padEnd(18)} ${info.error ? "n/a: " + info.error : info.version}`);
}
// PyTorch with its default thread count too, when that is not 1 (cheap: only then is it a different measurement)
const torchInfo = libInfo.torch;
if (torchInfo && !torchInfo.error && torchInfo.defaultThreads > 1) {
  const lib = { id: "torch-default", title: `PyTorch ${torchInfo.defaultThreads} threads`, runner: "python", threads: "default" };
  LIBS.push(lib);
  libInfo[lib.id] = { ...torchInfo, version: torchInfo.version.replace("1 thread", `${torchInfo.defaultThreads} threads`) };
}
say();

/** Variants each library runs for a workload: every wasmgrad variant (one row each), the peers' first. */
function variantsOf(lib, workload) {
  const info = libInfo[lib.id];
  if (info.error) return [];
  if (lib.runner === "python") return [{ W2b: "optim.Adam", W3: "optim.Adam", W5: "F + optim.Adam", W6: "F + optim.Adam" }[workload] ?? "eager"];
  const vs = info.variants?.[workload] ?? [];
  return lib.id === "wasmgrad" ? vs : vs.slice(0, 1);
}

const results = {}; // results[groupIndex][libId][variant] = child result
const commands = [];
for (const [gi, g] of groups.entries()) {
  results[gi] = {};
  for (const lib of LIBS) {
    results[gi][lib.id] = {};
    for (const variant of variantsOf(lib, g.workload)) {
      const task = lib.runner === "python" ? g.task : { ...g.task, variant };
      const r = await measure(lib, task);
      results[gi][lib.id][variant] = r;
      commands.push({ lib: lib.id, variant, task });
      const shown = g.rows.map((row) => {
        const m = metric(row, r);
        return m.error ? "n/a" : `${num(m.value)} ${row.unit}`;
      });
      const what = g.rows.length > 1 ? `${g.rows[0].label.replace(/:.*/, "")} [${shown.join(", ")}]` : `${g.rows[0].label}: ${shown[0]}`;
      const q = quietness(r);
      const probe = q == null ? "" : `; probe ${(q * 100).toFixed(0)}%${r.attempts > 1 ? ` of the best, the quietest of ${r.attempts} runs` : ""}`;
      say(`  ${lib.title} ${variant !== "eager" ? `(${variant}) ` : ""}— ${what}${r.error ? ` — ${r.error}` : ""}  (${(r.wallMs / 1000).toFixed(1)} s${probe})`);
    }
  }
}

// ---- cold start: what a user sees first -------------------------------------------------------------------

// W1 and W2 in fresh processes, the first run only (nothing warmed up), the library's
// import and init timed apart; the median of COLD_SAMPLES processes. Both ways of
// writing the loss: the fused mseLoss in a scope (torch: F.mse_loss) and the
// notebook's composed loss without scope. JavaScript peers run their one variant.
const COLD_SAMPLES = quick ? 2 : 5;
const COLD_STYLES = [
  { id: "eager", text: "mseLoss + scope (PyTorch: F.mse_loss)", wasmgrad: "eager" },
  { id: "noScope", text: "mseLoss, no scope", wasmgrad: "mseLoss, no scope", only: "wasmgrad" },
  { id: "notebook", text: "composed loss, no scope, as the notebook writes it", wasmgrad: "notebook: composed loss, no scope" },
];
// W1 also in fresh processes that run only its first 100 and first 1,000 steps: how soon a loop is fast.
const coldPrefixes = (w) => (w === "W1" ? [100, 1000].filter((n) => n < CONFIG.steps[w]) : []);
/** The runs of COLD_SAMPLES fresh processes that did not fail. */
async function coldSamples(lib, task) {
  const samples = [];
  for (let i = 0; i < COLD_SAMPLES; i++) samples.push(await measure(lib, task));
  return { ok: samples.filter((r) => !r.error), error: samples[0].error };
}
const coldWorkloads = ["W1", "W2"].filter((w) => !onlyWorkloads || onlyWorkloads.includes(w));
const cold = {}; // cold[workload][libId][styleId] = { loadMs, firstRunMs, samples, firstStepsMs: { 100: ms, 1000: ms } }
if (coldWorkloads.length) say("\nCold start (a fresh process each, its first run):");
for (const w of coldWorkloads) {
  cold[w] = {};
  for (const lib of LIBS) {
    if (libInfo[lib.id].error || lib.id === "torch-default") continue;
    cold[w][lib.id] = {};
    const styles = lib.id === "wasmgrad" ? COLD_STYLES : lib.runner === "python" ? COLD_STYLES.filter((s) => !s.only) : [COLD_STYLES[0]];
    for (const style of styles) {
      const variant = lib.id === "wasmgrad" ? style.wasmgrad : lib.runner === "python" ? undefined : variantsOf(lib, w)[0];
      const taskOf = (steps) => ({ workload: w, steps, cold: true, ...(variant && { variant }), ...(lib.runner === "python" && { style: style.id }) });
      const task = taskOf(CONFIG.steps[w]);
      const { ok, error } = await coldSamples(lib, task);
      cold[w][lib.id][style.id] = ok.length
        ? { loadMs: median(ok.map((r) => r.loadMs)), firstRunMs: median(ok.map((r) => r.firstRunMs)), samples: ok.map((r) => [r.loadMs, r.firstRunMs]) }
        : { error };
      commands.push({ lib: lib.id, variant, task });
      const c = cold[w][lib.id][style.id];
      if (coldPrefixes(w).length && !c.error) {
        c.firstStepsMs = {};
        for (const steps of coldPrefixes(w)) {
          const { ok: good } = await coldSamples(lib, taskOf(steps));
          if (good.length) c.firstStepsMs[steps] = median(good.map((r) => r.firstRunMs));
          commands.push({ lib: lib.id, variant, task: taskOf(steps) });
        }
      }
      const prefixText = c.firstStepsMs ? Object.entries(c.firstStepsMs).map(([n, ms]) => `, first ${n} steps ${num(ms)} ms`).join("") : "";
      say(`  ${lib.title} ${w} (${style.id}) — ${c.error ? c.error : `load ${num(c.loadMs)} ms, first run ${num(c.firstRunMs)} ms${prefixText} (median of ${ok.length})`}`);
    }
  }
}

// The MLP training step (W5) and the 512² product (W4) in fresh processes too: the time of the
// first step and of the first 10 and 100, counted in one process (the setup of data and
// parameters timed apart). wasmgrad with and without scope; peers run their one variant.
const COLD_STEPS = [
  { w: "W5", label: "W5 MLP 784→256→10, batch 128, Adam step", step: ["step", "steps"], task: {}, styles: [["scope", "nn.functional + optim.Adam", "scope"], ["noScope", "no scope", "no scope"]] },
  { w: "W4", label: "W4 matmul 512: A·B", step: ["product", "products"], task: { n: 512, case: "AB" }, styles: [["scope", "eager", "result disposed"], ["noScope", "no scope", "no scope"]] },
].filter((c) => !onlyWorkloads || onlyWorkloads.includes(c.w));
const COLD_MARKS = quick ? [1, 10] : [1, 10, 100];
/** A sample stops at the first mark after this long: tfjs-cpu's and js-pytorch's 100 products took 35-45 s each. */
const COLD_STEPS_BUDGET_MS = 5000;
const coldSteps = {}; // coldSteps[workload][libId][styleId] = { loadMs, setupMs, firstStepsMs: { 1: ms, 10: ms, 100: ms } }
for (const c of COLD_STEPS) {
  coldSteps[c.w] = {};
  for (const lib of LIBS) {
    if (libInfo[lib.id].error || lib.id === "torch-default") continue;
    coldSteps[c.w][lib.id] = {};
    const styles = lib.id === "wasmgrad" ? c.styles : [[c.styles[0][0], lib.runner === "python" ? undefined : variantsOf(lib, c.w)[0]]];
    for (const [id, variant] of styles) {
      if (lib.runner !== "python" && !variant) continue;
      const task = { workload: c.w, cold: true, marks: COLD_MARKS, budgetMs: COLD_STEPS_BUDGET_MS, ...c.task, ...(variant && { variant }) };
      const { ok, error } = await coldSamples(lib, task);
      commands.push({ lib: lib.id, variant, task });
      const r = ok.length
        ? {
            loadMs: median(ok.map((x) => x.loadMs)),
            setupMs: median(ok.map((x) => x.setupMs)),
            // a mark some sample did not reach (it ran out of time) is left out
            firstStepsMs: Object.fromEntries(COLD_MARKS.filter((m) => ok.every((x) => x.firstStepsMs[m] != null)).map((m) => [m, median(ok.map((x) => x.firstStepsMs[m]))])),
          }
        : { error };
      coldSteps[c.w][lib.id][id] = r;
      say(`  ${lib.title} ${c.w} cold (${variant ?? "eager"}) — ${r.error ? r.error : Object.entries(r.firstStepsMs).map(([m, ms]) => `first ${m}: ${num(ms)} ms`).join(", ") + ` (setup ${num(r.setupMs)} ms, median of ${ok.length})`}`);
    }
  }
}

function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// ---- the table -------------------------------------------------------------------------------------------

const peers = LIBS.filter((l) => l.id !== "wasmgrad");
/** "†" after a number measured on a shared core (its probe under QUIET even after the retries). */
const shared = (r) => ((quietness(r) ?? 1) < QUIET ? "†" : "");
const reasons = [];
const footnote = (text) => {
  let i = reasons.indexOf(text);
  if (i < 0) i = reasons.push(text) - 1;
  return `n/a[${i + 1}]`;
};
const header = ["workload", "unit", "wasmgrad", ...peers.map((p) => p.title)];
const tableRows = [];
for (const [gi, g] of groups.entries()) {
  const ours = libInfo.wasmgrad.error ? [null] : Object.keys(results[gi].wasmgrad);
  if (ours.length === 0) ours.push(null);
  for (const row of g.rows) {
    for (const variant of ours) {
      const mine = variant ? metric(row, results[gi].wasmgrad[variant]) : { error: libInfo.wasmgrad.error ?? "not run" };
      const label = ours.length > 1 || (variant && variant !== "eager") ? `${row.label} [wasmgrad: ${variant}]` : row.label;
      const cells = [label, row.unit, mine.error ? footnote(`wasmgrad: ${mine.error}`) : num(mine.value) + shared(results[gi].wasmgrad[variant])];
      for (const p of peers) {
        const pv = Object.keys(results[gi][p.id] ?? {})[0];
        const m = libInfo[p.id].error ? { error: libInfo[p.id].error } : metric(row, results[gi][p.id]?.[pv]);
        if (m.error) {
          cells.push(footnote(`${p.title}: ${m.error}`));
          continue;
        }
        const ratio = mine.error ? null : higherIsBetter(row) ? mine.value / m.value : m.value / mine.value;
        cells.push(`${num(m.value)}${shared(results[gi][p.id]?.[pv])}${ratio == null ? "" : ` (${ratioText(ratio)})`}`);
      }
      tableRows.push(cells);
    }
  }
}
const mainTable = markdownTable(header, tableRows);

const coldPeers = peers.filter((p) => p.id !== "torch-default");
const coldRows = [];
for (const w of coldWorkloads) {
  const label = w === "W1" ? `W1 inverse 4×4, ${k(CONFIG.steps.W1)} steps` : `W2 SVD 5×4, ${k(CONFIG.steps.W2)} steps`;
  const cell = (lib, style, key, ours, steps) => {
    const c = cold[w][lib.id]?.[style] ?? cold[w][lib.id]?.eager;
    if (!c) return footnote(`${lib.title}: ${libInfo[lib.id].error ?? "not run"}`);
    if (c.error) return footnote(`${lib.title}: ${c.error}`);
    const v = steps ? c.firstStepsMs?.[steps] : c[key];
    if (v == null) return "n/a";
    return ours == null ? num(v) : `${num(v)} (${ratioText(v / ours)})`;
  };
  const mine = (style, key, steps) => (steps ? cold[w].wasmgrad?.[style]?.firstStepsMs?.[steps] : cold[w].wasmgrad?.[style]?.[key]);
  coldRows.push([`${label}: load and init`, "ms", cell(LIBS[0], "eager", "loadMs"), ...coldPeers.map((p) => cell(p, "eager", "loadMs", mine("eager", "loadMs")))]);
  for (const style of COLD_STYLES) {
    for (const steps of [...coldPrefixes(w), null]) {
      const what = steps ? `first ${k(steps)} steps` : "first run";
      coldRows.push([`${label}: ${what}, ${style.text}`, "ms", cell(LIBS[0], style.id, "firstRunMs", null, steps), ...coldPeers.map((p) => cell(p, style.id, "firstRunMs", mine(style.id, "firstRunMs", steps), steps))]);
    }
  }
}
for (const c of COLD_STEPS) {
  for (const [id, , text] of c.styles) {
    const ours = coldSteps[c.w].wasmgrad?.[id];
    for (const m of COLD_MARKS) {
      const mine = ours?.firstStepsMs?.[m];
      const cell = (lib) => {
        const r = coldSteps[c.w][lib.id]?.[id] ?? coldSteps[c.w][lib.id]?.scope;
        if (!r) return footnote(`${lib.title}: ${libInfo[lib.id].error ?? "not run"}`);
        if (r.error) return footnote(`${lib.title}: ${r.error}`);
        const v = r.firstStepsMs[m];
        if (v == null) return footnote(`${lib.title}: stopped after ${COLD_STEPS_BUDGET_MS / 1000} s of steps`);
        return lib.id === "wasmgrad" || mine == null ? num(v) : `${num(v)} (${ratioText(v / mine)})`;
      };
      coldRows.push([`${c.label}: ${m === 1 ? `first ${c.step[0]}` : `first ${m} ${c.step[1]}`}, ${text}`, "ms", cell(LIBS[0]), ...coldPeers.map(cell)]);
    }
  }
}
const coldTable = coldRows.length ? markdownTable(["cold: a fresh process, its first run", "unit", "wasmgrad", ...coldPeers.map((p) => p.title)], coldRows) : "";
const coldLegend = `Cold: each number is the median of ${COLD_SAMPLES} fresh processes. "load and init" is the library's import and initialization (wasmgrad: the bundle's import and \`init()\`, which compiles the module; PyTorch: \`import torch\`); "first run" is the loop's first run in that process, nothing warmed up; "first 100 / 1,000 steps" are fresh processes that run only that many steps of the loop. For W5 and W4, a fresh process builds its data and parameters (timed apart, in results.json) and then times its first step (or product) and its first 10 and 100, cumulatively. JavaScript peers run their one way of writing the loss in every row, PyTorch its F.mse_loss where wasmgrad's row has no scope (torch has none). Ratios as in the table above.`;
const legend =
  "Each peer cell: its median, and in parentheses how many times faster wasmgrad is (peer time ÷ wasmgrad time; for GFLOP/s, wasmgrad's ÷ the peer's): above 1× wasmgrad is faster, below 1× it is slower.";
const reasonText = reasons.map((r, i) => `[${i + 1}] ${r}`).join("\n");
const children = groups.flatMap((g, gi) => Object.values(results[gi]).flatMap((byVariant) => Object.values(byVariant)));
const rerun = children.filter((r) => r.attempts > 1).length;
const stillShared = children.filter((r) => (quietness(r) ?? 1) < QUIET).length;
const contention =
  `Shared cores: just before and after each child, the runner measured how fast both cores stream float32 data through SIMD arithmetic (bench/probe.mjs). ` +
  `${rerun} of ${children.length} children saw a probe under ${QUIET * 100}% of the best of the run (${bestProbe.toFixed(1)} operations/ns) and ran again once the probe read quiet (waiting ${Math.round(waitedMs / 1000)} s in all), up to ${RETRIES} more times, keeping the quietest run; ` +
  (stillShared ? `${stillShared} stayed under it, and their numbers are marked †.` : `none stayed under it.`);

// ---- memory, and the same-math check -------------------------------------------------------------------------

const memRows = [];
const gIndex = (pred) => groups.findIndex(pred);
const firstResult = (gi, lib) => (gi < 0 ? null : Object.values(results[gi]?.[lib.id] ?? {})[0]);
memRows.push(["RSS after loading the library", ...LIBS.map((l) => mb(libInfo[l.id].peakRss))]);
const w1 = gIndex((g) => g.workload === "W1");
if (w1 >= 0) memRows.push(["W1 peak RSS", ...LIBS.map((l) => mb(firstResult(w1, l)?.peakRss))]);
for (const n of CONFIG.w3.sizes) {
  const gi = gIndex((g) => g.workload === "W3" && g.task.n === n);
  if (gi >= 0) memRows.push([`W3 n=${n} peak RSS`, ...LIBS.map((l) => mb(firstResult(gi, l)?.peakRss))]);
}
const memTable = markdownTable(["peak RSS (MB, VmHWM of the child)", ...LIBS.map((l) => l.title)], memRows);
const linRows = [];
for (const [gi, g] of groups.entries()) {
  if (!["W1", "W3"].includes(g.workload)) continue;
  for (const [variant, r] of Object.entries(results[gi].wasmgrad ?? {}))
    if (r.memory) linRows.push([`${g.rows[0].label}${variant !== "eager" ? ` [${variant}]` : ""}`, kib(r.memory.linearPeakBytesInUse), kib(r.memory.linearMemoryBytes)]);
}
const linTable = linRows.length ? markdownTable(["wasmgrad linear memory", "peakBytesInUse", "memoryBytes"], linRows) : "";

const checkRows = [];
for (const [gi, g] of groups.entries()) {
  if (!["W1", "W2", "W2b"].includes(g.workload)) continue;
  for (const lib of LIBS)
    for (const [variant, r] of Object.entries(results[gi][lib.id] ?? {})) {
      if (r.error) {
        checkRows.push([g.workload, `${lib.title} (${variant})`, "–", "–", "–", "–", "–", r.error]);
        continue;
      }
      const L = r.losses;
      const e = (x) => (x == null ? "–" : x.toExponential(4));
      checkRows.push([g.workload, `${lib.title} (${variant})`, r.times.length, `${num(Math.min(...r.times))}–${num(Math.max(...r.times))}`, e(L.first), e(L.at100), e(L.at1000), e(L.last)]);
    }
}
const checkTable = markdownTable(["workload", "library (variant)", "runs", "ms min–max", "loss[0]", "loss[100]", "loss[1000]", "final loss"], checkRows);

// ---- what a page downloads -------------------------------------------------------------------------------------------

const sizeRows = await sizes();
const kb = (b) => (b / 1000).toFixed(1);
const sizeTable = markdownTable(
  ["gzipped size (kB = 1,000 B)", "JS", "WebAssembly", "total"],
  sizeRows.map((r) => (r.error ? [r.title, "n/a", "n/a", r.error] : [r.title, kb(r.js), kb(r.wasm), kb(r.total)])),
);
const sizeLegend = "wasmgrad: the whole library (dist/wasmgrad.js carries the module; its JS alone is measured on dist/wasmgrad-workerd.js, the same code without it). Peers: the smallest app that takes a gradient (bench/size.mjs), bundled and minified by esbuild, plus the .wasm a backend fetches.";

// ---- print and write -------------------------------------------------------------------------------------------

const finished = new Date();
say("\n" + sizeTable + "\n\n" + sizeLegend + "\n\n" + mainTable + "\n\n" + legend + (coldTable ? "\n\n" + coldTable + "\n\n" + coldLegend : "") + "\n\n" + contention + (reasonText ? "\n\n" + reasonText : "") + "\n\n" + memTable + (linTable ? "\n\n" + linTable : ""));
say(`\nTotal ${((finished - started) / 60000).toFixed(1)} min; load average ${loadStart.map((x) => x.toFixed(2)).join(" ")} at the start, ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} at the end.`);

if (write) {
  const cpu = os.cpus()[0]?.model ?? "?";
  const libLines = LIBS.map((l) => {
    const i = libInfo[l.id];
    if (i.error) return `- **${l.title}**: n/a (${i.error})`;
    return `- **${l.title}**: ${i.version}${i.notes?.length ? "\n" + i.notes.map((n) => `  - ${n}`).join("\n") : ""}`;
  }).join("\n");
  const c = CONFIG;
  const md = `# wasmgrad benchmark results${quick ? " (--quick smoke run, not for comparison)" : ""}

- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC (${((finished - started) / 60000).toFixed(1)} min)
- Machine: ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}
- wasmgrad: ${wasmgradBuild}
- Node ${process.version}; Python ${PYTHON}
- Load average (1, 5, 15 min) at the start ${loadStart.map((x) => x.toFixed(2)).join(" ")}, at the end ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}: other engineers share these cores, so single timings are noisy; every number is a median.
- Command: \`npm run bench${quick ? " -- --quick" : ""}\` (after \`npm run build\` and \`(cd bench && npm install)\`); each workload of each library ran as its own child process (\`node bench/child.mjs '<task>'\` or \`${PYTHON} bench/torch_bench.py '<task>'\`; the tasks are in bench/results.json).

## Speed

${legend}

${mainTable}
${coldTable ? `\n## Cold start\n\n${coldLegend}\n\n${coldTable}\n` : ""}
${contention}
${reasonText ? "\n" + reasonText.split("\n").map((l) => l + "  ").join("\n") + "\n" : ""}
How each number is taken:
- W1, W2, W2b: the whole loop (loss read with \`item()\` every step and stored), from fresh parameters each run; first, warm-up runs of a tenth of the steps for at least ${c.loopWarmupMs / 1000} s (V8 keeps optimizing a hot loop for that long); then the median of up to ${c.runs} runs, fewer when one more run would overrun ${c.loopBudgetMs / 1000} s (see "runs" below).
- W3: ms per step (forward, loss read, backward, Adam update, zero grad), timed in blocks of ~${c.w3.targetMs} ms after at least 2 warm-up steps and ${c.w3.warmupMs} ms; median of up to ${c.w3.blocks} blocks. A single call longer than 2 s is timed alone.
- W4: 2n³ / time of one float32 n×n matmul, result freed (or awaited, for jax-js); blocks of ~${c.w4.targetMs} ms; "transpose in the loop" passes a transposed tensor (wasmgrad \`a.T.matmul(b)\`, a deferred copy that the product reads from \`a\` with a transpose flag; tfjs \`tf.transpose\`, a copy; torch \`A.T @ B\`, a strided view BLAS reads directly; jax-js \`np.transpose\` inside the jitted function); "made beforehand" times the matmul alone on a transposed tensor made before the timing (a contiguous copy; for wasmgrad a deferred one, never read otherwise, so the same product as in the loop).
- Per-op: µs per call in blocks of ~${c.perop.targetMs} ms after ${c.perop.warmupMs} ms of warm-up calls; median of ${c.perop.blocks} blocks.

## Size

${sizeLegend}

${sizeTable}

## Memory

${memTable}

${linTable}

## Same math? Loss at steps 0, 100, 1000 and the last, per library

Every implementation runs the series' loss and update from the same matrices (torch's \`manual_seed\` streams, generated in bench/data.mjs for the JavaScript peers). Float32 libraries agree with PyTorch to float32 rounding over the early steps; the final losses of these long loops differ by summation order (~1e-13 for W1 is float32 noise). js-pytorch computes in float64.

${checkTable}

## Libraries and how each was written

${libLines}
`;
  const name = quick ? "RESULTS-quick.md" : "RESULTS.md";
  writeFileSync(join(here, name), md);
  writeFileSync(
    join(here, quick ? "results-quick.json" : "results.json"),
    JSON.stringify({ date: started.toISOString(), quick, machine: { cpu, cores: os.availableParallelism?.() ?? os.cpus().length, node: process.version }, config: CONFIG, libs: libInfo, groups: groups.map((g, gi) => ({ ...g, results: results[gi] })), cold, coldSteps }, null, 1) + "\n",
  );
  say(`\nWrote ${relative(root, join(here, name))}`);
}

await prober.stop();
if (process.env.WASMGRAD_BUNDLE) rmSync(dirname(fileURLToPath(process.env.WASMGRAD_BUNDLE)), { recursive: true, force: true });
