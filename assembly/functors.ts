import { erff } from "./erf";

// Per-element operations as zero-size "functor" classes. A loop template in
// elementwise.ts is instantiated once per functor (`mapBinary<f32, Add>`), and
// because every method is @inline and the classes are @final, binaryen emits a
// straight loop per op with no indirect call. `v` works on four lanes, `s` on one.

// ---- float32 unary -------------------------------------------------------

@final export class Neg { @inline v(x: v128): v128 { return f32x4.neg(x); } @inline s(x: f32): f32 { return -x; } }
@final export class Abs { @inline v(x: v128): v128 { return f32x4.abs(x); } @inline s(x: f32): f32 { return Mathf.abs(x); } }
@final export class Sqrt { @inline v(x: v128): v128 { return f32x4.sqrt(x); } @inline s(x: f32): f32 { return Mathf.sqrt(x); } }
@final export class Square { @inline v(x: v128): v128 { return f32x4.mul(x, x); } @inline s(x: f32): f32 { return x * x; } }
@final export class Reciprocal {
  @inline v(x: v128): v128 { return f32x4.div(f32x4.splat(1), x); }
  @inline s(x: f32): f32 { return 1 / x; }
}
// relu(NaN) = NaN as in torch: wasm's max propagates NaN.
@final export class Relu { @inline v(x: v128): v128 { return f32x4.max(x, f32x4.splat(0)); } @inline s(x: f32): f32 { return max<f32>(x, 0); } }

// Transcendentals have no SIMD instruction; the lanes go through Mathf (musl's
// float32 algorithms), which gives the same bits on every WebAssembly engine.
@inline function lanes<Op>(x: v128): v128 {
  const op = changetype<Op>(0);
  let r = f32x4.splat(op.s(f32x4.extract_lane(x, 0)));
  r = f32x4.replace_lane(r, 1, op.s(f32x4.extract_lane(x, 1)));
  r = f32x4.replace_lane(r, 2, op.s(f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(r, 3, op.s(f32x4.extract_lane(x, 3)));
}
@final export class Exp { @inline v(x: v128): v128 { return lanes<Exp>(x); } @inline s(x: f32): f32 { return Mathf.exp(x); } }
@final export class Log { @inline v(x: v128): v128 { return lanes<Log>(x); } @inline s(x: f32): f32 { return Mathf.log(x); } }
@final export class Sin { @inline v(x: v128): v128 { return lanes<Sin>(x); } @inline s(x: f32): f32 { return Mathf.sin(x); } }
@final export class Cos { @inline v(x: v128): v128 { return lanes<Cos>(x); } @inline s(x: f32): f32 { return Mathf.cos(x); } }
@final export class Tan { @inline v(x: v128): v128 { return lanes<Tan>(x); } @inline s(x: f32): f32 { return Mathf.tan(x); } }
@final export class Tanh { @inline v(x: v128): v128 { return lanes<Tanh>(x); } @inline s(x: f32): f32 { return Mathf.tanh(x); } }
// sigmoid(x) = 1 / (1 + e^-x)
@final export class Sigmoid {
  @inline v(x: v128): v128 { return lanes<Sigmoid>(x); }
  @inline s(x: f32): f32 { return 1 / (1 + Mathf.exp(-x)); }
}

// ---- float32 unary: rounding (SIMD) and the cheap activations (one lane) -----
// Each op below follows torch 1.13's CPU kernel formula step by step (torch computes
// float32 in float32), so the roundings are torch's; NaN propagates through wasm's min/max.

@final export class Floor { @inline v(x: v128): v128 { return f32x4.floor(x); } @inline s(x: f32): f32 { return floor<f32>(x); } }
@final export class Ceil { @inline v(x: v128): v128 { return f32x4.ceil(x); } @inline s(x: f32): f32 { return ceil<f32>(x); } }
// half to even, as torch.round (C's nearbyint)
@final export class Round { @inline v(x: v128): v128 { return f32x4.nearest(x); } @inline s(x: f32): f32 { return nearest<f32>(x); } }
@final export class Trunc { @inline v(x: v128): v128 { return f32x4.trunc(x); } @inline s(x: f32): f32 { return trunc<f32>(x); } }
// frac(x) = x - trunc(x)
@final export class Frac { @inline s(x: f32): f32 { return x - trunc<f32>(x); } }
// rsqrt(x) = 1 / sqrt(x), as torch (and its pow(x, -0.5) path)
@final export class Rsqrt { @inline s(x: f32): f32 { return 1 / Mathf.sqrt(x); } }
// hardsigmoid(x) = min(max(x + 3, 0), 6) / 6
@final export class Hardsigmoid { @inline s(x: f32): f32 { return min<f32>(max<f32>(x + 3, 0), 6) / 6; } }
// hardswish(x) = x · min(max(x + 3, 0), 6) / 6
@final export class Hardswish { @inline s(x: f32): f32 { return x * min<f32>(max<f32>(x + 3, 0), 6) / 6; } }

// ---- float32 unary: transcendentals (one lane at a time: only `s`) ----------

@final export class Log1p { @inline s(x: f32): f32 { return Mathf.log1p(x); } }
@final export class Expm1 { @inline s(x: f32): f32 { return Mathf.expm1(x); } }
@final export class Log2 { @inline s(x: f32): f32 { return Mathf.log2(x); } }
@final export class Log10 { @inline s(x: f32): f32 { return Mathf.log10(x); } }
// 2^x by powf: exact for integers, within an ulp elsewhere, and no code of its own
@final export class Exp2 { @inline s(x: f32): f32 { return Mathf.pow(2, x); } }
@final export class Erf { @inline s(x: f32): f32 { return erff(x); } }
// gelu(x) = x · 0.5 · (1 + erf(x / √2))
@final export class Gelu { @inline s(x: f32): f32 { return x * 0.5 * (1 + erff(x * <f32>0.7071067811865476)); } }
// gelu(x, "tanh") = 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
@final export class GeluTanh {
  @inline s(x: f32): f32 {
    const inner = <f32>0.7978845608028654 * (x + <f32>0.044715 * (x * x * x));
    return 0.5 * x * (1 + Mathf.tanh(inner));
  }
}
// silu(x) = x / (1 + e^-x)
@final export class Silu { @inline s(x: f32): f32 { return x / (1 + Mathf.exp(-x)); } }
// mish(x) = x · tanh(log(1 + e^x))
@final export class Mish { @inline s(x: f32): f32 { return x * Mathf.tanh(Mathf.log1p(Mathf.exp(x))); } }
// logsigmoid(x) = min(x, 0) - log(1 + e^-|x|)
@final export class Logsigmoid { @inline s(x: f32): f32 { return min<f32>(x, 0) - Mathf.log1p(Mathf.exp(-Mathf.abs(x))); } }

// ---- float32 unary with scalar parameters a, b, c (unary_p_f32) ---------------

// clamp(x, a, b) = min(max(x, a), b): b when a > b, as torch; a missing bound is ∓Inf
@final export class Clamp {
  @inline v(x: v128, a: v128, b: v128, c: v128): v128 { return f32x4.min(f32x4.max(x, a), b); }
  @inline s(x: f32, a: f32, b: f32, c: f32): f32 { return min<f32>(max<f32>(x, a), b); }
}
// leakyRelu(x, a) = x > 0 ? x : a·x
@final export class LeakyRelu {
  @inline v(x: v128, a: v128, b: v128, c: v128): v128 { return v128.bitselect(x, f32x4.mul(x, a), f32x4.gt(x, f32x4.splat(0))); }
  @inline s(x: f32, a: f32, b: f32, c: f32): f32 { return x > 0 ? x : x * a; }
}
// nanToNum(x, a, b, c): NaN -> a, +Inf -> b, -Inf -> c
@final export class NanToNum { @inline s(x: f32, a: f32, b: f32, c: f32): f32 { return x != x ? a : x == Infinity ? b : x == -Infinity ? c : x; } }
// elu(x) = x <= 0 ? (e^(c·x) - 1)·a : b·x, with a = alpha·scale, b = scale, c = input scale (elu, selu, celu)
@final export class Elu { @inline s(x: f32, a: f32, b: f32, c: f32): f32 { return x <= 0 ? (Mathf.exp(x * c) - 1) * a : x * b; } }
// softplus(x) = a·x > b ? x : log(1 + e^(a·x)) / a, a = beta, b = threshold
@final export class Softplus { @inline s(x: f32, a: f32, b: f32, c: f32): f32 { return x * a > b ? x : Mathf.log1p(Mathf.exp(x * a)) / a; } }

// ---- float32 binary ------------------------------------------------------

@final export class Add { @inline v(x: v128, y: v128): v128 { return f32x4.add(x, y); } @inline s(x: f32, y: f32): f32 { return x + y; } }
@final export class Sub { @inline v(x: v128, y: v128): v128 { return f32x4.sub(x, y); } @inline s(x: f32, y: f32): f32 { return x - y; } }
@final export class Mul { @inline v(x: v128, y: v128): v128 { return f32x4.mul(x, y); } @inline s(x: f32, y: f32): f32 { return x * y; } }
@final export class Div { @inline v(x: v128, y: v128): v128 { return f32x4.div(x, y); } @inline s(x: f32, y: f32): f32 { return x / y; } }
// maximum/minimum propagate NaN like torch.maximum; wasm's f32 max/min do.
@final export class Maximum { @inline v(x: v128, y: v128): v128 { return f32x4.max(x, y); } @inline s(x: f32, y: f32): f32 { return max<f32>(x, y); } }
@final export class Minimum { @inline v(x: v128, y: v128): v128 { return f32x4.min(x, y); } @inline s(x: f32, y: f32): f32 { return min<f32>(x, y); } }
// C's powf, which torch uses. AssemblyScript's Mathf.pow follows JS Math.pow
// instead, where pow(1, NaN), pow(1, ±Inf) and pow(-1, ±Inf) are NaN; C says 1.
@inline function cpowf(x: f32, y: f32): f32 {
  if (x == 1 || (x == -1 && Mathf.abs(y) == Infinity)) return 1;
  return Mathf.pow(x, y);
}
// Four lanes of powf out of line: pow's calls dominate, and the lane code would
// otherwise be repeated in every loop that raises to a power. The lanes where
// C's powf gives 1 but Mathf.pow does not are set after the calls.
function cpowf4(x: v128, y: v128): v128 {
  let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2)));
  r = f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
  const one = f32x4.splat(1);
  const c = v128.or(f32x4.eq(x, one), v128.and(f32x4.eq(x, f32x4.neg(one)), f32x4.eq(f32x4.abs(y), f32x4.splat(Infinity))));
  return v128.bitselect(one, r, c);
}
@final export class Pow {
  @inline v(x: v128, y: v128): v128 { return cpowf4(x, y); }
  @inline s(x: f32, y: f32): f32 { return cpowf(x, y); }
}
// The cold float32 binary ops (codes 7 and up): one scalar function with a switch, like
// the int32 ops below, rather than three SIMD loops each (these are a call or a loop an
// element anyway).
export function fop(op: i32, x: f32, y: f32): f32 {
  switch (op) {
    case 7: return Mathf.mod(x, y); // fmod: C's fmodf (the sign of x), exact
    case 8: { const m = Mathf.mod(x, y); return m != 0 && (y < 0) != (m < 0) ? m + y : m; } // remainder: the sign of y, as torch computes it
  }
  return unreachable();
}

// ---- int32: one scalar function for every op --------------------------------
// int32 tensors are rare (indices, counts), so their kernels trade speed for
// size: a switch per element instead of a SIMD loop per op. Arithmetic wraps
// (two's complement). Codes: the binary op codes (3, true division, is done in
// float32 by the caller), then the comparison codes + ICMP, which give 0 or 1.

export const ICMP: i32 = 16;

// Integer power by squaring (TS rejects a negative number as the exponent, as torch does; a tensor may hold them).
function ipow(x: i32, e: i32): i32 {
  // torch's integer pow: a negative exponent gives 1 for 1, ±1 for -1, and 0 for any other base
  if (e < 0) return x == 1 ? 1 : x == -1 ? (e & 1 ? -1 : 1) : 0;
  let r: i32 = 1;
  while (e > 0) { if (e & 1) r *= x; x *= x; e >>= 1; }
  return r;
}

export function iop(op: i32, x: i32, y: i32): i32 {
  if (op >= FCMP) return fcmp(op - FCMP, reinterpret<f32>(x), reinterpret<f32>(y));
  switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 4: return ipow(x, y);
    case 5: return max(x, y);
    case 6: return min(x, y);
    case 7: return x % y; // fmod (a zero divisor is refused in TS, as torch does)
    case 8: { const r = x % y; return r != 0 && (r < 0) != (y < 0) ? r + y : r; } // remainder
    case ICMP + 0: return i32(x == y);
    case ICMP + 1: return i32(x != y);
    case ICMP + 2: return i32(x < y);
    case ICMP + 3: return i32(x <= y);
    case ICMP + 4: return i32(x > y);
    case ICMP + 5: return i32(x >= y);
  }
  return unreachable();
}

// float32 comparisons, as codes FCMP + 0..5 of iop on the operands' bits: cold
// (masks, max's backward), so they share the int32 loop. NaN compares unequal
// to all, as in torch.
export const FCMP: i32 = 24;

function fcmp(op: i32, x: f32, y: f32): i32 {
  switch (op) {
    case 0: return i32(x == y);
    case 1: return i32(x != y);
    case 2: return i32(x < y);
    case 3: return i32(x <= y);
    case 4: return i32(x > y);
    case 5: return i32(x >= y);
  }
  return unreachable();
}
