// How part 2's loop (W1) warms up in a fresh process: the time of each block of
// 1,000 steps, and where a step's time goes (the scope, the product, the loss,
// item(), backward, the update). For cold-start work, with V8's own flags:
//
//   node bench/warmup.mjs                          # mseLoss + scope, 10,000 steps
//   node bench/warmup.mjs notebook                 # the composed loss, no scope
//   node --no-opt bench/warmup.mjs eager 3000      # the baseline tiers alone (Ignition, Sparkplug)
//   node --trace-opt bench/warmup.mjs | grep "completed compiling"   # what TurboFan compiled, and how long it took
//   node --cpu-prof bench/warmup.mjs               # a profile to open in Chrome's DevTools
//
// It measures dist/wasmgrad.js as built (`npm run build`); WASMGRAD_BUNDLE points at another build.
const t0 = performance.now();
const wg = await import(process.env.WASMGRAD_BUNDLE ?? new URL("../dist/wasmgrad.js", import.meta.url).href);
wg.init();
const loadMs = performance.now() - t0;
const { manualSeed, rand, eye, mseLoss, noGrad, scope } = wg;

const style = process.argv[2] ?? "eager";
const steps = Number(process.argv[3] ?? 10000);
if (style !== "eager" && style !== "notebook") throw new Error(`style must be "eager" or "notebook", got ${style}`);

manualSeed(314);
const M = rand(4, 4);
manualSeed(314);
const X = rand(4, 4, { requiresGrad: true });
const I = eye(4);

// phases[i]: the time spent in phase i, summed over the steps
const PHASES = ["scope enter", "forward", "loss", "item", "backward", "update", "scope exit"];
const phases = new Float64Array(PHASES.length);
const now = () => performance.now();
let mark = 0;
const lap = (i) => {
  const t = now();
  phases[i] += t - mark;
  mark = t;
};
function body() {
  lap(0);
  const p = X.matmul(M);
  lap(1);
  const loss = style === "eager" ? mseLoss(p, I) : p.sub(I).pow(2).mean();
  lap(2);
  loss.item();
  lap(3);
  loss.backward();
  lap(4);
  noGrad(() => {
    X.sub_(X.grad.mul(0.9));
    X.grad.mul_(0.9);
  });
  lap(5);
}

const blocks = [];
const start = now();
let blockStart = start;
for (let i = 0; i < steps; i++) {
  mark = now();
  if (style === "eager") scope(body);
  else body();
  lap(6);
  if ((i + 1) % 1000 === 0 || i + 1 === steps) {
    const t = now();
    blocks.push(t - blockStart);
    blockStart = t;
  }
}
const total = now() - start;
const f = (x) => x.toFixed(1);
console.log(`${style}, ${steps} steps in a fresh process: import + init ${f(loadMs)} ms, the loop ${f(total)} ms`);
console.log(`each 1,000 steps (ms): ${blocks.map(f).join(" ")}`);
console.log(`per step (µs): ${PHASES.map((n, i) => `${n} ${f((phases[i] / steps) * 1000)}`).join(" | ")}`);
