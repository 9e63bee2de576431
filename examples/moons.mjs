// The two-moons classifier (the classic micrograd demo), written as PyTorch code is
// written, each line's torch form beside it: 100 points on each moon with noise
// 0.1, an MLP 2 -> 16 -> 16 -> 2 of F.linear and F.relu, F.crossEntropy and
// optim.Adam; then the training accuracy and a map of the decision boundary.
// Under the same seed torch draws the same points and the same initial weights,
// bit for bit, and trains to the same losses within float32 rounding
// (test/moons.test.ts checks this program against PyTorch 1.13). The data and the
// network are in lib/moons.mjs, which the demo page's part 4 shares.
//
//   npm run build && node examples/moons.mjs                 # 300 steps, seed 0
//   node examples/moons.mjs --steps 1000 --hidden 32 --activation tanh --lr 0.003 --seed 7

import { parseArgs } from "node:util";
import { F, optim, manualSeed, scope } from "../dist/wasmgrad.js";
import { ACTIVATIONS, BOUNDS, accuracy, mlp, probabilityGrid, twoMoons } from "./lib/moons.mjs";

const { values: flags } = parseArgs({
  options: {
    steps: { type: "string", default: "300" },
    seed: { type: "string", default: "0" },
    points: { type: "string", default: "100" },
    noise: { type: "string", default: "0.1" },
    hidden: { type: "string", default: "16" },
    activation: { type: "string", default: "relu" },
    lr: { type: "string", default: "0.01" },
  },
});
const whole = (name, min) => {
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs a whole number of at least ${min}, got ${flags[name]}`);
  return v;
};
const STEPS = whole("steps", 1), SEED = whole("seed", 0), N = whole("points", 1), HIDDEN = whole("hidden", 1);
const NOISE = Number(flags.noise), LR = Number(flags.lr);
if (!(NOISE >= 0)) throw new Error(`--noise needs a number of at least 0, got ${flags.noise}`);
if (!(LR > 0)) throw new Error(`--lr needs a positive number, got ${flags.lr}`);
if (!ACTIVATIONS[flags.activation]) throw new Error(`--activation is one of ${Object.keys(ACTIVATIONS).join(", ")}, got ${flags.activation}`);

manualSeed(SEED); //                                                  torch.manual_seed(0)
const { X, y } = twoMoons(N, NOISE); //                               X, y = two_moons(100, 0.1)
const { params, forward: model } = mlp([2, HIDDEN, HIDDEN, 2], flags.activation); // params, model = mlp([2, 16, 16, 2], torch.relu)
const opt = new optim.Adam(params, { lr: LR }); //                    opt = torch.optim.Adam(params, lr=0.01)
console.log(`two moons: ${2 * N} points (seed ${SEED}, noise ${NOISE}), MLP 2 -> ${HIDDEN} -> ${HIDDEN} -> 2 (${flags.activation}), Adam lr ${LR}`);

const t0 = performance.now();
for (let step = 0; step < STEPS; step++) {
  // scope frees the step's temporaries when it ends (torch's garbage collector does this for it)
  scope(() => {
    const loss = F.crossEntropy(model(X), y); //                      loss = F.cross_entropy(model(X), y)
    if (step % 25 === 0 || step === STEPS - 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.item().toPrecision(6)}`);
    loss.backward(); //                                               loss.backward()
    opt.step(); //                                                    opt.step()
    opt.zeroGrad(); //                                                opt.zero_grad()
  });
}
const ms = performance.now() - t0;
console.log(`accuracy ${(100 * accuracy(model, X, y)).toFixed(1)}% on the ${2 * N} training points after ${STEPS} steps (${ms.toFixed(0)} ms)`);

// The decision boundary: the class the model predicts at each character's centre
// (model(grid).softmax(1)[:, 1] > 0.5), with the training points on top.
const COLS = 64, ROWS = 20;
const p = probabilityGrid(model, COLS, ROWS);
const map = Array.from({ length: ROWS }, (_, r) => Array.from({ length: COLS }, (_, c) => (p[r * COLS + c] > 0.5 ? "." : " ")));
const xy = X.data(), labels = y.data();
const { x0, x1, y0, y1 } = BOUNDS;
for (let i = 0; i < labels.length; i++) {
  const c = Math.floor(((xy[2 * i] - x0) / (x1 - x0)) * COLS), r = Math.floor(((y1 - xy[2 * i + 1]) / (y1 - y0)) * ROWS);
  if (c >= 0 && c < COLS && r >= 0 && r < ROWS) map[r][c] = labels[i] === 0 ? "o" : "x";
}
console.log(`\ndecision boundary over x ${x0} … ${x1}, y ${y0} … ${y1}: "." where the model says class 1, blank for class 0; o, x the points of class 0, 1`);
console.log(map.map((row) => `|${row.join("")}|`).join("\n"));
