// Shared by the float64 linear algebra kernels (linalg.ts, decompositions.ts):
// float32 / float64 loads and stores, and every vector operation they use in
// one loop compiled once (cold code, written for size). Nothing here is exported
// from the module.

export const EPS64: f64 = 2.220446049250313e-16;

@inline export function ldf(p: usize, i: usize): f32 { return load<f32>(p + (i << 2)); }
@inline export function stf(p: usize, i: usize, v: f32): void { store<f32>(p + (i << 2), v); }
@inline export function ldd(p: usize, i: usize): f64 { return load<f64>(p + (i << 3)); }
@inline export function std(p: usize, i: usize, v: f64): void { store<f64>(p + (i << 3), v); }

// Every vector operation of this file, on f64 vectors x and y of len values
// `step` bytes apart, in one loop compiled once (cold code, written for size).
// DOT and SUBDOT add up in index order, starting from c.
export const DOT = 0, SUBDOT = 1, AXPY = 2, ROT = 3, SWAP = 4, SCALE = 5;
@noinline export function vec(op: i32, x: usize, y: usize, len: usize, c: f64 = 0, sn: f64 = 0, step: usize = 8): f64 {
  let acc = c;
  for (let i: usize = 0; i < len; i++, x += step, y += step) {
    const a = load<f64>(x), b = load<f64>(y);
    switch (op) {
      case DOT: acc += a * b; break;
      case SUBDOT: acc -= a * b; break;
      case AXPY: store<f64>(x, a - c * b); break; // x -= c·y
      case ROT: store<f64>(x, c * a - sn * b); store<f64>(y, sn * a + c * b); break; // [x y] ← [x y]·[[c, s], [-s, c]]
      case SWAP: store<f64>(x, b); store<f64>(y, a); break;
      default: store<f64>(x, a * c); // SCALE, y = x
    }
  }
  return acc;
}

