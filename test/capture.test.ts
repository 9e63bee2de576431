// capture(): a recorded step replays the same kernels on the same memory, so
// captured and eager runs must agree bit for bit; and what cannot be replayed
// faithfully must be refused while recording, never replayed wrong.
import { describe, expect, it } from "vitest";
import {
  capture, manualSeed, rand, randn, eye, linalg, noGrad, mseLoss, optim, tensor, diag, memoryStats, scope,
} from "../src/index";
import { hexF32 } from "./helpers/golden";

const bits = (...ts: { data(): ArrayLike<number> }[]) => ts.map((t) => hexF32(t.data()).join(",")).join("|");

describe("capture", () => {
  it("replays part 2's inverse bit for bit", () => {
    manualSeed(314);
    const M = rand(4, 4);
    const eager = linalg.inverseGD(M, { steps: 300 });
    const captured = linalg.inverseGD(M, { steps: 300, capture: true });
    expect(hexF32(captured.losses)).toEqual(hexF32(eager.losses));
    expect(bits(captured.inverse)).toBe(bits(eager.inverse));
  });

  for (const optimizer of ["momentum", "sgd", "adam"] as const) {
    it(`replays part 3's SVD with ${optimizer} bit for bit`, () => {
      manualSeed(314);
      const M = rand(5, 4);
      const eager = linalg.svdGD(M, { steps: 300, optimizer });
      const captured = linalg.svdGD(M, { steps: 300, optimizer, capture: true });
      expect(hexF32(captured.losses)).toEqual(hexF32(eager.losses));
      expect(bits(captured.U, captured.S, captured.V)).toBe(bits(eager.U, eager.S, eager.V));
    });
  }

  it("replays a user-written step with an optimizer, and follows lr changes", () => {
    const make = () => {
      manualSeed(7);
      const W = randn(3, 3, { requiresGrad: true });
      const x = randn(5, 3), y = randn(5, 3);
      const opt = new optim.Adam([W], { lr: 0.01 });
      const step = () => {
        opt.zeroGrad();
        const loss = mseLoss(x.matmul(W).tanh(), y);
        loss.backward();
        opt.step();
        return loss;
      };
      return { W, opt, step };
    };
    const a = make(), b = make();
    const run = capture(b.step);
    const la: string[] = [], lb: string[] = [];
    for (let i = 0; i < 50; i++) {
      if (i === 25) a.opt.lr = b.opt.lr = 0.002;
      la.push(hexF32([scope(() => a.step().item())])[0]);
      const l = run();
      lb.push(hexF32([l.item()])[0]);
      l.dispose();
    }
    expect(run.recorded).toBe(true);
    expect(run.kernelCalls).toBeGreaterThan(5);
    expect(lb).toEqual(la);
    expect(bits(b.W)).toBe(bits(a.W));
    run.dispose();
  });

  it("replays the notebook's composed loss (sum and mean's gradient, a fill of the upstream value) bit for bit", () => {
    const make = () => {
      manualSeed(314);
      const M = rand(4, 4);
      manualSeed(314);
      const X = rand(4, 4, { requiresGrad: true });
      const I = eye(4);
      const step = () => {
        const loss = X.matmul(M).sub(I).pow(2).mean().add(X.sum().mul(1e-3));
        loss.backward();
        noGrad(() => {
          X.sub_(X.grad!.mul(0.9));
          X.grad!.mul_(0.9);
        });
        return loss;
      };
      return { X, step };
    };
    const a = make(), b = make();
    const run = capture(b.step);
    const la: string[] = [], lb: string[] = [];
    for (let i = 0; i < 40; i++) {
      la.push(hexF32([scope(() => a.step().item())])[0]);
      const l = run();
      lb.push(hexF32([l.item()])[0]);
      l.dispose();
    }
    expect(new Set(la).size).toBeGreaterThan(30); // the loss moves: a replay of stale gradients would show
    expect(lb).toEqual(la);
    expect(bits(b.X)).toBe(bits(a.X));
    run.dispose();
  });

  it("allocates nothing while replaying", () => {
    manualSeed(1);
    const X = rand(4, 4, { requiresGrad: true });
    const M = rand(4, 4), I = eye(4);
    const run = capture(() => {
      const loss = mseLoss(X.matmul(M), I);
      loss.backward();
      noGrad(() => {
        X.sub_(X.grad!.mul(0.1));
        X.grad!.zero_();
      });
      return loss;
    });
    for (let i = 0; i < 5; i++) run();
    const before = memoryStats().bytesInUse;
    for (let i = 0; i < 200; i++) run();
    expect(memoryStats().bytesInUse).toBe(before);
    run.dispose();
  });

  it("refuses what a replay could not repeat", () => {
    const X = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    expect(() => capture(() => X.sum().item(), { warmup: 0 })()).toThrow(/capture: item\(\) reads tensor data/);
    expect(() => capture(() => rand(2), { warmup: 0 })()).toThrow(/capture: rand\(\) inside a captured step/);
    // and the library is fine afterwards
    expect(diag(X).toArray()).toEqual([1, 4]);
    expect(capture(() => X.mul(2), { warmup: 0 })().toArray()).toEqual([[2, 4], [6, 8]]);
  });

  it("refuses to replay after a tensor it uses was disposed", () => {
    const A = rand(3, 3);
    const run = capture(() => A.mul(2), { warmup: 0 });
    run();
    A.dispose();
    expect(() => run()).toThrow(/a tensor the captured step uses was disposed/);
  });
});
