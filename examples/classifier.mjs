// A classifier trained from a seed, written as PyTorch code is written (each line's
// torch form beside it): 96 points of randn in the plane, three classes by angle,
// a two-layer MLP of F.linear and F.relu, F.crossEntropy, and optim.Adam. Under
// the same seed torch draws the same points and the same initial weights, bit for
// bit, and trains to the same losses within float32 rounding
// (test/training-run.test.ts checks this very program against PyTorch 1.13).
//
//   npm run build && node examples/classifier.mjs          # 150 steps
//   node examples/classifier.mjs --steps 500

import * as wg from "../dist/wasmgrad.js";

const { F, optim, manualSeed, randn, rand, tensor, scope, noGrad } = wg;
const stepsArg = process.argv.indexOf("--steps");
const STEPS = stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : 150;
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error(`--steps needs a positive integer, got ${process.argv[stepsArg + 1]}`);

manualSeed(0); //                                            torch.manual_seed(0)
const X = randn(96, 2); //                                   X = torch.randn(96, 2)
// three classes by the angle of each point (torch: ((atan2(X[:, 1], X[:, 0]) + pi) / (2 pi / 3)).long().clamp(max=2))
const angleClass = ([a, b]) => Math.min(2, Math.floor((Math.fround(Math.atan2(b, a)) + Math.PI) / ((2 * Math.PI) / 3)));
const y = tensor(X.toArray().map(angleClass), { dtype: "int32" });

// weights uniform in ±0.5 and ±0.25 (torch: ((torch.rand(16, 2) * 2 - 1) * 0.5).requires_grad_())
const uniform = (shape, halfWidth) => rand(...shape).mul(2).sub(1).mul(halfWidth).requiresGrad_();
const W1 = uniform([16, 2], 0.5), b1 = uniform([16], 0.5);
const W2 = uniform([3, 16], 0.25), b2 = uniform([3], 0.25);
const opt = new optim.Adam([W1, b1, W2, b2], { lr: 0.01 }); // torch.optim.Adam([W1, b1, W2, b2], lr=0.01)
const model = (x) => F.linear(F.relu(F.linear(x, W1, b1)), W2, b2);

const t0 = performance.now();
for (let step = 0; step < STEPS; step++) {
  // scope frees the step's temporaries when it ends (torch's garbage collector does this for it)
  scope(() => {
    const loss = F.crossEntropy(model(X), y); //             loss = F.cross_entropy(model(X), y)
    if (step % 25 === 0 || step === STEPS - 1) console.log(`step ${String(step).padStart(4)}  loss ${loss.item().toFixed(6)}`);
    loss.backward(); //                                      loss.backward()
    opt.step(); //                                           opt.step()
    opt.zeroGrad(); //                                       opt.zero_grad()
  });
}
const ms = performance.now() - t0;

const accuracy = noGrad(() => scope(() => model(X).argmax(1).eq(y).float().mean().item()));
console.log(`accuracy ${(100 * accuracy).toFixed(1)}% on the ${X.shape[0]} training points after ${STEPS} steps (${ms.toFixed(0)} ms)`);
