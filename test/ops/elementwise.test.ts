// Elementwise math and activations against torch 1.13 (test/fixtures/ops_elementwise.json,
// made by test/fixtures/gen_ops_elementwise.py): forward values and gradients under a random
// upstream gradient, on special values, kinks and large magnitudes, with broadcasting and
// transposed operands; then the dtype rules, size-0 shapes, in-place clamp_ and threads.

import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import * as wg from "../../src/index";
import type { Tensor } from "../../src/index";
import { mismatches, mulberry32, ulpDistance, type Tolerance } from "../helpers/bridge";
import { gradcheck } from "../gradcheck";
import { UNARY_REF, BINARY_REF, map1, mapN } from "./elementwise.reference";
import * as R from "../reference";

type Bits = string[];
interface Fx {
  x: Bits; g: Bits;
  unary: Record<string, { y: Bits; dx: Bits }>;
  ints: Record<string, { x: number[]; xdtype: "int32" | "bool"; dtype: "float32" | "int32" | "bool"; y: Bits | number[] }>;
  binary: Record<string, { a: Bits; shapeA: number[]; b?: Bits; shapeB?: number[]; scalar?: number; g: Bits; y: Bits; shapeY: number[]; da: Bits; db?: Bits | null }>;
  grid: Record<string, Bits>;
  ternary: Record<string, {
    inputs: (Bits | number)[]; dtypes: string[]; shapes: (number[] | null)[]; g: Bits; y: Bits | number[]; shapeY: number[];
    dtype: string; grads: (Bits | null)[];
  }>;
  close: { a: Bits; b: Bits; cases: { rtol: number; atol: number; equal_nan: boolean; y: number[]; all: boolean }[] };
}
const fx = JSON.parse(readFileSync(new URL("../fixtures/ops_elementwise.json", import.meta.url), "utf8")) as Fx;
const decode = (b: Bits) => Float32Array.from(new Float32Array(Uint32Array.from(b, (h) => parseInt(h, 16)).buffer));
const FWD: Tolerance = { atol: 1e-6, rtol: 1e-3 };
const GRAD: Tolerance = { atol: 1e-4, rtol: 1e-3 };
const T = (b: Bits, shape: number[], requiresGrad = false) => wg.tensor(decode(b)).reshape(shape).requiresGrad_(requiresGrad);
const want = (b: Bits | number[], shape: number[], dtype: R.RDType = "float32"): R.RTensor =>
  R.make(shape, typeof b[0] === "string" ? decode(b as Bits) : (b as number[]), dtype);
const got = (t: Tensor): R.RTensor => ({ shape: [...t.shape], data: Float64Array.from(t.data()), dtype: t.dtype as R.RDType });
const check = (t: Tensor | null, w: R.RTensor, tol: Tolerance, what: string) => {
  expect(t, what).not.toBeNull();
  expect(mismatches(got(t!), w, tol), what).toEqual([]);
};

const F = wg.F;
/** Each fixture case name and the wasmgrad call it names. */
const UNARY: Record<string, (x: Tensor) => Tensor> = {
  log1p: wg.log1p, expm1: wg.expm1, log2: wg.log2, log10: wg.log10, exp2: wg.exp2, rsqrt: wg.rsqrt,
  erf: wg.erf, floor: wg.floor, ceil: wg.ceil,
  round: (x) => x.round(), trunc: wg.trunc, frac: wg.frac,
  "round(decimals=1)": (x) => x.round({ decimals: 1 }), "round(decimals=-1)": (x) => wg.round(x, -1),
  nanToNum: (x) => x.nanToNum(), "nanToNum(nan=1,posinf=2,neginf=-3)": (x) => wg.nanToNum(x, { nan: 1, posinf: 2, neginf: -3 }),
  "clamp(-1,1)": (x) => x.clamp(-1, 1), "clamp(min=0.5)": (x) => x.clamp({ min: 0.5 }),
  "clamp(max=-0.5)": (x) => wg.clamp(x, null, -0.5), "clamp(2,1)": (x) => x.clip(2, 1),
  gelu: F.gelu, "gelu(tanh)": (x) => F.gelu(x, { approximate: "tanh" }), silu: F.silu, mish: F.mish,
  elu: F.elu, "elu(alpha=0.5)": (x) => F.elu(x, { alpha: 0.5 }), selu: F.selu, celu: F.celu, "celu(alpha=2)": (x) => wg.celu(x, 2),
  leakyRelu: F.leakyRelu, "leakyRelu(0.2)": (x) => F.leakyRelu(x, 0.2), relu6: F.relu6, hardtanh: F.hardtanh,
  "hardtanh(-2,0.5)": (x) => F.hardtanh(x, { minVal: -2, maxVal: 0.5 }), hardsigmoid: F.hardsigmoid, hardswish: F.hardswish,
  softplus: F.softplus, "softplus(beta=2,threshold=5)": (x) => F.softplus(x, { beta: 2, threshold: 5 }), softsign: F.softsign,
  logsigmoid: F.logsigmoid, tanhshrink: F.tanhshrink,
  exp: wg.exp, log: wg.log, sin: wg.sin, cos: wg.cos, tanh: wg.tanh, sigmoid: wg.sigmoid, sqrt: wg.sqrt, abs: wg.abs,
  neg: wg.neg, relu: wg.relu, reciprocal: wg.reciprocal,
};
/** torch's vectorized transcendentals (SLEEF) and musl's are a few ulps apart; so are the compositions of the gradients. */
const ULPS = { ulps: 8 };

describe("unary ops and activations against torch (forward and gradient)", () => {
  const n = decode(fx.x).length;
  for (const [name, c] of Object.entries(fx.unary)) {
    it(name, () => wg.scope(() => {
      const fn = UNARY[name];
      expect(fn, `no wasmgrad call for ${name}`).toBeDefined();
      const x = T(fx.x, [n], true);
      const y = fn(x);
      check(y, want(c.y, [n]), { ...FWD, ...ULPS }, `${name} forward`);
      y.backward(T(fx.g, [n]));
      check(x.grad, want(c.dx, [n]), { ...GRAD, ...ULPS }, `${name} gradient`);
    }));
  }
  it("covers every case of the fixture", () => {
    expect(Object.keys(fx.unary).sort()).toEqual(Object.keys(UNARY).sort());
  });
});

describe("integer and bool inputs follow torch's dtypes", () => {
  const INTS: Record<string, (x: Tensor) => Tensor> = {
    floor: wg.floor, round: wg.round, trunc: wg.trunc, ceil: wg.ceil, exp2: wg.exp2, log1p: wg.log1p, erf: wg.erf,
    isnan: wg.isnan, isinf: wg.isinf, isfinite: wg.isfinite, logicalNot: wg.logicalNot, nanToNum: (x) => wg.nanToNum(x),
    "clamp(-5,5)": (x) => x.clamp(-5, 5), "clamp(min=0.5)": (x) => x.clamp(0.5), "clamp(min=0)": (x) => x.clamp(0),
    relu6: F.relu6, hardtanh: F.hardtanh, softsign: F.softsign, tanhshrink: F.tanhshrink,
    "fmod(3)": (x) => x.fmod(3), "remainder(3)": (x) => x.remainder(3), "remainder(-3)": (x) => wg.remainder(x, -3),
    "fmod(2.5)": (x) => wg.fmod(x, 2.5),
  };
  for (const [name, c] of Object.entries(fx.ints)) {
    it(`${name} of ${c.xdtype}`, () => wg.scope(() => {
      const x = wg.tensor(c.x, { dtype: c.xdtype });
      const y = INTS[name](x);
      expect(y.dtype).toBe(c.dtype);
      check(y, want(c.y, [c.x.length], c.dtype), c.dtype === "float32" ? { ...FWD, ...ULPS } : {}, name);
    }));
  }
});

describe("binary ops against torch: broadcasting, numbers, transposed operands", () => {
  const BIN: Record<string, (a: Tensor, b: Tensor | number) => Tensor> = {
    maximum: (a, b) => a.maximum(b as Tensor), minimum: (a, b) => wg.minimum(a, b as Tensor), fmod: (a, b) => a.fmod(b),
    remainder: wg.remainder, "fmod(1.5)": wg.fmod, "remainder(-1.5)": (a, b) => a.remainder(b),
    "maximum(transposed)": (a, b) => wg.maximum(a.t(), b as Tensor),
  };
  for (const [name, c] of Object.entries(fx.binary)) {
    it(name, () => wg.scope(() => {
      const a = T(c.a, c.shapeA, true);
      const b = c.b ? T(c.b, c.shapeB!, true) : c.scalar!;
      const y = BIN[name](a, b);
      check(y, want(c.y, c.shapeY), { ...FWD, ...ULPS }, `${name} forward`);
      y.backward(T(c.g, c.shapeY));
      check(a.grad, want(c.da, c.shapeA), GRAD, `${name} da`);
      if (c.db) check((b as Tensor).grad, want(c.db, c.shapeB!), GRAD, `${name} db`);
    }));
  }

  it("over every pair of special values (forward)", () => wg.scope(() => {
    const xs = decode(fx.grid.x), m = xs.length;
    const a = wg.tensor(xs).reshape(m, 1).expand(m, m), b = wg.tensor(xs).reshape(1, m);
    const ops = { maximum: wg.maximum, minimum: wg.minimum, fmod: wg.fmod, remainder: wg.remainder };
    for (const [name, fn] of Object.entries(ops)) check(fn(a, b), want(fx.grid[name], [m, m]), ULPS, name);
  }));
});

describe("clamp with tensor bounds, lerp and where against torch", () => {
  const TERN: Record<string, (...xs: (Tensor | number)[]) => Tensor> = {
    "clamp(x,lo,hi)": (x, lo, hi) => (x as Tensor).clamp(lo, hi), "clamp(x,lo)": (x, lo) => wg.clamp(x as Tensor, { min: lo }),
    "clamp(x,None,hi)": (x, hi) => wg.clamp(x as Tensor, undefined, hi),
    "lerp(0.3)": (s, e) => (s as Tensor).lerp(e as Tensor, 0.3), "lerp(0.75)": (s, e) => wg.lerp(s as Tensor, e as Tensor, 0.75),
    "lerp(w)": (s, e, w) => wg.lerp(s as Tensor, e as Tensor, w),
    "where(c,a,b)": (c, a, b) => (a as Tensor).where(c as Tensor, b), "where(c,a,2.5)": (c, a) => wg.where(c as Tensor, a, 2.5),
    "where(c,-1,b)": (c, b) => wg.where(c as Tensor, -1, b),
  };
  for (const [name, c] of Object.entries(fx.ternary)) {
    it(name, () => wg.scope(() => {
      const xs = c.inputs.map((v, i) => typeof v === "number" ? v
        : c.dtypes[i] === "bool" ? T(v, c.shapes[i]!).ne(0) : T(v, c.shapes[i]!, true));
      const y = TERN[name](...xs);
      check(y, want(c.y, c.shapeY), FWD, `${name} forward`);
      y.backward(T(c.g, c.shapeY));
      c.grads.forEach((gr, i) => {
        if (gr) check((xs[i] as Tensor).grad, want(gr, c.shapes[i]!), GRAD, `${name} grad ${i}`);
      });
    }));
  }
});

describe("isclose and allclose against torch", () => {
  it("every tolerance case", () => wg.scope(() => {
    const a = T(fx.close.a, [9]), b = T(fx.close.b, [9]);
    for (const c of fx.close.cases) {
      const what = `rtol ${c.rtol} atol ${c.atol} equalNan ${c.equal_nan}`;
      check(wg.isclose(a, b, { rtol: c.rtol, atol: c.atol, equalNan: c.equal_nan }), want(c.y, [9], "bool"), {}, what);
      const a2 = wg.tensor(a.data().slice(0, 2)), b2 = wg.tensor(b.data().slice(0, 2));
      expect(wg.allclose(a2, b2, c.rtol, c.atol, c.equal_nan), what).toBe(c.all);
    }
  }));
});

// ---- finite differences ----------------------------------------------------------------------

describe("gradients against float64 finite differences (every differentiable op)", () => {
  /** Values in [lo, hi], kept 0.05 away from the kinks (and integers, for the steps and fmod's jumps). */
  const values = (seed: number, shape: number[], lo = -4, hi = 4, avoid: number[] = []): R.RTensor => {
    const rand = mulberry32(seed);
    const v = Array.from({ length: R.numel(shape) }, () => {
      for (;;) {
        const x = lo + (hi - lo) * rand();
        if (avoid.every((k) => Math.abs(x - k) > 0.05)) return x;
      }
    });
    return R.make(shape, v);
  };
  const KINKS = [-3, -2, -1, 0, 0.5, 1, 2, 2.5, 3, 6];
  const STEPS = Array.from({ length: 17 }, (_, i) => (i - 8) / 2); // integers and halves
  const range: Record<string, [number, number, number[]?]> = {
    log1p: [-0.5, 3], log2: [0.2, 4], log10: [0.2, 4], rsqrt: [0.2, 4],
    erf: [-2.5, 2.5], floor: [-4, 4, STEPS], ceil: [-4, 4, STEPS], round: [-4, 4, STEPS], trunc: [-4, 4, STEPS],
    frac: [-4, 4, STEPS], relu6: [-2, 8, KINKS], "softplus(beta=2,threshold=5)": [-4, 4, KINKS],
  };
  for (const name of Object.keys(UNARY_REF)) {
    it(name, () => wg.scope(() => {
      const [lo, hi, avoid] = range[name] ?? [-4, 4, KINKS];
      for (const [i, shape] of [[5], [2, 3], []].entries()) {
        gradcheck(([x]) => UNARY[name](x), ([x]) => map1(x, UNARY_REF[name]), [values(100 + i, shape, lo, hi, avoid)], { what: `${name} [${shape}]` });
      }
    }));
  }

  for (const name of Object.keys(BINARY_REF)) {
    it(`${name} with broadcasting`, () => wg.scope(() => {
      const lib = ({ maximum: wg.maximum, minimum: wg.minimum, fmod: wg.fmod, remainder: wg.remainder } as Record<string, (a: Tensor, b: Tensor) => Tensor>)[name];
      for (const [i, [sa, sb]] of [[[4], [4]], [[3, 1], [4]], [[2, 1, 3], [1, 3]]].entries()) {
        // distinct magnitudes, so max/min have no ties and a/b stays off the integers where fmod jumps
        const a = values(200 + i, sa, 0.3, 4, [1, 2, 3]), b = values(300 + i, sb, -2.5, -0.3, [-1, -2]);
        gradcheck(([x, y]) => lib(x, y), (xs) => mapN(xs, BINARY_REF[name]), [a, b], { what: `${name} [${sa}] [${sb}]` });
      }
    }));
  }

  it("clamp with tensor bounds, lerp, where", () => wg.scope(() => {
    const x = values(400, [3, 4], -3, 3, [-1, 0, 1]), lo = R.make([4], [-1, -0.5, 0.2, -2]), hi = R.make([3, 1], [1, 0.4, 2.5]);
    gradcheck(([a, l, h]) => a.clamp(l, h), (xs) => mapN(xs, (a, l, h) => Math.min(Math.max(a, l), h)), [x, lo, hi], { what: "clamp(x, lo, hi)" });
    const s = values(401, [3, 4]), e = values(402, [4]), w = R.make([3, 1], [0.2, 0.6, 0.9]);
    gradcheck(([a, b]) => wg.lerp(a, b, 0.3), (xs) => mapN(xs, (a, b) => a + 0.3 * (b - a)), [s, e], { what: "lerp(0.3)" });
    gradcheck(([a, b]) => wg.lerp(a, b, 0.8), (xs) => mapN(xs, (a, b) => a + 0.8 * (b - a)), [s, e], { what: "lerp(0.8)" });
    gradcheck(([a, b, c]) => wg.lerp(a, b, c), (xs) => mapN(xs, (a, b, c) => a + c * (b - a)), [s, e, w], { what: "lerp(w)" });
    const cond = wg.tensor([[true], [false], [true]]);
    gradcheck(([a, b]) => wg.where(cond, a, b), (xs) => mapN([R.make([3, 1], [1, 0, 1]), ...xs], (c, a, b) => (c ? a : b)), [e, s], { what: "where" });
  }));
});

// ---- behaviors torch defines beyond the golden cases -------------------------------------------

describe("erf", () => {
  it("is within 2 ulps of the float64 erf across the line, odd, and ±1 at ±Inf", () => wg.scope(() => {
    const xs = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) / 400); // -5 ... 5
    const y = wg.erf(wg.tensor(xs)).data();
    let worst = 0;
    for (let i = 0; i < xs.length; i++) worst = Math.max(worst, ulpDistance(y[i], Math.fround(UNARY_REF.erf(xs[i]))));
    expect(worst).toBeLessThanOrEqual(2);
    const s = Array.from(wg.erf(wg.tensor([Infinity, -Infinity, NaN, -0, 1e-40, 10])).data());
    expect([...s.slice(0, 4), s[5]]).toEqual([1, -1, NaN, -0, 1]);
    expect(ulpDistance(s[4], Math.fround(Math.fround(1e-40) * 1.1283791670955126))).toBeLessThanOrEqual(1); // a subnormal keeps its bits
  }));
});

describe("dtypes, shapes and special cases", () => {
  it("where promotes like torch: tensors, numbers, two numbers", () => wg.scope(() => {
    const c = wg.tensor([true, false]);
    expect(wg.where(c, wg.tensor([1, 2]), 0.5).dtype).toBe("float32");
    expect(wg.where(c, wg.tensor([1, 2]), 7).dtype).toBe("int32");
    expect(wg.where(c, 1, 2).toArray()).toEqual([1, 2]);
    expect(wg.where(c, 1, 2).dtype).toBe("int32");
    expect(wg.where(c, 1.5, 2).dtype).toBe("float32");
    expect(wg.where(c, wg.tensor([true, true]), 0).dtype).toBe("int32");
    expect(wg.where(c, wg.tensor([true, true]), wg.tensor([false, false])).toArray()).toEqual([true, false]);
  }));

  it("size-0 shapes give size-0 results and gradients", () => wg.scope(() => {
    const x = wg.zeros(0, 3).requiresGrad_();
    for (const fn of [F.gelu, F.elu, wg.erf, (t: Tensor) => t.clamp(0, 1), (t: Tensor) => t.maximum(wg.zeros(3)), (t: Tensor) => wg.lerp(t, wg.ones(3), 0.5),
      (t: Tensor) => t.where(wg.tensor([true, false, true]), 1)]) {
      const y = fn(x);
      expect(y.shape).toEqual([0, 3]);
      y.backward(wg.zeros(0, 3));
      expect(x.grad!.shape).toEqual([0, 3]);
      x.grad = null;
    }
  }));

  it("maximum and minimum of bools are or and and; logical ops on any dtype", () => wg.scope(() => {
    const a = wg.tensor([true, true, false, false]), b = wg.tensor([true, false, true, false]);
    expect(wg.maximum(a, b).toArray()).toEqual([true, true, true, false]);
    expect(wg.minimum(a, b).dtype).toBe("bool");
    const x = wg.tensor([0, NaN, 2, -0]), y = wg.tensor([[1], [0]]);
    expect(x.logicalAnd(y).toArray()).toEqual([[false, true, true, false], [false, false, false, false]]);
    expect(x.logicalOr(y).toArray()).toEqual([[true, true, true, true], [false, true, true, false]]);
    expect(x.logicalXor(y).toArray()).toEqual([[true, false, false, true], [false, true, true, false]]);
    expect(x.logicalNot().toArray()).toEqual([true, false, false, true]);
    // bool operands are their own truth values (not compared with 0 first), and stay alive
    const m = wg.tensor([true, false, true, false]), n = wg.tensor([[true], [false]]);
    expect(m.logicalAnd(n).toArray()).toEqual([[true, false, true, false], [false, false, false, false]]);
    expect(m.logicalOr(n).toArray()).toEqual([[true, true, true, true], [true, false, true, false]]);
    expect(m.logicalXor(n).toArray()).toEqual([[false, true, false, true], [true, false, true, false]]);
    expect(m.logicalAnd(x).toArray()).toEqual([false, false, true, false]);
    expect([m.toArray(), n.toArray()]).toEqual([[true, false, true, false], [[true], [false]]]);
    expect(wg.isinf(wg.tensor([Infinity, -Infinity, NaN, 1])).toArray()).toEqual([true, true, false, false]);
    expect(wg.isfinite(wg.tensor([Infinity, -Infinity, NaN, 1])).toArray()).toEqual([false, false, false, true]);
  }));

  it("clamp_ writes in place and bumps the version; bounds may be tensors", () => wg.scope(() => {
    const x = wg.tensor([-2, 0.5, 3]);
    const v = x.version;
    expect(x.clamp_(-1, 1)).toBe(x);
    expect(x.toArray()).toEqual([-1, 0.5, 1]);
    expect(x.version).toBe(v + 1);
    x.clip_({ max: wg.tensor([0, 0, 0]) });
    expect(x.toArray()).toEqual([-1, 0, 0]);
    const p = wg.tensor([5, -5], { requiresGrad: true });
    wg.noGrad(() => p.clamp_(-1, 1));
    expect(p.toArray()).toEqual([1, -1]);
  }));

  it("ops record torch's grad_fn names", () => wg.scope(() => {
    const x = wg.tensor([0.5, -1.5], { requiresGrad: true }), t = wg.tensor([1, 2], { requiresGrad: true });
    const names = [x.clamp(0), x.clamp(t), x.fmod(2), x.fmod(t), F.relu6(x), F.selu(x), F.celu(x), F.softsign(x), F.tanhshrink(x),
      wg.lerp(x, t, 0.5), wg.lerp(x, t, t), x.round(), x.round(1), x.where(x.gt(0), t), x.nanToNum()].map((y) => y.gradFn!.name);
    expect(names).toEqual(["ClampBackward1", "ClampBackward0", "FmodBackward0", "FmodBackward1", "HardtanhBackward0", "EluBackward0",
      "CeluBackward0", "DivBackward0", "SubBackward0", "LerpBackward0", "LerpBackward1", "RoundBackward0", "RoundBackward1",
      "WhereBackward0", "NanToNumBackward0"]);
  }));

  it("relu's gradient is torch's threshold_backward: g where relu(x) > 0 (and at NaN), 0 elsewhere, even for a NaN or Inf g", () => wg.scope(() => {
    const x = wg.tensor([2, -1, 0, -0, NaN, Infinity, -Infinity, 3], { requiresGrad: true });
    const g = wg.tensor([NaN, NaN, Infinity, 5, 7, -2, Infinity, -0], { requiresGrad: true });
    const [gx] = wg.autograd.grad(wg.relu(x), [x], { gradOutputs: g, createGraph: true });
    expect(gx.toArray()).toEqual([NaN, 0, 0, 0, 7, -2, 0, -0]);
    expect(gx.gradFn!.name).toBe("ThresholdBackwardBackward0"); // torch 1.13's node for a gradient made with createGraph
    const [gg] = wg.autograd.grad(gx, [g], { gradOutputs: wg.tensor([1, 2, 3, 4, 5, 6, 7, 8]).float() });
    expect(gg.toArray()).toEqual([1, 0, 0, 0, 5, 6, 0, 8]);
  }));

  it("forward ops free their temporaries", () => {
    const before = wg.memoryStats().bytesInUse;
    wg.scope(() => {
      const x = wg.tensor([[1, NaN], [3, -4]]), y = wg.tensor([1, 2]);
      wg.dispose(wg.isclose(x, y.reshape(1, 2).float().expand(2, 2), { equalNan: true }), wg.lerp(x, y.float(), y.float().div(4)), x.clamp(y.float(), 3),
        wg.where(x.gt(0), x, 0), x.logicalAnd(y), wg.isinf(x), F.gelu(x), wg.round(x, 2));
    });
    expect(wg.memoryStats().bytesInUse).toBeLessThanOrEqual(before);
  });
});

describe("threads", () => {
  afterAll(() => wg.setNumThreads(1));
  it("the table kernels split across threads give one thread's bits", async () => {
    const n = (1 << 19) + 37;
    const x = wg.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 8));
    const run = () => [F.gelu(x), wg.erf(x), x.clamp(-1, 2), F.elu(x), F.softplus(x), x.fmod(1.5), x.where(x.gt(0), 0), x.floor(), F.hardswish(x)].map((t) => t.data());
    const one = run();
    await wg.setNumThreads(2);
    const two = run();
    await wg.setNumThreads(1);
    two.forEach((d, i) => expect(d, String(i)).toEqual(one[i]));
  });
});
