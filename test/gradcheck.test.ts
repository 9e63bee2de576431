// Every differentiable op's gradient against float64 central differences of
// the plain-TS reference (test/gradcheck.ts), on random shapes with fast-check
// (fixed seed); random compositions of 3–6 ops checked end to end; and the
// autograd engine's semantics (accumulation, retainGraph, noGrad, in-place
// rules, retainGrad, detach, version counter, disposal), each as torch has it.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { broadcastPair, operandShape } from "./helpers/arbitraries";
import * as wg from "../src/index";
import type { Tensor } from "../src/index";
import * as R from "./reference";
import type { RTensor, UnaryName, BinaryName } from "./reference";
import { gradcheck, gradcheckProblems } from "./gradcheck";
import { mulberry32, gaussian } from "./helpers/bridge";

const SEED = 424242;
const RUNS = 30;

function prop<T>(arb: fc.Arbitrary<T>, body: (v: T) => void, numRuns = RUNS): void {
  fc.assert(
    fc.property(arb, (v) => {
      wg.scope(() => body(v));
    }),
    { seed: SEED, numRuns },
  );
}

// ---- inputs ------------------------------------------------------------------------

/**
 * Where an op is differentiable, and the finite differences with it:
 * positive for log/sqrt/non-integer powers, nonzero to stay off the kinks of
 * relu/abs and the poles of 1/x, distinct (gaps ≥ 0.2) so max/min/sort have no
 * ties, small (|x| < 1) to stay clear of tan's poles.
 */
type Domain = "any" | "positive" | "nonzero" | "distinct" | "small";

function values(seed: number, shape: readonly number[], domain: Domain = "any"): RTensor {
  const rand = mulberry32(seed);
  const n = R.numel(shape);
  const out = new Float64Array(n);
  if (domain === "distinct") {
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    perm.forEach((p, i) => (out[i] = (p - n / 2) * 0.25 + (rand() - 0.5) * 0.05));
  } else {
    for (let i = 0; i < n; i++) {
      const u = rand();
      if (domain === "positive") out[i] = 0.5 + 1.5 * u;
      else if (domain === "nonzero") out[i] = (rand() < 0.5 ? -1 : 1) * (0.2 + 1.3 * u);
      else if (domain === "small") out[i] = 2 * u - 1;
      else out[i] = gaussian(rand);
    }
  }
  return R.make(shape, out);
}

/** Dims of 1 (broadcast, squeeze) and now and then 0 (an empty gradient must come back with the input's shape). */
const dimArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.constant(1), weight: 3 }, { arbitrary: fc.integer({ min: 2, max: 4 }), weight: 8 },
);
const shapeArb = fc.array(dimArb, { minLength: 0, maxLength: 3 });
/** For max/min along a dim, which need at least one element. */
const nonEmptyShapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
const seedArb = fc.integer({ min: 0, max: 0x7fffffff });

/** Two shapes that broadcast together, e.g. [3,1] and [4]: each gradient must be summed back over the broadcast dims. */
const bcastPairArb = broadcastPair(shapeArb);
/** Which of two inputs require grad: at least one. */
const maskArb = fc.constantFrom([true, true], [true, false], [false, true]);

describe("the gradient checker", () => {
  it("reports a wrong gradient whose forward is right", () => {
    // 2x + detach(x): the value is 3x but the gradient 2, which the finite differences must catch
    const problems = gradcheckProblems(([t]) => wg.add(wg.mul(t, 2), t.detach()), ([t]) => R.binaryScalar("mul", t, 3, false, "f64"),
      [R.make([3], [1, -2, 0.5])], { secondOrder: false });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/d\/dx0 \[3\] \[0\]/);
  });

  it("reports a wrong forward value", () => {
    const problems = gradcheckProblems(([t]) => wg.mul(t, 3.01), ([t]) => R.binaryScalar("mul", t, 3, false, "f64"), [R.make([2], [1, 2])]);
    expect(problems.some((p) => p.includes("forward"))).toBe(true);
  });
});

// ---- elementwise -----------------------------------------------------------------------

const unaryLib: Record<Exclude<UnaryName, "sign">, (t: Tensor) => Tensor> = {
  neg: wg.neg, exp: wg.exp, log: wg.log, sin: wg.sin, cos: wg.cos, tan: wg.tan, tanh: wg.tanh, sigmoid: wg.sigmoid,
  relu: wg.relu, sqrt: wg.sqrt, abs: wg.abs, square: wg.square, reciprocal: wg.reciprocal,
};
const unaryDomain: Record<keyof typeof unaryLib, Domain> = {
  neg: "any", exp: "any", log: "positive", sin: "any", cos: "any", tan: "small", tanh: "any", sigmoid: "any",
  relu: "nonzero", sqrt: "positive", abs: "nonzero", square: "any", reciprocal: "nonzero",
};

describe("gradients of elementwise ops", () => {
  for (const op of Object.keys(unaryLib) as (keyof typeof unaryLib)[]) {
    it(op, () => {
      prop(fc.record({ shape: shapeArb, seed: seedArb }), ({ shape, seed }) => {
        gradcheck(([x]) => unaryLib[op](x), ([x]) => R.unary(op, x, "f64"), [values(seed, shape, unaryDomain[op])],
          { what: `${op} [${shape}]` });
      });
    });
  }

  const binaryLib: Record<BinaryName, (a: Tensor | number, b: Tensor | number) => Tensor> = {
    add: (a, b) => wg.add(a, b), sub: (a, b) => wg.sub(a, b), mul: wg.mul, div: wg.div, pow: wg.pow,
  };
  const domains: Record<BinaryName, [Domain, Domain]> = {
    add: ["any", "any"], sub: ["any", "any"], mul: ["any", "any"], div: ["any", "nonzero"], pow: ["positive", "any"],
  };
  for (const op of ["add", "sub", "mul", "div", "pow"] as BinaryName[]) {
    it(`${op} of two tensors with broadcasting (gradients summed back to each shape)`, () => {
      prop(fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, mask: maskArb }), ({ shapes: [sa, sb], sa: seedA, sb: seedB, mask }) => {
        gradcheck(([a, b]) => binaryLib[op](a, b), ([a, b]) => R.binary(op, a, b, "f64"),
          [values(seedA, sa, domains[op][0]), values(seedB, sb, domains[op][1])], { requiresGrad: mask, what: `${op} [${sa}] [${sb}]` });
      });
    });
  }

  it("broadcast reductions of gradients: [3,1] + [4], [2,1,3] * [4,1], [5] - [2,1,1], [] / [2,3]", () => {
    const cases: [BinaryName, number[], number[]][] = [["add", [3, 1], [4]], ["mul", [2, 1, 3], [4, 1]], ["sub", [5], [2, 1, 1]], ["div", [], [2, 3]]];
    cases.forEach(([op, sa, sb], i) => {
      wg.scope(() =>
        gradcheck(([a, b]) => binaryLib[op](a, b), ([a, b]) => R.binary(op, a, b, "f64"),
          [values(10 + i, sa), values(20 + i, sb, "nonzero")], { what: `${op} [${sa}] [${sb}]` }));
    });
    // the gradient of the [3,1] operand sums over the 4 columns, that of [4] over the 3 rows
    const a = wg.tensor([[1], [2], [3]], { requiresGrad: true }), b = wg.tensor([1, 2, 3, 4], { requiresGrad: true });
    wg.add(a, b).backward(wg.ones(3, 4));
    expect(a.grad!.toArray()).toEqual([[4], [4], [4]]);
    expect(b.grad!.toArray()).toEqual([3, 3, 3, 3]);
  });

  it("add and sub with alpha", () => {
    prop(fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, alpha: fc.constantFrom(2, -0.5, 3) }), ({ shapes: [sa, sb], sa: seedA, sb: seedB, alpha }) => {
      const inputs = [values(seedA, sa), values(seedB, sb)];
      gradcheck(([a, b]) => wg.add(a, b, alpha), ([a, b]) => R.addAlpha(a, b, alpha, 1, "f64"), inputs, { what: `add alpha ${alpha}` });
      gradcheck(([a, b]) => wg.sub(a, b, alpha), ([a, b]) => R.addAlpha(a, b, alpha, -1, "f64"), inputs, { what: `sub alpha ${alpha}` });
    });
  });

  it("tensor op scalar and scalar op tensor", () => {
    prop(fc.record({ shape: shapeArb, seed: seedArb, s: fc.constantFrom(2, -1.5, 0.25, 3), op: fc.constantFrom<BinaryName>("add", "sub", "mul", "div") }),
      ({ shape, seed, s, op }) => {
        gradcheck(([x]) => binaryLib[op](x, s), ([x]) => R.binaryScalar(op, x, s, false, "f64"), [values(seed, shape)], { what: `x ${op} ${s}` });
        gradcheck(([x]) => binaryLib[op](s, x), ([x]) => R.binaryScalar(op, x, s, true, "f64"), [values(seed, shape, "nonzero")], { what: `${s} ${op} x` });
      });
  });

  it("pow: tensor ** scalar (torch's fast-path exponents included)", () => {
    prop(fc.record({ shape: shapeArb, seed: seedArb, e: fc.constantFrom(2, 3, 0.5, -0.5, -1, -2, 1.5, 0, 1, -2.5) }), ({ shape, seed, e }) => {
      // integer exponents are differentiable at negative bases too
      const domain: Domain = Number.isInteger(e) ? "nonzero" : "positive";
      gradcheck(([x]) => wg.pow(x, e), ([x]) => R.powScalar(x, e, "f64"), [values(seed, shape, domain)], { what: `x ** ${e} [${shape}]` });
    });
  });

  it("pow: scalar ** tensor", () => {
    prop(fc.record({ shape: shapeArb, seed: seedArb, s: fc.constantFrom(2, 0.5, 3.5, Math.E) }), ({ shape, seed, s }) => {
      gradcheck(([x]) => wg.pow(s, x), ([x]) => R.binaryScalar("pow", x, s, true, "f64"), [values(seed, shape)], { what: `${s} ** x [${shape}]` });
    });
  });

  it("pow gradients at a zero base follow torch's masking (values from torch 1.13)", () => {
    const plain = (t: Tensor) => Array.from(t.data(), (v) => v + 0); // +0 for -0: the sign of a zero gradient is not compared
    const b = wg.tensor([0, 2, 0, 0, -1], { requiresGrad: true }), e = wg.tensor([2, 3, 0, -1, 2], { requiresGrad: true });
    wg.pow(b, e).backward(wg.ones(5));
    expect(plain(b.grad!)).toEqual([0, 12, 0, -Infinity, -2]);
    const ge = plain(e.grad!);
    expect(ge[1]).toBeCloseTo(8 * Math.log(2), 5);
    expect([ge[0], ge[2], ge[3], ge[4]]).toEqual([0, 0, -Infinity, NaN]);
    const x = wg.tensor([0, 1], { requiresGrad: true });
    wg.pow(0, x).sum().backward(); // torch: d(0^x)/dx = 0 for x >= 0
    expect(plain(x.grad!)).toEqual([0, 0]);
    const y = wg.tensor([0, -0, 2], { requiresGrad: true });
    wg.pow(y, 0).sum().backward();
    expect(plain(y.grad!)).toEqual([0, 0, 0]);
  });

  it("mseLoss with each reduction, input and target both requiring grad", () => {
    prop(fc.record({ shapes: bcastPairArb, sa: seedArb, sb: seedArb, reduction: fc.constantFrom<"mean" | "sum" | "none">("mean", "sum", "none") }),
      ({ shapes: [sa, sb], sa: seedA, sb: seedB, reduction }) => {
        gradcheck(([a, b]) => wg.mseLoss(a, b, reduction), ([a, b]) => R.mseLoss(a, b, reduction, "f64"), [values(seedA, sa), values(seedB, sb)],
          { what: `mseLoss ${reduction} [${sa}] [${sb}]` });
      });
  });
});

// ---- products and reductions ----------------------------------------------------------------

const dimSmall = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 6 });
const batchPairArb = broadcastPair(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }));

describe("gradients of matrix products", () => {
  it("matmul on 1-D, 2-D and batched operands with broadcast batch dims", () => {
    prop(fc.record({ m: dimSmall, k: dimSmall, n: dimSmall, batches: batchPairArb, aVec: fc.boolean(), bVec: fc.boolean(), sa: seedArb, sb: seedArb, mask: maskArb }),
      ({ m, k, n, batches: [ba, bb], aVec, bVec, sa, sb, mask }) => {
        const aShape = aVec ? [k] : [...ba, m, k], bShape = bVec ? [k] : [...bb, k, n];
        gradcheck(([a, b]) => wg.matmul(a, b), ([a, b]) => R.matmul(a, b, "f64"), [values(sa, aShape), values(sb, bShape)],
          { requiresGrad: mask, what: `matmul [${aShape}] @ [${bShape}]` });
      }, 30);
  });

  it("mm and dot", () => {
    prop(fc.record({ m: dimSmall, k: dimSmall, n: dimSmall, sa: seedArb, sb: seedArb }), ({ m, k, n, sa, sb }) => {
      gradcheck(([a, b]) => wg.mm(a, b), ([a, b]) => R.matmul(a, b, "f64"), [values(sa, [m, k]), values(sb, [k, n])], { what: `mm [${m},${k}] [${k},${n}]` });
      gradcheck(([a, b]) => wg.dot(a, b), ([a, b]) => R.matmul(a, b, "f64"), [values(sa, [k]), values(sb, [k])], { what: `dot [${k}]` });
    });
  });
});

/** A reduction's dims for an n-dim shape: undefined (all), one dim, or a list (some negative). */
function dimsFor(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  if (ndim === 0) return fc.constantFrom<number | number[] | undefined>(undefined, 0, [-1]);
  const list = fc.subarray(Array.from({ length: ndim }, (_, i) => i), { minLength: 1 })
    .chain((ds) => fc.tuple(...ds.map((d) => fc.constantFrom(d, d - ndim))));
  return fc.oneof(fc.constant(undefined), list, fc.integer({ min: -ndim, max: ndim - 1 }));
}
const reductionArb = fc.record({ shape: shapeArb, seed: seedArb, keepdim: fc.boolean() })
  .chain((c) => dimsFor(c.shape.length).map((dims) => ({ ...c, dims })));

describe("gradients of reductions", () => {
  it("sum and mean over all, dims, keepdim", () => {
    prop(reductionArb, ({ shape, seed, keepdim, dims }) => {
      const x = [values(seed, shape)];
      const lib = (f: typeof wg.sum) => ([t]: Tensor[]) => (dims === undefined ? f(t) : f(t, dims, keepdim));
      gradcheck(lib(wg.sum), ([t]) => R.sum(t, dims, dims === undefined ? false : keepdim, "f64"), x, { what: `sum [${shape}] ${JSON.stringify(dims)} ${keepdim}` });
      gradcheck(lib(wg.mean), ([t]) => R.mean(t, dims, dims === undefined ? false : keepdim, "f64"), x, { what: `mean [${shape}] ${JSON.stringify(dims)} ${keepdim}` });
    }, 30);
  });

  it("sum over a size-0 dim gives an empty gradient", () => {
    const x = wg.zeros([2, 0, 3], { requiresGrad: true });
    wg.sum(x, 1).sum().backward();
    expect(x.grad!.shape).toEqual([2, 0, 3]);
    const y = wg.ones([0], { requiresGrad: true });
    const m = wg.mean(y);
    expect(m.item()).toBeNaN();
  });

  for (const isMin of [false, true]) {
    const name = isMin ? "min" : "max";
    it(`${name} over all elements and along a dim`, () => {
      prop(fc.record({ shape: nonEmptyShapeArb, seed: seedArb, keepdim: fc.boolean(), d: fc.nat() }), ({ shape, seed, keepdim, d }) => {
        const x = [values(seed, shape, "distinct")];
        const nd = Math.max(shape.length, 1);
        const dim = (d % (2 * nd)) - nd;
        gradcheck(([t]) => (isMin ? wg.min(t) : wg.max(t)), ([t]) => R.extremumAll(t, isMin), x, { what: `${name} [${shape}]` });
        gradcheck(([t]) => (isMin ? wg.min(t, dim, keepdim) : wg.max(t, dim, keepdim)).values,
          ([t]) => R.extremumDim(t, dim, keepdim, isMin).values, x, { what: `${name} [${shape}] dim ${dim} keepdim ${keepdim}` });
      });
    });
  }

  it("max over all elements shares the gradient evenly between ties (torch's evenly_distribute_backward)", () => {
    const x = wg.tensor([1, 3, 3, 2], { requiresGrad: true });
    wg.max(x).backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 0.5, 0.5, 0]);
  });
});

// ---- movement ------------------------------------------------------------------------------------

describe("gradients of movement ops", () => {
  it("transpose, permute, t and .T", () => {
    prop(shapeArb.chain((shape) => fc.record({
      shape: fc.constant(shape), seed: seedArb, d0: fc.nat(), d1: fc.nat(),
      perm: fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }),
    })), ({ shape, seed, d0, d1, perm }) => {
      const x = [values(seed, shape)];
      const nd = Math.max(shape.length, 1);
      const a = (d0 % (2 * nd)) - nd, b = (d1 % (2 * nd)) - nd;
      gradcheck(([t]) => wg.transpose(t, a, b), ([t]) => R.transpose(t, a, b), x, { what: `transpose [${shape}] ${a} ${b}` });
      gradcheck(([t]) => wg.permute(t, perm), ([t]) => R.permute(t, perm), x, { what: `permute [${shape}] [${perm}]` });
      gradcheck(([t]) => t.T.mul(1), ([t]) => R.reverseDims(t), x, { what: `.T [${shape}]` }); // mul(1): a 0-d/1-D .T is the leaf itself
      if (shape.length <= 2) gradcheck(([t]) => wg.t(t).mul(1), ([t]) => R.reverseDims(t), x, { what: `t [${shape}]` });
    });
  });

  it("reshape, squeeze, unsqueeze, expand, clone", () => {
    prop(shapeArb.chain((out) => fc.record({ out: fc.constant(out), src: operandShape(out), seed: seedArb, d: fc.nat() })),
      ({ out, src, seed, d }) => {
        const x = [values(seed, src)];
        const nd = Math.max(src.length, 1);
        const dim = (d % (2 * nd)) - nd, udim = (d % (2 * (src.length + 1))) - (src.length + 1);
        const rev = [...src].reverse();
        gradcheck(([t]) => wg.reshape(t, rev), ([t]) => R.reshape(t, rev), x, { what: `reshape [${src}] to [${rev}]` });
        gradcheck(([t]) => wg.squeeze(t), ([t]) => R.squeeze(t), x, { what: `squeeze [${src}]` });
        gradcheck(([t]) => wg.squeeze(t, dim), ([t]) => R.squeeze(t, dim), x, { what: `squeeze [${src}] ${dim}` });
        gradcheck(([t]) => wg.unsqueeze(t, udim), ([t]) => R.unsqueeze(t, udim), x, { what: `unsqueeze [${src}] ${udim}` });
        gradcheck(([t]) => wg.expand(t, out).mul(1), ([t]) => R.expand(t, out), x, { what: `expand [${src}] to [${out}]` });
        gradcheck(([t]) => wg.clone(t), ([t]) => t, x, { what: `clone [${src}]` });
      });
  });

  it("indexSelect with repeated indices (gradients add up)", () => {
    prop(fc.record({ shape: fc.array(dimArb, { minLength: 1, maxLength: 3 }), seed: seedArb, d: fc.nat(), picks: fc.array(fc.nat(), { maxLength: 6 }) }),
      ({ shape, seed, d, picks }) => {
        const dim = (d % (2 * shape.length)) - shape.length;
        const len = shape[dim < 0 ? dim + shape.length : dim];
        const index = len === 0 ? [] : picks.map((p) => p % len);
        gradcheck(([t]) => wg.indexSelect(t, dim, index), ([t]) => R.indexSelect(t, dim, index), [values(seed, shape)],
          { what: `indexSelect [${shape}] dim ${dim} [${index}]` });
      });
  });

  it("diag in both directions (vector -> matrix, matrix -> diagonal, non-square too), on any diagonal", () => {
    prop(fc.record({ shape: fc.array(dimSmall, { minLength: 1, maxLength: 2 }), seed: seedArb, k: fc.integer({ min: -4, max: 4 }) }), ({ shape, seed, k }) => {
      gradcheck(([t]) => wg.diag(t, k), ([t]) => R.diag(t, k), [values(seed, shape)], { what: `diag [${shape}] diagonal ${k}` });
    });
  });

  it("sort values along any dim, ascending and descending", () => {
    prop(fc.record({ shape: shapeArb, seed: seedArb, d: fc.nat(), descending: fc.boolean() }), ({ shape, seed, d, descending }) => {
      const nd = Math.max(shape.length, 1);
      const dim = (d % (2 * nd)) - nd;
      gradcheck(([t]) => wg.sort(t, { dim, descending }).values, ([t]) => R.sort(t, dim, descending).values, [values(seed, shape, "distinct")],
        { what: `sort [${shape}] dim ${dim} desc ${descending}` });
      // torch's positional form, x.sort(dim, descending), is the same sort
      gradcheck(([t]) => t.sort(dim, descending).values, ([t]) => R.sort(t, dim, descending).values, [values(seed, shape, "distinct")],
        { what: `x.sort(${dim}, ${descending}) [${shape}]`, secondOrder: false });
    });
  });
});

// ---- random compositions -----------------------------------------------------------------------

/** One op of a random program: both implementations, applied to values already in the program. */
interface Step {
  /** The op list entry it came from. */
  kind: string;
  /** With its parameters, for failure messages. */
  name: string;
  args: number[];
  lib: (xs: Tensor[]) => Tensor;
  ref: (xs: RTensor[]) => RTensor;
}

interface Program {
  leaves: RTensor[];
  requiresGrad: boolean[];
  /** Values in order of creation: leaves (fresh ones appear between steps) and step results. */
  slots: ({ leaf: number } | { step: number })[];
  steps: Step[];
}

const MAX_NUMEL = 48;
const COMPOSITIONS = 200;
const MAX_ABS = 30;

/** Distance from a kink (relu/abs at 0, a tie for max/min/sort) of a reference value; finite differences need a margin. */
function minAbs(x: RTensor): number {
  return x.data.reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
}
function minGapAlong(x: RTensor, dim: number | null): number {
  const t = dim === null ? R.reshape(x, [x.data.length]) : x;
  const d = dim === null ? 0 : dim;
  const sorted = R.sort(t, d).values;
  const len = t.shape.length === 0 ? 1 : t.shape[d < 0 ? d + t.shape.length : d];
  let inner = 1;
  for (let i = (d < 0 ? d + t.shape.length : d) + 1; i < t.shape.length; i++) inner *= t.shape[i];
  let gap = Infinity;
  for (let i = 0; i + inner < sorted.data.length; i++) {
    if (Math.floor(i / inner) % len !== len - 1) gap = Math.min(gap, sorted.data[i + inner] - sorted.data[i]);
  }
  return gap;
}

/**
 * Builds a random program of `nOps` ops from the op list, each applied to the
 * latest result (and sometimes another earlier value, itself, or a fresh leaf),
 * keeping every value small, finite and away from kinks. Deterministic in `seed`.
 */
function randomProgram(seed: number, nOps: number): Program | null {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const prog: Program = { leaves: [], requiresGrad: [], slots: [], steps: [] };
  const vals: RTensor[] = []; // reference (float64) value of each slot, for shapes and margins

  const fresh = (shape: number[], domain: Domain = "any"): number => {
    const v = values(int(0, 0x7fffffff), shape, domain);
    prog.leaves.push(v);
    prog.requiresGrad.push(prog.leaves.length === 1 || rand() < 0.8);
    prog.slots.push({ leaf: prog.leaves.length - 1 });
    vals.push(v);
    return vals.length - 1;
  };
  const randomShape = () => Array.from({ length: int(1, 3) }, () => int(1, 4));

  /** Each candidate returns a step on the head (or null when it does not apply). */
  type Make = (h: number, x: RTensor) => (Omit<Step, "name" | "kind"> & { name?: string }) | null;
  const unary = (name: UnaryName, f: (t: Tensor) => Tensor, ok: (x: RTensor) => boolean = () => true): [string, Make] =>
    [name, (h, x) => (ok(x) ? { args: [h], lib: ([a]) => f(a), ref: ([a]) => R.unary(name, a, "f64") } : null)];
  const positive = (x: RTensor) => x.data.every((v) => v > 0.2);
  const binaryWith = (name: BinaryName, f: (a: Tensor, b: Tensor) => Tensor, domain: Domain, canSwap = true): Make => (h, x) => {
    // the other operand: the head itself (x op x), an earlier value that broadcasts, or a fresh leaf of a broadcastable shape
    const r = rand();
    let other: number;
    if (r < 0.2 && (domain === "any" || (domain === "nonzero" && minAbs(x) > 0.2))) other = h;
    else if (r < 0.5) {
      const candidates = vals.map((v, i) => i).filter((i) => {
        try {
          return R.numel(R.broadcastShapes(vals[i].shape, x.shape)) <= MAX_NUMEL && (domain === "any" || minAbs(vals[i]) > 0.2);
        } catch {
          return false;
        }
      });
      other = candidates.length > 0 ? pick(candidates) : fresh(x.shape.map((s) => (rand() < 0.3 ? 1 : s)), domain);
    } else other = fresh(x.shape.slice(int(0, x.shape.length)).map((s) => (rand() < 0.3 ? 1 : s)), domain);
    const swap = canSwap && domain === "any" && rand() < 0.5;
    const args = swap ? [other, h] : [h, other];
    return { args, lib: ([a, b]) => f(a, b), ref: ([a, b]) => R.binary(name, a, b, "f64") };
  };

  const makers: [string, Make][] = [
    unary("neg", wg.neg), unary("exp", wg.exp), unary("log", wg.log, positive), unary("sin", wg.sin), unary("cos", wg.cos),
    unary("tan", wg.tan, (x) => x.data.every((v) => Math.abs(v) < 1.2)), unary("tanh", wg.tanh), unary("sigmoid", wg.sigmoid),
    unary("relu", wg.relu, (x) => minAbs(x) > 1e-3), unary("sqrt", wg.sqrt, positive), unary("abs", wg.abs, (x) => minAbs(x) > 1e-3),
    unary("square", wg.square), unary("reciprocal", wg.reciprocal, (x) => minAbs(x) > 0.2),
    ["add", binaryWith("add", wg.add, "any")], ["sub", binaryWith("sub", wg.sub, "any")], ["mul", binaryWith("mul", wg.mul, "any")],
    ["div", binaryWith("div", wg.div, "nonzero")],
    // the base must stay positive, so it is always the head
    ["pow(x, y)", (h, x) => (positive(x) ? binaryWith("pow", wg.pow, "any", false)(h, x) : null)],
    ["pow(x, e)", (h, x) => {
      const e = pick([2, 3, -1, 0.5, 1.5, -0.5]);
      if (!Number.isInteger(e) && !positive(x)) return null;
      if (e < 0 && minAbs(x) < 0.2) return null;
      return { name: `pow(x, ${e})`, args: [h], lib: ([a]) => wg.pow(a, e), ref: ([a]) => R.powScalar(a, e, "f64") };
    }],
    ["pow(s, x)", (h) => {
      const s = pick([2, 0.5, 1.7]);
      return { name: `pow(${s}, x)`, args: [h], lib: ([a]) => wg.pow(s, a), ref: ([a]) => R.binaryScalar("pow", a, s, true, "f64") };
    }],
    ["x op s", (h) => {
      const op = pick<BinaryName>(["add", "sub", "mul", "div"]), s = pick([2, -0.5, 1.25]);
      return { name: `x ${op} ${s}`, args: [h], lib: ([a]) => (op === "div" ? wg.div(a, s) : op === "mul" ? wg.mul(a, s) : op === "add" ? wg.add(a, s) : wg.sub(a, s)),
        ref: ([a]) => R.binaryScalar(op, a, s, false, "f64") };
    }],
    ["matmul", (h, x) => {
      if (x.shape.length === 0 || x.shape.length > 3) return null;
      const k = x.shape[x.shape.length - 1];
      const r = rand();
      // x @ xᵀ uses the same value twice; otherwise a fresh right operand of a random rank
      if (x.shape.length === 2 && r < 0.25) {
        return { name: "x @ x.T", args: [h], lib: ([a]) => wg.matmul(a, a.T), ref: ([a]) => R.matmul(a, R.reverseDims(a), "f64") };
      }
      const w = fresh(r < 0.5 ? [k] : [k, int(1, 3)]);
      return { args: [h, w], lib: ([a, b]) => wg.matmul(a, b), ref: ([a, b]) => R.matmul(a, b, "f64") };
    }],
    ["mm", (h, x) => {
      if (x.shape.length !== 2) return null;
      const w = fresh([x.shape[1], int(1, 3)]);
      return { args: [h, w], lib: ([a, b]) => wg.mm(a, b), ref: ([a, b]) => R.matmul(a, b, "f64") };
    }],
    ["dot", (h, x) => {
      if (x.shape.length !== 1) return null;
      const w = rand() < 0.3 ? h : fresh([...x.shape]);
      return { args: [h, w], lib: ([a, b]) => wg.dot(a, b), ref: ([a, b]) => R.matmul(a, b, "f64") };
    }],
    ["sum", (h, x) => {
      const nd = x.shape.length;
      const dim = nd === 0 || rand() < 0.3 ? undefined : int(-nd, nd - 1), keepdim = rand() < 0.5;
      return { name: `sum(${dim}, ${keepdim})`, args: [h], lib: ([a]) => (dim === undefined ? wg.sum(a) : wg.sum(a, dim, keepdim)),
        ref: ([a]) => R.sum(a, dim, dim === undefined ? false : keepdim, "f64") };
    }],
    ["mean", (h, x) => {
      const nd = x.shape.length;
      const dims = nd < 2 ? undefined : [0, nd - 1], keepdim = rand() < 0.5;
      return { name: `mean(${dims}, ${keepdim})`, args: [h], lib: ([a]) => (dims === undefined ? wg.mean(a) : wg.mean(a, dims, keepdim)),
        ref: ([a]) => R.mean(a, dims, dims === undefined ? false : keepdim, "f64") };
    }],
    ["max/min", (h, x) => {
      const isMin = rand() < 0.5, nd = x.shape.length;
      if (nd === 0 || rand() < 0.3) {
        if (minGapAlong(x, null) < 1e-3) return null;
        return { name: isMin ? "min()" : "max()", args: [h], lib: ([a]) => (isMin ? wg.min(a) : wg.max(a)), ref: ([a]) => R.extremumAll(a, isMin) };
      }
      const dim = int(0, nd - 1), keepdim = rand() < 0.5;
      if (minGapAlong(x, dim) < 1e-3) return null;
      return { name: `${isMin ? "min" : "max"}(${dim})`, args: [h], lib: ([a]) => (isMin ? wg.min(a, dim, keepdim) : wg.max(a, dim, keepdim)).values,
        ref: ([a]) => R.extremumDim(a, dim, keepdim, isMin).values };
    }],
    ["transpose", (h, x) => {
      if (x.shape.length < 2) return null;
      const a = int(0, x.shape.length - 1), b = int(0, x.shape.length - 1);
      return { name: `transpose(${a}, ${b})`, args: [h], lib: ([t]) => wg.transpose(t, a, b), ref: ([t]) => R.transpose(t, a, b) };
    }],
    ["permute", (h, x) => {
      const perm = x.shape.map((_, i) => i).sort(() => rand() - 0.5);
      return { name: `permute(${perm})`, args: [h], lib: ([t]) => wg.permute(t, perm), ref: ([t]) => R.permute(t, perm) };
    }],
    ["t / .T", (h, x) => {
      if (x.shape.length !== 2) return null;
      return rand() < 0.5
        ? { name: "t", args: [h], lib: ([t]) => wg.t(t), ref: ([t]) => R.reverseDims(t) }
        : { name: ".T", args: [h], lib: ([t]) => t.T, ref: ([t]) => R.reverseDims(t) };
    }],
    ["reshape", (h, x) => {
      const shape = rand() < 0.5 ? [x.data.length] : [...x.shape].reverse();
      return { name: `reshape(${shape})`, args: [h], lib: ([t]) => wg.reshape(t, shape), ref: ([t]) => R.reshape(t, shape) };
    }],
    ["squeeze/unsqueeze", (h, x) => {
      if (x.shape.includes(1) && rand() < 0.5) return { name: "squeeze", args: [h], lib: ([t]) => wg.squeeze(t), ref: ([t]) => R.squeeze(t) };
      const d = int(0, x.shape.length);
      if (x.shape.length >= 3) return null;
      return { name: `unsqueeze(${d})`, args: [h], lib: ([t]) => wg.unsqueeze(t, d), ref: ([t]) => R.unsqueeze(t, d) };
    }],
    ["expand", (h, x) => {
      if (x.shape.length >= 3) return null;
      const shape = [int(1, 3), ...x.shape.map((s) => (s === 1 ? int(1, 3) : s))];
      return { name: `expand(${shape})`, args: [h], lib: ([t]) => wg.expand(t, shape), ref: ([t]) => R.expand(t, shape) };
    }],
    ["indexSelect", (h, x) => {
      if (x.shape.length === 0) return null;
      const dim = int(0, x.shape.length - 1), len = x.shape[dim];
      const index = Array.from({ length: int(1, 4) }, () => int(0, len - 1));
      return { name: `indexSelect(${dim}, [${index}])`, args: [h], lib: ([t]) => wg.indexSelect(t, dim, index), ref: ([t]) => R.indexSelect(t, dim, index) };
    }],
    ["diag", (h, x) => (x.shape.length === 1 || x.shape.length === 2
      ? { args: [h], lib: ([t]) => wg.diag(t), ref: ([t]) => R.diag(t) } : null)],
    ["clone", (h) => ({ args: [h], lib: ([t]) => wg.clone(t), ref: ([t]) => t })],
    ["sort", (h, x) => {
      const nd = x.shape.length, dim = nd === 0 ? 0 : int(0, nd - 1), descending = rand() < 0.5;
      if (nd > 0 && minGapAlong(x, dim) < 1e-3) return null;
      return { name: `sort(${dim}, ${descending})`, args: [h], lib: ([t]) => wg.sort(t, { dim, descending }).values,
        ref: ([t]) => R.sort(t, dim, descending).values };
    }],
    ["mseLoss", (h, x) => {
      const reduction = pick<"mean" | "sum" | "none">(["mean", "sum", "none"]);
      const target = fresh([...x.shape]);
      return { name: `mseLoss(${reduction})`, args: [h, target], lib: ([a, b]) => wg.mseLoss(a, b, reduction), ref: ([a, b]) => R.mseLoss(a, b, reduction, "f64") };
    }],
  ];

  let head = fresh(randomShape());
  for (let n = 0; n < nOps; n++) {
    let placed = false;
    for (let attempt = 0; attempt < 20 && !placed; attempt++) {
      const [kind, make] = pick(makers);
      const leavesBefore = prog.leaves.length, slotsBefore = prog.slots.length;
      // drops the fresh leaves an abandoned candidate made
      const rollback = () => {
        prog.leaves.length = prog.requiresGrad.length = leavesBefore;
        prog.slots.length = vals.length = slotsBefore;
      };
      const step = make(head, vals[head]);
      if (!step) {
        rollback();
        continue;
      }
      const v = step.ref(step.args.map((i) => vals[i]));
      // too big or too wild for float32 against float64 (or empty): try another op
      if (v.data.length > MAX_NUMEL || v.data.length === 0 || !v.data.every((u) => Number.isFinite(u) && Math.abs(u) < MAX_ABS)) {
        rollback();
        continue;
      }
      prog.steps.push({ ...step, kind, name: step.name ?? kind });
      prog.slots.push({ step: prog.steps.length - 1 });
      vals.push(v);
      head = vals.length - 1;
      placed = true;
    }
    if (!placed) return null;
  }
  return prog;
}

/** Replays a program on library tensors or on reference values. */
function run<T>(prog: Program, leaves: T[], apply: (s: Step, args: T[]) => T): T {
  const slots: T[] = [];
  for (const s of prog.slots) slots.push("leaf" in s ? leaves[s.leaf] : apply(prog.steps[s.step], prog.steps[s.step].args.map((i) => slots[i])));
  return slots[slots.length - 1];
}

describe("random compositions of 3–6 ops, gradchecked end to end", () => {
  it("matches float64 finite differences for every leaf", () => {
    let checked = 0;
    const names = new Set<string>();
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 3, max: 6 }), (seed, nOps) => {
        const prog = randomProgram(seed, nOps);
        fc.pre(prog !== null);
        const p = prog!;
        const what = `program ${seed}: ${p.steps.map((s) => s.name).join(" → ")}`;
        wg.scope(() => {
          const problems = gradcheckProblems(
            (xs) => run(p, xs, (s, args) => s.lib(args)),
            (xs) => run(p, xs, (s, args) => s.ref(args)),
            p.leaves, { requiresGrad: p.requiresGrad, what, rtol: 2e-3 });
          expect(problems, what).toEqual([]);
        });
        p.steps.forEach((s) => names.add(s.kind));
        checked++;
      }),
      { seed: SEED, numRuns: COMPOSITIONS },
    );
    // the programs did exercise the op list broadly
    expect(checked).toBe(COMPOSITIONS);
    expect(names.size).toBeGreaterThan(30);
  });
});

// ---- autograd semantics ---------------------------------------------------------------------------

describe("autograd semantics", () => {
  it("accumulates gradients across two backward calls", () => {
    const x = wg.tensor([1, -2, 3], { requiresGrad: true });
    wg.mul(x, x).sum().backward(); // 2x
    wg.mul(x, 3).sum().backward(); // + 3
    expect(Array.from(x.grad!.data())).toEqual([5, -1, 9]);
  });

  it("backward(gradient) on a non-scalar is the vector-Jacobian product", () => {
    const x = wg.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = wg.mul(x, x);
    y.backward(wg.tensor([[1, 0, -1], [0.5, 2, 0]]));
    expect(x.grad!.toArray()).toEqual([[2, 0, -6], [4, 20, 0]]);
  });

  it("passes gradients straight through without losing or sharing them (add, reshape, a tensor used twice)", () => {
    // the caller's gradient stays the caller's: not freed, not written to
    const a = wg.tensor([1, 2, 3], { requiresGrad: true }), b = wg.tensor([4, 5, 6], { requiresGrad: true });
    const G = wg.tensor(Float32Array.of(1, 10, 100));
    wg.add(a, b).backward(G);
    expect(Array.from(G.data())).toEqual([1, 10, 100]);
    expect(Array.from(a.grad!.data())).toEqual([1, 10, 100]);
    expect(Array.from(b.grad!.data())).toEqual([1, 10, 100]);
    a.grad!.add_(1); // one leaf's gradient is not another's
    expect(Array.from(b.grad!.data())).toEqual([1, 10, 100]);
    // one input on both sides of an add, through a reshape, and beside an input without grad
    const x = wg.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const c = wg.tensor(Float32Array.of(5, 6, 7, 8)).reshape([2, 2]);
    wg.add(x, x).reshape([4]).add(c.reshape([4])).mul(wg.tensor(Float32Array.of(1, 2, 3, 4))).sum().backward();
    expect(x.grad!.toArray()).toEqual([[2, 4], [6, 8]]);
    // a gradient that reaches one node along three paths
    const y = wg.tensor([1, -1], { requiresGrad: true });
    const s = wg.add(y, 1);
    wg.add(wg.add(s, s), s).sum().backward();
    expect(Array.from(y.grad!.data())).toEqual([3, 3]);
  });

  it("refuses a non-scalar backward without a gradient, naming the shape", () => {
    const x = wg.ones([2, 3], { requiresGrad: true });
    expect(() => wg.mul(x, 2).backward()).toThrow(/shape \[2, 3\]/);
    expect(() => wg.mul(x, 2).backward(wg.ones(3, 2))).toThrow(/\[3, 2\].*\[2, 3\]/);
  });

  it("frees the graph after backward unless retainGraph", () => {
    const x = wg.tensor([2], { requiresGrad: true });
    const y = wg.exp(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(2 * Math.exp(2), 4); // accumulated twice
    expect(() => y.backward()).toThrow(/second time/);
    // a graph that was not retained cannot be walked again
    const z = wg.mul(x, x).sum();
    z.backward();
    expect(() => z.backward()).toThrow(/retainGraph/);
  });

  it("noGrad records nothing; enableGrad re-enables inside it", () => {
    const x = wg.tensor([1, 2], { requiresGrad: true });
    const y = wg.noGrad(() => {
      expect(wg.isGradEnabled()).toBe(false);
      const inner = wg.enableGrad(() => wg.mul(x, 2));
      expect(inner.requiresGrad).toBe(true);
      return wg.mul(x, 2);
    });
    expect(wg.isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => y.sum().backward()).toThrow(/does not require grad/);
  });

  it("allows an in-place update of a leaf that requires grad only inside noGrad", () => {
    const x = wg.tensor([1, 2], { requiresGrad: true });
    expect(() => x.sub_(1)).toThrow(/leaf tensor that requires grad \(shape \[2\]\).*noGrad/);
    expect(Array.from(x.data())).toEqual([1, 2]);
    const v = x.version;
    wg.noGrad(() => x.sub_(wg.tensor([0.5, 0.5]), 2));
    expect(Array.from(x.data())).toEqual([0, 1]);
    expect(x.version).toBe(v + 1);
    expect(x.isLeaf && x.requiresGrad).toBe(true);
  });

  it(".grad of a non-leaf is null unless retainGrad()", () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = wg.mul(x, 2);
    const z = wg.mul(x, 3);
    z.retainGrad();
    wg.add(wg.mul(y, y).sum(), z.sum()).backward();
    expect(y.grad).toBeNull();
    expect(Array.from(z.grad!.data())).toEqual([1, 1, 1]);
    expect(Array.from(x.grad!.data())).toEqual([8 + 3, 16 + 3, 24 + 3]); // d(4x²)/dx + 3
  });

  it("detach shares memory, leaves the graph, and stops gradients", () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    wg.mul(d, x).sum().backward(); // the gradient flows only through the second factor
    expect(Array.from(x.grad!.data())).toEqual([1, 2, 3]);
    d.mul_(10); // a detached tensor may be written; x sees it (torch's shared storage)
    expect(Array.from(x.data())).toEqual([10, 20, 30]);
  });

  it("refuses backward when a saved tensor was modified in place (version counter)", () => {
    const a = wg.tensor([1, 2], { requiresGrad: true });
    const b = wg.tensor([3, 4], { dtype: "float32" });
    const c = wg.mul(a, b); // saves b
    b.add_(1);
    expect(() => c.sum().backward()).toThrow(/modified by an in-place operation/);
    // the same through a detached alias of a saved output: exp saves its result
    const y = wg.exp(a);
    const s = y.sum();
    y.detach().mul_(2);
    expect(() => s.backward()).toThrow(/version 1, expected 0/);
  });

  it("throws on using a disposed tensor, in ops and in backward", () => {
    const x = wg.tensor([1, 2]);
    x.dispose();
    expect(() => wg.add(x, 1)).toThrow(/disposed/);
    expect(() => x.item()).toThrow(/disposed/);
    expect(() => x.data()).toThrow(/disposed/);
    const a = wg.tensor([1, 2], { requiresGrad: true });
    const b = wg.tensor([3, 4], { dtype: "float32" });
    const c = wg.mul(a, b).sum();
    b.dispose();
    expect(() => c.backward()).toThrow(/disposed/);
  });
});
