// Losses: mean((a - b)²) and its gradient, one pass each. a, b, d and ga are
// contiguous float32 buffers of n elements; g and out hold one float32.

import { cascadeSum } from "./cascade";

/**
 * mse's forward in one pass: d = a - b (stored) and out = Σ d·d / count, with the
 * bits of sub, square, sum in torch's order (n >= 1) and a division by count.
 */
export function mse_forward_f32(a: usize, b: usize, d: usize, out: usize, n: usize, count: f32): void {
  store<f32>(out, cascadeSum(a, b, d, n) / count);
}

// With g' = g / count (n for the mean, 1 for the sum) and d = a - b, ga is
//   g'·d + g'·d   the composition (a - b)·(a - b): MulBackward0's two equal terms, summed
//   g'·(2·d)      powForm: (a - b).pow(2), whose PowBackward0 doubles d first
export function mse_backward_f32(d: usize, g: usize, ga: usize, n: usize, count: f32, powForm: bool): void {
  const gn = load<f32>(g) / count;
  const gs = f32x4.splat(gn);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(d + (i << 2));
    let t = f32x4.mul(gs, powForm ? f32x4.add(x, x) : x);
    if (!powForm) t = f32x4.add(t, t);
    v128.store(ga + (i << 2), t);
  }
  for (; i < n; i++) {
    const x = load<f32>(d + (i << 2));
    let t = gn * (powForm ? x + x : x);
    if (!powForm) t = t + t;
    store<f32>(ga + (i << 2), t);
  }
}
