// The float32 sum in torch's order (cascade_sum in aten/src/ATen/native/cpu/SumKernel.cpp,
// one thread, AVX2), for sums, means and mse's forward, so that they match torch bit
// for bit. With n >= 8 the data is read as n/8 "items" of 8 floats, summed with 4
// interleaved partial sums whose running totals move up a cascade of 4 levels every
// 16 rows of 4 items; then the scalar tail and the 8 lanes are added one by one.
// With n < 8 the elements themselves are the items.
//
// acc[level][row], 8 floats each, is fixed scratch (scratch.ts).
import { CASCADE_ACC as ACC, CASCADE_ACC_BYTES } from "./scratch";

@inline function ceilLog2(x: usize): usize {
  return x <= 2 ? 1 : <usize>(64 - clz<u64>(<u64>x - 1));
}

// acc(level, row) += item i of x (8 floats)
@inline function addItem(dst: usize, src: usize): void {
  v128.store(dst, f32x4.add(v128.load(dst), v128.load(src)));
  v128.store(dst, f32x4.add(v128.load(dst, 16), v128.load(src, 16)), 16);
}

// Item i of the data, 8 floats at byte offset o = 32i: x's own (y == 0), or the
// squares of the differences x - y, each difference also stored at d (mse's forward).
@inline function addSource(dst: usize, x: usize, y: usize, d: usize, o: usize): void {
  let lo = v128.load(x + o), hi = v128.load(x + o, 16);
  if (y) {
    lo = f32x4.sub(lo, v128.load(y + o)); hi = f32x4.sub(hi, v128.load(y + o, 16));
    v128.store(d + o, lo); v128.store(d + o, hi, 16);
    lo = f32x4.mul(lo, lo); hi = f32x4.mul(hi, hi);
  }
  v128.store(dst, f32x4.add(v128.load(dst), lo));
  v128.store(dst, f32x4.add(v128.load(dst, 16), hi), 16);
}
// Element i likewise (out of line: only tails and sums under 8 elements use it).
function element(x: usize, y: usize, d: usize, i: usize): f32 {
  let v = load<f32>(x + (i << 2));
  if (y) {
    v -= load<f32>(y + (i << 2));
    store<f32>(d + (i << 2), v);
    v *= v;
  }
  return v;
}

// The items' sum into acc(0, 0) (lanes kept apart), as torch's row_sum with ilp 4.
function rowSum8(x: usize, y: usize, d: usize, items: usize): void {
  memory.fill(ACC, 0, CASCADE_ACC_BYTES);
  const rows = items >> 2;
  let i: usize = 0;
  if (rows > 0) {
    const power = max<usize>(4, ceilLog2(rows) / 4);
    const step: usize = <usize>1 << power, mask = step - 1;
    while (i + step <= rows) {
      for (let j: usize = 0; j < step; j++, i++) {
        for (let r: usize = 0; r < 4; r++) addSource(ACC + (r << 5), x, y, d, (i * 4 + r) << 5);
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
      for (let r: usize = 0; r < 4; r++) addSource(ACC + (r << 5), x, y, d, (i * 4 + r) << 5);
    }
    for (let lvl: usize = 1; lvl < 4; lvl++) {
      for (let r: usize = 0; r < 4; r++) addItem(ACC + (r << 5), ACC + (((lvl << 2) + r) << 5));
    }
  }
  for (i = rows * 4; i < items; i++) addSource(ACC, x, y, d, i << 5);
  for (let r: usize = 1; r < 4; r++) addItem(ACC, ACC + (r << 5));
}

// The sum of n elements (see element()) in torch's order.
export function cascadeSum(x: usize, y: usize, d: usize, n: usize): f32 {
  let s: f32 = 0;
  if (n >= 8) {
    const items = n >> 3;
    rowSum8(x, y, d, items);
    for (let i = items << 3; i < n; i++) s += element(x, y, d, i);
    for (let l: usize = 0; l < 8; l++) s += load<f32>(ACC + (l << 2));
  } else {
    // fewer than 8: at most one row of 4, whose partial sums pass the (zero) upper levels
    let p0: f32 = 0, p1: f32 = 0, p2: f32 = 0, p3: f32 = 0;
    let i: usize = 0;
    if (n >= 4) {
      p0 = element(x, y, d, 0) + 0 + 0 + 0;
      p1 = element(x, y, d, 1) + 0 + 0 + 0;
      p2 = element(x, y, d, 2) + 0 + 0 + 0;
      p3 = element(x, y, d, 3) + 0 + 0 + 0;
      i = 4;
    }
    for (; i < n; i++) p0 += element(x, y, d, i);
    s = ((p0 + p1) + p2) + p3;
  }
  return s + 0; // torch accumulates into a zero-filled output
}
