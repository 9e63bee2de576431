// mseLoss and meanSquaredError are one fused op each for operands of one shape:
// they must give the bits of the compositions they stand for, forward and for
// both gradients, since the series' bit-for-bit match with PyTorch rests on them.
//   mseLoss(a, b)           d = a - b, (d·d).mean() or .sum()
//   meanSquaredError(a, b)  a.sub(b).pow(2).mean()
import { describe, expect, it } from "vitest";
import { manualSeed, randn, meanSquaredError, mseLoss, tensor, Tensor } from "../src/index";

/** null when x and y hold the same float32 bits, else the first difference. */
function bitDiff(x: Tensor, y: Tensor): string | null {
  const a = new Uint32Array(Float32Array.from(x.data()).buffer), b = new Uint32Array(Float32Array.from(y.data()).buffer);
  if (a.length !== b.length) return `${a.length} elements vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `element ${i}: 0x${a[i].toString(16)} vs 0x${b[i].toString(16)}`;
  return null;
}

type Loss = (a: Tensor, b: Tensor) => Tensor;

/**
 * The fused loss and its composition on copies of the same operands: same bits for the value and both
 * gradients. The fused node is named as the composition's last (meanSquaredError) or as torch's F.mse_loss.
 */
function expectSameBits(fused: Loss, composed: Loss, a: Tensor, b: Tensor, upstream = 0.01): void {
  const a1 = a.detach().clone().requiresGrad_(a.requiresGrad), b1 = b.detach().clone().requiresGrad_(b.requiresGrad);
  const a2 = a.detach().clone().requiresGrad_(a.requiresGrad), b2 = b.detach().clone().requiresGrad_(b.requiresGrad);
  const x = fused(a1, b1), y = composed(a2, b2);
  expect(bitDiff(x, y), "value").toBeNull();
  expect(x.gradFn!.name).toBe(fused === meanSquaredError ? y.gradFn!.name : "MseLossBackward0");
  // an upstream gradient other than 1, as in mse(...)/100
  x.mul(upstream).backward();
  y.mul(upstream).backward();
  for (const [p, q] of [[a1, a2], [b1, b2]]) {
    if (!q.requiresGrad) continue;
    expect(bitDiff(p.grad!, q.grad!), p === a1 ? "grad of a" : "grad of b").toBeNull();
  }
}

const msePow: Loss = (a, b) => a.sub(b).pow(2).mean();
const mseMean: Loss = (a, b) => { const d = a.sub(b); return d.mul(d).mean(); };
const mseSum: Loss = (a, b) => { const d = a.sub(b); return d.mul(d).sum(); };

// sizes below 8, around the 8-float items and rows of 4 items of the summation, and
// 512×512, where the cascade's partial sums move up all its levels
const shapes = [[1], [4, 4], [5, 4], [7, 3], [33], [2, 3, 5], [31, 33], [64, 64], [4103], [512, 512]];

describe("meanSquaredError", () => {
  for (const shape of shapes) {
    it(`matches (a - b).pow(2).mean() bit for bit, shape [${shape}]`, () => {
      manualSeed(shape.reduce((x, y) => x * 31 + y, 7));
      expectSameBits(meanSquaredError, msePow, randn(shape, { requiresGrad: true }), randn(shape, { requiresGrad: true }));
    });
  }

  it("gives a gradient to whichever operand requires one, and takes the composed path when broadcasting", () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    const b = tensor([[0, 2], [5, 4]], { requiresGrad: true });
    meanSquaredError(a, b).backward();
    expect(b.grad!.toArray()).toEqual([[-0.5, -0], [1, -0]]); // d/db mean((a-b)²) = -2(a-b)/4; -0 as torch gives
    expect(meanSquaredError(a, tensor([1, 2], { dtype: "float32" })).item()).toBe(2); // (0+0+4+4)/4
    expect(String(meanSquaredError(a, b))).toMatch(/grad_fn=<MeanBackward0>/);
    expect(String(mseLoss(a, b))).toMatch(/grad_fn=<MseLossBackward0>/); // torch's F.mse_loss node
  });
});

describe("mseLoss", () => {
  for (const shape of shapes) {
    it(`matches d·d with d = a - b, mean and sum, bit for bit, shape [${shape}]`, () => {
      manualSeed(shape.reduce((x, y) => x * 37 + y, 11));
      const a = randn(shape, { requiresGrad: true }), b = randn(shape, { requiresGrad: true });
      expectSameBits((x, y) => mseLoss(x, y), mseMean, a, b);
      expectSameBits((x, y) => mseLoss(x, y, "sum"), mseSum, a, b);
      expectSameBits((x, y) => mseLoss(x, y), mseMean, a, b.detach(), 1); // the series' mse(X @ M, I)
      expectSameBits((x, y) => mseLoss(x, y, "sum"), mseSum, a.detach(), b, 3);
    });
  }

  it("rounds a gradient in the subnormal range as its composition does (which differs from pow's)", () => {
    // g'·d is subnormal: doubling it after rounding (d·d's two terms) and before (pow's 2·d) differ
    const a = tensor([3 * 2 ** -130, 5 * 2 ** -131, 1, -7 * 2 ** -135, 0], { requiresGrad: true });
    const b = tensor([0, 0, 1, 0, -0], { dtype: "float32" });
    expectSameBits((x, y) => mseLoss(x, y), mseMean, a, b, 0.3);
    expectSameBits(meanSquaredError, msePow, a, b, 0.3);
    const viaMul = mseLoss(a, b), viaPow = meanSquaredError(a, b);
    viaMul.mul(0.3).backward();
    const g1 = Array.from(a.grad!.data());
    a.grad = null;
    viaPow.mul(0.3).backward();
    expect(Array.from(a.grad!.data())).not.toEqual(g1);
  });

  it("takes the composed path when broadcasting or for int tensors", () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    const b = tensor([1, 2], { dtype: "float32", requiresGrad: true });
    const loss = mseLoss(a, b);
    expect(loss.item()).toBe(2);
    loss.backward();
    expect(Array.from(b.grad!.data())).toEqual([-1, -1]);
    expect(mseLoss(a, b.detach(), "none").toArray()).toEqual([[0, 0], [4, 4]]);
    expect(mseLoss(tensor([1, 2]), tensor([3, 5]), "sum").item()).toBe(13);
  });
});
