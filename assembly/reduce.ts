// Reductions over contiguous buffers. A reduction along one dim sees the
// tensor as [outer, len, inner] (row-major) and writes [outer, inner].

import { cascadeSum } from "./cascade";

function sumF32(x: usize, n: usize): f32 {
  return cascadeSum(x, 0, 0, n);
}

function sumI32(x: usize, n: usize): i32 {
  let s: i32 = 0;
  for (let i: usize = 0; i < n; i++) s += load<i32>(x + (i << 2));
  return s;
}

@inline function sumDim<T>(x: usize, out: usize, outer: usize, len: usize, inner: usize): void {
  for (let o: usize = 0; o < outer; o++) {
    const src = x + o * len * inner * 4, dst = out + o * inner * 4;
    if (inner == 1) {
      if (isFloat<T>()) store<f32>(dst, sumF32(src, len));
      else store<i32>(dst, sumI32(src, len));
      continue;
    }
    memory.fill(dst, 0, inner << 2);
    for (let k: usize = 0; k < len; k++) {
      const row = src + k * inner * 4;
      let i: usize = 0;
      if (isFloat<T>()) {
        for (; i + 4 <= inner; i += 4) v128.store(dst + (i << 2), f32x4.add(v128.load(dst + (i << 2)), v128.load(row + (i << 2))));
      } else {
        for (; i + 4 <= inner; i += 4) v128.store(dst + (i << 2), i32x4.add(v128.load(dst + (i << 2)), v128.load(row + (i << 2))));
      }
      for (; i < inner; i++) store<T>(dst + (i << 2), load<T>(dst + (i << 2)) + load<T>(row + (i << 2)));
    }
  }
}

export function sum_dim_f32(x: usize, out: usize, outer: usize, len: usize, inner: usize): void { sumDim<f32>(x, out, outer, len, inner); }
export function sum_dim_i32(x: usize, out: usize, outer: usize, len: usize, inner: usize): void { sumDim<i32>(x, out, outer, len, inner); }

// a "wins" against b for max (or min): NaN always wins, as torch.max propagates NaN.
@inline function wins<T>(a: T, b: T, isMin: bool): bool {
  if (isFloat<T>()) { if (a != a) return b == b; }
  return isMin ? a < b : a > b;
}

// Values and indices (i32) along a dim of length len > 0; the first extremum wins ties.
@inline function extremumDim<T>(x: usize, vals: usize, idx: usize, outer: usize, len: usize, inner: usize, isMin: bool): void {
  for (let o: usize = 0; o < outer; o++) {
    for (let i: usize = 0; i < inner; i++) {
      let p = x + ((o * len * inner + i) << 2);
      let m = load<T>(p), mi: i32 = 0;
      for (let k: usize = 1; k < len; k++) {
        p += inner << 2;
        const v = load<T>(p);
        if (wins<T>(v, m, isMin)) { m = v; mi = <i32>k; }
      }
      store<T>(vals + ((o * inner + i) << 2), m);
      store<i32>(idx + ((o * inner + i) << 2), mi);
    }
  }
}
export function max_dim_f32(x: usize, vals: usize, idx: usize, outer: usize, len: usize, inner: usize, isMin: bool): void {
  extremumDim<f32>(x, vals, idx, outer, len, inner, isMin);
}
export function max_dim_i32(x: usize, vals: usize, idx: usize, outer: usize, len: usize, inner: usize, isMin: bool): void {
  extremumDim<i32>(x, vals, idx, outer, len, inner, isMin);
}
