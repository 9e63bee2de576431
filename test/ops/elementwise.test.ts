// Elementwise math and activations against torch 1.13 (test/fixtures/ops_elementwise.json,
// made by test/fixtures/gen_ops_elementwise.py): forward values and gradients under a random
// upstream gradient, on special values, kinks and large magnitudes, with broadcasting and
// transposed operands; then the dtype rules, size-0 shapes, in-place clamp_ and threads.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as wg from "../../src/index";
import type { Tensor } from "../../src/index";
import { mismatches, type Tolerance } from "../helpers/bridge";
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
  log1p: wg.log1p, expm1: wg.expm1, log2: wg.log2, log10: wg.log10, exp2: wg.exp2, rsqrt: wg.rsqrt, asin: wg.asin,
  acos: wg.acos, atan: wg.atan, sinh: wg.sinh, cosh: wg.cosh, erf: wg.erf, floor: wg.floor, ceil: wg.ceil,
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
    remainder: wg.remainder, atan2: (a, b) => a.atan2(b as Tensor), "fmod(1.5)": wg.fmod, "remainder(-1.5)": (a, b) => a.remainder(b),
    "atan2(transposed)": (a, b) => wg.atan2(a.t(), b as Tensor), "maximum(transposed)": (a, b) => wg.maximum(a.t(), b as Tensor),
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
    const ops = { maximum: wg.maximum, minimum: wg.minimum, fmod: wg.fmod, remainder: wg.remainder, atan2: wg.atan2 };
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
