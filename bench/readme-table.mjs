// Prints the README's speed table from bench/results.json (written by `npm run bench`):
// a handful of rows a user can take in, cold and warm side by side, with PyTorch and the
// fastest JavaScript peer of the same run. bench/RESULTS.md has every row.
//
//   node bench/readme-table.mjs            # after npm run bench; paste under "## Speed"
import { readFileSync } from "node:fs";

const results = JSON.parse(readFileSync(new URL("results.json", import.meta.url), "utf8"));
const JS_PEERS = { "tfjs-cpu": "tfjs cpu", "tfjs-wasm": "tfjs wasm", "jax-js": "jax-js", "js-pytorch": "js-pytorch" };

function fmt(x) {
  if (x >= 100) return Math.round(x).toLocaleString("en-US");
  if (x >= 10) return x.toFixed(1);
  return x.toPrecision(2);
}
// How many times faster wasmgrad is: peer time ÷ wasmgrad time, or wasmgrad's rate ÷ the peer's.
function cell(value, ours, higherIsBetter) {
  if (value === undefined) return "n/a";
  const ratio = higherIsBetter ? ours / value : value / ours;
  return `${fmt(value)} (${fmt(ratio)}×)`;
}
function bestPeer(valueOf, higherIsBetter) {
  let best;
  for (const [lib, name] of Object.entries(JS_PEERS)) {
    const v = valueOf(lib);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!best || (higherIsBetter ? v > best.v : v < best.v)) best = { v, name };
  }
  return best;
}

const rows = [];
/** A row of valueOf(lib) for wasmgrad, PyTorch and the fastest JS peer; none when wasmgrad has no such number. */
function row(label, unit, valueOf, { higherIsBetter = false } = {}) {
  const w = valueOf("wasmgrad");
  if (w === undefined) return;
  const peer = bestPeer(valueOf, higherIsBetter);
  rows.push([
    label,
    unit,
    fmt(w),
    cell(valueOf("torch"), w, higherIsBetter),
    peer ? `${cell(peer.v, w, higherIsBetter)} ${peer.name}` : "n/a",
  ]);
}

// Cold: a fresh process, its first run.
for (const [id, label] of [["W1", "part 2, inverse 4×4, 10,000 steps"], ["W2", "part 3, SVD 5×4, 20,000 steps"]]) {
  const cold = results.cold?.[id];
  if (!cold) continue;
  // a peer without the variant (torch has no scope, a JS peer one way of writing the loss) runs its eager code
  const first = (lib, variant) => (lib === "wasmgrad" ? cold[lib]?.[variant]?.firstRunMs : cold[lib]?.[variant]?.firstRunMs ?? cold[lib]?.eager?.firstRunMs);
  const firstSteps = (lib, variant, n) => (lib === "wasmgrad" ? cold[lib]?.[variant] : cold[lib]?.[variant] ?? cold[lib]?.eager)?.firstStepsMs?.[n];
  if (id === "W1" && cold.wasmgrad?.eager?.firstStepsMs?.[1000] !== undefined) {
    row("**cold** part 2: its first 1,000 steps, `mseLoss` + `scope`", "ms", (lib) => firstSteps(lib, "eager", 1000));
  }
  row(`**cold** ${label}: first run, \`mseLoss\` + \`scope\``, "ms", (lib) => first(lib, "eager"));
  row(`**cold** ${label}: first run, \`mseLoss\`, no \`scope\``, "ms", (lib) => first(lib, "noScope"));
  row(`**cold** ${label}: first run, as the notebook writes it`, "ms", (lib) => first(lib, "notebook"));
}
// Cold steps: the MLP step in a fresh process, its first step and first 10 (a peer runs its one variant).
const mlp = results.coldSteps?.W5;
if (mlp) {
  const firstSteps = (lib, style, n) => (mlp[lib]?.[style] ?? mlp[lib]?.scope)?.firstStepsMs?.[n];
  row("**cold** MLP 784→256→10 step: the first, `scope`", "ms", (lib) => firstSteps(lib, "scope", 1));
  row("**cold** MLP step: the first 10, `scope`", "ms", (lib) => firstSteps(lib, "scope", 10));
  row("**cold** MLP step: the first 10, no `scope`", "ms", (lib) => firstSteps(lib, "noScope", 10));
}
const load = results.cold?.W1;
if (load) row("**cold** import + `init()` (PyTorch: `import torch`)", "ms", (lib) => load[lib]?.eager?.loadMs);

// Warm: the median of runs after warm-up in one process.
function warm(workload, n, variant, caseName) {
  const group = results.groups.find((g) => g.workload === workload && (n === undefined || g.task.n === n));
  return (lib) => {
    const libResults = group?.results[lib];
    if (!libResults) return undefined;
    const r = lib === "wasmgrad" ? libResults[variant] : Object.values(libResults)[0];
    if (!r) return undefined;
    if (caseName) return r.cases?.[caseName]?.gflops;
    return r.median;
  };
}
row("warm part 2 inverse: `mseLoss` + `scope`", "ms", warm("W1", undefined, "eager"));
row("warm part 2 inverse: `mseLoss`, no `scope`", "ms", warm("W1", undefined, "mseLoss, no scope"));
row("warm part 2 inverse: as the notebook writes it", "ms", warm("W1", undefined, "notebook: composed loss, no scope"));
row("warm part 2 inverse: `linalg.inverseGD`, captured", "ms", warm("W1", undefined, "linalg.inverseGD, captured"));
row("warm part 3 SVD: `mseLoss` + `scope`", "ms", warm("W2", undefined, "eager"));
row("warm part 3 SVD: `mseLoss`, no `scope`", "ms", warm("W2", undefined, "mseLoss, no scope"));
row("warm part 3 SVD: as the notebook writes it", "ms", warm("W2", undefined, "notebook: composed loss, no scope"));
row("warm part 3 SVD with `optim.Adam`", "ms", warm("W2b", undefined, "optim.Adam"));
row("warm 512×512 inverse by `optim.Adam`, one step", "ms", warm("W3", 512, "optim.Adam"));
row("warm MLP 784→256→10, batch 128, one Adam step", "ms", warm("W5", undefined, "nn.functional + optim.Adam"));
row("warm MLP step, no `scope`", "ms", warm("W5", undefined, "no scope"));
row("warm small CNN, batch 32 of 28×28, one Adam step", "ms", warm("W6", undefined, "nn.functional + optim.Adam"));
row("warm 512×512 `A.matmul(B.T)` in a loop, `scope`", "GFLOP/s", warm("W4", 512, "eager", "ABt"), { higherIsBetter: true });
row("warm 512×512 `A.matmul(B.T)` in a loop, no `scope`", "GFLOP/s", warm("W4", 512, "no scope", "ABt"), { higherIsBetter: true });
row("warm 1024×1024 matmul, 1 thread", "GFLOP/s", warm("W4", 1024, "eager", "AB"), { higherIsBetter: true });
row("one eager 4×4 `mul` with autograd", "µs", (lib) => {
  const t = warm("perop", undefined, "eager")(lib);
  return t === undefined ? undefined : t * 1000;
});

const header = ["", "unit", "wasmgrad", "PyTorch 1.13, 1 thread", "fastest JS peer"];
const lines = [header, header.map((_, i) => (i < 2 ? ":--" : "--:")), ...rows].map((r) => `| ${r.join(" | ")} |`);
console.log(lines.join("\n"));
console.log(`\nMeasured ${results.date} by \`npm run bench\`; full table: bench/RESULTS.md.`);
