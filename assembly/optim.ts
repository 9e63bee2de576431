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

// ---- float32 fused multiply-add without relaxed SIMD ------------------------

// fma(a, b, c) = round32(a*b + c) with a single rounding. a*b is exact in f64
// (24 + 24 bits); a*b + c rounds once to f64 and then to f32, and the second
// rounding is wrong only when the f64 sum lies exactly halfway between two
// floats while the exact sum does not: then the TwoSum error decides.
@inline function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const cd = <f64>c;
  const s = p + cd;
  const r = <f32>s;
  const rd = <f64>r;
  if (rd == s || !isFinite<f32>(r)) return r;
  const bv = s - p;
  const err = (p - (s - bv)) + (cd - bv);
  if (err == 0) return r;
  return halfwayFix(s, r, err);
}

// s is inexact in f32 and its f64 rounding lost err; if s is exactly the
// midpoint between r and the float on its other side, round by the sign of err.
@inline function halfwayFix(s: f64, r: f32, err: f64): f32 {
  const bits = reinterpret<u32>(r);
  const up = Math.abs(s) > Math.abs(<f64>r); // the other neighbour has the larger magnitude
  const other = reinterpret<f32>(up ? bits + 1 : bits - 1);
  if ((<f64>r + <f64>other) * 0.5 != s) return r;
  const towardLarger = (err > 0) == (s > 0);
  return towardLarger == up ? other : r;
}

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
  for (let i: usize = 0; i < n; i++) {
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
  for (let i: usize = 0; i < n; i++) {
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
}
