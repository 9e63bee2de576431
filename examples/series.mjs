// The main job: the three-part blog series "matrix operations with an
// optimizer" reproduced with wasmgrad. Prints what the notebooks print, and
// writes report/series.html with the series' plots (self-contained, offline).
//
//   npm start                          # everything, report in report/series.html
//   npm start -- --quick               # fewer steps, for a smoke run
//   npm start -- --out /tmp/r.html     # the report elsewhere (the tests write theirs to a temp folder)
//
// The loops run with { capture: true }: one step is recorded and its kernels
// replayed, which gives the same bits as the eager loop (test/capture.test.ts)
// in a fraction of the time.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as wg from "../dist/wasmgrad.js";
import { lineChart } from "./lib/chart.mjs";

const { tensor, manualSeed, rand, linspace, sin, cos, onesLike, noGrad, eye, diag, linalg } = wg;
const quick = process.argv.includes("--quick");
const INVERSE_STEPS = quick ? 1000 : 10000;
const SVD_STEPS = quick ? 2000 : 20000;
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.indexOf("--out");
if (outArg >= 0 && !process.argv[outArg + 1]) throw new Error("--out needs a file name: npm start -- --out report.html");
const out = outArg >= 0 ? resolve(process.argv[outArg + 1]) : join(root, "report", "series.html");
const figures = [];
/**
 * Each figure twice: 720 units wide for a screen, 400 for a phone (the page
 * shows one by the window's width), so the labels stay readable on both.
 */
const chart = (series, options) => ({
  wide: lineChart(series, options),
  narrow: lineChart(series.map((s) => (s.size ? { ...s, size: s.size * 0.7 } : s)), { ...options, width: 400, height: 330, maxPoints: 400 }),
});
/** A loss in a caption: 3 significant digits. */
const fmtLoss = (v) => (Number.isFinite(v) ? v.toExponential(2) : String(v));
/** "M1 3.1e-14, M2 …": each curve's loss after its last step. */
const finalLosses = (curves, label = (c) => c.name.split(" ")[0]) => curves.map((c) => `${label(c)} ${fmtLoss(c.y.at(-1))}`).join(", ");

const say = (...args) => console.log(...args);
const heading = (s) => say(`\n${"=".repeat(s.length)}\n${s}\n${"=".repeat(s.length)}`);
const show = (label, value) => say(`${label}\n${String(value)}\n`);

/** Runs a long loop with a one-line progress display on a terminal. */
function progress(label, total) {
  const tty = process.stdout.isTTY;
  let last = -1;
  return {
    onStep(step, loss) {
      const pct = Math.floor(((step + 1) / total) * 100);
      if (tty && pct !== last && (pct % 5 === 0 || step + 1 === total)) {
        last = pct;
        process.stdout.write(`\r  ${label}: ${String(pct).padStart(3)}%  loss ${loss.toExponential(4)}   `);
      }
    },
    done(ms) {
      if (tty) process.stdout.write("\r" + " ".repeat(70) + "\r");
      say(`  ${label}: ${total} steps in ${ms.toFixed(0)} ms`);
    },
  };
}

function timed(label, total, fn) {
  const p = progress(label, total);
  const t0 = performance.now();
  const result = fn(p.onStep);
  p.done(performance.now() - t0);
  return result;
}

// ---------------------------------------------------------------------------
heading("Part 1: playing with tensors");
const _123 = tensor([1, 2, 3]);
show("_123", _123);
show("_123 * 7", _123.mul(7));
const _456 = tensor([4, 5, 6]);
show("dot_basic = (_123 * _456).sum()", _123.mul(_456).sum());
show("dot_elegant = _123 @ _456", _123.matmul(_456));
manualSeed(314);
show("manual_seed(314); rand(size=[2,3])", rand([2, 3]));

const x = tensor(3, { requiresGrad: true });
const y = tensor(7, { requiresGrad: true });
const z = x.mul(y.pow(5));
z.backward();
show("z = x * y**5", z);
show("x.grad (= 7**5 = 16807)", x.grad);
show("y.grad (= 3 * 5 * 7**4 = 36015)", y.grad);

const xs = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
const ys = sin(xs);
ys.backward(onesLike(xs));
const grad1 = xs.grad.data();
const xs2 = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
const yHat = sin(xs2);
const loss2 = yHat.sub(yHat.mul(0)).sum();
loss2.backward();
const grad2 = xs2.grad.data();
const cosx = noGrad(() => cos(xs)).data();
let maxErr = 0;
for (let i = 0; i < 100; i++) maxErr = Math.max(maxErr, Math.abs(grad1[i] - Math.cos(xs.data()[i])));
say(`x.grad after y.backward(ones_like(x)) equals cos(x): max |grad - cos x| = ${maxErr.toExponential(2)}`);
say(`the loss version gives the same gradient bit for bit: ${grad1.every((v, i) => Object.is(v, grad2[i]))}`);
say(`Y_hat.grad of the non-leaf: ${yHat.grad}`);
const X1 = Array.from(xs.data());
figures.push({
  id: "autodiff",
  title:
    "Part 1: sin(x) over linspace(0, 2π, 100), its derivative by autograd (x.grad after sin(x).backward(ones_like(x)): rings; " +
    "the same through a loss: crosses) and cos(x) (dashed, drawn over them). The autograd points lie on cos(x): " +
    `max |x.grad − cos(x)| = ${maxErr === 0 ? "0" : maxErr.toExponential(2)}.`,
  svg: chart(
    [
      { name: "Sin", x: X1, y: Array.from(ys.data()) },
      { name: "Aut. diff of Sin", x: X1, y: Array.from(grad1), mode: "markers", marker: "ring", size: 4.5 },
      { name: "Cos", x: X1, y: Array.from(cosx), dash: true },
      { name: "Aut. diff of Sin loss", x: X1, y: Array.from(grad2), mode: "markers", marker: "cross", size: 2.5 },
    ],
    { title: "Automatic Differentiation of function", xLabel: "x", yLabel: "sin(x), cos(x), d sin(x)/dx" },
  ),
});

// ---------------------------------------------------------------------------
heading("Part 2: matrix inverse by gradient descent");
manualSeed(314);
const M1 = rand(4, 4);
const M2 = diag(tensor([1, 2, 3, 4], { dtype: "float32" }));
show("M1 = (manual_seed(314); rand(4, 4))", M1);
const inv1 = timed("inverse of M1", INVERSE_STEPS, (onStep) => linalg.inverseGD(M1, { steps: INVERSE_STEPS, onStep, capture: true }));
show("approximate inverse X of M1", inv1.inverse);
show("X @ M1", inv1.inverse.matmul(M1));
show("torch.linalg.inv(M1) for comparison: linalg.inv(M1)", linalg.inv(M1));
show("M2 = diag([1, 2, 3, 4])", M2);
const inv2 = timed("inverse of M2", INVERSE_STEPS, (onStep) => linalg.inverseGD(M2, { steps: INVERSE_STEPS, onStep, capture: true }));
show("approximate inverse X of M2", inv2.inverse);
show("X @ M2", inv2.inverse.matmul(M2));
const inverseCurves = [
  { name: "M1 = rand(4, 4)", y: Array.from(inv1.losses) },
  { name: "M2 = diag(1, 2, 3, 4)", y: Array.from(inv2.losses) },
];
figures.push({
  id: "inverse",
  title: `Part 2: the loss mean((X·M − I)²) of the inverse X found by gradient descent, at each of ${INVERSE_STEPS.toLocaleString("en-US")} iterations (log scale). ` +
    `After the last: ${finalLosses(inverseCurves)}.`,
  svg: chart(
    inverseCurves,
    { title: "MSE loss of X @ M vs I (log scale)", xLabel: "iteration", yLabel: "loss", logY: true },
  ),
});

// ---------------------------------------------------------------------------
heading("Part 3: SVD by gradient descent");
const cases = [
  { name: "M1 = rand(5,4), seed 314", make: () => (manualSeed(314), rand(5, 4)) },
  { name: "M2 = rand(4,4), seed 315", make: () => (manualSeed(315), rand(4, 4)) },
  { name: "M3 = rand(7,4), seed 316", make: () => (manualSeed(316), rand(7, 4)) },
  { name: "M4 = rand(3,4).T, seed 317", make: () => (manualSeed(317), rand(3, 4).T) },
  { name: "M5 = rand(4,3), seed 317", make: () => (manualSeed(317), rand(4, 3)) },
];
const curves = { momentum: [], sgd: [], adam: [] };
const results = {};
for (const optimizer of ["momentum", "sgd", "adam"]) {
  say(`\n-- optimizer: ${optimizer === "momentum" ? "hand-written momentum (lr 0.9, momentum 0.9)" : optimizer === "sgd" ? "optim.SGD(lr=0.9, momentum=0.9)" : "optim.Adam(weightDecay=1e-5)"}`);
  cases.forEach((c, k) => {
    const M = c.make();
    const r = timed(c.name, SVD_STEPS, (onStep) => linalg.svdGD(M, { steps: SVD_STEPS, optimizer, onStep, capture: true }));
    curves[optimizer].push({ name: c.name, y: Array.from(r.losses) });
    results[`${optimizer}:${k}`] = { M, ...r };
  });
}
const M1svd = results["momentum:0"].M;
show("M1 (manual_seed(314); rand(5, 4))", M1svd);
for (const optimizer of ["momentum", "sgd", "adam"]) {
  const r = results[`${optimizer}:0`];
  say(`---- ${optimizer} on M1`);
  show("singular values diag = d*d, sorted", r.S);
  show("U", r.U);
  show("V", r.V);
  show("U @ diag(S) @ V.T - M1 (residual)", r.U.matmul(diag(r.S)).matmul(r.V.T).sub(M1svd));
  show("U.T @ U", r.U.T.matmul(r.U));
  show("V @ V.T", r.V.matmul(r.V.T));
}
const ref = linalg.svd(M1svd);
say("---- linalg.svd(M1) for comparison (torch.svd: U, S, V = Vh.T)");
show("S", ref.S);
show("U", ref.U);
show("V", ref.Vh.T);
figures.push({
  id: "svd-cases",
  title: `Part 3: the SVD loss of the series' five matrices with the hand-written momentum update (lr 0.9, momentum 0.9), log scale. ` +
    `How fast and how far the loss falls depends on the matrix; after ${SVD_STEPS.toLocaleString("en-US")} steps: ${finalLosses(curves.momentum)}.`,
  svg: chart(curves.momentum, { title: "SVD loss, hand-written momentum (log scale)", xLabel: "iteration", yLabel: "loss", logY: true }),
});
figures.push({
  id: "svd-sgd",
  title: `Part 3: the same five matrices with optim.SGD(lr=0.9, momentum=0.9), log scale; after ${SVD_STEPS.toLocaleString("en-US")} steps: ${finalLosses(curves.sgd)}.`,
  svg: chart(curves.sgd, { title: "SVD loss, optim.SGD(lr=0.9, momentum=0.9) (log scale)", xLabel: "iteration", yLabel: "loss", logY: true }),
});
figures.push({
  id: "svd-adam",
  title: "Part 3: the SVD loss of M1 by optimizer, log scale. The hand-written momentum and optim.SGD are the same update, so their curves " +
    `nearly coincide (optim.SGD dashed); after ${SVD_STEPS.toLocaleString("en-US")} steps: momentum ${fmtLoss(curves.momentum[0].y.at(-1))}, ` +
    `optim.SGD ${fmtLoss(curves.sgd[0].y.at(-1))}, optim.Adam ${fmtLoss(curves.adam[0].y.at(-1))}.`,
  svg: chart(
    [
      { name: "momentum (hand-written)", y: curves.momentum[0].y },
      { name: "optim.SGD", y: curves.sgd[0].y, dash: true },
      { name: "optim.Adam(weightDecay=1e-5)", y: curves.adam[0].y },
    ],
    { title: "SVD of M1: loss by optimizer (log scale)", xLabel: "iteration", yLabel: "loss", logY: true },
  ),
});
figures.push({
  id: "svd-adam-cases",
  title: `Part 3: the five matrices with optim.Adam(weightDecay=1e-5), log scale; after ${SVD_STEPS.toLocaleString("en-US")} steps: ${finalLosses(curves.adam)}.`,
  svg: chart(curves.adam, { title: "SVD loss, optim.Adam(weightDecay=1e-5) (log scale)", xLabel: "iteration", yLabel: "loss", logY: true }),
});

// ---------------------------------------------------------------------------
mkdirSync(dirname(out), { recursive: true });
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasmgrad: matrix operations with an optimizer</title>
<style>body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;padding:0 1em;color:#222;overflow-wrap:anywhere}
h1{font-size:clamp(1.3rem,5vw,2rem)}figure{margin:2em 0}figcaption{color:#555;font-size:.9em;margin-top:.3em}
svg{display:block;width:100%;max-width:100%;height:auto}.narrow{display:none}
@media (max-width:560px){.wide{display:none}.narrow{display:block}}</style></head>
<body><h1>Matrix operations with an optimizer, in wasmgrad</h1>
<p>The three-part PyTorch series reproduced with wasmgrad (${quick ? "quick run: " : ""}${INVERSE_STEPS} inverse steps, ${SVD_STEPS} SVD steps). Generated ${new Date().toISOString()} by <code>npm start</code>.</p>
${figures.map((f) => `<figure id="${f.id}"><div class="wide">${f.svg.wide}</div><div class="narrow">${f.svg.narrow}</div><figcaption>${f.title}</figcaption></figure>`).join("\n")}
</body></html>\n`;
writeFileSync(out, html);
say(`\nreport written to ${relative(process.cwd(), out)}`);
