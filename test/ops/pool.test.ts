// Pooling and padding of nn.functional: maxPool2d, avgPool2d,
// adaptiveAvgPool2d, pad. Golden data from torch 1.13, gradchecks against the
// float64 loops of layers.reference.ts.
import { describe, expect, it } from "vitest";
import { F, tensor, randn, scope, type Tensor } from "../../src/index";
import { make, numel, type RTensor } from "../reference";
import { gradcheck } from "../gradcheck";
import { mulberry32 } from "../helpers/bridge";
import { goldenCases } from "./layers.golden";
import { rnd } from "./conv.test";
import * as L from "./layers.reference";

/** Values ≥ 0.1 apart, so a small step never changes which element is the maximum. */
function distinct(seed: number, shape: number[]): RTensor {
  const r = mulberry32(seed), n = numel(shape);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return make(shape, perm.map((p) => (p - n / 2) * 0.1));
}

describe("maxPool2d", () => {
  goldenCases("maxPool2d");
  it("gradchecks with stride, padding, dilation and ceil mode", () => {
    gradcheck(([x]) => F.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }) as Tensor,
      ([x]) => L.pool2d(x, [3, 3], [2, 2], [1, 1], [1, 2], true, false), [distinct(1, [2, 2, 7, 8])]);
  });
  it("returns the plane-local index of each maximum", () => {
    scope(() => {
      const [y, idx] = F.maxPool2d(tensor([[[1, 5, 2], [7, 3, 9]]], { dtype: "float32" }), { kernelSize: [1, 3], returnIndices: true }) as Tensor[];
      expect(y.toArray()).toEqual([[[5], [9]]]);
      expect(idx.toArray()).toEqual([[[1], [5]]]);
      expect(idx.dtype).toBe("int32");
    });
  });
  it("propagates NaN like torch", () => {
    scope(() => {
      expect(F.maxPool2d(tensor([[[1, NaN], [3, 2]]]), 2).toArray()).toEqual([[[NaN]]]);
    });
  });
});

describe("avgPool2d", () => {
  goldenCases("avgPool2d");
  it("gradchecks with padding counted and not, and ceil mode", () => {
    for (const countIncludePad of [true, false]) {
      gradcheck(([x]) => F.avgPool2d(x, [3, 2], { stride: [2, 1], padding: [1, 1], ceilMode: true, countIncludePad }),
        ([x]) => L.pool2d(x, [3, 2], [2, 1], [1, 1], [1, 1], true, true, countIncludePad), [rnd(2, [1, 2, 6, 5])],
        { secondOrder: "error" }); // the average pools' adjoint is a kernel: no double backward yet
    }
  });
});

describe("adaptiveAvgPool2d", () => {
  goldenCases("adaptiveAvgPool2d");
  it("gradchecks, output larger and smaller than the input", () => {
    gradcheck(([x]) => F.adaptiveAvgPool2d(x, [4, 2]), ([x]) => L.adaptiveAvgPool2d(x, 4, 2), [rnd(3, [2, 1, 3, 5])], { secondOrder: "error" });
  });
  it("keeps a dim whose size is null", () => {
    scope(() => expect(F.adaptiveAvgPool2d(randn([1, 2, 5, 6]), [null, 3]).shape).toEqual([1, 2, 5, 3]));
  });
});

describe("pad", () => {
  goldenCases("pad");
  it("gradchecks every mode", () => {
    const cases: [number[], "constant" | "reflect" | "replicate" | "circular"][] = [
      [[1, 2, -1, 1], "constant"], [[2, 1, 1, 2], "reflect"], [[3, 0, 1, 2], "replicate"], [[1, 2, 3, 1], "circular"],
    ];
    for (const [p, mode] of cases) {
      gradcheck(([x]) => F.pad(x, p, { mode, value: 0.25 }), ([x]) => L.pad(x, p, mode, mode === "constant" ? 0.25 : 0), [rnd(4, [1, 2, 3, 4])]);
    }
  });
  it("returns a copy when nothing is padded", () => {
    scope(() => {
      const x = randn([2, 3]);
      const y = F.pad(x, [0, 0]);
      expect(y).not.toBe(x);
      expect(Array.from(y.data())).toEqual(Array.from(x.data()));
    });
  });
});

describe("empty batches (size-0 dims)", () => {
  it("every layer takes a batch of 0 and gives a gradient of the input's shape", () => {
    scope(() => {
      const x = randn([0, 2, 4, 4]).requiresGrad_(true);
      const outs: [Tensor, number[]][] = [
        [F.maxPool2d(x, 2) as Tensor, [0, 2, 2, 2]], [F.avgPool2d(x, 2), [0, 2, 2, 2]], [F.adaptiveAvgPool2d(x, 3), [0, 2, 3, 3]],
        [F.pad(x, [1, 1, 1, 1], "reflect"), [0, 2, 6, 6]],
        [F.layerNorm(x, [4, 4]), [0, 2, 4, 4]], [F.groupNorm(x, 2), [0, 2, 4, 4]],
        [F.conv2d(x, randn([3, 2, 3, 3]), { padding: 1 }), [0, 3, 4, 4]],
        [F.linear(x, randn([5, 4])), [0, 2, 4, 5]],
      ];
      for (const [y, shape] of outs) {
        expect(y.shape).toEqual(shape);
        y.sum().backward();
        expect(x.grad!.shape).toEqual([0, 2, 4, 4]);
      }
    });
  });
});
