// Every kernel family, through the public ops, against the plain-TS reference
// (test/reference.ts) on random shapes: size-0 and size-1 dims, 0-d tensors,
// broadcasting pairs, float32/int32/bool, and values including ±0, denormals,
// ±FLT_MAX, NaN and ±Inf. Property tests use fast-check with a fixed seed so a
// failure replays; the value arrays come from a seeded PRNG (only the seed is
// generated), which keeps shrinking on the shapes.
//
// Tolerances: + - * / sqrt and everything that only moves data are exact (the
// reference rounds once to float32, as the kernels do); transcendentals within
// 2 ulps (musl's float32 algorithms against V8's double ones); sums and
// products within n·ε·Σ|terms|, since the kernels accumulate in float32.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { broadcastPair, operandShape } from "./helpers/arbitraries";
import * as wg from "../src/index";
import type { Tensor } from "../src/index";
import { k } from "../src/backend/module";
import * as R from "./reference";
import type { RDType, RTensor, UnaryName, BinaryName, CompareName } from "./reference";
import { toLib, fromLib, expectMatches, mismatches, mulberry32, randomValues, SPECIAL_F32, type Tolerance, type ValueOptions } from "./helpers/bridge";

const SEED = 20240611;
const RUNS = 100;
const EPS32 = 2 ** -23;

/** Runs a property with the fixed seed; each run's tensors are freed by a scope. */
function check<T>(arb: fc.Arbitrary<T>, body: (v: T) => void, numRuns = RUNS): void {
  fc.assert(
    fc.property(arb, (v) => {
      wg.scope(() => body(v));
    }),
    { seed: SEED, numRuns },
  );
}

// ---- arbitraries -----------------------------------------------------------------

/** A dim: often 1 (broadcast, squeeze) or 0 (empty tensors), else up to 6 (SIMD bodies and tails). */
const dimArb = fc.oneof(
  { arbitrary: fc.constant(1), weight: 2 },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 2, max: 6 }), weight: 5 },
);
/** Shapes of 0 to 4 dims ([] is a 0-d tensor). */
const shapeArb = fc.array(dimArb, { minLength: 0, maxLength: 4 });
const dtypeArb = fc.constantFrom<RDType>("float32", "int32", "bool");
const seedArb = fc.integer({ min: 0, max: 0x7fffffff });

const bcastPairArb = broadcastPair(shapeArb);

function randomTensor(seed: number, shape: number[], dtype: RDType, opts: ValueOptions = {}): RTensor {
  return R.make(shape, randomValues(mulberry32(seed), R.numel(shape), dtype, opts), dtype);
}

/** Float values without the finite extremes, for reductions and products (float32 partial sums would overflow where float64 does not). */
const MODERATE_POOL = SPECIAL_F32.filter((v) => !(Math.abs(v) > 1e29 && Number.isFinite(v)));

/** Expects the library to throw exactly when the reference does, else to match it. */
function parity(ref: () => RTensor, lib: () => Tensor, tol: Tolerance, what: string): void {
  let want: RTensor;
  try {
    want = ref();
  } catch {
    expect(lib, what).toThrow();
    return;
  }
  expectMatches(lib(), want, tol, what);
}

// ---- elementwise -------------------------------------------------------------------

const unaryLib: Record<UnaryName, (t: Tensor) => Tensor> = {
  neg: wg.neg, exp: wg.exp, log: wg.log, sin: wg.sin, cos: wg.cos, tan: wg.tan, tanh: wg.tanh, sigmoid: wg.sigmoid,
  relu: wg.relu, sqrt: wg.sqrt, abs: wg.abs, sign: wg.sign, square: wg.square, reciprocal: wg.reciprocal,
};
const TRANSCENDENTAL = new Set<UnaryName>(["exp", "log", "sin", "cos", "tan", "tanh", "sigmoid"]);
/** Ops that torch rejects (or that make no sense) on bool tensors. */
const NOT_FOR_BOOL = new Set<UnaryName>(["neg", "abs", "sign", "square", "relu"]);

describe("elementwise unary", () => {
  for (const op of R.UNARY_NAMES) {
    it(`${op} matches the reference on float32, int32 and bool tensors`, () => {
      check(fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb }), ({ shape, seed, dtype }) => {
        if (dtype === "bool" && NOT_FOR_BOOL.has(op)) return;
        const x = randomTensor(seed, shape, dtype);
        const tol = TRANSCENDENTAL.has(op) ? { ulps: 2 } : {};
        expectMatches(unaryLib[op](toLib(x)), R.unary(op, x), tol, `${op} of ${dtype} [${shape}]`);
      });
    });
  }

  it("propagates NaN and ±Inf as torch does (spot values checked against torch 1.13)", () => {
    const x = wg.tensor(Float32Array.from([NaN, Infinity, -Infinity, -0, 0]));
    // exp(-Inf) = 0, log(-Inf) = NaN, log(0) = -Inf, sqrt(-0) = -0, tanh(±Inf) = ±1, sigmoid(-Inf) = 0
    expect(Array.from(wg.exp(x).data())).toEqual([NaN, Infinity, 0, 1, 1]);
    expect(Array.from(wg.log(x).data())).toEqual([NaN, Infinity, NaN, -Infinity, -Infinity]);
    expect(Array.from(wg.tanh(x).data())).toEqual([NaN, 1, -1, -0, 0]);
    expect(Array.from(wg.sigmoid(x).data())).toEqual([NaN, 1, 0, 0.5, 0.5]);
    expect(Array.from(wg.sin(x).data())).toEqual([NaN, NaN, NaN, -0, 0]);
    // relu(-0) is -0 in torch and +0 here (wasm's max); the sign of a zero result is not compared
    expect(Array.from(wg.relu(x).data(), (v) => v + 0)).toEqual([NaN, Infinity, 0, 0, 0]);
    expect(Array.from(wg.sign(x).data())).toEqual([0, 1, -1, 0, 0]); // torch 1.13: sign(NaN) = 0
    expect(Array.from(wg.reciprocal(x).data())).toEqual([NaN, 0, -0, -Infinity, Infinity]);
    expect(Object.is(wg.sqrt(x).data()[3], -0)).toBe(true);
    // sigmoid underflows to exactly 0 below about -88.7, where e^-x overflows in float32 (as torch: sigmoid(-89) = 0)
    expect(Array.from(wg.sigmoid(wg.tensor([-100, -89, -88], { dtype: "float32" })).data())).toEqual(
      [0, 0, Math.fround(1 / (1 + Math.fround(Math.exp(88))))],
    );
  });
});

const binaryLib: Record<BinaryName, (a: Tensor | number, b: Tensor | number) => Tensor> = {
  add: (a, b) => wg.add(a, b), sub: (a, b) => wg.sub(a, b), mul: wg.mul, div: wg.div, pow: wg.pow,
};
const BINARY_NAMES: BinaryName[] = ["add", "sub", "mul", "div", "pow"];

/** Exponent values for integer pow: small ones, negative ones too (1, -1 and 0 for other bases, as torch). */
const INT_EXPONENTS: ValueOptions = { intRange: [-3, 5], pool: [0, 1, 2, -1, -2] };

describe("elementwise binary with broadcasting and type promotion", () => {
  for (const op of BINARY_NAMES) {
    it(`${op} of two tensors`, () => {
      check(
        fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, da: dtypeArb, db: dtypeArb }),
        ({ shapes: [sa, sb], sa: seedA, sb: seedB, da, db }) => {
          const a = randomTensor(seedA, sa, da);
          const b = randomTensor(seedB, sb, db, op === "pow" && da !== "float32" ? INT_EXPONENTS : {});
          parity(() => R.binary(op, a, b), () => binaryLib[op](toLib(a), toLib(b)), { ulps: op === "pow" ? 2 : 0 },
            `${op}(${da} [${sa}], ${db} [${sb}])`);
        },
      );
    });
  }

  it("broadcasts the shape pairs that trip up stride bookkeeping", () => {
    const pairs: [number[], number[]][] = [
      [[3, 1, 4], [2, 1]], [[2, 1], [3, 1, 4]], [[3, 1], [4]], [[1], [5, 0]], [[], [2, 3]], [[4, 1, 1, 3], [1, 5, 2, 1]],
      [[7], [1]], [[1, 9], [9, 1]], [[2, 3, 0], [3, 1]], [[5, 1, 7], [1, 6, 1]],
    ];
    let seed = 1;
    for (const [sa, sb] of pairs) {
      wg.scope(() => {
        const a = randomTensor(seed++, sa, "float32"), b = randomTensor(seed++, sb, "float32");
        for (const op of BINARY_NAMES) {
          expectMatches(binaryLib[op](toLib(a), toLib(b)), R.binary(op, a, b), { ulps: op === "pow" ? 2 : 0 }, `${op} [${sa}] [${sb}]`);
        }
        const ai = randomTensor(seed++, sa, "int32"), bi = randomTensor(seed++, sb, "int32");
        expectMatches(wg.mul(toLib(ai), toLib(bi)), R.binary("mul", ai, bi), {}, `int mul [${sa}] [${sb}]`);
      });
    }
  });

  it("add and sub with alpha", () => {
    check(
      fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, alpha: fc.constantFrom(2, -1, 0.5, 3, -0.25) }),
      ({ shapes: [sa, sb], sa: seedA, sb: seedB, alpha }) => {
        const a = randomTensor(seedA, sa, "float32"), b = randomTensor(seedB, sb, "float32");
        expectMatches(wg.add(toLib(a), toLib(b), alpha), R.addAlpha(a, b, alpha, 1), {}, `add alpha ${alpha}`);
        expectMatches(wg.sub(toLib(a), toLib(b), alpha), R.addAlpha(a, b, alpha, -1), {}, `sub alpha ${alpha}`);
      },
    );
  });

  it("int32 arithmetic wraps like two's complement and divides in float", () => {
    const a = wg.tensor([2147483647, -2147483648, 46341, 7]);
    const b = wg.tensor([1, -1, 46341, 2]);
    expect(Array.from(wg.add(a, b).data())).toEqual([-2147483648, 2147483647, 92682, 9]);
    expect(Array.from(wg.mul(a, b).data())).toEqual([2147483647, -2147483648, Math.imul(46341, 46341), 14]);
    const q = wg.div(a, b);
    expect(q.dtype).toBe("float32");
    expect(Array.from(q.data())).toEqual([2147483648, 2147483648, 1, 3.5]);
    expect(Array.from(wg.div(wg.tensor([1, -1, 0]), 0).data())).toEqual([Infinity, -Infinity, NaN]);
  });
});

describe("elementwise with a scalar", () => {
  const scalars = [2, -3, 0, 1, 0.5, 2.5, -0.25, -0, 1e-3, 1e30, NaN, Infinity, -Infinity, 7];
  for (const op of BINARY_NAMES) {
    it(`${op}: tensor op scalar and scalar op tensor`, () => {
      check(
        fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb, s: fc.constantFrom(...scalars), reversed: fc.boolean() }),
        ({ shape, seed, dtype, s, reversed }) => {
          // Integer powers: a negative number as the exponent is an error (torch's); a tensor of them is not.
          const intPow = op === "pow" && (dtype !== "float32" && Number.isInteger(s));
          const x = randomTensor(seed, shape, dtype, intPow && reversed ? INT_EXPONENTS : {});
          const ref = () => (op === "pow" && !reversed ? R.powScalar(x, s) : R.binaryScalar(op, x, s, reversed));
          const lib = () => (reversed ? binaryLib[op](s, toLib(x)) : binaryLib[op](toLib(x), s));
          parity(ref, lib, { ulps: op === "pow" ? 2 : 0 }, `${reversed ? `${s} ${op} ` : ""}${dtype} [${shape}]${reversed ? "" : ` ${op} ${s}`}`);
        },
      );
    });
  }

  it("pow with the exponents torch special-cases (2, 0.5, -0.5, -1) on special values", () => {
    const x = R.make([SPECIAL_F32.length], SPECIAL_F32);
    for (const e of [2, 3, 0.5, -0.5, -1, -2, 0, 1, 1.5, NaN, Infinity, -Infinity]) {
      wg.scope(() => expectMatches(wg.pow(toLib(x), e), R.powScalar(x, e), { ulps: 2 }, `x ** ${e}`));
    }
    // spot values from torch 1.13: sqrt(-Inf) = NaN, rsqrt(-0) = -Inf, rsqrt(-Inf) = NaN
    const s = wg.tensor(Float32Array.from([-Infinity, -0, 0, -8]));
    expect(Array.from(wg.pow(s, 0.5).data())).toEqual([NaN, -0, 0, NaN]);
    expect(Array.from(wg.pow(s, -0.5).data())).toEqual([NaN, -Infinity, Infinity, NaN]);
    // C pow: 1 ** NaN = 1 and NaN ** 0 = 1
    expect(Array.from(wg.pow(wg.tensor(Float32Array.from([1, NaN])), wg.tensor(Float32Array.from([NaN, 0]))).data())).toEqual([1, 1]);
  });

  it("promotes an int or bool tensor with a fractional scalar to float32", () => {
    expect(wg.mul(wg.tensor([1, 2]), 2.5).dtype).toBe("float32");
    expect(wg.mul(wg.tensor([1, 2]), 2).dtype).toBe("int32");
    expect(wg.add(wg.tensor([true, false]), 2).dtype).toBe("int32");
    expect(Array.from(wg.add(wg.tensor([true, false]), 2.5).data())).toEqual([3.5, 2.5]);
  });
});

describe("comparisons", () => {
  const names: CompareName[] = ["eq", "ne", "lt", "le", "gt", "ge"];
  const cmpLib: Record<CompareName, (a: Tensor, b: Tensor | number) => Tensor> = {
    eq: wg.eq, ne: wg.ne, lt: wg.lt, le: wg.le, gt: wg.gt, ge: wg.ge,
  };
  // Few distinct values so that equality actually happens.
  const tiesPool: ValueOptions = { special: 0.5, pool: [0, -0, 1, -1, NaN, Infinity, -Infinity, 2.5], scale: 1, intRange: [-2, 2] };

  for (const op of names) {
    it(`${op} of tensors (broadcast, mixed dtypes) and of a tensor and a scalar`, () => {
      check(
        fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, da: dtypeArb, db: dtypeArb, s: fc.constantFrom(0, 1, -1, 2.5, NaN, Infinity) }),
        ({ shapes: [sa, sb], sa: seedA, sb: seedB, da, db, s }) => {
          const a = randomTensor(seedA, sa, da, tiesPool), b = randomTensor(seedB, sb, db, tiesPool);
          expectMatches(cmpLib[op](toLib(a), toLib(b)), R.compare(op, a, b), {}, `${op}(${da} [${sa}], ${db} [${sb}])`);
          expectMatches(cmpLib[op](toLib(a), s), R.compare(op, a, s), {}, `${op}(${da} [${sa}], ${s})`);
        },
      );
    });
  }

  it("equal compares shapes and elements", () => {
    expect(wg.equal(wg.tensor([1, 2]), wg.tensor([1, 2]))).toBe(true);
    expect(wg.equal(wg.tensor([1, 2]), wg.tensor([[1, 2]]))).toBe(false);
    expect(wg.equal(wg.tensor([1, 2]), wg.tensor([1, 3]))).toBe(false);
  });
});

describe("casts", () => {
  it("converts between float32, int32 and bool like torch (float -> bool is x != 0, NaN included)", () => {
    check(fc.record({ shape: shapeArb, seed: seedArb, from: dtypeArb, to: dtypeArb }), ({ shape, seed, from, to }) => {
      const x = randomTensor(seed, shape, from, from === "float32" ? { pool: [...SPECIAL_F32, 0.5, -0.5, 0.999, 2147483520] } : {});
      expectMatches(toLib(x).to(to), R.cast(x, to), {}, `${from} [${shape}] to ${to}`);
    });
    // torch 1.13: tensor([0.5, nan, -0., -inf]).bool() = [True, True, False, True]
    expect(Array.from(wg.tensor(Float32Array.from([0.5, NaN, -0, -Infinity])).to("bool").data())).toEqual([1, 1, 0, 1]);
    expect(Array.from(wg.tensor(Float32Array.from([2.9, -2.9, -0.5])).int().data())).toEqual([2, -2, 0]);
    expect(Array.from(wg.tensor([16777217, -16777217]).float().data())).toEqual([16777216, -16777216]);
  });
});

// ---- reductions ------------------------------------------------------------------------

/** Error bound of a float32 sum: (n + 2)·ε·Σ|x| per output element, n the number of terms. */
function sumTolerance(x: RTensor, dims: number | number[] | undefined, keepdim: boolean, divide = false): { atol: Float64Array } {
  const absSum = R.sum(R.unary("abs", x, "f64"), dims, keepdim, "f64");
  const n = absSum.data.length === 0 ? 1 : x.data.length / absSum.data.length;
  return { atol: absSum.data.map((s) => ((n + 2) * EPS32 * s) / (divide ? Math.max(n, 1) : 1) + 1e-44) };
}

/** What to reduce over for an n-dim shape: undefined (all), [] (also all, as torch 1.13), one dim, or a list of distinct dims (some negative). */
function dimsFor(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  if (ndim === 0) return fc.constantFrom<number | number[] | undefined>(undefined, [], 0, -1, [0]);
  const list = fc
    .subarray(Array.from({ length: ndim }, (_, i) => i), { minLength: 1 })
    .chain((ds) => fc.tuple(...ds.map((d) => fc.constantFrom(d, d - ndim))));
  return fc.oneof(fc.constant(undefined), fc.constant([] as number[]), list, fc.integer({ min: -ndim, max: ndim - 1 }));
}

const reductionCase = fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb, keepdim: fc.boolean() }).chain((c) =>
  dimsFor(c.shape.length).map((dims) => ({ ...c, dims })),
);

describe("reductions", () => {
  it("sum over all, one dim, or a list of dims, with keepdim", () => {
    check(reductionCase, ({ shape, seed, dtype, keepdim, dims }) => {
      const x = randomTensor(seed, shape, dtype, { pool: MODERATE_POOL });
      const got = dims === undefined && !keepdim ? wg.sum(toLib(x)) : wg.sum(toLib(x), dims ?? [], keepdim);
      const tol = dtype === "float32" ? sumTolerance(x, dims, keepdim) : {};
      expectMatches(got, R.sum(x, dims, keepdim), tol, `sum ${dtype} [${shape}] dims ${JSON.stringify(dims)} keepdim ${keepdim}`);
    });
  });

  it("mean over all, one dim, or a list of dims, with keepdim (empty reductions give NaN)", () => {
    check(reductionCase, ({ shape, seed, keepdim, dims }) => {
      const x = randomTensor(seed, shape, "float32", { pool: MODERATE_POOL });
      const got = dims === undefined && !keepdim ? wg.mean(toLib(x)) : wg.mean(toLib(x), dims ?? [], keepdim);
      expectMatches(got, R.mean(x, dims, keepdim), sumTolerance(x, dims, keepdim, true), `mean [${shape}] dims ${JSON.stringify(dims)}`);
    });
  });

  it("sum of a large vector stays within float32 accumulation error", () => {
    const x = randomTensor(99, [10007], "float32", { special: 0 });
    expectMatches(wg.sum(toLib(x)), R.sum(x), sumTolerance(x, undefined, false), "sum of 10007");
    expectMatches(wg.sum(toLib(x).reshape([1, 10007]), 1), R.sum(R.reshape(x, [1, 10007]), 1), sumTolerance(x, undefined, false), "row sum");
  });

  for (const isMin of [false, true]) {
    const name = isMin ? "min" : "max";
    it(`${name} over all elements and along a dim (values and first indices; NaN wins)`, () => {
      const tiesPool: ValueOptions = { special: 0.3, pool: [0, -0, 1, -1, NaN, Infinity, -Infinity], intRange: [-3, 3] };
      check(fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb, keepdim: fc.boolean(), dimSeed: fc.nat() }),
        ({ shape, seed, dtype, keepdim, dimSeed }) => {
          const x = randomTensor(seed, shape, dtype, tiesPool);
          const lib = toLib(x);
          const what = `${name} ${dtype} [${shape}]`;
          parity(() => R.extremumAll(x, isMin), () => (isMin ? wg.min(lib) : wg.max(lib)), {}, what);
          const ndim = Math.max(shape.length, 1);
          const dim = (dimSeed % (2 * ndim)) - ndim;
          let want: R.ValuesIndices | null = null;
          try {
            want = R.extremumDim(x, dim, keepdim, isMin);
          } catch {
            expect(() => (isMin ? wg.min(lib, dim, keepdim) : wg.max(lib, dim, keepdim)), what).toThrow();
          }
          if (want) {
            const got = isMin ? wg.min(lib, dim, keepdim) : wg.max(lib, dim, keepdim);
            expectMatches(got.values, want.values, {}, `${what} dim ${dim} values`);
            expectMatches(got.indices, want.indices, {}, `${what} dim ${dim} indices`);
          }
        });
    });
  }

  it("max/min with NaN and ties match torch 1.13's indices", () => {
    const x = wg.tensor(Float32Array.from([1, 3, 3, NaN, 2, NaN, -0, 0, 0, -0, 1, 1])).reshape([2, 6]);
    const mx = wg.max(x, 1), mn = wg.min(x, 1);
    expect(Array.from(mx.values.data())).toEqual([NaN, 1]);
    expect(Array.from(mx.indices.data())).toEqual([3, 4]);
    expect(Array.from(mn.values.data())).toEqual([NaN, -0]);
    expect(Array.from(mn.indices.data())).toEqual([3, 0]);
    expect(wg.max(x).item()).toBeNaN();
  });
});

// ---- matrix products --------------------------------------------------------------------

/** Error bound of float32 dot products: (k + 2)·ε·(|A|·|B|). */
function productTolerance(a: RTensor, b: RTensor, product: (x: RTensor, y: RTensor) => RTensor, k: number): { atol: Float64Array } {
  const abs = product(R.unary("abs", a, "f64"), R.unary("abs", b, "f64"));
  return { atol: abs.data.map((v) => (k + 2) * EPS32 * v + 1e-44) };
}

const PRODUCT_VALUES: ValueOptions = { special: 0.1, pool: [0, -0, 1, -1, 1e-38, NaN, Infinity, -Infinity] };
const small = fc.oneof({ arbitrary: fc.constantFrom(0, 1), weight: 1 }, { arbitrary: fc.integer({ min: 2, max: 9 }), weight: 4 });
/** Batch dims of an operand: broadcastable against the other's, possibly absent. */
const batchPairArb = broadcastPair(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }));

describe("matrix products", () => {
  it("matmul on 1-D, 2-D and batched operands with broadcast batch dims", () => {
    check(
      fc.record({
        m: small, kk: small, n: small, batches: batchPairArb, sa: seedArb, sb: seedArb,
        aVec: fc.boolean(), bVec: fc.boolean(), int: fc.boolean(),
      }),
      ({ m, kk, n, batches: [ba, bb], sa, sb, aVec, bVec, int }) => {
        const d: RDType = int ? "int32" : "float32";
        const aShape = aVec ? [kk] : [...ba, m, kk], bShape = bVec ? [kk] : [...bb, kk, n];
        const a = randomTensor(sa, aShape, d, int ? {} : PRODUCT_VALUES), b = randomTensor(sb, bShape, d, int ? {} : PRODUCT_VALUES);
        const tol = int ? {} : productTolerance(a, b, (x, y) => R.matmul(x, y, "f64"), kk);
        expectMatches(wg.matmul(toLib(a), toLib(b)), R.matmul(a, b), tol, `matmul ${d} [${aShape}] @ [${bShape}]`);
        if (aShape.length === 2 && bShape.length === 2) expectMatches(wg.mm(toLib(a), toLib(b)), R.matmul(a, b), tol, "mm");
        if (aVec && bVec) expectMatches(wg.dot(toLib(a), toLib(b)), R.matmul(a, b), tol, "dot");
      },
    );
  });

  it("the matmul kernel in all four transpose cases, batched, with a broadcast (stride 0) operand", () => {
    check(
      fc.record({ m: small, kk: small, n: small, batch: fc.integer({ min: 1, max: 3 }), tA: fc.boolean(), tB: fc.boolean(),
        oneA: fc.boolean(), sa: seedArb, sb: seedArb }),
      ({ m, kk, n, batch, tA, tB, oneA, sa, sb }) => {
        // The backward pass reaches transB (dA = dC·Bᵀ) and transA (dB = Aᵀ·dC); Aᵀ·Bᵀ is only reachable here.
        const aShape = [oneA ? 1 : batch, ...(tA ? [kk, m] : [m, kk])], bShape = [batch, ...(tB ? [n, kk] : [kk, n])];
        const a = randomTensor(sa, aShape, "float32", { special: 0 }), b = randomTensor(sb, bShape, "float32", { special: 0 });
        const A = toLib(a), B = toLib(b), C = wg.empty([batch, m, n]);
        k().matmul_f32(A.ptr, B.ptr, C.ptr, m, kk, n, tA, tB, batch, oneA ? 0 : m * kk * 4, kk * n * 4, m * n * 4);
        const product = (x: RTensor, y: RTensor) => R.gemm(x, y, tA, tB, "f64");
        expectMatches(C, R.gemm(a, b, tA, tB), productTolerance(a, b, product, kk), `gemm tA=${tA} tB=${tB} [${aShape}] [${bShape}]`);
      },
    );
  });

  it("rejects operands that cannot be multiplied, naming the shapes", () => {
    expect(() => wg.matmul(wg.zeros(5, 4), wg.zeros(5, 4))).toThrow("matmul: shapes [5, 4] and [5, 4] cannot be multiplied (4 != 5)");
    expect(() => wg.matmul(wg.zeros([]), wg.zeros(3))).toThrow(/at least 1 dim/);
    expect(() => wg.matmul(wg.zeros(2, 3, 4), wg.zeros(3, 4, 2))).toThrow(/cannot be broadcast/);
    expect(() => wg.dot(wg.zeros(3), wg.zeros(4))).toThrow(/3 and 4 elements/);
  });
});

// ---- movement ---------------------------------------------------------------------------

const tensorCase = fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb });

describe("movement ops copy exactly", () => {
  it("permute, transpose, t and .T", () => {
    check(
      tensorCase.chain((c) =>
        fc.record({ perm: fc.shuffledSubarray(c.shape.map((_, i) => i), { minLength: c.shape.length, maxLength: c.shape.length }),
          d0: fc.nat(), d1: fc.nat() }).map((p) => ({ ...c, ...p }))),
      ({ shape, seed, dtype, perm, d0, d1 }) => {
        const x = randomTensor(seed, shape, dtype);
        const nd = Math.max(shape.length, 1);
        const a = (d0 % (2 * nd)) - nd, b = (d1 % (2 * nd)) - nd;
        expectMatches(wg.permute(toLib(x), perm), R.permute(x, perm), {}, `permute [${shape}] by [${perm}]`);
        expectMatches(wg.transpose(toLib(x), a, b), R.transpose(x, a, b), {}, `transpose [${shape}] ${a} ${b}`);
        expectMatches(toLib(x).T, R.reverseDims(x), {}, `.T [${shape}]`);
        if (shape.length <= 2) expectMatches(wg.t(toLib(x)), R.reverseDims(x), {}, `t [${shape}]`);
        else expect(() => wg.t(toLib(x))).toThrow(/<= 2 dims/);
      },
    );
  });

  it("transposes of the last two dims, across the register tiles and cache blocks of the transpose kernel", () => {
    // sides up to 40: whole and partial 4x4 tiles, one to three 16x16 blocks
    const side = fc.integer({ min: 1, max: 40 });
    check(
      fc.record({ batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), r: side, c: side, seed: seedArb, dtype: dtypeArb }),
      ({ batch, r, c, seed, dtype }) => {
        const shape = [...batch, r, c];
        const x = randomTensor(seed, shape, dtype);
        expectMatches(wg.transpose(toLib(x), -2, -1), R.transpose(x, -2, -1), {}, `transpose [${shape}] -2 -1`);
        if (batch.length === 0) expectMatches(toLib(x).T, R.reverseDims(x), {}, `.T [${shape}]`);
      },
      40,
    );
  });

  it("reshape, squeeze, unsqueeze, clone", () => {
    check(fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb, d: fc.nat() }), ({ shape, seed, dtype, d }) => {
      const x = randomTensor(seed, shape, dtype);
      const nd = Math.max(shape.length, 1);
      const dim = (d % (2 * nd)) - nd, udim = (d % (2 * (shape.length + 1))) - (shape.length + 1);
      expectMatches(wg.squeeze(toLib(x)), R.squeeze(x), {}, `squeeze [${shape}]`);
      expectMatches(wg.squeeze(toLib(x), dim), R.squeeze(x, dim), {}, `squeeze [${shape}] ${dim}`);
      expectMatches(wg.unsqueeze(toLib(x), udim), R.unsqueeze(x, udim), {}, `unsqueeze [${shape}] ${udim}`);
      expectMatches(wg.reshape(toLib(x), [-1]), R.reshape(x, [R.numel(shape)]), {}, `reshape [${shape}] to [-1]`);
      expectMatches(wg.reshape(toLib(x), [...shape].reverse()), R.reshape(x, [...shape].reverse()), {}, "reshape reversed");
      expectMatches(wg.clone(toLib(x)), x, {}, `clone [${shape}]`);
    });
  });

  it("expand broadcasts to a larger shape", () => {
    check(
      shapeArb.chain((out) => fc.record({ out: fc.constant(out), src: operandShape(out), seed: seedArb, dtype: dtypeArb, keep: fc.boolean() })),
      ({ out, src, seed, dtype, keep }) => {
        const x = randomTensor(seed, src, dtype);
        // -1 keeps a dim of the source
        const target = keep ? out.map((s, i) => (i >= out.length - src.length && src[i - (out.length - src.length)] === s ? -1 : s)) : out;
        expectMatches(wg.expand(toLib(x), target), R.expand(x, target), {}, `expand [${src}] to [${target}]`);
      },
    );
  });

  it("indexSelect along any dim, with repeated indices, from an array or an int32 tensor", () => {
    check(
      fc.record({ shape: fc.array(dimArb, { minLength: 1, maxLength: 4 }), seed: seedArb, dtype: dtypeArb, d: fc.nat(),
        picks: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 6 }), asTensor: fc.boolean() }),
      ({ shape, seed, dtype, d, picks, asTensor }) => {
        const x = randomTensor(seed, shape, dtype);
        const dim = (d % (2 * shape.length)) - shape.length;
        const len = shape[dim < 0 ? dim + shape.length : dim];
        const index = len === 0 ? [] : picks.map((p) => Math.floor(p * len)); // in [0, len): torch takes no negative ones
        const idx = asTensor ? wg.tensor(Int32Array.from(index)) : index;
        expectMatches(wg.indexSelect(toLib(x), dim, idx), R.indexSelect(x, dim, index), {}, `indexSelect [${shape}] dim ${dim} [${index}]`);
      },
    );
    expect(() => wg.indexSelect(wg.zeros(2, 3), 1, [3])).toThrow("indexSelect: index 3 is out of range for a dim of size 3");
    expect(() => wg.indexSelect(wg.zeros(2, 3), 1, [-1])).toThrow("indexSelect: index -1 is out of range for a dim of size 3");
  });

  it("diag of a vector and of a (non-square) matrix", () => {
    check(
      fc.record({ shape: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 2 }), seed: seedArb, dtype: dtypeArb }),
      ({ shape, seed, dtype }) => {
        const x = randomTensor(seed, shape, dtype);
        expectMatches(wg.diag(toLib(x)), R.diag(x), {}, `diag [${shape}]`);
      },
    );
  });
});

describe("sort", () => {
  it("sorts along any dim, ascending and descending, stable, NaN largest (values and indices exact)", () => {
    const tiesPool: ValueOptions = { special: 0.4, pool: [0, -0, 1, -1, NaN, Infinity, -Infinity], intRange: [-3, 3], scale: 2 };
    check(fc.record({ shape: shapeArb, seed: seedArb, dtype: dtypeArb, d: fc.nat(), descending: fc.boolean(), ties: fc.boolean() }),
      ({ shape, seed, dtype, d, descending, ties }) => {
        const x = randomTensor(seed, shape, dtype, ties ? tiesPool : {});
        const nd = Math.max(shape.length, 1);
        const dim = (d % (2 * nd)) - nd;
        const got = wg.sort(toLib(x), { dim, descending });
        const want = R.sort(x, dim, descending);
        const what = `sort ${dtype} [${shape}] dim ${dim} desc ${descending}`;
        expectMatches(got.values, want.values, {}, what + " values");
        expectMatches(got.indices, want.indices, {}, what + " indices");
      });
  });

  it("orders specials as torch 1.13 does", () => {
    // torch.tensor([2,1,nan,1,2,-inf,nan,inf,0,-0]).sort() -> indices [5,8,9,1,3,0,4,7,2,6]
    const x = wg.tensor(Float32Array.from([2, 1, NaN, 1, 2, -Infinity, NaN, Infinity, 0, -0]));
    expect(Array.from(wg.sort(x).indices.data())).toEqual([5, 8, 9, 1, 3, 0, 4, 7, 2, 6]);
    expect(Array.from(wg.sort(x, { descending: true }).indices.data())).toEqual([2, 6, 7, 0, 4, 1, 3, 8, 9, 5]);
  });
});

describe("mseLoss", () => {
  it("mean, sum and none reductions with broadcasting", () => {
    check(fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, reduction: fc.constantFrom("mean", "sum", "none") as fc.Arbitrary<"mean" | "sum" | "none"> }),
      ({ shapes: [sa, sb], sa: seedA, sb: seedB, reduction }) => {
        const a = randomTensor(seedA, sa, "float32", { special: 0 }), b = randomTensor(seedB, sb, "float32", { special: 0 });
        const want = R.mseLoss(a, b, reduction);
        const sq = R.mseLoss(a, b, "none", "f64");
        // the squares are rounded once before they are summed: one more ε per term, so twice the sum's bound
        const tol: Tolerance = reduction === "none" ? {} : { atol: sumTolerance(sq, undefined, false, reduction === "mean").atol.map((v) => 2 * v) };
        expectMatches(wg.mseLoss(toLib(a), toLib(b), reduction), want, tol, `mseLoss ${reduction} [${sa}] [${sb}]`);
      });
  });
});

// ---- against torch itself -----------------------------------------------------------------

describe("special values against PyTorch 1.13 (test/fixtures/special_values.json)", () => {
  // Both the reference and the library are compared with torch's own results, so the
  // reference's handling of NaN, ±Inf, ±0 and denormals is itself checked.
  type Bits = string[];
  type VI = { values: Bits; indices: number[] };
  const fx = JSON.parse(readFileSync(new URL("./fixtures/special_values.json", import.meta.url), "utf8")) as {
    values: Bits; unary: Record<string, Bits>; binary: Record<string, Bits>; pow_scalar: Record<string, Bits>;
    rpow_scalar: Record<string, Bits>; compare: Record<string, number[]>; to_bool: number[];
    sort: { ascending: VI; descending: VI }; max_min: { max: VI; min: VI };
  };
  const decode = (b: Bits) => Array.from(new Float32Array(Uint32Array.from(b, (h) => parseInt(h, 16)).buffer));
  const xs = decode(fx.values);
  const n = xs.length;
  const x = R.make([n], xs);
  const a = R.expand(R.reshape(x, [n, 1]), [n, n]), b = R.expand(R.reshape(x, [1, n]), [n, n]);
  const torchF = (bits: Bits, shape: number[]) => R.make(shape, decode(bits));
  // torch's vectorized transcendentals (SLEEF, ≤ 1 ulp) against musl's and V8's: a few ulps apart
  const ulpsFor = (op: string) => (TRANSCENDENTAL.has(op as UnaryName) || op === "pow" ? { ulps: 4 } : {});
  const both = (lib: Tensor, ref: RTensor, want: RTensor, tol: Tolerance, what: string) => {
    expect(mismatches(ref, want, tol), `reference ${what}`).toEqual([]);
    expectMatches(lib, want, tol, `library ${what}`);
  };

  it("unary ops", () => {
    for (const [op, bits] of Object.entries(fx.unary)) {
      both(unaryLib[op as UnaryName](toLib(x)), R.unary(op as UnaryName, x), torchF(bits, [n]), ulpsFor(op), op);
    }
  });

  it("binary ops over every pair of special values", () => {
    for (const [op, bits] of Object.entries(fx.binary)) {
      both(binaryLib[op as BinaryName](toLib(a), toLib(b)), R.binary(op as BinaryName, a, b), torchF(bits, [n, n]), ulpsFor(op), op);
    }
  });

  it("pow with a scalar exponent and with a scalar base", () => {
    for (const [e, bits] of Object.entries(fx.pow_scalar)) {
      const ev = Number(e === "inf" ? Infinity : e === "-inf" ? -Infinity : e === "nan" ? NaN : e);
      both(wg.pow(toLib(x), ev), R.powScalar(x, ev), torchF(bits, [n]), { ulps: 4 }, `x ** ${e}`);
    }
    for (const [s, bits] of Object.entries(fx.rpow_scalar)) {
      const sv = Number(s === "inf" ? Infinity : s === "nan" ? NaN : s);
      both(wg.pow(sv, toLib(x)), R.binaryScalar("pow", x, sv, true), torchF(bits, [n]), { ulps: 4 }, `${s} ** x`);
    }
  });

  it("comparisons, casts to bool, sort, max/min along a dim", () => {
    for (const [op, vals] of Object.entries(fx.compare)) {
      const want = R.make([n, n], vals, "bool");
      both(wg[op as CompareName](toLib(a), toLib(b)), R.compare(op as CompareName, a, b), want, {}, op);
    }
    both(toLib(x).to("bool"), R.cast(x, "bool"), R.make([n], fx.to_bool, "bool"), {}, "to bool");
    for (const descending of [false, true]) {
      const t = fx.sort[descending ? "descending" : "ascending"];
      const got = wg.sort(toLib(x), { descending }), ref = R.sort(x, -1, descending);
      both(got.values, ref.values, torchF(t.values, [n]), {}, `sort desc=${descending} values`);
      both(got.indices, ref.indices, R.make([n], t.indices, "int32"), {}, `sort desc=${descending} indices`);
    }
    const rows = R.reshape(R.permute(R.make([2, n, n], [...a.data, ...b.data]), [1, 2, 0]), [n * n, 2]);
    for (const isMin of [false, true]) {
      const t = fx.max_min[isMin ? "min" : "max"];
      const got = isMin ? wg.min(toLib(rows), 1) : wg.max(toLib(rows), 1), ref = R.extremumDim(rows, 1, false, isMin);
      both(got.values, ref.values, torchF(t.values, [n * n]), {}, `${isMin ? "min" : "max"} values`);
      both(got.indices, ref.indices, R.make([n * n], t.indices, "int32"), {}, `${isMin ? "min" : "max"} indices`);
    }
  });
});

describe("results read back the same after the memory grows", () => {
  it("keeps values across a large allocation", () => {
    const x = randomTensor(5, [3, 4], "float32");
    const t = toLib(x);
    const big = wg.zeros(4 * 1024 * 1024); // 16 MiB: forces memory.grow, which detaches old views
    expect(big.numel()).toBe(4 * 1024 * 1024);
    expect(fromLib(t).data).toEqual(R.cast(x, "float32").data);
    big.dispose();
  });
});
