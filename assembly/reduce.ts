// Reductions over contiguous buffers. A reduction along one dim sees the
// tensor as [outer, len, inner] (row-major) and writes [outer, inner].

// The sum in torch's order (cascade_sum in aten/src/ATen/native/cpu/SumKernel.cpp,
// one thread, AVX2), so sums and means match torch bit for bit. With n >= 8 the
// data is read as n/8 "items" of 8 floats, summed with 4 interleaved partial
// sums whose running totals move up a cascade of 4 levels every 16 rows of 4
// items; then the scalar tail and the 8 lanes are added one by one. With n < 8
// the elements themselves are the items.
// acc[level][row], 8 floats each: 512 bytes just past the static data, in the
// first page, which the allocator in src/backend/memory.ts never hands out. Not a
// memory.data() block: a data segment is written again by every instance that
// shares the memory (thread workers), even while a sum runs here.
const ACC: usize = (__heap_base + 15) & ~15;

@inline function ceilLog2(x: usize): usize {
  return x <= 2 ? 1 : <usize>(64 - clz<u64>(<u64>x - 1));
}

// acc(level, row) += item i of x (8 floats)
@inline function addItem(dst: usize, src: usize): void {
  v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
  v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(src, 16)), 16);
}

// The items' sum into acc(0, 0) (lanes kept apart), as torch's row_sum with ilp 4.
function rowSum8(x: usize, items: usize): void {
  memory.fill(ACC, 0, 4 * 4 * 32);
  const rows = items >> 2;
  let i: usize = 0;
  if (rows > 0) {
    const power = max<usize>(4, ceilLog2(rows) / 4);
    const step: usize = <usize>1 << power, mask = step - 1;
    while (i + step <= rows) {
      for (let j: usize = 0; j < step; j++, i++) {
        for (let r: usize = 0; r < 4; r++) addItem(ACC + (r << 5), x + ((i * 4 + r) << 5));
      }
      for (let lvl: usize = 1; lvl < 4; lvl++) {
        for (let r: usize = 0; r < 4; r++) {
          const hi = ACC + (((lvl << 2) + r) << 5), lo = ACC + ((((lvl - 1) << 2) + r) << 5);
          addItem(hi, lo);
          memory.fill(lo, 0, 32);
        }
        if ((i & (mask << (lvl * power))) != 0) break;
      }
    }
    for (; i < rows; i++) {
      for (let r: usize = 0; r < 4; r++) addItem(ACC + (r << 5), x + ((i * 4 + r) << 5));
    }
    for (let lvl: usize = 1; lvl < 4; lvl++) {
      for (let r: usize = 0; r < 4; r++) addItem(ACC + (r << 5), ACC + (((lvl << 2) + r) << 5));
    }
  }
  for (i = rows * 4; i < items; i++) addItem(ACC, x + (i << 5));
  for (let r: usize = 1; r < 4; r++) addItem(ACC, ACC + (r << 5));
}

export function sum_f32(x: usize, n: usize): f32 {
  let s: f32 = 0;
  if (n >= 8) {
    const items = n >> 3;
    rowSum8(x, items);
    for (let i = items << 3; i < n; i++) s += load<f32>(x + (i << 2));
    for (let l: usize = 0; l < 8; l++) s += load<f32>(ACC + (l << 2));
  } else {
    // fewer than 8: at most one row of 4, whose partial sums pass the (zero) upper levels
    let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0;
    let i: usize = 0;
    if (n >= 4) {
      p0 = load<f32>(x) + 0 + 0 + 0;
      p1 = load<f32>(x, 4) + 0 + 0 + 0;
      p2 = load<f32>(x, 8) + 0 + 0 + 0;
      p3 = load<f32>(x, 12) + 0 + 0 + 0;
      i = 4;
    }
    for (; i < n; i++) p0 += load<f32>(x + (i << 2));
    s = ((p0 + p1) + p2) + p3;
  }
  return s + 0; // torch accumulates into a zero-filled output
}

export function sum_i32(x: usize, n: usize): i32 {
  let s: i32 = 0;
  for (let i: usize = 0; i < n; i++) s += load<i32>(x + (i << 2));
  return s;
}

@inline function sumDim<T>(x: usize, out: usize, outer: usize, len: usize, inner: usize): void {
  for (let o: usize = 0; o < outer; o++) {
    const src = x + o * len * inner * 4, dst = out + o * inner * 4;
    if (inner == 1) {
      if (isFloat<T>()) store<f32>(dst, sum_f32(src, len));
      else store<i32>(dst, sum_i32(src, len));
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

// Max (isMin = false) or min over n > 0 elements.
@inline function extremum<T>(x: usize, n: usize, isMin: bool): T {
  let m = load<T>(x);
  for (let i: usize = 1; i < n; i++) { const v = load<T>(x + (i << 2)); if (wins<T>(v, m, isMin)) m = v; }
  return m;
}
export function max_f32(x: usize, n: usize, isMin: bool): f32 { return extremum<f32>(x, n, isMin); }
export function max_i32(x: usize, n: usize, isMin: bool): i32 { return extremum<i32>(x, n, isMin); }

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
