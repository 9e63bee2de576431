// Optimizer updates: one fused pass over a parameter's buffer per step.
// Buffers are contiguous float32 of `n` elements (param, grad and the state
// the optimizer keeps), byte offsets into the one linear memory.
//
// The arithmetic is torch.optim's (torch 1.13, the single-tensor code paths),
// operation by operation in float32, with torch's CPU kernels' rounding:
//   t.mul_(s)                  t * f32(s)
//   t.add_(x, alpha=a)         fma(x, f32(a), t)      one rounding: ATen's vec::fmadd
//   t.addcmul_(x, y, value=v)  fma(f32(v) * x, y, t)  the compiler fuses the last multiply-add
//   t.addcdiv_(x, y, value=v)  t + (f32(v) * x) / y
// Python-double scalars reach the kernels already rounded to float32 by the
// caller, as torch casts a Scalar to the tensor's dtype.

import { ADAM_SPLATS } from "./scratch";

// ---- float32 fused multiply-add without relaxed SIMD ------------------------

// fma(a, b, c) = round32(a*b + c), rounded once. a*b is exact in f64 (24 + 24
// bits; no float32 product under- or overflows f64), so s = round64(a*b + c)
// is one rounding away from the exact x = a*b + c. round32(s) == round32(x)
// unless s lies exactly halfway between two floats (the overflow threshold
// 2^128 - 2^103 counts as one): round64 is monotone and keeps every float32
// and every halfway point, so x lies on the same side of each halfway point as
// s, but for s itself. Halfway points are odd multiples of half a float32 spacing:
//   |s| >= 2^-126: s's low 29 bits (of 52) read 1 followed by 28 zeros;
//   |s| <  2^-126: r = round32(s) has 0 < |r| <= 2^-126, rare enough to be
//     checked whole. (r = 0 means |s| <= 2^-150, and s = ±2^-150 is then the
//     exact sum: a 48-bit product cannot carry bits both near 2^-150 and below
//     2^-203, where x would have to differ from s.)
// Only there does the rounding need TwoSum's error (fma32Tie).
const LOW29: u64 = 0x1FFFFFFF;
const HALF29: u64 = 0x10000000;
const MIN_NORMAL_BITS: u32 = 0x00800000; // 2^-126 as float32

@inline function mayTie(s: f64, r: f32): bool {
  return (reinterpret<u64>(s) & LOW29) == HALF29 || (reinterpret<u32>(r) & 0x7FFFFFFF) - 1 < MIN_NORMAL_BITS;
}

function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const r = <f32>s;
  return mayTie(s, r) ? fma32Tie(p, <f64>c, s) : r;
}

// s = round64(p + c) may be a halfway point. If it is one and the exact sum
// is not (TwoSum's error err != 0), the exact sum lies on err's side of s, as
// does s's float64 neighbour on that side, which is no halfway point and
// rounds to the same float.
function fma32Tie(p: f64, c: f64, s: f64): f32 {
  const bv = s - p;
  const err = (p - (s - bv)) + (c - bv);
  if (err == 0 || !isTie32(s)) return <f32>s;
  const bits = reinterpret<u64>(s);
  return <f32>reinterpret<f64>((err > 0) == (s > 0) ? bits + 1 : bits - 1);
}

// s lies exactly halfway between two adjacent float32s (or on the overflow threshold).
function isTie32(s: f64): bool {
  const a = Math.abs(s);
  if (a >= 1.1754943508222875e-38) return a < 3.402823669209385e38 && (reinterpret<u64>(s) & LOW29) == HALF29; // [2^-126, 2^128)
  const q = a * 1.42724769270596e45; // a * 2^150 < 2^24, exact: an integer iff a is a multiple of 2^-150
  return q == <f64><i32>q && (<i32>q & 1) == 1;
}

// Four lanes at a time: x holds float32 lanes; lo64/hi64 widen lanes 0-1 / 2-3.
@inline function lo64(x: v128): v128 { return f64x2.promote_low_f32x4(x); }
@inline function hi64(x: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3)); }
@inline function narrow(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}
// mayTie for four lanes, in two parts (all ones where true): halfway4 tests
// the f64 sums lo, hi; small4 tests offset(r) = |r|'s bits - 1 (wrapping at
// 0) for r = narrow(lo, hi), or the unsigned minimum of two such offsets.
//
// Their constants are loaded from memory, not written as v128.const: V8 (11.3)
// builds a constant vector afresh at each use inside a loop (three instructions),
// where a load is one. Adam over 512² elements: 0.46 -> 0.42 ms. (The bytes are a
// data segment: an instance starting on a shared memory writes the same bytes again.)
const TIE_CONSTANTS = memory.data<u32>([
  <u32>(HALF29 << 3), <u32>(HALF29 << 3), <u32>(HALF29 << 3), <u32>(HALF29 << 3),
  0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF,
  1, 1, 1, 1,
  MIN_NORMAL_BITS - 1, MIN_NORMAL_BITS - 1, MIN_NORMAL_BITS - 1, MIN_NORMAL_BITS - 1,
], 16);
@inline function halfway4(lo: v128, hi: v128): v128 {
  const low = v128.shuffle<i32>(lo, hi, 0, 2, 4, 6); // the low 32 bits of each sum
  return i32x4.eq(i32x4.shl(low, 3), v128.load(TIE_CONSTANTS)); // its low 29 bits are HALF29
}
@inline function offset4(r: v128): v128 { return i32x4.sub(v128.and(r, v128.load(TIE_CONSTANTS, 16)), v128.load(TIE_CONSTANTS, 32)); }
@inline function small4(offset: v128): v128 { return i32x4.le_u(offset, v128.load(TIE_CONSTANTS, 48)); }
// mayTie for four lanes: the f64 sums lo, hi and r = narrow(lo, hi).
@inline function mayTie4(lo: v128, hi: v128, r: v128): v128 { return v128.or(halfway4(lo, hi), small4(offset4(r))); }

@inline function ld(p: usize, i: usize): f32 { return load<f32>(p + (i << 2)); }
@inline function st(p: usize, i: usize, v: f32): void { store<f32>(p + (i << 2), v); }

// ---- SGD -------------------------------------------------------------------

// torch.optim.SGD, one parameter:
//   d = maximize ? -grad : grad
//   d = d.add(param, alpha=weightDecay)                 (when weightDecay != 0)
//   buf = clone(d) on the first step, else buf.mul_(momentum).add_(d, alpha=1-dampening)
//   d = nesterov ? d.add(buf, alpha=momentum) : buf      (when momentum != 0)
//   param.add_(d, alpha=-lr)
// `first` says the momentum buffer does not exist yet (torch's None).
export function sgd_step_f32(
  param: usize, grad: usize, buf: usize, n: usize,
  negLr: f32, momentum: f32, oneMinusDampening: f32, weightDecay: f32,
  nesterov: bool, maximize: bool, first: bool,
): void {
  const useMomentum = momentum != 0;
  const vec = !nesterov && oneMinusDampening == 1;
  for (let i: usize = 0; i < n; i++) {
    if (vec) i = sgdVec(param, grad, buf, i, n, negLr, momentum, weightDecay, maximize, first);
    if (i == n) break;
    const p = ld(param, i);
    let d = ld(grad, i);
    if (maximize) d = -d;
    if (weightDecay != 0) d = fma32(p, weightDecay, d);
    if (useMomentum) {
      const b = first ? d : fma32(d, oneMinusDampening, ld(buf, i) * momentum);
      st(buf, i, b);
      d = nesterov ? fma32(b, momentum, d) : b;
    }
    st(param, i, fma32(d, negLr, p));
  }
}

// sgd_step_f32 four elements at a time from i, without Nesterov or dampening (then
// buf·momentum + d is a float32 sum, rounded once, and the multiply-adds are the weight
// decay's and the update's), up to the last whole group or a group where a multiply-add
// may need fma32Tie. Returns where it stopped: there the scalar code takes one element.
// (A loop of its own: inside sgd_step_f32's, V8 (11.3) kept the vectors' scalars on the
// stack, at half the speed.)
function sgdVec(param: usize, grad: usize, buf: usize, i: usize, n: usize, negLr: f32, momentum: f32, weightDecay: f32, maximize: bool, first: bool): usize {
  const lr = f64x2.splat(<f64>negLr), mom = f32x4.splat(momentum), wd = f64x2.splat(<f64>weightDecay);
  for (; i + 4 <= n; i += 4) {
    const o = i << 2;
    const p = v128.load(param + o);
    let d = v128.load(grad + o);
    if (maximize) d = f32x4.neg(d);
    if (weightDecay != 0) {
      const lo = f64x2.add(f64x2.mul(lo64(p), wd), lo64(d));
      const hi = f64x2.add(f64x2.mul(hi64(p), wd), hi64(d));
      d = narrow(lo, hi);
      if (v128.any_true(mayTie4(lo, hi, d))) break;
    }
    if (momentum != 0 && !first) d = f32x4.add(d, f32x4.mul(v128.load(buf + o), mom));
    const lo = f64x2.add(f64x2.mul(lo64(d), lr), lo64(p));
    const hi = f64x2.add(f64x2.mul(hi64(d), lr), hi64(p));
    const q = narrow(lo, hi);
    if (v128.any_true(mayTie4(lo, hi, q))) break;
    if (momentum != 0) v128.store(buf + o, d);
    v128.store(param + o, q);
  }
  return i;
}

// ---- Adam and AdamW ----------------------------------------------------------

// torch.optim.Adam / AdamW, one parameter, at step t (the caller computes the
// bias corrections in f64 as torch does in Python and passes them rounded):
//   g = maximize ? -grad : grad
//   g = g.add(param, alpha=weightDecay)           Adam's L2 term (l2 != 0)
//   param.mul_(decay)                             AdamW's decoupled decay, decay = 1 - lr*wd
//   m.mul_(beta1).add_(g, alpha=1-beta1)
//   v.mul_(beta2).addcmul_(g, g, value=1-beta2)
//   vmax = maximum(vmax, v)                       (amsgrad; then vmax replaces v below)
//   denom = (sqrt(v) / sqrt(1 - beta2^t)).add_(eps)
//   param.addcdiv_(m, denom, value=-lr / (1 - beta1^t))
export function adam_step_f32(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  l2: f32, decay: f32, biasCorrection2Sqrt: f32, eps: f32, negStepSize: f32,
  amsgrad: bool, maximize: bool,
): void {
  let i = adamVec(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2, decay, biasCorrection2Sqrt, eps, negStepSize, amsgrad, maximize);
  for (; i < n; i++) {
    adamOne(param, grad, expAvg, expAvgSq, maxExpAvgSq, i, beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2, decay, biasCorrection2Sqrt, eps, negStepSize, amsgrad, maximize);
  }
}

// adamVec's scalars as vectors at ADAM_SPLATS, by byte offset (f64x2 for the first two).
const L2: usize = 0, ONE_MINUS_BETA1: usize = 16, DECAY: usize = 32, BETA1: usize = 48, BETA2: usize = 64;
const ONE_MINUS_BETA2: usize = 80, BIAS_CORRECTION2_SQRT: usize = 96, EPS: usize = 112, NEG_STEP_SIZE: usize = 128;
@inline function splatted(at: usize): v128 { return v128.load(ADAM_SPLATS + at); }

// Four elements at a time, the fused multiply-adds in f64 lanes; a group where
// one of them may need fma32Tie is redone one element at a time. Returns where
// the groups end. The scalars, splatted, are stored at ADAM_SPLATS and loaded
// where used: V8 (11.3) would otherwise splat them again at every use in the loop,
// from a spilled scalar (0.42 -> 0.39 ms at 512² elements).
@inline function adamVec(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, n: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  l2: f32, decay: f32, biasCorrection2Sqrt: f32, eps: f32, negStepSize: f32,
  amsgrad: bool, maximize: bool,
): usize {
  v128.store(ADAM_SPLATS + L2, f64x2.splat(<f64>l2));
  v128.store(ADAM_SPLATS + ONE_MINUS_BETA1, f64x2.splat(<f64>oneMinusBeta1));
  v128.store(ADAM_SPLATS + DECAY, f32x4.splat(decay));
  v128.store(ADAM_SPLATS + BETA1, f32x4.splat(beta1));
  v128.store(ADAM_SPLATS + BETA2, f32x4.splat(beta2));
  v128.store(ADAM_SPLATS + ONE_MINUS_BETA2, f32x4.splat(oneMinusBeta2));
  v128.store(ADAM_SPLATS + BIAS_CORRECTION2_SQRT, f32x4.splat(biasCorrection2Sqrt));
  v128.store(ADAM_SPLATS + EPS, f32x4.splat(eps));
  v128.store(ADAM_SPLATS + NEG_STEP_SIZE, f32x4.splat(negStepSize));
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const o = i << 2;
    let p = v128.load(param + o);
    let g = v128.load(grad + o);
    if (maximize) g = f32x4.neg(g);
    let ties = i32x4.splat(0);
    if (l2 != 0) {
      const lo = f64x2.add(f64x2.mul(lo64(p), splatted(L2)), lo64(g));
      const hi = f64x2.add(f64x2.mul(hi64(p), splatted(L2)), hi64(g));
      g = narrow(lo, hi);
      ties = mayTie4(lo, hi, g);
    }
    if (decay != 1) p = f32x4.mul(p, splatted(DECAY));
    const gl = lo64(g), gh = hi64(g);
    const mb = f32x4.mul(v128.load(expAvg + o), splatted(BETA1));
    const ml = f64x2.add(f64x2.mul(gl, splatted(ONE_MINUS_BETA1)), lo64(mb));
    const mh = f64x2.add(f64x2.mul(gh, splatted(ONE_MINUS_BETA1)), hi64(mb));
    const gg = f32x4.mul(splatted(ONE_MINUS_BETA2), g);
    const vb = f32x4.mul(v128.load(expAvgSq + o), splatted(BETA2));
    const vl = f64x2.add(f64x2.mul(lo64(gg), gl), lo64(vb));
    const vh = f64x2.add(f64x2.mul(hi64(gg), gh), hi64(vb));
    const m = narrow(ml, mh);
    let v = narrow(vl, vh);
    ties = v128.or(ties, v128.or(halfway4(ml, mh), halfway4(vl, vh)));
    ties = v128.or(ties, small4(i32x4.min_u(offset4(m), offset4(v))));
    if (v128.any_true(ties)) {
      for (let j = i; j < i + 4; j++) adamOne(param, grad, expAvg, expAvgSq, maxExpAvgSq, j, beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2, decay, biasCorrection2Sqrt, eps, negStepSize, amsgrad, maximize);
      continue;
    }
    v128.store(expAvg + o, m);
    v128.store(expAvgSq + o, v);
    if (amsgrad) {
      v = f32x4.max(v128.load(maxExpAvgSq + o), v);
      v128.store(maxExpAvgSq + o, v);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), splatted(BIAS_CORRECTION2_SQRT)), splatted(EPS));
    v128.store(param + o, f32x4.add(p, f32x4.div(f32x4.mul(splatted(NEG_STEP_SIZE), m), denom)));
  }
  return i;
}

// One element: the groups' tail, and a group with a possible tie.
function adamOne(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize, i: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  l2: f32, decay: f32, biasCorrection2Sqrt: f32, eps: f32, negStepSize: f32,
  amsgrad: bool, maximize: bool,
): void {
  let p = ld(param, i);
  let g = ld(grad, i);
  if (maximize) g = -g;
  if (l2 != 0) g = fma32(p, l2, g);
  if (decay != 1) p = p * decay;
  const m = fma32(g, oneMinusBeta1, ld(expAvg, i) * beta1);
  let v = fma32(oneMinusBeta2 * g, g, ld(expAvgSq, i) * beta2);
  st(expAvg, i, m);
  st(expAvgSq, i, v);
  if (amsgrad) {
    v = max<f32>(ld(maxExpAvgSq, i), v);
    st(maxExpAvgSq, i, v);
  }
  const denom = Mathf.sqrt(v) / biasCorrection2Sqrt + eps;
  st(param, i, p + (negStepSize * m) / denom);
}
