// Whole training runs, written as a PyTorch user writes them, against the same
// programs run in PyTorch 1.13 (test/fixtures/training_runs.json, from
// gen_training_runs.py): data and initial weights from manualSeed, a two-layer
// classifier of F.linear and an activation, F.crossEntropy, optim.Adam or
// optim.SGD, full batch or minibatches drawn by randperm. The data, the initial
// weights and the batches are torch's bits; the losses and the trained weights
// follow torch's run within float32 rounding: the first loss is torch's bits, and
// after that torch's exp and log (SLEEF's, a few ulps from the ones here) and its
// products' summation order part the runs by an ulp now and then (measured: the
// losses stay within 4e-7 relative of torch's and the weights within 4e-7 after
// 150 steps; the bounds below leave 25x room).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { F, optim, manualSeed, rand, randn, randperm, tensor, scope, noGrad, Tensor } from "../src/index";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/training_runs.json", import.meta.url), "utf8"));

const u32 = (t: Tensor) => Array.from(new Uint32Array((t.data() as Float32Array).slice().buffer));
const f32 = (bits: number[]) => Array.from(new Float32Array(new Uint32Array(bits).buffer));
const lossOf = (t: Tensor) => new Uint32Array(Float32Array.of(t.item()).buffer)[0];

/** rand * 2 - 1 scaled by a power of two (exact), as the golden script draws the weights. */
const uniform = (shape: number[], halfWidth: number) => rand(...shape).mul(2).sub(1).mul(halfWidth).requiresGrad_();

/** Relative distance of two float lists (the largest |a - b| over the largest |b|). */
function relDiff(got: number[], want: number[]): number {
  let d = 0, m = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    m = Math.max(m, Math.abs(want[i]));
  }
  return d / m;
}

type Program = { X: number[]; y: number[]; start: number[][]; losses: number[]; final: number[][] };

/**
 * A program's start, drawn as the golden script draws it: the data from `makeX` after
 * manualSeed(seed), then a two-layer network's weights of `hidden` units; checked to be
 * torch's bits.
 */
function start(g: Program, seed: number, makeX: () => Tensor, hidden: number, classes: number) {
  manualSeed(seed);
  const X = makeX();
  const y = tensor(g.y, { dtype: "int32" });
  const n = X.shape[1];
  const params = [uniform([hidden, n], 0.5), uniform([hidden], 0.5), uniform([classes, hidden], 0.25), uniform([classes], 0.25)];
  // the same data and the same initial network, bit for bit
  expect(u32(X)).toEqual(g.X);
  expect(params.map(u32)).toEqual(g.start);
  return { X, y, params };
}

/** Every loss (float32 bits) and every trained weight within 1e-5 of torch's. */
function expectTorchRun(g: Program, losses: number[], final: number[][]): void {
  expect(losses.length).toBe(g.losses.length);
  const got = f32(losses), want = f32(g.losses);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]) / want[i], `loss ${i}: ${got[i]} vs torch ${want[i]}`).toBeLessThan(1e-5);
  for (let i = 0; i < final.length; i++) expect(relDiff(final[i], f32(g.final[i])), `parameter ${i}`).toBeLessThan(1e-5);
}

describe("a classifier trained from manualSeed follows PyTorch's training run", () => {
  /** The blobs program: returns its losses (as float32 bits), trained weights and accuracy. */
  function trainBlobs(useScope: boolean) {
    const { X, y, params } = start(fixture.blobs, 0, () => randn(96, 2), 16, 3);
    const [W1, b1, W2, b2] = params;
    const opt = new optim.Adam(params, { lr: 0.01 });
    const forward = () => F.linear(F.relu(F.linear(X, W1, b1)), W2, b2);
    const losses: number[] = [];
    const step = () => {
      const loss = F.crossEntropy(forward(), y);
      losses.push(lossOf(loss));
      loss.backward();
      opt.step();
      opt.zeroGrad();
    };
    for (let i = 0; i < 150; i++) useScope ? scope(step) : step();
    const accuracy = noGrad(() => scope(() => forward().argmax(1).eq(y).float().mean().item()));
    const final = params.map((p) => Array.from(p.data()));
    opt.dispose();
    for (const t of [X, y, ...params]) t.dispose();
    return { losses, final, accuracy };
  }

  it("blobs: 2 -> 16 (ReLU) -> 3, full batch, Adam(lr=0.01), 150 steps", () => {
    const g = fixture.blobs;
    const { losses, final, accuracy } = trainBlobs(true);
    // the first loss is one forward pass from torch's bits, and is torch's bits
    expect(losses[0]).toBe(g.losses[0]);
    expectTorchRun(g, losses, final);
    expect(accuracy).toBe(g.accuracy);
  });

  it("blobs written without scope (what nobody reaches is reclaimed) is the same run, bit for bit", () => {
    const scoped = trainBlobs(true), bare = trainBlobs(false);
    expect(bare.losses).toEqual(scoped.losses);
    expect(bare.final).toEqual(scoped.final);
  });

  it("batches: 4 -> 8 (tanh) -> 2, minibatches of 32 from randperm, SGD(momentum, weight decay), 5 epochs", () => {
    const g = fixture.batches;
    const { X, y, params } = start(g, 1, () => rand(128, 4), 8, 2);
    const [W1, b1, W2, b2] = params;
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 5; epoch++) {
      // the batches come from the same generator, after the weights: torch's order exactly
      const perm = randperm(128);
      expect(Array.from(perm.data()), `epoch ${epoch}'s permutation`).toEqual(g.perms[epoch]);
      for (let i = 0; i < 128; i += 32) {
        scope(() => {
          const idx = perm.slice([i, i + 32]);
          const xb = X.indexSelect(0, idx), yb = y.indexSelect(0, idx);
          const loss = F.crossEntropy(F.linear(F.linear(xb, W1, b1).tanh(), W2, b2), yb);
          losses.push(lossOf(loss));
          loss.backward();
          opt.step();
          opt.zeroGrad();
        });
      }
      perm.dispose();
    }
    // tanh is musl's float32 tanhf, torch's SLEEF's: the first loss is within an ulp, not its bits
    expect(Math.abs(losses[0] - g.losses[0])).toBeLessThanOrEqual(1);
    expectTorchRun(g, losses, params.map((p) => Array.from(p.data())));
    opt.dispose();
    for (const t of [X, y, ...params]) t.dispose();
  });

  it("examples/classifier.mjs, the blobs program as a user runs it from the bundle, prints torch's losses and accuracy", () => {
    const out = execFileSync(process.execPath, [new URL("../examples/classifier.mjs", import.meta.url).pathname], { encoding: "utf8" });
    const printed = [...out.matchAll(/^step +(\d+) +loss ([\d.]+)$/gm)].map((m) => [Number(m[1]), m[2]] as const);
    expect(printed.map(([step]) => step)).toEqual([0, 25, 50, 75, 100, 125, 149]);
    const torch = f32(fixture.blobs.losses);
    for (const [step, loss] of printed) expect(loss, `step ${step}`).toBe(torch[step].toFixed(6));
    expect(out).toMatch(new RegExp(`^accuracy ${(100 * fixture.blobs.accuracy).toFixed(1)}% on the 96 training points after 150 steps`, "m"));
  });
});
