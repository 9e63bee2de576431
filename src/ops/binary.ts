// Elementwise ops of two or three operands: maximum, minimum, fmod and remainder
// as entries of the binary table (elementwise.ts's binaryOp), then
// where, clamp, lerp and isclose, which compose the kernels with broadcasting
// over all their operands and record one backward node each, as torch does.

import { Tensor, type TensorOrScalar } from "../tensor";
import { BinaryOp, UnaryOp, UnaryParamOp } from "../backend/kernels";
import { record, tracks } from "../autograd/node";
import { promote, promoteScalar } from "../dtype";
import { sameShape, fmt } from "../shape";
import { castTo, checkTensor, checkFloat, named } from "./dispatch";
import * as red from "./reduce";
import { sumTo, type DimOptions, type MaxResult } from "./reduce";
import { copy_, checkWritable } from "./inplace";
import { noGrad } from "../autograd/grad-mode";
import { binaryOp, binaryForward, unaryForward, wants, floatOf, checkOperand, where, add, mul, div, neg, sub, eq, lt, le, gt, ge } from "./elementwise";
import { trunc, floor, isnan, isfinite, logicalAnd, logicalOr } from "./unary";

const isT = (v: unknown): v is Tensor => v instanceof Tensor;

// ---- the binary table ----------------------------------------------------------------

/** a where c, else 0 (torch's masked gradients); c a bool tensor that broadcasts with a. */
const keepWhere = (c: Tensor, a: Tensor): Tensor => where(c, a, 0);

// d max(a, b) = da where a > b, db where a < b, half of each where a = b (torch's rule; NaN: both)
export const maximum = binaryOp({
  op: BinaryOp.Maximum, tensors: true,
  grad: ["MaximumBackward0", (g, a, b) => {
    const h = where(eq(a as Tensor, b), div(g, 2), g);
    return [wants(a) ? where(lt(a as Tensor, b), 0, h) : null, wants(b) ? where(gt(a as Tensor, b), 0, h) : null];
  }],
});
export const minimum = binaryOp({
  op: BinaryOp.Minimum, tensors: true,
  grad: ["MinimumBackward0", (g, a, b) => {
    const h = where(eq(a as Tensor, b), div(g, 2), g);
    return [wants(a) ? where(gt(a as Tensor, b), 0, h) : null, wants(b) ? where(lt(a as Tensor, b), 0, h) : null];
  }],
});

/**
 * torch.max and torch.min as users call them: of two tensors the elementwise maximum
 * (minimum), else the reductions of ops/reduce.ts (all elements, or along a dim).
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim: number | DimOptions, keepdim?: boolean): MaxResult;
export function max(x: Tensor, dim?: number | DimOptions | Tensor, keepdim?: boolean): Tensor | MaxResult {
  return dim instanceof Tensor ? maximum(x, dim) : red.max(x, dim as number, keepdim);
}
export function min(x: Tensor): Tensor;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim: number | DimOptions, keepdim?: boolean): MaxResult;
export function min(x: Tensor, dim?: number | DimOptions | Tensor, keepdim?: boolean): Tensor | MaxResult {
  return dim instanceof Tensor ? minimum(x, dim) : red.min(x, dim as number, keepdim);
}

// fmod(a, b) = a - b·trunc(a/b): d = da - trunc(a/b) db
export const fmod = binaryOp({
  op: BinaryOp.Fmod,
  grad: [["FmodBackward0", "FmodBackward1"], (g, a, b) => [wants(a) ? g : null, wants(b) ? mul(neg(g), trunc(div(a, b))) : null]],
});
// remainder(a, b) = a - b·floor(a/b): d = da - floor(a/b) db
export const remainder = binaryOp({
  op: BinaryOp.Remainder,
  grad: [["RemainderBackward0", "RemainderBackward1"], (g, a, b) => [wants(a) ? g : null, wants(b) ? mul(neg(g), floor(div(a, b))) : null]],
});

// ---- where ------------------------------------------------------------------------------
// (where itself is in elementwise.ts: backward rules everywhere use it)

export { where };

// ---- clamp ----------------------------------------------------------------------------------

export interface ClampOptions {
  min?: TensorOrScalar | null;
  max?: TensorOrScalar | null;
}

type Bound = TensorOrScalar | null | undefined;

function clampArgs(op: string, x: unknown, min: Bound | ClampOptions, max: Bound): [Bound, Bound] {
  checkTensor(op, x);
  const { min: lo, max: hi } = named<ClampOptions>(op, { min, max });
  if (lo == null && hi == null) throw new TypeError(`${op}: at least one of min and max must be given`);
  for (const v of [lo, hi]) if (v != null) checkOperand(op, v);
  return [lo, hi];
}

/**
 * Each element limited to [min, max] (torch.clamp): either bound may be missing, and each
 * is a number or a tensor broadcast with x. min > max gives max, as in torch; NaN stays NaN.
 */
export function clamp(x: Tensor, min?: Bound | ClampOptions, max?: Bound): Tensor {
  const [lo, hi] = clampArgs("clamp", x, min, max);
  const numbers = !isT(lo) && !isT(hi);
  let d = x.dtype;
  if (numbers) for (const v of [lo, hi]) if (v != null) d = promote(d, promoteScalar(x.dtype, v));
  let out: Tensor;
  if (numbers && d === "float32") {
    // one pass: min(max(x, lo), hi), a missing bound ∓Inf
    out = unaryForward(UnaryParamOp.Clamp, "clamp", x, [lo ?? -Infinity, hi ?? Infinity, 0]);
  } else {
    const t = lo == null ? x : binaryForward(BinaryOp.Maximum, x, lo);
    out = hi == null ? t : binaryForward(BinaryOp.Minimum, t, hi);
    if (t !== out && t !== x) t.dispose();
  }
  if (!tracks(x, lo) && !tracks(hi)) return out;
  // d clamp = dx where min <= x <= max (the bounds included), dmin where x < min < max, dmax where x > max or max < min
  const l = lo ?? -Infinity, h = hi ?? Infinity, inputs = [x, lo, hi].filter(isT);
  return record(out, numbers ? "ClampBackward1" : "ClampBackward0", inputs, (g) => {
    const grads = [x.requiresGrad ? sumTo(keepWhere(ge(x, l), keepWhere(le(x, h), g)), x.shape) : null]; // two SIMD selects, no int32 pass
    if (isT(lo)) grads.push(lo.requiresGrad ? sumTo(keepWhere(logicalAnd(lt(x, lo), lt(lo, h)), g), lo.shape) : null);
    if (isT(hi)) grads.push(hi.requiresGrad ? sumTo(keepWhere(logicalOr(gt(x, hi), lt(hi, l)), g), hi.shape) : null);
    return grads;
  }, inputs);
}

/** torch.clip: clamp. */
export const clip = clamp;

/** clamp in place (x keeps its dtype and shape; the result must fit both, as in torch). */
export function clamp_<T extends Tensor>(x: T, min?: Bound | ClampOptions, max?: Bound): T {
  clampArgs("clamp_", x, min, max);
  checkWritable("clamp_", x);
  const r = clamp(x, min, max);
  try {
    if (r.dtype !== x.dtype) throw new TypeError(`clamp_: result type ${r.dtype} can't be cast to the tensor's dtype ${x.dtype}`);
    if (!sameShape(r.shape, x.shape)) throw new RangeError(`clamp_: the bounds broadcast x of shape ${fmt(x.shape)} to ${fmt(r.shape)}`);
    return copy_(x, r);
  } finally {
    r.dispose();
  }
}

/** torch.clip_: clamp_. */
export const clip_ = clamp_;

// ---- lerp -------------------------------------------------------------------------------------

/**
 * start + weight·(end - start), weight a number or a tensor, all broadcast together
 * (torch.lerp, float only). As torch, a weight of 0.5 or more is taken from the end:
 * end - (end - start)·(1 - weight), so a weight of 1 gives end exactly.
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  for (const t of [start, end]) checkTensor("lerp", t);
  checkOperand("lerp", weight);
  for (const t of [start, end, weight]) {
    if (isT(t)) checkFloat("lerp", t);
  }
  const diff = binaryForward(BinaryOp.Sub, end, start);
  let out: Tensor;
  if (typeof weight === "number") {
    const w = Math.fround(weight);
    if (Math.abs(w) < 0.5) out = fusedMul(BinaryOp.Add, start, diff, w);
    else out = fusedMul(BinaryOp.Sub, end, diff, Math.fround(1 - w));
  } else {
    // both forms, chosen per element by |w| < 0.5
    const aw = unaryForward(UnaryOp.Abs, "lerp", weight);
    const near = fusedMul(BinaryOp.Add, start, diff, weight);
    const omw = binaryForward(BinaryOp.Sub, 1, weight);
    const far = fusedMul(BinaryOp.Sub, end, diff, omw);
    const c = lt(aw, 0.5);
    out = where(c, near, far);
    for (const t of [aw, near, omw, far, c]) t.dispose();
  }
  diff.dispose();
  // d lerp = (1 - w) dstart + w dend + (end - start) dw
  if (!tracks(start, end) && !tracks(weight)) return out;
  const inputs = [start, end, weight].filter(isT);
  return record(out, typeof weight === "number" ? "LerpBackward0" : "LerpBackward1", inputs, (g) => {
    const grads: (Tensor | null)[] = [
      start.requiresGrad ? sumTo(mul(g, typeof weight === "number" ? 1 - weight : sub(1, weight)), start.shape) : null,
      end.requiresGrad ? sumTo(mul(g, weight), end.shape) : null,
    ];
    if (isT(weight)) grads.push(weight.requiresGrad ? sumTo(mul(g, sub(end, start)), weight.shape) : null);
    return grads;
  }, inputs);
}

/** a op (d·w) with no graph (lerp's two forms). */
function fusedMul(op: BinaryOp, a: Tensor, d: Tensor, w: TensorOrScalar): Tensor {
  const t = binaryForward(BinaryOp.Mul, d, w);
  const out = binaryForward(op, a, t);
  t.dispose();
  return out;
}

// ---- isclose, allclose --------------------------------------------------------------------

export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN equals NaN (default false). */
  equalNan?: boolean;
}

/**
 * Whether |a - b| <= atol + rtol·|b| elementwise (torch.isclose); equal values (±Inf
 * too) are close, NaN only with equalNan. a and b must have the same dtype.
 */
export function isclose(a: Tensor, b: Tensor, rtol?: number | CloseOptions, atol?: number, equalNan?: boolean): Tensor {
  checkTensor("isclose", a);
  checkTensor("isclose", b);
  const o = named<CloseOptions>("isclose", { rtol, atol, equalNan });
  const rt = o.rtol ?? 1e-5, at = o.atol ?? 1e-8;
  if (a.dtype !== b.dtype) throw new TypeError(`isclose: expected both tensors to have the same dtype, got ${a.dtype} and ${b.dtype}`);
  for (const [n, v] of [["rtol", rt], ["atol", at]] as const) {
    if (typeof v !== "number" || !(v >= 0)) throw new RangeError(`isclose: ${n} must be a number >= 0, got ${String(v)}`);
  }
  return noGrad(() => {
    let close = eq(a, b);
    if (o.equalNan && a.dtype === "float32") close = orFree(close, logicalAnd(isnan(a), isnan(b)));
    if (rt === 0 && at === 0) return close;
    const fa = castTo(a, floatOf(a.dtype)), fb = castTo(b, floatOf(b.dtype));
    // allowed = atol + |rtol·b|, actual = |a - b|, as torch computes them
    const t = [fa, fb, mul(fb, rt)];
    t.push(unaryForward(UnaryOp.Abs, "isclose", t[2]));
    const allowed = add(at, t[3]);
    t.push(sub(fa, fb));
    const actual = unaryForward(UnaryOp.Abs, "isclose", t[4]);
    t.push(allowed, actual, isfinite(actual), le(actual, allowed));
    close = orFree(close, logicalAnd(t[7], t[8]));
    for (const x of t) if (x !== a && x !== b) x.dispose();
    return close;
  });
}

/** x | y, freeing both. */
function orFree(x: Tensor, y: Tensor): Tensor {
  const out = logicalOr(x, y);
  x.dispose();
  y.dispose();
  return out;
}

/** Whether every element of a is close to b's (torch.allclose): see isclose. */
export function allclose(a: Tensor, b: Tensor, rtol?: number | CloseOptions, atol?: number, equalNan?: boolean): boolean {
  const c = isclose(a, b, rtol, atol, equalNan);
  const all = !c.data().includes(0);
  c.dispose();
  return all;
}

