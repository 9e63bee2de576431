// Elementwise math of one tensor: each op is one entry of the unary table
// (elementwise.ts's unaryOp): torch's name, the kernel code, how torch treats
// integers, and the backward rule with its derivative in a comment. The rest
// (round with decimals, the NaN/Inf tests, nanToNum) are short compositions.

import { Tensor } from "../tensor";
import { BinaryOp, UnaryOp, UnaryParamOp } from "../backend/kernels";
import { record, tracks } from "../autograd/node";
import { broadcastShapes } from "../shape";
import { checkTensor, filled, describeValue, named, copyOf } from "./dispatch";
import { unaryOp, unaryForward, binaryForward, binaryInto, zeroGrad, add, mul, div, neg, exp, eq, ne, lt } from "./elementwise";

// ---- logarithms and exponentials ---------------------------------------------------

export const log1p = unaryOp({
  name: "log1p", op: UnaryOp.Log1p, ints: "float",
  grad: ["Log1PBackward0", "x", (g, x) => div(g, add(x, 1))], // d ln(1 + x) = dx / (1 + x)
});
export const expm1 = unaryOp({
  name: "expm1", op: UnaryOp.Expm1, ints: "float",
  grad: ["Expm1Backward0", "y", (g, x, y) => mul(g, add(y, 1))], // d(e^x - 1) = e^x dx
});
export const log2 = unaryOp({
  name: "log2", op: UnaryOp.Log2, ints: "float",
  grad: ["Log2Backward0", "x", (g, x) => div(g, mul(x, Math.LN2))], // d log₂x = dx / (x ln 2)
});
export const log10 = unaryOp({
  name: "log10", op: UnaryOp.Log10, ints: "float",
  grad: ["Log10Backward0", "x", (g, x) => div(g, mul(x, Math.LN10))], // d log₁₀x = dx / (x ln 10)
});
export const exp2 = unaryOp({
  name: "exp2", op: UnaryOp.Exp2, ints: "float",
  grad: ["Exp2Backward0", "y", (g, x, y) => mul(mul(g, y), Math.LN2)], // d 2^x = 2^x ln 2 dx
});
export const rsqrt = unaryOp({
  name: "rsqrt", op: UnaryOp.Rsqrt, ints: "float",
  grad: ["RsqrtBackward0", "y", (g, x, y) => mul(mul(g, -0.5), mul(mul(y, y), y))], // d x^-½ = -½ x^-3/2 dx
});

export const erf = unaryOp({
  name: "erf", op: UnaryOp.Erf, ints: "float",
  grad: ["ErfBackward0", "x", (g, x) => mul(mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)), g)], // d erf x = 2/√π e^(-x²) dx
});

// ---- rounding (integers are their own floor, ceil, round and trunc: a copy, as torch gives) ---

export const floor = unaryOp({ name: "floor", op: UnaryOp.Floor, ints: copyOf, grad: ["FloorBackward0", null, zeroGrad] }); // a step: d = 0
export const ceil = unaryOp({ name: "ceil", op: UnaryOp.Ceil, ints: copyOf, grad: ["CeilBackward0", null, zeroGrad] });
export const trunc = unaryOp({ name: "trunc", op: UnaryOp.Trunc, ints: copyOf, grad: ["TruncBackward0", null, zeroGrad] });
const round0 = unaryOp({ name: "round", op: UnaryOp.Round, ints: copyOf, grad: ["RoundBackward0", null, zeroGrad] });
export const frac = unaryOp({
  name: "frac", op: UnaryOp.Frac, // torch refuses integers
  grad: ["FracBackward0", null, (g) => g], // d(x - trunc x) = dx
});

/**
 * Rounds half to even, as torch.round; with `decimals`, to that many decimal places
 * (negative: to tens, hundreds, ...) by torch's formula, round(x·10^d) / 10^d.
 */
export function round(x: Tensor, decimals?: number | { decimals?: number }): Tensor {
  const d = named<{ decimals?: number }>("round", { decimals }).decimals ?? 0;
  if (!Number.isInteger(d)) throw new TypeError(`round: decimals must be an integer, got ${describeValue(d)} ${String(d)}`);
  if (d === 0) return round0(x);
  checkTensor("round", x);
  if (x.dtype !== "float32") return round0(x);
  const p = 10 ** Math.abs(d);
  const scaled = binaryForward(d < 0 ? BinaryOp.Div : BinaryOp.Mul, x, p);
  const r = unaryForward(UnaryOp.Round, "round", scaled);
  const out = binaryForward(d < 0 ? BinaryOp.Mul : BinaryOp.Div, r, p);
  scaled.dispose();
  r.dispose();
  if (!tracks(x)) return out;
  return record(out, "RoundBackward1", [x], (g) => [zeroGrad(g)]);
}

// ---- NaN and infinity ------------------------------------------------------------------

/** Whether each element is NaN (never for integers). */
export function isnan(x: Tensor): Tensor {
  checkTensor("isnan", x);
  return x.dtype === "float32" ? ne(x, x) : filled(x.shape, 0, "bool");
}

/** |x| against +Inf by `op`, with no graph (isinf, isfinite). */
function absAgainstInf(x: Tensor, test: (a: Tensor, inf: number) => Tensor): Tensor {
  const a = unaryForward(UnaryOp.Abs, "abs", x);
  const out = test(a, Infinity);
  a.dispose();
  return out;
}

/** Whether each element is +Inf or -Inf (never for integers). */
export function isinf(x: Tensor): Tensor {
  checkTensor("isinf", x);
  return x.dtype === "float32" ? absAgainstInf(x, eq) : filled(x.shape, 0, "bool");
}

/** Whether each element is neither NaN nor ±Inf (always for integers). */
export function isfinite(x: Tensor): Tensor {
  checkTensor("isfinite", x);
  return x.dtype === "float32" ? absAgainstInf(x, lt) : filled(x.shape, 1, "bool");
}

export interface NanToNumOptions {
  /** What NaN becomes (default 0). */
  nan?: number | null;
  /** What +Inf becomes (default: the largest float32). */
  posinf?: number | null;
  /** What -Inf becomes (default: the lowest float32). */
  neginf?: number | null;
}

const F32_MAX = 3.4028234663852886e38;

/** NaN, +Inf and -Inf replaced by numbers (torch.nan_to_num); integers are returned as a copy. */
export function nanToNum(x: Tensor, nan?: number | null | NanToNumOptions, posinf?: number | null, neginf?: number | null): Tensor {
  checkTensor("nanToNum", x);
  const o = named<NanToNumOptions>("nanToNum", { nan, posinf, neginf });
  for (const [key, v] of Object.entries(o)) {
    if (v !== null && v !== undefined && typeof v !== "number") throw new TypeError(`nanToNum: ${key} must be a number or null, got ${describeValue(v)}`);
  }
  if (x.dtype !== "float32") return copyOf(x);
  const out = unaryForward(UnaryParamOp.NanToNum, "nanToNum", x, [o.nan ?? 0, o.posinf ?? F32_MAX, o.neginf ?? -F32_MAX]);
  // d nanToNum = [x finite] dx
  if (!tracks(x)) return out;
  return record(out, "NanToNumBackward0", [x], (g) => [mul(g, isfinite(x))], [x]);
}

// ---- logical (bool results, any dtype: nonzero is true, NaN too) --------------------------------

export function logicalNot(x: Tensor): Tensor {
  checkTensor("logicalNot", x);
  return eq(x, 0);
}

function logical(name: string, a: Tensor, b: Tensor, op: BinaryOp | null): Tensor {
  checkTensor(name, a);
  checkTensor(name, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  // a bool tensor is its own truth value (0/1 in int32 storage); anything else compares with 0
  const x = a.dtype === "bool" ? a : ne(a, 0), y = b.dtype === "bool" ? b : ne(b, 0);
  let out: Tensor;
  if (op === null) out = ne(x, y);
  else {
    // on 0/1 in bool storage: and = x·y, or = max(x, y) (the int32 kernels)
    out = Tensor.empty(shape, "bool");
    binaryInto(op, x, y, out);
  }
  if (x !== a) x.dispose();
  if (y !== b) y.dispose();
  return out;
}

export const logicalAnd = (a: Tensor, b: Tensor): Tensor => logical("logicalAnd", a, b, BinaryOp.Mul);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => logical("logicalOr", a, b, BinaryOp.Maximum);
export const logicalXor = (a: Tensor, b: Tensor): Tensor => logical("logicalXor", a, b, null);
