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
  it("picks torch's index (the first maximum; a later NaN wins) on random shapes with ties, NaN and ±Inf", () => {
    // torch 1.13's CPU loop (max_pool2d_with_indices): the window clipped to the image, a start
    // below 0 moved up by the dilation, then `if (val > maxval || isnan(val))` in row-major order
    const values = [0, -0, 1, -1, 2, NaN, Infinity, -Infinity];
    const r = mulberry32(7);
    const pick = (n: number) => Math.floor(r() * n);
    for (let trial = 0; trial < 60; trial++) {
      const k = [1 + pick(3), 1 + pick(3)], s = [1 + pick(3), 1 + pick(3)], d = [1 + pick(2), 1 + pick(2)];
      const p = k.map((kk) => pick(Math.floor(kk / 2) + 1)), ceil = r() < 0.5;
      const h = d[0] * (k[0] - 1) + 1 + pick(6), w = d[1] * (k[1] - 1) + 1 + pick(14), planes = 1 + pick(3);
      const data = Array.from({ length: planes * h * w }, () => values[pick(values.length)]);
      const size = (len: number, i: number) => {
        let o = Math.floor((len + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (ceil ? s[i] - 1 : 0)) / s[i]) + 1;
        if (ceil && (o - 1) * s[i] >= len + p[i]) o--;
        return o;
      };
      const ho = size(h, 0), wo = size(w, 1), want: number[] = [], wantIdx: number[] = [];
      for (let q = 0; q < planes; q++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
        let hs = i * s[0] - p[0], ws = j * s[1] - p[1];
        const he = Math.min(hs + (k[0] - 1) * d[0] + 1, h), we = Math.min(ws + (k[1] - 1) * d[1] + 1, w);
        while (hs < 0) hs += d[0];
        while (ws < 0) ws += d[1];
        let m = -Infinity, mi = hs * w + ws;
        for (let ih = hs; ih < he; ih += d[0]) for (let iw = ws; iw < we; iw += d[1]) {
          const v = data[(q * h + ih) * w + iw];
          if (v > m || Number.isNaN(v)) { m = v; mi = ih * w + iw; }
        }
        want.push(m);
        wantIdx.push(mi);
      }
      scope(() => {
        const x = tensor(data).reshape(planes, h, w);
        const [y, idx] = F.maxPool2d(x, { kernelSize: k, stride: s, padding: p, dilation: d, ceilMode: ceil, returnIndices: true }) as Tensor[];
        const where = `kernel ${k}, stride ${s}, padding ${p}, dilation ${d}, ceil ${ceil}, input ${planes}x${h}x${w}`;
        expect(Array.from(y.data()), where).toEqual(want); // -0 and 0 told apart: the value is the chosen element
        expect(Array.from(idx.data()), where).toEqual(wantIdx);
      });
    }
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
