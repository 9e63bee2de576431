// meanSquaredError is a.sub(b).pow(2).mean() fused into one op: it must give
// the composition's bits exactly, forward and for both gradients, since the
// series' bit-for-bit match with PyTorch rests on them.
import { describe, expect, it } from "vitest";
import { manualSeed, randn, meanSquaredError, mseLoss, tensor } from "../src/index";
import { hexF32 } from "./helpers/golden";

describe("meanSquaredError", () => {
  for (const shape of [[1], [4, 4], [5, 4], [7, 3], [33], [2, 3, 5]]) {
    it(`matches (a - b).pow(2).mean() bit for bit, shape [${shape}]`, () => {
      manualSeed(shape.reduce((x, y) => x * 31 + y, 7));
      const a1 = randn(shape, { requiresGrad: true }), b1 = randn(shape, { requiresGrad: true });
      const a2 = a1.detach().clone().requiresGrad_(), b2 = b1.detach().clone().requiresGrad_();
      const fused = meanSquaredError(a1, b1);
      const composed = a2.sub(b2).pow(2).mean();
      expect(hexF32(fused.data())).toEqual(hexF32(composed.data()));
      // an upstream gradient other than 1, as in mse(...)/100
      fused.mul(0.01).backward();
      composed.mul(0.01).backward();
      expect(hexF32(a1.grad!.data())).toEqual(hexF32(a2.grad!.data()));
      expect(hexF32(b1.grad!.data())).toEqual(hexF32(b2.grad!.data()));
      expect(String(fused)).toMatch(/grad_fn=<MeanBackward0>/);
    });
  }

  it("gives a gradient to whichever operand requires one, and takes the composed path when broadcasting", () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    const b = tensor([[0, 2], [5, 4]], { requiresGrad: true });
    meanSquaredError(a, b).backward();
    expect(b.grad!.toArray()).toEqual([[-0.5, -0], [1, -0]]); // d/db mean((a-b)²) = -2(a-b)/4; -0 as torch gives
    expect(meanSquaredError(a, tensor([1, 2], { dtype: "float32" })).item()).toBe(2); // (0+0+4+4)/4
    expect(mseLoss(a, b.detach()).item()).toBe(1.25);
  });
});
