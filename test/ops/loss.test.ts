// The losses of nn.functional (issue 17) against torch 1.13
// (test/fixtures/ops_loss.json), and finite-difference gradchecks.
import { describe, expect, it } from "vitest";
import { F, tensor, randn, manualSeed, mseLoss, scope, type Tensor } from "../../src/index";
import { runGolden, type OpFn } from "./golden-ops";

const ops: Record<string, OpFn> = {
  crossEntropy: ([x, t], kw) => F.crossEntropy(x, t, kw),
  nllLoss: ([x, t], kw) => F.nllLoss(x, t, kw),
  binaryCrossEntropy: ([x, t], kw) => F.binaryCrossEntropy(x, t, kw),
  binaryCrossEntropyWithLogits: ([x, t], kw) => F.binaryCrossEntropyWithLogits(x, t, kw),
  l1Loss: ([x, t], kw) => F.l1Loss(x, t, kw),
  smoothL1Loss: ([x, t], kw) => F.smoothL1Loss(x, t, kw),
  huberLoss: ([x, t], kw) => F.huberLoss(x, t, kw),
  klDiv: ([x, t], kw) => F.klDiv(x, t, kw),
};
runGolden("ops_loss.json", ops);

import { gradcheck } from "../gradcheck";
import * as Ref from "./reduce.reference";

describe("gradcheck", () => {
  const t = [2, 0, 1, 2];
  const w = [0.5, 1.5, 1];
  for (const reduction of ["mean", "sum", "none"] as const) {
    it(`crossEntropy weight labelSmoothing ${reduction}`, () => gradcheck(
      ([x]) => F.crossEntropy(x, tensor(t), { weight: tensor(w, { dtype: "float32" }), labelSmoothing: 0.1, reduction }),
      ([x]) => Ref.crossEntropy(x, t, w, 0.1, reduction), [Ref.values(1, [4, 3])], { secondOrder: "error" }));
    it(`nllLoss ${reduction}`, () => gradcheck(
      ([x]) => F.nllLoss(x, tensor(t), { reduction }), ([x]) => Ref.crossEntropy(x, t, null, 0, reduction, false), [Ref.values(2, [4, 3])], { secondOrder: "error" }));
  }
  // the fused class losses and the pointwise losses with a kernel loop for their gradient have no double backward yet
  const ew = (name: string, lib: (x: Tensor, t: Tensor) => Tensor, f: (x: number, t: number) => number, lo = -Infinity) =>
    it(name, () => gradcheck(([x, y]) => lib(x, y), ([x, y]) => Ref.reduce(Ref.zip(x, y, f), "mean"), [Ref.values(3, [3, 4], lo), Ref.values(4, [3, 4], 0.05)],
      { secondOrder: name === "l1Loss" ? true : "error" }));
  ew("binaryCrossEntropy", (x, y) => F.binaryCrossEntropy(x, y), (x, y) => -(y * Math.log(x) + (1 - y) * Math.log(1 - x)), 0.05);
  ew("binaryCrossEntropyWithLogits", (x, y) => F.binaryCrossEntropyWithLogits(x, y), (x, y) => (1 - y) * x + Math.log1p(Math.exp(-x)));
  ew("l1Loss", (x, y) => F.l1Loss(x, y), (x, y) => Math.abs(x - y));
  ew("smoothL1Loss beta 0.5", (x, y) => F.smoothL1Loss(x, y, { beta: 0.5 }), (x, y) => (Math.abs(x - y) < 0.5 ? (x - y) ** 2 : Math.abs(x - y) - 0.25));
  ew("huberLoss delta 0.5", (x, y) => F.huberLoss(x, y, { delta: 0.5 }), (x, y) => (Math.abs(x - y) < 0.5 ? 0.5 * (x - y) ** 2 : 0.5 * (Math.abs(x - y) - 0.25)));
  ew("klDiv", (x, y) => F.klDiv(x, y), (x, y) => y * (Math.log(y) - x));
});

describe("crossEntropy", () => {
  it("is one node with a fused backward, and as fast a path as mseLoss (one kernel each way)", () => {
    scope(() => {
      manualSeed(1);
      const x = randn([64, 10]).requiresGrad_(true);
      const l = F.crossEntropy(x, tensor(Array.from({ length: 64 }, (_, i) => i % 10)));
      expect(l.gradFn!.name).toBe("NllLossBackward0");
      expect(l.gradFn!.inputs).toEqual([x]);
      l.backward();
      // each row's gradient sums to 0 (softmax - onehot)
      const g = x.grad!.sum(1).data();
      expect(Math.max(...Array.from(g, Math.abs))).toBeLessThan(1e-6);
      x.grad!.dispose();
    });
  });
  it("is stable for logits near ±1e4", () => {
    const x = tensor([[1e4, -1e4, 0], [-1e4, 1e4 - 3, 1e4]], { dtype: "float32" });
    expect(F.crossEntropy(x, tensor([0, 1]), "none").data()[1]).toBeCloseTo(3 + Math.log1p(Math.exp(-3)), 3);
  });
  it("takes torch's positional weight, crossEntropy(x, y, w), as { weight: w } (as do nllLoss and the binary losses)", () => {
    scope(() => {
      manualSeed(3);
      const x = randn(5, 4), y = tensor([0, 3, 1, 1, 2], { dtype: "int32" }), w = tensor([0.5, 2, 1, 0.25]);
      const p = x.sigmoid(), t = randn(5, 4).gt(0).float(), bw = randn(5, 4).abs();
      // [name, positional weight, { weight }, no weight]
      const cases: [string, Tensor, Tensor, Tensor][] = [
        ["crossEntropy", F.crossEntropy(x, y, w), F.crossEntropy(x, y, { weight: w }), F.crossEntropy(x, y)],
        ["nllLoss", F.nllLoss(x.logSoftmax(1), y, w), F.nllLoss(x.logSoftmax(1), y, { weight: w }), F.nllLoss(x.logSoftmax(1), y)],
        ["binaryCrossEntropy", F.binaryCrossEntropy(p, t, bw), F.binaryCrossEntropy(p, t, { weight: bw }), F.binaryCrossEntropy(p, t)],
        ["binaryCrossEntropyWithLogits", F.binaryCrossEntropyWithLogits(x, t, bw), F.binaryCrossEntropyWithLogits(x, t, { weight: bw }), F.binaryCrossEntropyWithLogits(x, t)],
      ];
      for (const [name, positional, named, unweighted] of cases) {
        expect(positional.item(), name).toBe(named.item());
        expect(positional.item(), `${name}: the weight changes the loss`).not.toBe(unweighted.item());
      }
    });
  });
  it("huberLoss takes torch's positional (reduction, delta)", () => {
    scope(() => {
      const a = tensor([0, 1, 4], { dtype: "float32" }), b = tensor([1.5, -2, 4.5], { dtype: "float32" });
      expect(F.huberLoss(a, b, "sum", 2).item()).toBe(F.huberLoss(a, b, { reduction: "sum", delta: 2 }).item());
      expect(F.huberLoss(a, b, "sum", 2).item()).not.toBe(F.huberLoss(a, b, "sum").item());
    });
  });
  it("mseLoss is unchanged", () => expect(mseLoss(tensor([1, 2], { dtype: "float32" }), tensor([0, 0], { dtype: "float32" })).item()).toBe(2.5));
});

import { capture, optim, noGrad } from "../../src/index";

describe("capture", () => {
  it("a classifier step with crossEntropy, logSoftmax, std and smoothL1Loss replays bit-identically", () => {
    const make = () => {
      manualSeed(3);
      const W = randn([5, 4]).requiresGrad_(true);
      const x = randn([8, 5]), t = tensor([0, 1, 2, 3, 3, 2, 1, 0]);
      const opt = new optim.SGD([W], { lr: 0.1 });
      const step = () => {
        opt.zeroGrad();
        const z = x.matmul(W);
        const loss = F.crossEntropy(z, t, { labelSmoothing: 0.1 })
          .add(F.smoothL1Loss(z.logSoftmax(1), z.softmax(1)))
          .add(z.std(1).sum().mul(0.01))
          .add(z.prod(0).sum().mul(0.001))
          .add(z.cumsum(1).amax().mul(0.01));
        loss.backward();
        opt.step();
        return loss;
      };
      return { W, step };
    };
    const a = make(), b = make();
    const run = capture(b.step);
    for (let i = 0; i < 8; i++) {
      const la = scope(() => a.step().item());
      const l = run();
      expect(l.item()).toBe(la);
      l.dispose();
    }
    expect(run.recorded).toBe(true);
    expect(Array.from(b.W.data())).toEqual(Array.from(a.W.data()));
    run.dispose();
  });
});
