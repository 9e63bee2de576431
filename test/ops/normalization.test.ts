// Normalizations, lookups and dropout of nn.functional: layerNorm, groupNorm,
// batchNorm, embedding, dropout. Golden data from torch 1.13 (dropout's mask
// bit for bit under manualSeed), gradchecks against layers.reference.ts.
import { describe, expect, it } from "vitest";
import { F, tensor, randn, ones, zeros, scope, manualSeed, Generator, type Tensor } from "../../src/index";
import { make } from "../reference";
import { gradcheck } from "../gradcheck";
import { goldenCases } from "./layers.golden";
import { rnd } from "./conv.test";
import * as L from "./layers.reference";

const f = (v: number[] | number[][]) => tensor(v, { dtype: "float32" });

describe("layerNorm", () => {
  goldenCases("layerNorm");
  it("gradchecks with and without weight and bias", () => {
    gradcheck(([x, w, b]) => F.layerNorm(x, [3, 4], w, b), ([x, w, b]) => L.affine(L.standardize(x, 12, 1e-5), w, b), [rnd(1, [2, 3, 4]), rnd(2, [3, 4]), rnd(3, [3, 4])]);
    gradcheck(([x]) => F.layerNorm(x, 4, { eps: 1e-2 }), ([x]) => L.standardize(x, 4, 1e-2), [rnd(4, [3, 4])]);
  });
});

describe("groupNorm", () => {
  goldenCases("groupNorm");
  it("gradchecks", () => {
    gradcheck(([x, w, b]) => F.groupNorm(x, 2, w, b), ([x, w, b]) => L.affine(L.standardize(x, 6, 1e-5), w, b, 3), [rnd(5, [2, 4, 3]), rnd(6, [4]), rnd(7, [4])]);
  });
});

describe("batchNorm", () => {
  goldenCases("batchNorm");
  it("gradchecks in training", () => {
    gradcheck(([x, w, b]) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), ([x, w, b]) => L.batchNormTrain(x, w, b, 1e-5),
      [rnd(8, [3, 2, 2, 2]), rnd(9, [2]), rnd(10, [2])]);
  });
  it("updates the running stats in place, without a gradient", () => {
    scope(() => {
      const rm = zeros([2]), rv = ones([2]);
      const x = tensor([[1, 10], [3, 20]], { requiresGrad: true, dtype: "float32" });
      const v = rm.version;
      F.batchNorm(x, rm, rv, null, null, true, 0.5);
      expect(rm.version).toBeGreaterThan(v);
      expect(rm.toArray()).toEqual([1, 7.5]); // 0.5·0 + 0.5·mean
      expect(rv.toArray()).toEqual([1.5, 25.5]); // 0.5·1 + 0.5·unbiased var (2, 50)
      expect(rm.requiresGrad).toBe(false);
    });
  });
  it("uses the running stats in evaluation", () => {
    scope(() => {
      const y = F.batchNorm(f([[1, 10], [3, 20]]), f([1, 10]), f([4, 100]), { eps: 0 });
      expect(y.toArray()).toEqual([[0, 0], [1, 1]]);
    });
  });
});

describe("embedding", () => {
  goldenCases("embedding");
  it("sends no gradient to the padding row, and sums repeated rows", () => {
    scope(() => {
      const w = randn([4, 2]).requiresGrad_(true);
      F.embedding(tensor([[1, 3], [1, 0]]), w, { paddingIdx: -1 }).sum().backward();
      expect(w.grad!.toArray()).toEqual([[1, 1], [2, 2], [0, 0], [0, 0]]);
    });
  });
  it("gradchecks", () => {
    const idx = tensor([2, 0, 2]);
    gradcheck(([w]) => F.embedding(idx, w), ([w]) => make([3, 3], [6, 7, 8, 0, 1, 2, 6, 7, 8].map((i) => w.data[i])), [rnd(11, [3, 3])]);
  });
});

describe("dropout", () => {
  goldenCases("dropout");
  it("returns the input itself when not training or p = 0", () => {
    scope(() => {
      const x = randn([3]);
      expect(F.dropout(x, 0.5, false)).toBe(x);
      expect(F.dropout(x, { p: 0 })).toBe(x);
    });
  });
  it("zeroes everything at p = 1 without drawing", () => {
    scope(() => {
      manualSeed(5);
      const y = F.dropout(ones([4]).requiresGrad_(true), 1);
      expect(y.toArray()).toEqual([0, 0, 0, 0]);
      const after = F.dropout(ones([4]), 0.5).toArray();
      manualSeed(5);
      expect(F.dropout(ones([4]), 0.5).toArray()).toEqual(after);
    });
  });
  it("draws from the generator given, and its gradient is the mask", () => {
    scope(() => {
      const x = randn([50]).requiresGrad_(true);
      const y = F.dropout(x, { p: 0.4, generator: new Generator(3) });
      const z = F.dropout(x.detach(), { p: 0.4, generator: new Generator(3) });
      expect(Array.from(y.data())).toEqual(Array.from(z.data()));
      y.backward(ones([50]));
      const g = Array.from(x.grad!.data());
      expect(new Set(g)).toEqual(new Set([0, Math.fround(1 / 0.6)]));
      expect(g.map((v) => v !== 0)).toEqual(Array.from(y.data(), (v, i) => v !== 0 || (x.data()[i] === 0)));
    });
  });
});
