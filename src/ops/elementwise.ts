// Elementwise ops with torch's broadcasting and type promotion. Each op: its
// forward kernel call, then its backward rule (the math in the comment).

import { Tensor, type TensorOrScalar } from "../tensor";
import { promote, promoteScalar, checkDType, type DType } from "../dtype";
import { k } from "../backend/module";
import { BinaryOp, CompareOp, UnaryOp } from "../backend/kernels";
import { broadcastShapes, broadcastStrides, sameShape, fmt } from "../shape";
import { f32, i32 } from "../backend/memory";
import { exec } from "../backend/tape";
import { record, tracks } from "../autograd/node";
import { castTo, writeMeta, filled, checkTensor } from "./dispatch";
import { sumTo } from "./reduce";
import { expand } from "./shape";

const binaryNames = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"];

function checkScalar(op: string, s: unknown): asserts s is number {
  if (typeof s !== "number") {
    throw new TypeError(`${op}: expected a Tensor or a number, got ${s === null ? "null" : typeof s}`);
  }
}

/** out = a op b on tensors or a tensor and a number, with promotion and broadcasting; no graph. */
function binaryForward(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const name = binaryNames[op];
  if (typeof a !== "object" || a === null) {
    checkScalar(name, a);
    if (!(b instanceof Tensor)) throw new TypeError(`${name}: at least one operand must be a Tensor`);
    return scalarForward(op, b, a, true);
  }
  if (!(a instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor or a number, got ${Object.prototype.toString.call(a)}`);
  if (!(b instanceof Tensor)) {
    checkScalar(name, b);
    return scalarForward(op, a, b, false);
  }
  a.assertAlive(name);
  b.assertAlive(name);
  let d = promote(a.dtype, b.dtype);
  if (d === "bool") {
    throw new TypeError(`${name}: arithmetic on two bool tensors is not supported; convert one with .int() or .float()`);
  }
  if (op === BinaryOp.Div) d = "float32";
  if (op === BinaryOp.Pow && d === "int32") checkIntExponent(b);
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
  const { shape, numel } = out, f = out.dtype === "float32";
  if (numel === 0) return;
  if (sameShape(x.shape, y.shape)) {
    if (f) k().binary_f32(op, x.ptr, y.ptr, out.ptr, numel);
    else k().binary_i32(op, x.ptr, y.ptr, out.ptr, numel);
  } else {
    const [nd, meta] = writeMeta(shape, [broadcastStrides(x.shape, shape), broadcastStrides(y.shape, shape)]);
    if (f) k().binary_bcast_f32(op, x.ptr, y.ptr, out.ptr, nd, meta);
    else k().binary_bcast_i32(op, x.ptr, y.ptr, out.ptr, nd, meta);
  }
}

/** out = x op s (s op x when reversed), out and x of the same dtype and shape (out may be x). */
export function scalarInto(op: BinaryOp, x: Tensor, s: number, out: Tensor, reversed = false): void {
  if (out.dtype === "float32") k().binary_scalar_f32(op, x.ptr, s, out.ptr, out.numel, reversed);
  else k().binary_scalar_i32(op, x.ptr, s, out.ptr, out.numel, reversed);
}

function checkIntExponent(e: Tensor): void {
  const data = e.data();
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0) {
      throw new RangeError(`pow: integers to negative integer powers are not allowed (the exponent of shape ${fmt(e.shape)} holds ${data[i]})`);
    }
  }
}

function scalarForward(op: BinaryOp, t: Tensor, s: number, reversed: boolean): Tensor {
  const name = binaryNames[op];
  t.assertAlive(name);
  let d: DType = promoteScalar(t.dtype, s);
  if (op === BinaryOp.Div) d = "float32";
  if (op === BinaryOp.Pow && d === "int32") {
    if (!reversed && s < 0) {
      throw new RangeError(`pow: integers to negative integer powers are not allowed (${t.dtype} tensor of shape ${fmt(t.shape)} to the power ${s})`);
    }
    if (reversed) checkIntExponent(t);
  }
  const x = castTo(t, d);
  const out = Tensor.empty(t.shape, d);
  scalarInto(op, x, s, out, reversed);
  if (x !== t) x.dispose();
  return out;
}

function unaryForward(op: UnaryOp, name: string, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor, got ${typeof x}`);
  x.assertAlive(name);
  const src = castTo(x, "float32");
  const out = Tensor.empty(x.shape, "float32");
  k().unary_f32(op, src.ptr, out.ptr, out.numel);
  if (src !== x) src.dispose();
  return out;
}

const isT = (v: TensorOrScalar): v is Tensor => v instanceof Tensor;
/** The tensors among an op's two operands (no rest array: this runs once per op). */
const inputsOf = (a: TensorOrScalar, b: TensorOrScalar): Tensor[] => (isT(a) ? (isT(b) ? [a, b] : [a]) : isT(b) ? [b] : []);
/** A rule's gradients for the tensors among a and b, in inputsOf's order (ga, gb: null for a number). */
const gradsOf = (a: TensorOrScalar, b: TensorOrScalar, ga: Tensor | null, gb: Tensor | null): Tensor[] =>
  isT(a) ? (isT(b) ? [ga!, gb!] : [ga!]) : [gb!];

// ---- binary arithmetic -----------------------------------------------------------

/** a + alpha * b */
export function add(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  const bb = alpha === 1 ? b : typeof b === "number" ? b * alpha : binaryForward(BinaryOp.Mul, b, alpha);
  const out = binaryForward(BinaryOp.Add, a, bb);
  if (bb !== b && bb instanceof Tensor) bb.dispose();
  // d(a + αb) = da + α db
  if (!tracks(a, b)) return out;
  return record(out, "AddBackward0", inputsOf(a, b), (g) => gradsOf(
    a, b,
    isT(a) ? sumTo(g, a.shape) : null,
    isT(b) ? sumTo(alpha === 1 ? g : mul(g, alpha), b.shape) : null,
  ));
}

/** a - alpha * b */
export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  const bb = alpha === 1 ? b : typeof b === "number" ? b * alpha : binaryForward(BinaryOp.Mul, b, alpha);
  const out = binaryForward(BinaryOp.Sub, a, bb);
  if (bb !== b && bb instanceof Tensor) bb.dispose();
  // d(a - αb) = da - α db
  if (!tracks(a, b)) return out;
  return record(out, "SubBackward0", inputsOf(a, b), (g) => gradsOf(
    a, b,
    isT(a) ? sumTo(g, a.shape) : null,
    isT(b) ? sumTo(mul(g, -alpha), b.shape) : null,
  ));
}

export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryForward(BinaryOp.Mul, a, b);
  // d(ab) = b da + a db
  if (!tracks(a, b)) return out;
  const inputs = inputsOf(a, b); // also what the rule saves
  return record(out, "MulBackward0", inputs, (g) => gradsOf(
    a, b,
    isT(a) ? sumTo(mul(g, b), a.shape) : null,
    isT(b) ? sumTo(mul(g, a), b.shape) : null,
  ), inputs);
}

export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const out = binaryForward(BinaryOp.Div, a, b);
  // d(a/b) = da / b - a db / b²
  if (!tracks(a, b)) return out;
  const inputs = inputsOf(a, b); // also what the rule saves
  return record(out, "DivBackward0", inputs, (g) => gradsOf(
    a, b,
    isT(a) ? sumTo(div(g, b), a.shape) : null,
    isT(b) ? sumTo(neg(div(mul(g, a), mul(b, b))), b.shape) : null,
  ), inputs);
}

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
    return record(out, "PowBackward0", [base], (g) => [e === 0 ? mul(g, 0) : mul(g, mul(pow(base, e - 1), e))], [base]);
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
    let gb: Tensor | null = null;
    if (e.requiresGrad) {
      const t = mul(out, log(b));
      const zeroBase = mul(castTo(eq(b, 0), "float32"), castTo(ge(e, 0), "float32")); // broadcasts to t's shape
      const to = t.offset, zo = zeroBase.offset, n = t.numel;
      exec(() => {
        const v = f32();
        for (let i = 0; i < n; i++) if (v[zo + i] !== 0) v[to + i] = 0;
      });
      gb = sumTo(mul(g, t), e.shape);
    }
    return [ga, gb];
  }, [b, e, out]);
}

/** Sets t (a fresh result) to 0 where `mask`, a bool tensor that broadcasts to t's shape, is true: torch's masked_fill(mask, 0). */
function zeroWhere(t: Tensor, mask: Tensor): Tensor {
  const m = expand(mask, t.shape);
  const to = t.offset, mo = m.offset, n = t.numel;
  exec(() => {
    const tv = f32(), mv = i32();
    for (let i = 0; i < n; i++) if (mv[mo + i] !== 0) tv[to + i] = 0;
  });
  return t;
}

// ---- unary ------------------------------------------------------------------------

/** The unary ops torch refuses on bool tensors, with its reasons. */
function checkNotBool(op: string, x: unknown, hint: string): asserts x is Tensor {
  checkTensor(op, x);
  if (x.dtype === "bool") throw new TypeError(`${op}: not supported on a bool tensor (shape ${fmt(x.shape)}); ${hint}`);
}

export function neg(x: Tensor): Tensor {
  checkNotBool("neg", x, "to invert a mask, use x.eq(false)");
  const out = x.dtype === "float32" ? unaryForward(UnaryOp.Neg, "neg", x) : binaryForward(BinaryOp.Mul, x, -1);
  if (!tracks(x)) return out;
  return record(out, "NegBackward0", [x], (g) => [neg(g)]); // d(-x) = -dx
}

export function exp(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Exp, "exp", x);
  if (!tracks(x)) return out;
  return record(out, "ExpBackward0", [x], (g) => [mul(g, out)], [out]); // d e^x = e^x dx
}

export function log(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Log, "log", x);
  if (!tracks(x)) return out;
  return record(out, "LogBackward0", [x], (g) => [div(g, x)], [x]); // d ln x = dx / x
}

export function sin(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Sin, "sin", x);
  if (!tracks(x)) return out;
  return record(out, "SinBackward0", [x], (g) => [mul(g, cos(x))], [x]); // d sin x = cos x dx
}

export function cos(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Cos, "cos", x);
  if (!tracks(x)) return out;
  return record(out, "CosBackward0", [x], (g) => [mul(g, neg(sin(x)))], [x]); // d cos x = -sin x dx
}

export function tan(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Tan, "tan", x);
  if (!tracks(x)) return out;
  return record(out, "TanBackward0", [x], (g) => [mul(g, add(mul(out, out), 1))], [out]); // d tan x = (1 + tan²x) dx
}

export function tanh(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Tanh, "tanh", x);
  if (!tracks(x)) return out;
  return record(out, "TanhBackward0", [x], (g) => [mul(g, sub(1, mul(out, out)))], [out]); // d tanh x = (1 - tanh²x) dx
}

export function sigmoid(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Sigmoid, "sigmoid", x);
  if (!tracks(x)) return out;
  return record(out, "SigmoidBackward0", [x], (g) => [mul(mul(g, sub(1, out)), out)], [out]); // dσ = (1 - σ) σ dx
}

export function relu(x: Tensor): Tensor {
  checkNotBool("relu", x, "convert it with .float() or .int() first");
  // torch keeps an integer dtype: relu(int) is max(x, 0) in int
  const out = x.dtype === "float32" ? unaryForward(UnaryOp.Relu, "relu", x) : binaryForward(BinaryOp.Maximum, x, 0);
  if (!tracks(x)) return out;
  return record(out, "ReluBackward0", [x], (g) => [mul(g, castTo(gt(out, 0), "float32"))], [out]); // d relu = [x > 0] dx
}

export function sqrt(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Sqrt, "sqrt", x);
  if (!tracks(x)) return out;
  return record(out, "SqrtBackward0", [x], (g) => [div(g, mul(out, 2))], [out]); // d √x = dx / (2√x)
}

export function abs(x: Tensor): Tensor {
  checkNotBool("abs", x, "convert it with .float() or .int() first");
  const out = x.dtype === "float32" ? unaryForward(UnaryOp.Abs, "abs", x) : absInt(x);
  if (!tracks(x)) return out;
  return record(out, "AbsBackward0", [x], (g) => [mul(g, sign(x))], [x]); // d|x| = sign(x) dx
}

function absInt(x: Tensor): Tensor {
  return binaryForward(BinaryOp.Maximum, x, binaryForward(BinaryOp.Mul, x, -1));
}

/** -1, 0 or 1 by the sign of each element (0 for NaN). Not differentiable. */
export function sign(x: Tensor): Tensor {
  checkTensor("sign", x);
  const p = castTo(gt(x, 0), x.dtype === "float32" ? "float32" : "int32");
  const n = castTo(lt(x, 0), p.dtype);
  const out = binaryForward(BinaryOp.Sub, p, n);
  p.dispose();
  n.dispose();
  return out;
}

export function square(x: Tensor): Tensor {
  return pow(x, 2);
}

export function reciprocal(x: Tensor): Tensor {
  const out = unaryForward(UnaryOp.Reciprocal, "reciprocal", x);
  if (!tracks(x)) return out;
  return record(out, "ReciprocalBackward0", [x], (g) => [neg(mul(g, mul(out, out)))], [out]); // d(1/x) = -dx / x²
}

// ---- comparisons (bool results, no gradient) -----------------------------------------

const compareNames = ["eq", "ne", "lt", "le", "gt", "ge"];

function compare(op: CompareOp, a: Tensor, b: TensorOrScalar): Tensor {
  const name = compareNames[op];
  if (!(a instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor, got ${typeof a}`);
  a.assertAlive(name);
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
  if (out.numel > 0) {
    const [nd, meta] = writeMeta(shape, [broadcastStrides(x.shape, shape), broadcastStrides(y.shape, shape)]);
    if (d === "float32") k().compare_f32(op, x.ptr, y.ptr, out.ptr, nd, meta);
    else k().compare_i32(op, x.ptr, y.ptr, out.ptr, nd, meta);
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

