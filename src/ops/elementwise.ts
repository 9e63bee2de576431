// Elementwise ops with torch's broadcasting and type promotion. Each op: its
// forward kernel call, then its backward rule (the math in the comment).

import { Tensor, type TensorOrScalar } from "../tensor";
import { promote, promoteScalar, checkDType, type DType } from "../dtype";
import { k } from "../backend/module";
import { BinaryOp, CompareOp, UnaryOp, UnaryParamOp } from "../backend/kernels";
import { broadcastShapes, broadcastStrides, sameShape, fmt, type Shape } from "../shape";
import { f32, i32 } from "../backend/memory";
import { exec } from "../backend/tape";
import { record, tracks } from "../autograd/node";
import { castTo, writeMeta, filled, checkTensor, describeValue } from "./dispatch";
import { sumTo } from "./reduce";
import { expand, spread } from "./shape";

const binaryNames = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "fmod", "remainder"];

/**
 * The elementwise kernels of a dtype: the ONE place that picks them (float64 adds its
 * line here). int32 and bool share the int32 kernels; the unary math is float only.
 */
export function kernelsFor(d: DType) {
  const K = k();
  return d === "float32"
    ? { unary: K.unary_f32, unaryP: K.unary_p_f32, binary: K.binary_f32, scalar: K.binary_scalar_f32, bcast: K.binary_bcast_f32, compare: K.compare_f32 }
    : { unary: null, unaryP: null, binary: K.binary_i32, scalar: K.binary_scalar_i32, bcast: K.binary_bcast_i32, compare: K.compare_i32 };
}

/** The float dtype an op that computes in floating point gives for an input of dtype d (torch: int and bool -> the default float32). */
export const floatOf = (d: DType): DType => (d === "float32" ? d : "float32");

function checkScalar(op: string, s: unknown): asserts s is number {
  if (typeof s !== "number") {
    throw new TypeError(`${op}: expected a Tensor or a number, got ${describeValue(s)}`);
  }
}

/** out = a op b on tensors or a tensor and a number, with promotion and broadcasting; no graph. */
export function binaryForward(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const name = binaryNames[op];
  if (!(a instanceof Tensor)) {
    checkScalar(name, a);
    if (!(b instanceof Tensor)) throw new TypeError(`${name}: at least one operand must be a Tensor`);
    return scalarForward(op, b, a, true);
  }
  if (!(b instanceof Tensor)) {
    checkScalar(name, b);
    return scalarForward(op, a, b, false);
  }
  a.assertAlive(name);
  b.assertAlive(name);
  let d = promote(a.dtype, b.dtype);
  // as in torch, bools add as or and multiply as and (maximum and minimum), and divide as floats
  if (d === "bool") {
    if (op === BinaryOp.Add) op = BinaryOp.Maximum;
    else if (op === BinaryOp.Mul) op = BinaryOp.Minimum;
    else if (op !== BinaryOp.Maximum && op !== BinaryOp.Minimum && op !== BinaryOp.Div) {
      throw new TypeError(`${name}: arithmetic on two bool tensors is not supported; convert one with .int() or .float()`);
    }
  }
  if (op === BinaryOp.Div) d = floatOf(d);
  if (d === "int32") checkDivisor(op, b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const x = castTo(a, d);
  const y = castTo(b, d);
  const out = Tensor.empty(shape, d);
  binaryInto(op, x, y, out);
  if (x !== a) x.dispose();
  if (y !== b) y.dispose();
  return out;
}

/** out = x op y, all three of out's dtype, x and y broadcast to out's shape (out may be x: in place). */
export function binaryInto(op: BinaryOp, x: Tensor, y: Tensor, out: Tensor): void {
  const shape = out.shape, numel = out.numel(), K = kernelsFor(out.dtype);
  if (numel === 0) return;
  if (sameShape(x.shape, y.shape)) K.binary(op, x.ptr, y.ptr, out.ptr, numel);
  else {
    const [nd, meta] = writeMeta(shape, [broadcastStrides(x.shape, shape), broadcastStrides(y.shape, shape)]);
    K.bcast(op, x.ptr, y.ptr, out.ptr, nd, meta);
  }
}

/** out = x op s (s op x when reversed), out and x of the same dtype and shape (out may be x). */
export function scalarInto(op: BinaryOp, x: Tensor, s: number, out: Tensor, reversed = false): void {
  kernelsFor(out.dtype).scalar(op, x.ptr, s, out.ptr, out.numel(), reversed);
}

/** fmod and remainder of integers by 0: torch's ZeroDivisionError. */
function checkDivisor(op: BinaryOp, b: Tensor | number): void {
  if (op !== BinaryOp.Fmod && op !== BinaryOp.Remainder) return;
  const has0 = typeof b === "number" ? b === 0 : b.data().includes(0);
  if (has0) throw new RangeError(`${binaryNames[op]}: integer division by zero (the divisor${typeof b === "number" ? " is 0" : ` of shape ${fmt(b.shape)} holds a 0`})`);
}

function scalarForward(op: BinaryOp, t: Tensor, s: number, reversed: boolean): Tensor {
  const name = binaryNames[op];
  t.assertAlive(name);
  const d: DType = op === BinaryOp.Div ? "float32" : promoteScalar(t.dtype, s);
  if (d === "int32") checkDivisor(op, reversed ? t : s);
  // torch refuses a negative number as the exponent only (a tensor of exponents may hold them)
  if (op === BinaryOp.Pow && d === "int32" && !reversed && s < 0) {
    throw new RangeError(`pow: integers to negative integer powers are not allowed (${t.dtype} tensor of shape ${fmt(t.shape)} to the power ${s})`);
  }
  const x = castTo(t, d);
  const out = Tensor.empty(t.shape, d);
  scalarInto(op, x, s, out, reversed);
  if (x !== t) x.dispose();
  return out;
}

/** A float unary kernel on x (an int or bool x is converted to float32 first, as torch does); no graph. */
export function unaryForward(op: UnaryOp | UnaryParamOp, name: string, x: Tensor, param?: [number, number, number]): Tensor {
  checkTensor(name, x);
  const d = floatOf(x.dtype), src = castTo(x, d);
  const out = Tensor.empty(x.shape, d), K = kernelsFor(d);
  if (param) K.unaryP!(op, src.ptr, out.ptr, out.numel(), param[0], param[1], param[2]);
  else K.unary!(op, src.ptr, out.ptr, out.numel());
  if (src !== x) src.dispose();
  return out;
}

const isT = (v: unknown): v is Tensor => v instanceof Tensor;
/** Whether an operand is a tensor that wants a gradient. */
export const wants = (v: TensorOrScalar): v is Tensor => v instanceof Tensor && v.requiresGrad;
/** The tensors among an op's two operands (no rest array: this runs once per op). */
const inputsOf = (a: TensorOrScalar, b: TensorOrScalar): Tensor[] => (isT(a) ? (isT(b) ? [a, b] : [a]) : isT(b) ? [b] : []);
/** A rule's gradients for the tensors among a and b, in inputsOf's order (ga, gb: null for a number). */
const gradsOf = (a: TensorOrScalar, b: TensorOrScalar, ga: Tensor | null, gb: Tensor | null): Tensor[] =>
  isT(a) ? (isT(b) ? [ga!, gb!] : [ga!]) : [gb!];

// ---- binary arithmetic -----------------------------------------------------------

/** torch refuses a fractional alpha (add, sub and their in-place forms) where the result is an integer. */
export function checkAlpha(name: string, integral: boolean, alpha: number): void {
  if (integral && !Number.isInteger(alpha)) {
    throw new TypeError(`${name}: for integral input tensors, argument alpha must not be a floating point number, got ${alpha}`);
  }
}

/** alpha·b for add and sub; between bools it is b, or all false for alpha 0 (torch's bool arithmetic). */
function scaled(name: string, a: TensorOrScalar, b: TensorOrScalar, alpha: number): TensorOrScalar {
  if (alpha === 1) return b;
  const integral = (v: TensorOrScalar) => (isT(v) ? v.dtype !== "float32" : Number.isInteger(v));
  checkAlpha(name, integral(a) && integral(b), alpha);
  if (isT(b) && b.dtype === "bool" && isT(a) && a.dtype === "bool") return alpha ? b : filled(b.shape, 0, "bool");
  return typeof b === "number" ? b * alpha : binaryForward(BinaryOp.Mul, b, alpha);
}

/** a + alpha * b */
export function add(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  const bb = scaled("add", a, b, alpha);
  const out = binaryForward(BinaryOp.Add, a, bb);
  if (bb !== b && bb instanceof Tensor) bb.dispose();
  // d(a + αb) = da + α db
  if (!tracks(a, b)) return out;
  return record(out, "AddBackward0", inputsOf(a, b), (g) => gradsOf(
    a, b,
    wants(a) ? sumTo(g, a.shape) : null,
    wants(b) ? sumTo(alpha === 1 ? g : mul(g, alpha), b.shape) : null,
  ));
}

/** a - alpha * b */
export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  const bb = scaled("sub", a, b, alpha);
  const out = binaryForward(BinaryOp.Sub, a, bb);
  if (bb !== b && bb instanceof Tensor) bb.dispose();
  // d(a - αb) = da - α db
  if (!tracks(a, b)) return out;
  return record(out, "SubBackward0", inputsOf(a, b), (g) => gradsOf(
    a, b,
    wants(a) ? sumTo(g, a.shape) : null,
    wants(b) ? sumTo(mul(g, -alpha), b.shape) : null,
  ));
}

// ---- binary: one table entry an op ------------------------------------------------

/** A binary op as a table entry (dtype promotion and broadcasting are binaryForward's). */
export interface BinarySpec {
  /** The code of its kernels (binary_f32, binary_i32; the name comes from binaryNames). */
  op: BinaryOp;
  /** Whether both operands must be tensors, as torch.maximum wants. */
  tensors?: boolean;
  /**
   * torch's grad_fn names (the second when b is a tensor, if it differs) and the rule: the
   * gradients of a and b (null where not wanted()) from the output's, g, before they are
   * summed back over broadcast dims. The rule reads (saves) the tensor operands.
   */
  grad?: [node: string | [string, string], rule: (g: Tensor, a: TensorOrScalar, b: TensorOrScalar, y: Tensor) => [Tensor | null, Tensor | null]];
}

/** The op of a binary table entry. */
export function binaryOp(spec: BinarySpec): (a: TensorOrScalar, b: TensorOrScalar) => Tensor {
  const { op, tensors, grad } = spec;
  return (a: TensorOrScalar, b: TensorOrScalar): Tensor => {
    if (tensors) {
      checkTensor(binaryNames[op], a);
      checkTensor(binaryNames[op], b);
    }
    const out = binaryForward(op, a, b);
    if (!grad || !tracks(a, b)) return out;
    const [node, rule] = grad, inputs = inputsOf(a, b);
    return record(out, typeof node === "string" ? node : node[isT(b) ? 1 : 0], inputs, (g) => {
      const [ga, gb] = rule(g, a, b, out);
      return gradsOf(a, b, ga && sumTo(ga, (a as Tensor).shape), gb && sumTo(gb, (b as Tensor).shape));
    }, inputs);
  };
}

export const mul = binaryOp({
  op: BinaryOp.Mul, // d(ab) = b da + a db
  grad: ["MulBackward0", (g, a, b) => [wants(a) ? mul(g, b) : null, wants(b) ? mul(g, a) : null]],
});
export const div = binaryOp({
  op: BinaryOp.Div, // d(a/b) = da / b - a db / b²
  grad: ["DivBackward0", (g, a, b) => [wants(a) ? div(g, b) : null, wants(b) ? neg(div(mul(g, a), mul(b, b))) : null]],
});

/** base ** exponent; a number exponent follows torch's fast paths (2 → x·x, 0.5 → sqrt, ...). */
export function pow(base: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (base instanceof Tensor && typeof exponent === "number") {
    const e = exponent;
    base.assertAlive("pow");
    let out: Tensor;
    if (base.dtype === "float32" && e === 2) out = unaryForward(UnaryOp.Square, "pow", base);
    else if (base.dtype === "float32" && e === 0.5) out = unaryForward(UnaryOp.Sqrt, "pow", base);
    else if (base.dtype === "float32" && e === -1) out = unaryForward(UnaryOp.Reciprocal, "pow", base);
    else if (base.dtype === "float32" && e === -0.5) {
      // torch's rsqrt path, 1 / sqrt(x): rsqrt(-0) = -Inf and rsqrt(-Inf) = NaN, where C pow gives +Inf and 0
      const s = unaryForward(UnaryOp.Sqrt, "pow", base);
      out = unaryForward(UnaryOp.Reciprocal, "pow", s);
      s.dispose();
    }
    else out = binaryForward(BinaryOp.Pow, base, e);
    // d(x^e) = e x^(e-1) dx
    if (!tracks(base)) return out;
    return record(out, "PowBackward0", [base], (g) => {
      if (e === 0) return [mul(g, 0)];
      // x^1 is x (torch's pow fast path copies it): skip the kernel for the common x^2
      const p = e === 2 ? base : pow(base, e - 1);
      const t = mul(p, e);
      if (p !== base) p.dispose();
      const r = mul(g, t);
      t.dispose();
      return [r];
    }, [base]);
  }
  const out = binaryForward(BinaryOp.Pow, base, exponent);
  if (typeof base === "number") {
    const x = exponent as Tensor;
    // d(s^x) = s^x ln(s) dx, taken as 0 where s = 0 and x >= 0 (torch), where ln 0 would give -Inf or NaN
    if (!tracks(x)) return out;
    return record(out, "PowBackward2", [x], (g) => {
      const t = mul(out, Math.log(base));
      if (base === 0) zeroWhere(t, ge(x, 0));
      return [mul(g, t)];
    }, [out, x]);
  }
  const b = base as Tensor, e = exponent as Tensor;
  // d(a^b) = b a^(b-1) da + a^b ln(a) db, the second term taken as 0 where a = 0 and b >= 0 (torch)
  if (!tracks(b, e)) return out;
  return record(out, "PowBackward1", [b, e], (g) => {
    // the first term is 0 where the exponent is 0 (torch), not 0 · 0^-1 = NaN at a base of 0
    const ga = b.requiresGrad ? sumTo(mul(g, zeroWhere(mul(e, pow(b, sub(e, 1))), eq(e, 0))), b.shape) : null;
    // the second is 0 where a = 0 and b >= 0 (two bool tensors multiply as and)
    const gb = e.requiresGrad ? sumTo(mul(g, zeroWhere(mul(out, log(b)), binaryForward(BinaryOp.Mul, eq(b, 0), ge(e, 0)))), e.shape) : null;
    return [ga, gb];
  }, [b, e, out]);
}

/** Sets t (a fresh result) to 0 where `mask`, a bool tensor that broadcasts to t's shape, is true: torch's masked_fill(mask, 0). */
function zeroWhere(t: Tensor, mask: Tensor): Tensor {
  const m = expand(mask, t.shape);
  const to = t.offset, mo = m.offset, n = t.numel();
  exec(() => {
    const tv = f32(), mv = i32();
    for (let i = 0; i < n; i++) if (mv[mo + i] !== 0) tv[to + i] = 0;
  });
  return t;
}

// ---- unary: one table entry an op --------------------------------------------------

/** A unary op as a table entry: its kernel, how torch treats integers, and its backward. */
export interface UnarySpec {
  /** torch's name (errors name it). */
  name: string;
  /** The code of its float kernel (unary_f32). */
  op: UnaryOp;
  /**
   * int32 inputs: "float" computes in float32, as torch promotes (exp, sin, ...; bool too);
   * a function gives the integer result itself (neg, abs, floor, ...; bool is refused);
   * absent: int and bool are refused, as torch refuses them (frac, gelu, ...).
   */
  ints?: "float" | ((x: Tensor) => Tensor);
  /** What a refused bool input is told to do instead. */
  boolHint?: string;
  /**
   * torch's grad_fn name, the tensor the rule reads (x: the input, y: the output; null:
   * neither) and the rule: the input's gradient from the output's, g. Absent: no gradient.
   */
  grad?: [node: string, saves: "x" | "y" | null, rule: (g: Tensor, x: Tensor, y: Tensor) => Tensor];
}

/** The op of a table entry: checks, one kernel call, and the backward rule recorded. */
export function unaryOp(spec: UnarySpec): (x: Tensor) => Tensor {
  const { name, op, ints, grad } = spec;
  return (x: Tensor): Tensor => {
    checkTensor(name, x);
    if (x.dtype !== "float32" && ints !== "float") {
      if (x.dtype === "bool" || !ints) {
        const hint = spec.boolHint ?? "convert it with .float() first";
        throw new TypeError(`${name}: not supported on a${x.dtype === "bool" ? " bool" : "n int32"} tensor (shape ${fmt(x.shape)}); ${hint}`);
      }
      return ints(x);
    }
    const out = unaryForward(op, name, x);
    if (!grad || !tracks(x)) return out;
    const [node, saves, rule] = grad;
    return record(out, node, [x], (g) => [rule(g, x, out)], saves === null ? undefined : [saves === "x" ? x : out]);
  };
}

/** The gradient of a step function (floor, round, ...): zeros, as torch gives. */
export const zeroGrad = (g: Tensor): Tensor => filled(g.shape, 0);
const TO_INT = "convert it with .float() or .int() first";

export const neg = unaryOp({
  name: "neg", op: UnaryOp.Neg, ints: (x) => binaryForward(BinaryOp.Mul, x, -1), boolHint: "to invert a mask, use x.eq(false)",
  grad: ["NegBackward0", null, (g) => neg(g)], // d(-x) = -dx
});
export const exp = unaryOp({
  name: "exp", op: UnaryOp.Exp, ints: "float",
  grad: ["ExpBackward0", "y", (g, x, y) => mul(g, y)], // d e^x = e^x dx
});
export const log = unaryOp({
  name: "log", op: UnaryOp.Log, ints: "float",
  grad: ["LogBackward0", "x", (g, x) => div(g, x)], // d ln x = dx / x
});
export const sin = unaryOp({
  name: "sin", op: UnaryOp.Sin, ints: "float",
  grad: ["SinBackward0", "x", (g, x) => mul(g, cos(x))], // d sin x = cos x dx
});
export const cos = unaryOp({
  name: "cos", op: UnaryOp.Cos, ints: "float",
  grad: ["CosBackward0", "x", (g, x) => mul(g, neg(sin(x)))], // d cos x = -sin x dx
});
export const tan = unaryOp({
  name: "tan", op: UnaryOp.Tan, ints: "float",
  grad: ["TanBackward0", "y", (g, x, y) => mul(g, add(mul(y, y), 1))], // d tan x = (1 + tan²x) dx
});
export const tanh = unaryOp({
  name: "tanh", op: UnaryOp.Tanh, ints: "float",
  grad: ["TanhBackward0", "y", (g, x, y) => mul(g, sub(1, mul(y, y)))], // d tanh x = (1 - tanh²x) dx
});
export const sigmoid = unaryOp({
  name: "sigmoid", op: UnaryOp.Sigmoid, ints: "float",
  grad: ["SigmoidBackward0", "y", (g, x, y) => mul(mul(g, sub(1, y)), y)], // dσ = (1 - σ) σ dx
});
export const relu = unaryOp({
  // torch keeps an integer dtype: relu(int) is max(x, 0) in int
  name: "relu", op: UnaryOp.Relu, ints: (x) => binaryForward(BinaryOp.Maximum, x, 0), boolHint: TO_INT,
  grad: ["ReluBackward0", "y", (g, x, y) => reluBackward(g, y)],
});

/**
 * d relu = [x > 0] dx, dx at NaN (torch's threshold_backward: g where y > 0, else 0), in one
 * pass: y = relu(x) is never negative nor -0, so its bits are zero exactly where y is 0, and
 * where32 can take them as its condition and y itself as the 0. It is linear in g, and so
 * is its own backward (torch's ThresholdBackwardBackward0).
 */
function reluBackward(g: Tensor, y: Tensor): Tensor {
  const out = Tensor.empty(g.shape);
  k().where32(y.ptr, g.ptr, y.ptr, out.ptr, out.numel());
  return tracks(g) ? record(out, "ThresholdBackwardBackward0", [g], (gg) => [reluBackward(gg, y)], [y]) : out;
}

export const sqrt = unaryOp({
  name: "sqrt", op: UnaryOp.Sqrt, ints: "float",
  grad: ["SqrtBackward0", "y", (g, x, y) => div(g, mul(y, 2))], // d √x = dx / (2√x)
});
export const abs = unaryOp({
  name: "abs", op: UnaryOp.Abs, ints: (x) => binaryForward(BinaryOp.Maximum, x, binaryForward(BinaryOp.Mul, x, -1)), boolHint: TO_INT,
  grad: ["AbsBackward0", "x", (g, x) => mul(g, sign(x))], // d|x| = sign(x) dx
});
export const reciprocal = unaryOp({
  name: "reciprocal", op: UnaryOp.Reciprocal, ints: "float",
  grad: ["ReciprocalBackward0", "y", (g, x, y) => neg(mul(g, mul(y, y)))], // d(1/x) = -dx / x²
});

/** -1, 0 or 1 by the sign of each element (0 for NaN); its gradient is zero, as torch's. */
export function sign(x: Tensor): Tensor {
  checkTensor("sign", x);
  if (x.dtype === "bool") return x.clone(); // torch: a bool's sign is itself
  const p = castTo(gt(x, 0), x.dtype === "float32" ? "float32" : "int32");
  const n = castTo(lt(x, 0), p.dtype);
  const out = binaryForward(BinaryOp.Sub, p, n);
  p.dispose();
  n.dispose();
  return record(out, "SignBackward0", [x], (g) => [zeroGrad(g)]);
}

export function square(x: Tensor): Tensor {
  return pow(x, 2);
}

// ---- where --------------------------------------------------------------------------------

export function checkOperand(op: string, v: unknown): asserts v is TensorOrScalar {
  if (isT(v)) v.assertAlive(op);
  else checkScalar(op, v);
}

/**
 * a where `condition`, else b, all three broadcast together (torch.where). a and b may be
 * numbers: a tensor's dtype wins over a number of its kind, a non-integral number makes
 * the result float32, and two integral numbers give int32.
 */
export const where = (condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor => whereOp("where", "WhereBackward0", condition, a, b);

/** where, naming the op in its messages and its node (maskedFill is a where too). */
export function whereOp(op: string, node: string, condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensor(op, condition);
  if (condition.dtype !== "bool") {
    throw new TypeError(`${op}: expected the condition to be a bool tensor, got ${condition.dtype} (shape ${fmt(condition.shape)}); compare it, e.g. c.ne(0)`);
  }
  checkOperand(op, a);
  checkOperand(op, b);
  const d: DType = isT(a)
    ? isT(b) ? promote(a.dtype, b.dtype) : promoteScalar(a.dtype, b as number)
    : isT(b) ? promoteScalar(b.dtype, a) : Number.isInteger(a) && Number.isInteger(b) ? "int32" : "float32";
  const sa = isT(a) ? a.shape : [], sb = isT(b) ? b.shape : [];
  const shape = broadcastShapes(op, broadcastShapes(op, condition.shape, sa), sb);
  const out = Tensor.empty(shape, d);
  if (out.numel() > 0) {
    const ta = isT(a) ? castTo(a, d) : filled(shape, a, d), tb = isT(b) ? castTo(b, d) : filled(shape, b, d);
    const c = spread(condition, shape), x = spread(ta, shape), y = spread(tb, shape);
    k().where32(c.ptr, x.ptr, y.ptr, out.ptr, out.numel());
    for (const t of [c, x, y, ta, tb]) if (t !== condition && t !== a && t !== b) t.dispose();
  }
  // d where(c, a, b) = da where c, db elsewhere
  if (!tracks(a, b)) return out;
  const inputs = [a, b].filter(isT);
  return record(out, node, inputs, (g) => {
    const grads: (Tensor | null)[] = [];
    if (isT(a)) grads.push(a.requiresGrad ? sumTo(where(condition, g, 0), a.shape) : null);
    if (isT(b)) grads.push(b.requiresGrad ? sumTo(where(condition, 0, g), b.shape) : null);
    return grads;
  }, [condition]);
}

// ---- comparisons (bool results, no gradient) -----------------------------------------

const compareNames = ["eq", "ne", "lt", "le", "gt", "ge"];

function compare(op: CompareOp, a: Tensor, b: TensorOrScalar): Tensor {
  const name = compareNames[op];
  checkTensor(name, a);
  let other: Tensor;
  if (b instanceof Tensor) {
    b.assertAlive(name);
    other = b;
  } else {
    checkScalar(name, b);
    other = filled([], b, promoteScalar(a.dtype, b));
  }
  const d = promote(a.dtype, other.dtype) === "float32" ? "float32" : "int32";
  const shape = broadcastShapes(name, a.shape, other.shape);
  const x = castTo(a, d), y = castTo(other, d);
  const out = Tensor.empty(shape, "bool");
  if (out.numel() > 0) {
    const [nd, meta] = writeMeta(shape, [broadcastStrides(x.shape, shape), broadcastStrides(y.shape, shape)]);
    kernelsFor(d).compare(op, x.ptr, y.ptr, out.ptr, nd, meta);
  }
  if (x !== a) x.dispose();
  if (y !== other) y.dispose();
  if (other !== b) other.dispose();
  return out;
}

export const eq = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Eq, a, b);
export const ne = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Ne, a, b);
export const lt = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Lt, a, b);
export const le = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Le, a, b);
export const gt = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Gt, a, b);
export const ge = (a: Tensor, b: TensorOrScalar): Tensor => compare(CompareOp.Ge, a, b);

/** Whether two tensors have the same shape and elements (torch.equal). */
export function equal(a: Tensor, b: Tensor): boolean {
  checkTensor("equal", a);
  checkTensor("equal", b);
  if (!sameShape(a.shape, b.shape)) return false;
  const x = a.data(), y = b.data();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A copy in another dtype; differentiable between float32 tensors only (identity). */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor("to", x);
  checkDType(dtype, "to");
  if (x.dtype === dtype) return x;
  return castTo(x, dtype);
}

