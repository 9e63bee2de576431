// Elementwise kernels. Buffers are contiguous, row-major, 16-byte aligned byte
// offsets into the one linear memory; `n` counts elements (4 bytes each: f32,
// or i32 for int and bool tensors). Nothing is allocated here.
//
// Broadcasting: TS collapses the operands to `nd` dims and writes a `meta`
// block of i32: shape[nd] | aStride[nd] | bStride[nd] | counter[nd], strides in
// elements (0 on a broadcast dim). The output is contiguous in that shape.
//
// Op codes are mirrored in src/backend/kernels.ts.

import {
  Neg, Abs, Sqrt, Square, Reciprocal, Relu, Exp, Log, Sin, Cos, Tan, Tanh, Sigmoid, Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Floor, Ceil, Round, Trunc, Frac, Rsqrt, Hardsigmoid, Hardswish, Log1p, Expm1, Log2, Log10, Exp2,
  Erf, Gelu, GeluTanh, Silu, Mish, Logsigmoid, Clamp, LeakyRelu, NanToNum, Elu, Softplus,
  iop, fop, ICMP, FCMP,
} from "./functors";

// ---- loop templates ------------------------------------------------------

@inline function mapUnary<Op>(x: usize, out: usize, n: usize): void {
  const op = changetype<Op>(0);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), op.v(v128.load(x + (i << 2))));
  for (; i < n; i++) store<f32>(out + (i << 2), op.s(load<f32>(x + (i << 2))));
}

// The same for a functor with only a one-lane `s` (transcendentals: lanes gain nothing, and
// one loop is smaller than four calls per step).
@inline function mapUnaryS<Op>(x: usize, out: usize, n: usize): void {
  const op = changetype<Op>(0);
  for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), op.s(load<f32>(x + (i << 2))));
}

// out = op(x; a, b, c) for the ops with scalar parameters (Clamp, Elu, ...).
@inline function mapUnaryP<Op>(x: usize, out: usize, n: usize, a: f32, b: f32, c: f32): void {
  const op = changetype<Op>(0);
  const av = f32x4.splat(a), bv = f32x4.splat(b), cv = f32x4.splat(c);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), op.v(v128.load(x + (i << 2)), av, bv, cv));
  for (; i < n; i++) store<f32>(out + (i << 2), op.s(load<f32>(x + (i << 2)), a, b, c));
}

@inline function mapUnaryPS<Op>(x: usize, out: usize, n: usize, a: f32, b: f32, c: f32): void {
  const op = changetype<Op>(0);
  for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), op.s(load<f32>(x + (i << 2)), a, b, c));
}

@inline function splat<T>(s: T): v128 {
  return isFloat<T>() ? f32x4.splat(<f32>s) : i32x4.splat(<i32>s);
}

@inline function mapBinary<T, Op>(a: usize, b: usize, out: usize, n: usize): void {
  const op = changetype<Op>(0);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), op.v(v128.load(a + (i << 2)), v128.load(b + (i << 2))));
  for (; i < n; i++) store<T>(out + (i << 2), op.s(load<T>(a + (i << 2)), load<T>(b + (i << 2))));
}

// out = a op s (reversed = false) or s op a (reversed = true)
@inline function mapScalar<T, Op>(a: usize, s: T, out: usize, n: usize, reversed: bool): void {
  const op = changetype<Op>(0);
  const sv = splat<T>(s);
  let i: usize = 0;
  if (reversed) {
    for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), op.v(sv, v128.load(a + (i << 2))));
    for (; i < n; i++) store<T>(out + (i << 2), op.s(s, load<T>(a + (i << 2))));
  } else {
    for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), op.v(v128.load(a + (i << 2)), sv));
    for (; i < n; i++) store<T>(out + (i << 2), op.s(load<T>(a + (i << 2)), s));
  }
}

// ---- exports -------------------------------------------------------------

// Codes: UnaryOp in src/backend/kernels.ts. The cheap ops come first: threads.ts
// splits the codes from Exp on (transcendentals) at a smaller size.
export function unary_f32(op: i32, x: usize, out: usize, n: usize): void {
  switch (op) {
    case 0: mapUnary<Neg>(x, out, n); break;
    case 1: mapUnary<Abs>(x, out, n); break;
    case 2: mapUnary<Sqrt>(x, out, n); break;
    case 3: mapUnary<Square>(x, out, n); break;
    case 4: mapUnary<Reciprocal>(x, out, n); break;
    case 5: mapUnary<Relu>(x, out, n); break;
    case 6: mapUnary<Floor>(x, out, n); break;
    case 7: mapUnary<Ceil>(x, out, n); break;
    case 8: mapUnary<Round>(x, out, n); break;
    case 9: mapUnary<Trunc>(x, out, n); break;
    case 10: mapUnaryS<Frac>(x, out, n); break;
    case 11: mapUnaryS<Rsqrt>(x, out, n); break;
    case 12: mapUnaryS<Hardsigmoid>(x, out, n); break;
    case 13: mapUnaryS<Hardswish>(x, out, n); break;
    case 14: mapUnary<Exp>(x, out, n); break;
    case 15: mapUnary<Log>(x, out, n); break;
    case 16: mapUnary<Sin>(x, out, n); break;
    case 17: mapUnary<Cos>(x, out, n); break;
    case 18: mapUnary<Tan>(x, out, n); break;
    case 19: mapUnary<Tanh>(x, out, n); break;
    case 20: mapUnary<Sigmoid>(x, out, n); break;
    case 21: mapUnaryS<Log1p>(x, out, n); break;
    case 22: mapUnaryS<Expm1>(x, out, n); break;
    case 23: mapUnaryS<Log2>(x, out, n); break;
    case 24: mapUnaryS<Log10>(x, out, n); break;
    case 25: mapUnaryS<Exp2>(x, out, n); break;
    case 26: mapUnaryS<Erf>(x, out, n); break;
    case 27: mapUnaryS<Gelu>(x, out, n); break;
    case 28: mapUnaryS<GeluTanh>(x, out, n); break;
    case 29: mapUnaryS<Silu>(x, out, n); break;
    case 30: mapUnaryS<Mish>(x, out, n); break;
    case 31: mapUnaryS<Logsigmoid>(x, out, n); break;
    default: unreachable();
  }
}

// Codes: UnaryParamOp in src/backend/kernels.ts (transcendental from Elu on).
export function unary_p_f32(op: i32, x: usize, out: usize, n: usize, a: f32, b: f32, c: f32): void {
  switch (op) {
    case 0: mapUnaryP<Clamp>(x, out, n, a, b, c); break;
    case 1: mapUnaryP<LeakyRelu>(x, out, n, a, b, c); break;
    case 2: mapUnaryPS<NanToNum>(x, out, n, a, b, c); break;
    case 3: mapUnaryPS<Elu>(x, out, n, a, b, c); break;
    case 4: mapUnaryPS<Softplus>(x, out, n, a, b, c); break;
    default: unreachable();
  }
}

// out = c ? a : b for any 4-byte dtype, all four contiguous of n elements (TS expands broadcasts).
export function where32(c: usize, a: usize, b: usize, out: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const m = v128.not(i32x4.eq(v128.load(c + (i << 2)), i32x4.splat(0)));
    v128.store(out + (i << 2), v128.bitselect(v128.load(a + (i << 2)), v128.load(b + (i << 2)), m));
  }
  for (; i < n; i++) store<i32>(out + (i << 2), load<i32>(c + (i << 2)) != 0 ? load<i32>(a + (i << 2)) : load<i32>(b + (i << 2)));
}

export function binary_f32(op: i32, a: usize, b: usize, out: usize, n: usize): void {
  switch (op) {
    case 0: mapBinary<f32, Add>(a, b, out, n); break;
    case 1: mapBinary<f32, Sub>(a, b, out, n); break;
    case 2: mapBinary<f32, Mul>(a, b, out, n); break;
    case 3: mapBinary<f32, Div>(a, b, out, n); break;
    case 4: mapBinary<f32, Pow>(a, b, out, n); break;
    case 5: mapBinary<f32, Maximum>(a, b, out, n); break;
    case 6: mapBinary<f32, Minimum>(a, b, out, n); break;
    default: for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), fop(op, load<f32>(a + (i << 2)), load<f32>(b + (i << 2))));
  }
}

// s + a and s * a are a + s and a * s, as torch computes them (__radd__ and
// __rmul__ are add and mul), and wasm's max and min are symmetric (a NaN on
// either side gives NaN, ±0 give +0 for max and -0 for min): one loop each, not two.
export function binary_scalar_f32(op: i32, a: usize, s: f32, out: usize, n: usize, reversed: bool): void {
  switch (op) {
    case 0: mapScalar<f32, Add>(a, s, out, n, false); break;
    case 1: mapScalar<f32, Sub>(a, s, out, n, reversed); break;
    case 2: mapScalar<f32, Mul>(a, s, out, n, false); break;
    case 3: mapScalar<f32, Div>(a, s, out, n, reversed); break;
    case 4: mapScalar<f32, Pow>(a, s, out, n, reversed); break;
    case 5: mapScalar<f32, Maximum>(a, s, out, n, false); break;
    case 6: mapScalar<f32, Minimum>(a, s, out, n, false); break;
    default:
      for (let i: usize = 0; i < n; i++) {
        const x = load<f32>(a + (i << 2));
        store<f32>(out + (i << 2), reversed ? fop(op, s, x) : fop(op, x, s));
      }
  }
}

// The broadcast walk: each innermost row is one call of the kernels above (a row
// against a row, or against one value), so their per-op loops are compiled once
// rather than once more for every op here (that cost 5 KB of module).
export function binary_bcast_f32(op: i32, a: usize, b: usize, out: usize, nd: i32, meta: usize): void {
  const shape = meta, sa = meta + (<usize>nd << 2), sb = sa + (<usize>nd << 2), ctr = sb + (<usize>nd << 2);
  const last = <usize>(nd - 1) << 2;
  const inner = <usize>load<i32>(shape + last);
  const ia = load<i32>(sa + last), ib = load<i32>(sb + last);
  let outer: usize = 1;
  for (let d = 0; d < nd - 1; d++) { outer *= <usize>load<i32>(shape + (<usize>d << 2)); store<i32>(ctr + (<usize>d << 2), 0); }
  let offA: isize = 0, offB: isize = 0;
  for (let o: usize = 0; o < outer; o++) {
    const pa = a + (<usize>offA << 2), pb = b + (<usize>offB << 2);
    if (ia == 1 && ib == 1) binary_f32(op, pa, pb, out, inner);
    else if (ia == 1 && ib == 0) binary_scalar_f32(op, pa, load<f32>(pb), out, inner, false);
    else if (ia == 0 && ib == 1) binary_scalar_f32(op, pb, load<f32>(pa), out, inner, true);
    else for (let i: usize = 0; i < inner; i++) binary_f32(op, pa + ((i * <usize>ia) << 2), pb + ((i * <usize>ib) << 2), out + (i << 2), 1);
    out += inner << 2;
    // odometer over the outer dims, last-but-one fastest
    for (let d = nd - 2; d >= 0; d--) {
      const dd = <usize>d << 2;
      const c = load<i32>(ctr + dd) + 1;
      offA += load<i32>(sa + dd); offB += load<i32>(sb + dd);
      if (c < load<i32>(shape + dd)) { store<i32>(ctr + dd, c); break; }
      store<i32>(ctr + dd, 0);
      offA -= <isize>load<i32>(sa + dd) * c; offB -= <isize>load<i32>(sb + dd) * c;
    }
  }
}

// ---- int32 ----------------------------------------------------------------
// One scalar loop for every op (iop in functors.ts), and one broadcast walk for
// the arithmetic and the comparisons: int32 kernels are kept small, not fast.

// out[i] = a[i] op b[i], with a and b advancing sa and sb bytes (0: broadcast).
function irow(op: i32, a: usize, sa: usize, b: usize, sb: usize, out: usize, n: usize): void {
  let i: usize = 0;
  // float comparisons of a contiguous row are hot in backward rules (clamp's, max's,
  // leakyRelu's) and masks: four lanes at a time
  if (op >= FCMP && sa == 4 && sb <= 4) i = fcmpLanes(op - FCMP, a, b, sb, out, n);
  for (; i < n; i++) store<i32>(out + (i << 2), iop(op, load<i32>(a + i * sa), load<i32>(b + i * sb)));
}

// The comparison codes of fcmp from the lanes' <, == and > masks (NaN sets none of
// them, so only != holds), as 0/1; b advances sb bytes (4, or 0 for one value).
// Returns how many elements it wrote.
function fcmpLanes(op: i32, a: usize, b: usize, sb: usize, out: usize, n: usize): usize {
  const lt = i32x4.splat(-i32(op == 2 || op == 3)), gt = i32x4.splat(-i32(op >= 4));
  const eq = i32x4.splat(-i32(op != 2 && op != 4)), ne = i32x4.splat(-i32(op == 1));
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(a + (i << 2)), y = sb ? v128.load(b + (i << 2)) : v128.load32_splat(b);
    const r = v128.or(v128.or(v128.and(f32x4.lt(x, y), lt), v128.and(f32x4.eq(x, y), eq)), v128.and(f32x4.gt(x, y), gt));
    v128.store(out + (i << 2), i32x4.shr_u(v128.xor(r, ne), 31));
  }
  return i;
}

// The broadcast walk (meta as above, no counters needed) by recursion over the
// dims, from dim d; returns the end of what it wrote.
function ibroadcast(op: i32, a: usize, b: usize, out: usize, d: i32, nd: i32, meta: usize): usize {
  const dd = <usize>d << 2, len = <usize>load<i32>(meta + dd);
  const sa = <usize>load<i32>(meta + (<usize>nd << 2) + dd) << 2, sb = <usize>load<i32>(meta + (<usize>nd << 3) + dd) << 2;
  if (d == nd - 1) {
    irow(op, a, sa, b, sb, out, len);
    return out + (len << 2);
  }
  for (let i: usize = 0; i < len; i++) out = ibroadcast(op, a + i * sa, b + i * sb, out, d + 1, nd, meta);
  return out;
}

// The binary op codes; 3 (true division) is done in float32 by the caller.
export function binary_i32(op: i32, a: usize, b: usize, out: usize, n: usize): void {
  irow(op, a, 4, b, 4, out, n);
}

export function binary_scalar_i32(op: i32, a: usize, s: i32, out: usize, n: usize, reversed: bool): void {
  for (let i: usize = 0; i < n; i++) {
    const x = load<i32>(a + (i << 2));
    store<i32>(out + (i << 2), iop(op, reversed ? s : x, reversed ? x : s));
  }
}

export function binary_bcast_i32(op: i32, a: usize, b: usize, out: usize, nd: i32, meta: usize): void {
  ibroadcast(op, a, b, out, 0, nd, meta);
}

export function compare_i32(op: i32, a: usize, b: usize, out: usize, nd: i32, meta: usize): void {
  ibroadcast(op + ICMP, a, b, out, 0, nd, meta);
}

// Comparisons write 0/1 as i32 (bool storage).
export function compare_f32(op: i32, a: usize, b: usize, out: usize, nd: i32, meta: usize): void {
  ibroadcast(op + FCMP, a, b, out, 0, nd, meta);
}

// ---- conversion, filling, copying ----------------------------------------

export function cast_i32_f32(x: usize, out: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) store<f32>(out + (i << 2), <f32>load<i32>(x + (i << 2)));
}

// float -> int truncates toward zero like a C cast; NaN and out-of-range values
// saturate instead of trapping.
export function cast_f32_i32(x: usize, out: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), i32x4.trunc_sat_f32x4_s(v128.load(x + (i << 2))));
  for (; i < n; i++) store<i32>(out + (i << 2), i32x4.extract_lane(i32x4.trunc_sat_f32x4_s(f32x4.splat(load<f32>(x + (i << 2)))), 0));
}

export function fill32(out: usize, n: usize, bits: i32): void {
  const v = i32x4.splat(bits);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (i << 2), v);
  for (; i < n; i++) store<i32>(out + (i << 2), bits);
}

export function copy32(src: usize, dst: usize, n: usize): void {
  memory.copy(dst, src, n << 2);
}

// dst[o, j, i] = src[o, idx[j], i]; src is [outer, len, inner], dst [outer, nidx, inner].
// Indices were range-checked in TS.
export function index_select32(src: usize, idx: usize, dst: usize, outer: usize, len: usize, inner: usize, nidx: usize): void {
  const rowBytes = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    const s = src + o * len * rowBytes;
    for (let j: usize = 0; j < nidx; j++) {
      memory.copy(dst, s + <usize>load<i32>(idx + (j << 2)) * rowBytes, rowBytes);
      dst += rowBytes;
    }
  }
}

// The adjoint of index_select: dst[o, idx[j], i] += src[o, j, i] (dst pre-zeroed by the caller).
export function index_add_f32(dst: usize, idx: usize, src: usize, outer: usize, len: usize, inner: usize, nidx: usize): void {
  const rowBytes = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    const d = dst + o * len * rowBytes;
    for (let j: usize = 0; j < nidx; j++) {
      const row = d + <usize>load<i32>(idx + (j << 2)) * rowBytes;
      mapBinary<f32, Add>(row, src, row, inner);
      src += rowBytes;
    }
  }
}
