// The two-moons classifier (examples/moons.mjs, and the demo page's part 4, both on
// examples/lib/moons.mjs and the bundle) against the same programs run in PyTorch 1.13
// (test/fixtures/moons.json, from gen_moons.py). The points and the initial weights
// are torch's bits: they are made of rand, randn and exactly rounded float32
// arithmetic (no cos or sin, whose musl and SLEEF forms are 1 ulp apart for about
// one value in twenty). After that the runs part by float32 rounding (torch's exp,
// log and tanh are SLEEF's, a few ulps from the ones here, and its products sum in
// another order). Measured:
//
//   relu (Adam, 300 steps): losses within 2.3e-7 relative of torch's while the loss is
//     above 0.05 (the first 100 steps), 3.2e-6 at the end, where the loss is 4.5e-4:
//     there a cross-entropy is about exp(-margin), so its relative difference is the
//     absolute difference of the logit margins, which grow as the moons separate;
//     weights within 3.3e-6 relative; the probability map within 7.6e-6.
//   tanh (SGD with momentum, 200 steps): losses within 2.2e-7, weights within 6e-7.
//
// The bounds below leave about 10x room: 3e-5 for relu's losses and weights, 1e-4 for
// its probability map, 5e-6 for tanh.
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { maxAbsDiff } from "./helpers/compare";

const root = fileURLToPath(new URL("..", import.meta.url));
// the bundle, and the very module the example and the demo's worker train with
const wg = await import(/* @vite-ignore */ `${root}dist/wasmgrad.js`);
const moons = await import(/* @vite-ignore */ `${root}examples/lib/moons.mjs`);
const fixture = JSON.parse(readFileSync(new URL("./fixtures/moons.json", import.meta.url), "utf8"));

const u32 = (t: any) => Array.from(new Uint32Array(Float32Array.from(t.data()).buffer));
const f32 = (bits: number[]) => Array.from(new Float32Array(new Uint32Array(bits).buffer));

type Program = { X: number[]; y: number[]; start: number[][]; losses: number[]; final: number[][]; accuracy: number; map?: { cols: number; rows: number; p: number[] } };
type Setup = { seed: number; n: number; noise: number; widths: number[]; activation: string; optimizer: (params: any[]) => any; steps: number };

/** The program as the golden script runs it; the data and the initial network checked to be torch's bits. */
function train(g: Program, s: Setup) {
  wg.manualSeed(s.seed);
  const { X, y } = moons.twoMoons(s.n, s.noise);
  const { params, forward } = moons.mlp(s.widths, s.activation);
  expect(u32(X)).toEqual(g.X);
  expect(Array.from(y.data())).toEqual(g.y);
  expect(params.map(u32)).toEqual(g.start);
  const opt = s.optimizer(params);
  const losses: number[] = [];
  for (let i = 0; i < s.steps; i++) {
    wg.scope(() => {
      const loss = wg.F.crossEntropy(forward(X), y);
      losses.push(loss.item());
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  }
  return { X, y, params, forward, losses, accuracy: moons.accuracy(forward, X, y) };
}

/** Every loss within `tol` relative of torch's, every trained parameter within `tol` of its largest entry. */
function expectTorchRun(g: Program, run: ReturnType<typeof train>, tol: number) {
  const want = f32(g.losses);
  expect(run.losses).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(run.losses[i] - want[i]) / want[i], `loss ${i}: ${run.losses[i]} vs torch ${want[i]}`).toBeLessThan(tol);
  run.params.forEach((p: any, i: number) => {
    const torch = f32(g.final[i]);
    expect(maxAbsDiff(Array.from(p.data()), torch) / Math.max(...torch.map(Math.abs)), `parameter ${i}`).toBeLessThan(tol);
  });
  expect(run.accuracy).toBe(g.accuracy);
}

const RELU: Setup = { seed: 0, n: 100, noise: 0.1, widths: [2, 16, 16, 2], activation: "relu", optimizer: (p) => new wg.optim.Adam(p, { lr: 0.01 }), steps: 300 };

describe("the two-moons classifier follows PyTorch's run", () => {
  it("the moons: with no noise every point is on its half circle, spread over [0, pi]", () => {
    wg.manualSeed(3);
    const { X, y } = moons.twoMoons(500, 0);
    const xy = X.data(), labels = y.data();
    const angles: number[][] = [[], []];
    for (let i = 0; i < 1000; i++) {
      const upper = i < 500;
      expect(labels[i]).toBe(upper ? 0 : 1);
      // upper: (cos t, sin t); lower: (1 - cos t, 0.5 - sin t)
      const c = upper ? xy[2 * i] : 1 - xy[2 * i], s = upper ? xy[2 * i + 1] : 0.5 - xy[2 * i + 1];
      expect(Math.abs(Math.hypot(c, s) - 1)).toBeLessThan(3e-7);
      expect(s).toBeGreaterThanOrEqual(0);
      angles[labels[i]].push(Math.atan2(s, c));
    }
    for (const a of angles) {
      expect(Math.min(...a)).toBeLessThan(0.02);
      expect(Math.max(...a)).toBeGreaterThan(Math.PI - 0.02);
      expect(a.filter((t) => t < Math.PI / 2).length).toBeGreaterThan(200); // about half below pi/2: uniform in t
      expect(a.filter((t) => t < Math.PI / 2).length).toBeLessThan(300);
    }
  });

  it("relu, examples/moons.mjs's defaults: 2 -> 16 -> 16 -> 2, Adam(lr=0.01), 300 steps, 100% of the 200 points", () => {
    const g: Program = fixture.relu;
    const run = train(g, RELU);
    // the first loss is one forward pass from torch's bits, and is torch's bits
    expect(Math.fround(run.losses[0])).toBe(f32(g.losses)[0]);
    expectTorchRun(g, run, 3e-5);
    expect(g.accuracy).toBe(1);
    // the decision boundary: the model's probability of class 1 on the map's grid
    const { cols, rows, p } = g.map!;
    expect(maxAbsDiff(moons.probabilityGrid(run.forward, cols, rows), f32(p))).toBeLessThan(1e-4);
  });

  it("tanh: 2 -> 32 -> 2, SGD(lr=0.1, momentum=0.9), 200 steps, 64 points a moon with noise 0.2", () => {
    const g: Program = fixture.tanh;
    const run = train(g, { seed: 1, n: 64, noise: 0.2, widths: [2, 32, 2], activation: "tanh", optimizer: (p) => new wg.optim.SGD(p, { lr: 0.1, momentum: 0.9 }), steps: 200 });
    // tanh is musl's tanhf, torch's SLEEF's, each an ulp apart now and then: the first loss is a
    // few ulps from torch's, not its bits (measured: 2 ulps, from 32 tanh units summed in a product)
    expect(Math.abs(new Uint32Array(Float32Array.of(run.losses[0]).buffer)[0] - g.losses[0])).toBeLessThanOrEqual(4);
    expectTorchRun(g, run, 5e-6);
    expect(g.accuracy).toBe(123 / 128); // the noisier moons overlap: 5 of the 128 points are on the other side
  });

  it("examples/moons.mjs, as a user runs it from the bundle, prints torch's losses and accuracy and draws torch's boundary", () => {
    const out = execFileSync(process.execPath, [`${root}examples/moons.mjs`], { encoding: "utf8" });
    const g: Program = fixture.relu;
    const torch = f32(g.losses);
    const printed = [...out.matchAll(/^step +(\d+) +loss ([\d.e-]+)$/gm)].map((m) => [Number(m[1]), m[2]] as const);
    expect(printed.map(([step]) => step)).toEqual([...Array.from({ length: 12 }, (_, i) => 25 * i), 299]);
    // six significant digits: within the run's tolerance plus the printing's rounding
    for (const [step, loss] of printed) expect(Math.abs(Number(loss) - torch[step]), `step ${step}`).toBeLessThanOrEqual(3e-5 * torch[step] + 0.5 * Number(`1e${Math.floor(Math.log10(torch[step])) - 5}`));
    expect(printed[0][1]).toBe(torch[0].toPrecision(6));
    expect(out).toMatch(/^accuracy 100\.0% on the 200 training points after 300 steps/m);
    // the map: each blank or "." is the class torch's model predicts at that character's centre
    const { cols, rows, p } = g.map!;
    const map = [...out.matchAll(/^\|(.*)\|$/gm)].map((m) => m[1]);
    expect(map).toHaveLength(rows);
    const probability = f32(p);
    let points = 0, region = [0, 0];
    map.forEach((line, r) => {
      expect(line).toHaveLength(cols);
      [...line].forEach((ch, c) => {
        if (ch === "o" || ch === "x") return void points++;
        expect(ch === "." ? 1 : ch === " " ? 0 : ch, `row ${r}, column ${c}`).toBe(probability[r * cols + c] > 0.5 ? 1 : 0);
        region[ch === "." ? 1 : 0]++;
      });
    });
    expect(points).toBeGreaterThan(100); // most of the 200 points have a character of their own
    expect(Math.min(...region)).toBeGreaterThan(200); // both classes have a region
  });
});
