// Dense float32 matrix multiply, C = op(A) · op(B), batched.
// A is [m, k] row-major ([k, m] when transA), B is [k, n] ([n, k] when transB),
// C is [m, n]. Batch t reads A at a + t*strideA (bytes; 0 broadcasts one matrix
// over the batch), likewise B and C.
//
// Every C element is the float32 sum of A(i, p)·B(p, j) over p = 0, 1, ..., k-1
// in that order, starting from +0, each product and each sum rounded to f32
// (plain f32x4.mul + f32x4.add, no fused multiply-add, no reassociation). So
// the result does not depend on the transpose flags, on the sizes that pick a
// code path below, or on the engine: the same bits everywhere.
//
// The register tile is 4 rows x 8 columns of C in eight v128 accumulators: per
// step p, two loads of B(p, j..j+7), four splats of A(i..i+3, p), 8 mul + 8 add.
//
// Large products (GotoBLAS-style): blocks of op(B) (KC deep, NC wide) are packed
// into the caller's scratch block so that the tile's loads are contiguous
// whatever the layout; a transposed B costs a 4x4 register transpose while
// packing and nothing in the inner loop. A transposed A is packed likewise in
// blocks (MC tall, KC deep); a plain A is read in place, four row streams that
// the tile only splats (packing it cost 1-2% at n = 256 to 1024).
// A later KC block reloads C and continues the same sequential sum.
// The direct path takes products whose operands fit in L2 and thin ones (under
// 4 rows or columns, under 16 rows unless B is transposed): no blocking, no
// packing of A (it is only splatted, so any layout will do). B is read in place:
// by the tiles, or streamed a row at a time into each row of C when there are
// few rows. A transposed B is copied once into 8-column slivers when at least
// eight rows reuse it (four if it is not tiny), otherwise read as 4x4 blocks
// transposed in registers.
//
// The module is optimized with shrinkLevel 1 (asconfig.json), under which binaryen
// would leave the tile and panel helpers out of line; they are marked @inline so that
// the small products (W3 at n = 64) keep the speed they have at shrinkLevel 0.
//
// matmul_f32_scratch(m, k, n, transA, transB) gives the scratch bytes a product
// needs (0 for most small ones); matmul_f32 handed a smaller block returns that
// number instead of computing, so a caller can keep one block and grow it.

import { transpose4 } from "./transpose";

const MR: usize = 4;     // rows of the register tile
const NR: usize = 8;     // columns of the register tile (two v128)
const KC: usize = 256;   // depth of a packed block
const MC: usize = 128;   // rows of op(A) packed at once
const NC: usize = 1024;  // columns of op(B) packed at once

@inline function roundUp(x: usize, r: usize): usize { return (x + r - 1) / r * r; }

/** Operands beyond L2: m*k + k*n > 64 Ki floats. */
@inline function largeOperands(m: usize, k: usize, n: usize): bool {
  return <u64>k * <u64>(m + n) > 65536;
}

/**
 * Which products take the packed path: large operands, both sides at least a tile
 * wide and, unless B is transposed, 16 rows or more (fewer rows stream B in place).
 */
@inline function usesPacked(m: usize, n: usize, transB: bool, large: bool): bool {
  return large && m >= 4 && n >= 4 && (transB || m >= 16);
}

/** Direct path, B not transposed: under 4 rows, or under 16 with large operands, a row at a time. */
@inline function streamsRows(m: usize, large: bool): bool {
  return m < 4 || (m < 16 && large);
}

/** Direct path, B transposed: B is copied into slivers unless it is tiny or only a few rows read it. */
@inline function packsB(m: usize, k: usize, n: usize, transB: bool): bool {
  return transB && m >= 4 && n >= 4 && (m >= 8 || <u64>k * <u64>n >= 64);
}

@inline function scratchBytes(m: usize, k: usize, n: usize, transB: bool, large: bool): usize {
  if (!usesPacked(m, n, transB, large)) return packsB(m, k, n, transB) ? (k * roundUp(n, NR)) << 2 : 0;
  const kc = min(k, KC);
  return (kc * roundUp(min(n, NC), NR) + roundUp(min(m, MC), MR) * kc + MR * NR) << 2;
}

/** Bytes of scratch matmul_f32 needs for one product of these sizes (0 when none). */
export function matmul_f32_scratch(m: usize, k: usize, n: usize, transA: bool, transB: bool): usize {
  if (m == 0 || n == 0 || k == 0) return 0;
  if (n == 1 || k == 1) transB = false; // see matmul_f32
  return scratchBytes(m, k, n, transB, largeOperands(m, k, n));
}

// ---- packing -----------------------------------------------------------------

// Copies a w-wide panel of `rows` scalars, transposing: for each p < kc, the w values
// src + q*ld + p*4 (q < cnt) then zeros go to dst + p*w*4. Edges and remainders only.
@inline function gatherPanel(src: usize, ld: usize, cnt: usize, kc: usize, dst: usize, w: usize): void {
  for (let p: usize = 0; p < kc; p++) {
    const d = dst + p * w * 4;
    let q: usize = 0;
    for (; q < cnt; q++) store<f32>(d + (q << 2), load<f32>(src + q * ld + (p << 2)));
    for (; q < w; q++) store<f32>(d + (q << 2), 0);
  }
}
// Copies kc rows of cnt contiguous scalars (ld bytes apart) into rows of w, zero-padded.
@inline function copyPanel(src: usize, ld: usize, cnt: usize, kc: usize, dst: usize, w: usize): void {
  for (let p: usize = 0; p < kc; p++) {
    const d = dst + p * w * 4, s = src + p * ld;
    let q: usize = 0;
    for (; q < cnt; q++) store<f32>(d + (q << 2), load<f32>(s + (q << 2)));
    for (; q < w; q++) store<f32>(d + (q << 2), 0);
  }
}

// The kc x nc block of op(B) at (pc, jc), as slivers of NR columns: sliver s holds,
// for each p, the NR values B(p, jc + s*NR + 0..NR-1) (zeros past n).
function packB(b: usize, k: usize, n: usize, transB: bool, pc: usize, jc: usize, kc: usize, nc: usize, dst: usize): void {
  for (let j: usize = 0; j < nc; j += NR) {
    const nr = min(NR, nc - j);
    const d = dst + j * kc * 4;
    if (!transB) {
      const src = b + (pc * n + jc + j) * 4, ld = n << 2;
      if (nr == NR) {
        for (let p: usize = 0; p < kc; p++) {
          const s = src + p * ld, e = d + p * (NR * 4);
          v128.store(e, v128.load(s));
          v128.store(e, v128.load(s, 16), 16);
        }
      } else {
        copyPanel(src, ld, nr, kc, d, NR);
      }
    } else {
      // stored [n, k]: B(p, j) at (j*k + p)
      const src = b + ((jc + j) * k + pc) * 4, ld = k << 2;
      if (nr == NR) {
        let p: usize = 0;
        for (; p + 4 <= kc; p += 4) {
          transpose4(src + p * 4, ld, d + p * (NR * 4), NR * 4);
          transpose4(src + 4 * ld + p * 4, ld, d + p * (NR * 4) + 16, NR * 4);
        }
        if (p < kc) gatherPanel(src + p * 4, ld, NR, kc - p, d + p * (NR * 4), NR);
      } else {
        gatherPanel(src, ld, nr, kc, d, NR);
      }
    }
  }
}

// The mc x kc block of op(A) at (ic, pc), as slivers of MR rows: for each p, MR values.
function packA(a: usize, m: usize, k: usize, transA: bool, ic: usize, pc: usize, mc: usize, kc: usize, dst: usize): void {
  let i0: usize = 0;
  if (transA) {
    // Four slivers at a time: each p reads 16 consecutive values of the stored A (a cache
    // line) once, where sliver by sliver read each line four times (Aᵀ·B at n = 256: +3%).
    const ld = m << 2, ss = kc * (MR * 4);
    for (; i0 + 4 * MR <= mc; i0 += 4 * MR) {
      const src = a + (pc * m + ic + i0) * 4, d = dst + i0 * kc * 4;
      for (let p: usize = 0; p < kc; p++) {
        const s = src + p * ld, e = d + p * (MR * 4);
        v128.store(e, v128.load(s));
        v128.store(e + ss, v128.load(s, 16));
        v128.store(e + 2 * ss, v128.load(s, 32));
        v128.store(e + 3 * ss, v128.load(s, 48));
      }
    }
  }
  for (let i = i0; i < mc; i += MR) {
    const mr = min(MR, mc - i);
    const d = dst + i * kc * 4;
    if (transA) {
      // stored [k, m]: A(i, p) at (p*m + i)
      const src = a + (pc * m + ic + i) * 4, ld = m << 2;
      if (mr == MR) {
        for (let p: usize = 0; p < kc; p++) v128.store(d + p * (MR * 4), v128.load(src + p * ld));
      } else {
        copyPanel(src, ld, mr, kc, d, MR);
      }
    } else {
      // only the last mc % MR rows of a plain A are packed (gemmPacked reads the others in place)
      gatherPanel(a + ((ic + i) * k + pc) * 4, k << 2, mr, kc, d, MR);
    }
  }
}

// ---- the register tile ------------------------------------------------------------

// The 4x8 tile of C at c (rows ldc bytes apart) (+)= A[4 rows] · B[:, 8 columns] over
// k steps: A(r, p) at a + r*rs + p*cs, B(p, 0..7) at b + p*ldb. `first` starts the sums
// at +0, otherwise they continue from C. Both the packed path (rs 4, cs 16, ldb 32) and
// the direct one inline it; the four rows of A have a pointer each, so that V8 keeps all
// address arithmetic out of the inner loop but five adds.
@inline function tile4x8(a: usize, rs: usize, cs: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: usize, first: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  if (!first) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let a0 = a, a1 = a + rs, a2 = a1 + rs, a3 = a2 + rs, pb = b;
  let p = k;
  do {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    a0 += cs; a1 += cs; a2 += cs; a3 += cs; pb += ldb;
  } while (--p);
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

// For s < slivers: the 4x8 tile of C at c + s*4*ldc (+)= A sliver s · B sliver bp, where
// A(r, p) of sliver s is at a + s*ss + r*rs + p*cs (packed: rs 4, cs 16, ss 16kc).
function tiles(a: usize, rs: usize, cs: usize, ss: usize, bp: usize, kc: usize, c: usize, ldc: usize, first: bool, slivers: usize): void {
  for (let s: usize = 0; s < slivers; s++) {
    tile4x8(a, rs, cs, bp, NR * 4, c, ldc, kc, first);
    a += ss; c += MR * ldc;
  }
}

// A partial tile (mr x nr of C) through the MR x NR buffer `tile`; A as in tiles().
function edgeTile(a: usize, rs: usize, cs: usize, bp: usize, kc: usize, c: usize, ldc: usize, first: bool, mr: usize, nr: usize, tile: usize): void {
  if (!first) {
    for (let r: usize = 0; r < mr; r++) memory.copy(tile + r * (NR * 4), c + r * ldc, nr << 2);
  }
  tiles(a, rs, cs, 0, bp, kc, tile, NR * 4, first, 1);
  for (let r: usize = 0; r < mr; r++) memory.copy(c + r * ldc, tile + r * (NR * 4), nr << 2);
}

// C[mc x nc] (+)= A block · packed B block: the whole slivers of A as in tiles(), the
// last mc % MR rows packed at apEdge.
function macroKernel(
  a: usize, rs: usize, cs: usize, ss: usize, apEdge: usize, bpack: usize, c: usize, mc: usize, nc: usize, kc: usize, ldc: usize, first: bool, tile: usize,
): void {
  const full = mc / MR, mr = mc % MR;
  const cEdge = c + full * MR * ldc;
  for (let j: usize = 0; j < nc; j += NR) {
    const nr = min(NR, nc - j);
    const bp = bpack + j * kc * 4;
    if (nr == NR) {
      if (full) tiles(a, rs, cs, ss, bp, kc, c + j * 4, ldc, first, full);
    } else {
      for (let s: usize = 0; s < full; s++) edgeTile(a + s * ss, rs, cs, bp, kc, c + s * MR * ldc + j * 4, ldc, first, MR, nr, tile);
    }
    if (mr) edgeTile(apEdge, MR, MR * 4, bp, kc, cEdge + j * 4, ldc, first, mr, nr, tile);
  }
}

// Rows r0..r1 of C (r0 a multiple of MC unless it is a thread's share: any row will do).
function gemmPacked(
  a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, transA: bool, transB: bool, scratch: usize, bReady: bool, r0: usize, r1: usize,
): void {
  const kcMax = min(k, KC);
  const bpack = scratch;
  const apack = bpack + kcMax * roundUp(min(n, NC), NR) * 4;
  const tile = apack + roundUp(min(m, MC), MR) * kcMax * 4;
  for (let jc: usize = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: usize = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      if (!bReady) packB(b, k, n, transB, pc, jc, kc, nc, bpack);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        const cb = c + (ic * n + jc) * 4, first = pc == 0;
        if (transA) {
          packA(a, m, k, true, ic, pc, mc, kc, apack);
          macroKernel(apack, 4, MR * 4, kc * (MR * 4), apack + (mc & ~(MR - 1)) * kc * 4, bpack, cb, mc, nc, kc, n << 2, first, tile);
        } else {
          // Rows of A are read in place (only the last mc % MR are packed): splats need
          // no contiguity, and four row streams are as fast as one packed one.
          const full = mc & ~(MR - 1);
          if (full < mc) packA(a, m, k, false, ic + full, pc, mc - full, kc, apack);
          macroKernel(a + (ic * k + pc) * 4, k << 2, 4, MR * (k << 2), apack, bpack, cb, mc, nc, kc, n << 2, first, tile);
        }
      }
    }
  }
}

// ---- direct path for small products ------------------------------------------------
// A(i, p) at a + i*rs + p*cs (any layout). B(p, j) at b + p*ldb + j*4 unless said
// otherwise. C(i, j) at c + i*ldc + j*4.

// C[4 x 4], B not transposed.
@inline function direct4x4(a: usize, rs: usize, cs: usize, b: usize, ldb: usize, c: usize, ldc: usize, k: usize): void {
  let a0 = a, a1 = a + rs, a2 = a1 + rs, a3 = a2 + rs, pb = b;
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  for (let p: usize = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(a0), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(a1), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(a2), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(a3), b0));
    a0 += cs; a1 += cs; a2 += cs; a3 += cs; pb += ldb;
  }
  v128.store(c, c0);
  v128.store(c + ldc, c1);
  v128.store(c + 2 * ldc, c2);
  v128.store(c + 3 * ldc, c3);
}

// C[1 x 8] and C[1 x 4], B not transposed.
function direct1x8(a: usize, cs: usize, b: usize, ldb: usize, c: usize, k: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, pa = a, pb = b;
  for (let p: usize = 0; p < k; p++) {
    const x = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(pb, 16)));
    pa += cs; pb += ldb;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}
function direct1x4(a: usize, cs: usize, b: usize, ldb: usize, c: usize, k: usize): void {
  let c0 = f32x4.splat(0), pa = a, pb = b;
  for (let p: usize = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += cs; pb += ldb;
  }
  v128.store(c, c0);
}

// C[1 x 4] with B transposed.
@inline function direct1x4T(a: usize, cs: usize, b: usize, ldb: usize, c: usize, k: usize): void {
  let pa = a, pb = b;
  let c0 = f32x4.splat(0);
  const cs2 = cs << 1, cs3 = cs2 + cs, cs4 = cs << 2;
  let p: usize = 0;
  for (; p + 4 <= k; p += 4) {
    const r0 = v128.load(pb), r1 = v128.load(pb + ldb), r2 = v128.load(pb + 2 * ldb), r3 = v128.load(pb + 3 * ldb);
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.shuffle<f32>(t0, t2, 0, 1, 4, 5)));
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa + cs), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7)));
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa + cs2), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5)));
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa + cs3), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7)));
    pa += cs4; pb += 16;
  }
  for (; p < k; p++) {
    let v = v128.load32_splat(pb);
    v = f32x4.replace_lane(v, 1, load<f32>(pb + ldb));
    v = f32x4.replace_lane(v, 2, load<f32>(pb + 2 * ldb));
    v = f32x4.replace_lane(v, 3, load<f32>(pb + 3 * ldb));
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v));
    pa += cs; pb += 4;
  }
  v128.store(c, c0);
}

// C[4 x 1] for column j, B(p, j) at bj + p*bs: a vector down the four rows.
function direct4x1(a: usize, rs: usize, cs: usize, bj: usize, bs: usize, c: usize, ldc: usize, k: usize): void {
  let acc = f32x4.splat(0), pa = a, pb = bj;
  let p: usize = 0;
  if (rs != 4) {
    // rows of A are contiguous (cs == 4): 4x4 blocks transposed in registers
    const a1 = rs, a2 = rs << 1, a3 = a2 + rs, bs2 = bs << 1, bs3 = bs2 + bs, bs4 = bs << 2;
    for (; p + 4 <= k; p += 4) {
      const r0 = v128.load(pa), r1 = v128.load(pa + a1), r2 = v128.load(pa + a2), r3 = v128.load(pa + a3);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      acc = f32x4.add(acc, f32x4.mul(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), v128.load32_splat(pb)));
      acc = f32x4.add(acc, f32x4.mul(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), v128.load32_splat(pb + bs)));
      acc = f32x4.add(acc, f32x4.mul(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), v128.load32_splat(pb + bs2)));
      acc = f32x4.add(acc, f32x4.mul(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), v128.load32_splat(pb + bs3)));
      pa += 16; pb += bs4;
    }
    for (; p < k; p++) {
      let u = v128.load32_splat(pa);
      u = f32x4.replace_lane(u, 1, load<f32>(pa + a1));
      u = f32x4.replace_lane(u, 2, load<f32>(pa + a2));
      u = f32x4.replace_lane(u, 3, load<f32>(pa + a3));
      acc = f32x4.add(acc, f32x4.mul(u, v128.load32_splat(pb)));
      pa += 4; pb += bs;
    }
  } else {
    // A transposed: A(i..i+3, p) is contiguous
    for (; p < k; p++) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(pa), v128.load32_splat(pb)));
      pa += cs; pb += bs;
    }
  }
  store<f32>(c, f32x4.extract_lane(acc, 0));
  store<f32>(c + ldc, f32x4.extract_lane(acc, 1));
  store<f32>(c + 2 * ldc, f32x4.extract_lane(acc, 2));
  store<f32>(c + 3 * ldc, f32x4.extract_lane(acc, 3));
}
// C[1 x 1].
@inline function direct1x1(a: usize, cs: usize, bj: usize, bs: usize, c: usize, k: usize): void {
  let s: f32 = 0, pa = a, pb = bj;
  for (let p: usize = 0; p < k; p++) {
    s += load<f32>(pa) * load<f32>(pb);
    pa += cs; pb += bs;
  }
  store<f32>(c, s);
}

// C[i, :] += A(i, p..p+3)·B(p..p+3, :) over a row of C in memory (p in order per element);
// `first` starts the row at +0 instead of reading it.
@inline function rowUpdate4(c: usize, x0: v128, x1: v128, x2: v128, x3: v128, b0: usize, ldb: usize, n: usize, first: bool): void {
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let j: usize = 0;
  for (; j + 4 <= n; j += 4) {
    const o = j << 2;
    let v = first ? f32x4.splat(0) : v128.load(c + o);
    v = f32x4.add(v, f32x4.mul(x0, v128.load(b0 + o)));
    v = f32x4.add(v, f32x4.mul(x1, v128.load(b1 + o)));
    v = f32x4.add(v, f32x4.mul(x2, v128.load(b2 + o)));
    v = f32x4.add(v, f32x4.mul(x3, v128.load(b3 + o)));
    v128.store(c + o, v);
  }
  for (; j < n; j++) {
    const o = j << 2;
    let s: f32 = first ? 0 : load<f32>(c + o);
    s += f32x4.extract_lane(x0, 0) * load<f32>(b0 + o);
    s += f32x4.extract_lane(x1, 0) * load<f32>(b1 + o);
    s += f32x4.extract_lane(x2, 0) * load<f32>(b2 + o);
    s += f32x4.extract_lane(x3, 0) * load<f32>(b3 + o);
    store<f32>(c + o, s);
  }
}
@inline function rowUpdate1(c: usize, x0: v128, b0: usize, n: usize, first: bool): void {
  let j: usize = 0;
  for (; j + 4 <= n; j += 4) {
    const o = j << 2;
    const v = first ? f32x4.splat(0) : v128.load(c + o);
    v128.store(c + o, f32x4.add(v, f32x4.mul(x0, v128.load(b0 + o))));
  }
  for (; j < n; j++) {
    const o = j << 2;
    const s: f32 = first ? 0 : load<f32>(c + o);
    store<f32>(c + o, s + f32x4.extract_lane(x0, 0) * load<f32>(b0 + o));
  }
}

// One row of C, B not transposed and read in place: B streamed row by row, four rows at a
// time, into the row of C (which stays in L1). For products of few rows.
function rowStream(a: usize, cs: usize, b: usize, ldb: usize, c: usize, k: usize, n: usize): void {
  let p: usize = 0;
  if (k >= 4) {
    rowUpdate4(c, v128.load32_splat(a), v128.load32_splat(a + cs), v128.load32_splat(a + 2 * cs), v128.load32_splat(a + 3 * cs), b, ldb, n, true);
    for (p = 4; p + 4 <= k; p += 4) {
      const ap = a + p * cs;
      rowUpdate4(c, v128.load32_splat(ap), v128.load32_splat(ap + cs), v128.load32_splat(ap + 2 * cs), v128.load32_splat(ap + 3 * cs), b + p * ldb, ldb, n, false);
    }
  } else {
    rowUpdate1(c, v128.load32_splat(a), b, n, true);
    p = 1;
  }
  for (; p < k; p++) rowUpdate1(c, v128.load32_splat(a + p * cs), b + p * ldb, n, false);
}

// Small products, B not transposed: B(p, j) at b + (j/8)*bs8 + p*ldb + (j%8)*4, which is
// B in place (bs8 = 32, ldb = 4n) or packed into slivers of 8 columns (bs8 = 32k, ldb = 32).
// Tiles of 4 rows by 8, 4, 1 columns, then single rows.
function gemmDirect(a: usize, rs: usize, cs: usize, b: usize, bs8: usize, ldb: usize, c: usize, m: usize, k: usize, n: usize): void {
  const ldc = n << 2, n8 = n & ~7, n4 = n & ~3;
  let i: usize = 0;
  for (; i + 4 <= m; i += 4) {
    const ai = a + i * rs, ci = c + i * ldc;
    let j: usize = 0;
    for (; j < n8; j += 8) tile4x8(ai, rs, cs, b + (j >> 3) * bs8, ldb, ci + (j << 2), ldc, k, true);
    if (j < n4) { direct4x4(ai, rs, cs, b + (j >> 3) * bs8, ldb, ci + (j << 2), ldc, k); j += 4; }
    for (; j < n; j++) direct4x1(ai, rs, cs, b + (j >> 3) * bs8 + ((j & 7) << 2), ldb, ci + (j << 2), ldc, k);
  }
  for (; i < m; i++) {
    const ai = a + i * rs, ci = c + i * ldc;
    let j: usize = 0;
    for (; j < n8; j += 8) direct1x8(ai, cs, b + (j >> 3) * bs8, ldb, ci + (j << 2), k);
    if (j < n4) { direct1x4(ai, cs, b + (j >> 3) * bs8, ldb, ci + (j << 2), k); j += 4; }
    for (; j < n; j++) direct1x1(ai, cs, b + (j >> 3) * bs8 + ((j & 7) << 2), ldb, ci + (j << 2), k);
  }
}

// B transposed (B(p, j) at b + j*ldb + p*4) for a few rows, or with no scratch: no copy
// of B, each row reads it as 4x4 blocks transposed in registers.
function gemmDirectT(a: usize, rs: usize, cs: usize, b: usize, ldb: usize, c: usize, m: usize, k: usize, n: usize): void {
  const ldc = n << 2, n4 = n & ~3;
  for (let i: usize = 0; i < m; i++) {
    const ai = a + i * rs, ci = c + i * ldc;
    let j: usize = 0;
    for (; j < n4; j += 4) direct1x4T(ai, cs, b + j * ldb, ldb, ci + (j << 2), k);
    for (; j < n; j++) direct1x1(ai, cs, b + j * ldb, 4, ci + (j << 2), k);
  }
}

/**
 * C = op(A)·op(B) for each of `batch` products. Returns 0 when done. Given a
 * scratch block smaller than matmul_f32_scratch(...) it returns the bytes it
 * needs and leaves C alone, unless scratch is 0 (no block at all): then it
 * computes on the direct path, which needs none (the same bits, slower when large).
 */
export function matmul_f32(
  a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, transA: bool, transB: bool,
  batch: usize, strideA: usize, strideB: usize, strideC: usize, scratch: usize, bytes: usize,
): usize {
  if (m == 0 || n == 0) return 0;
  if (k == 0) {
    for (let t: usize = 0; t < batch; t++) memory.fill(c + t * strideC, 0, (m * n) << 2);
    return 0;
  }
  // With a single row, column or k the transposed layouts are the same memory.
  if (m == 1) transA = false;
  if (n == 1) transB = false;
  if (k == 1) { transA = false; transB = false; }
  const large = largeOperands(m, k, n);
  const need = scratchBytes(m, k, n, transB, large);
  if (bytes < need && scratch != 0) return need;
  const enough = bytes >= need;
  if (enough && usesPacked(m, n, transB, large)) {
    // A broadcast B is packed once when one block holds all of it.
    const keepB = strideB == 0 && k <= KC && n <= NC;
    for (let t: usize = 0; t < batch; t++) {
      gemmPacked(a, b, c, m, k, n, transA, transB, scratch, keepB && t > 0, 0, m);
      a += strideA; b += strideB; c += strideC;
    }
    return 0;
  }
  const rs: usize = transA ? 4 : k << 2, cs: usize = transA ? m << 2 : 4;
  const stream = streamsRows(m, large), copyB = enough && packsB(m, k, n, transB);
  for (let t: usize = 0; t < batch; t++) {
    if (!transB) {
      if (stream) {
        for (let i: usize = 0; i < m; i++) rowStream(a + i * rs, cs, b, n << 2, c + i * (n << 2), k, n);
      } else {
        gemmDirect(a, rs, cs, b, 32, n << 2, c, m, k, n);
      }
    } else if (copyB) {
      // pack B once (once for the whole batch when it is broadcast)
      if (t == 0 || strideB != 0) packB(b, k, n, true, 0, 0, k, n, scratch);
      gemmDirect(a, rs, cs, scratch, k * (NR * 4), NR * 4, c, m, k, n);
    } else {
      gemmDirectT(a, rs, cs, b, k << 2, c, m, k, n);
    }
    a += strideA; b += strideB; c += strideC;
  }
  return 0;
}

/**
 * Whether matmul_f32 would take the packed path for these sizes, and so
 * whether matmul_f32_rows can split the product across threads.
 */
export function matmul_f32_splits(m: usize, k: usize, n: usize, transB: bool): bool {
  if (n == 1 || k == 1) transB = false;
  return usesPacked(m, n, transB, largeOperands(m, k, n));
}

/**
 * Rows r0..r1 of every product's C: one thread's share of a matmul_f32 for which
 * matmul_f32_splits holds, with a scratch block of its own of
 * matmul_f32_scratch(...) bytes. Each element is the same sequential sum as in
 * matmul_f32, so however the rows are split, the bits are the same.
 */
export function matmul_f32_rows(
  a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, transA: bool, transB: bool,
  batch: usize, strideA: usize, strideB: usize, strideC: usize, scratch: usize, r0: usize, r1: usize,
): void {
  if (k == 1) { transA = false; transB = false; }
  const keepB = strideB == 0 && k <= KC && n <= NC;
  for (let t: usize = 0; t < batch; t++) {
    gemmPacked(a, b, c, m, k, n, transA, transB, scratch, keepB && t > 0, r0, r1);
    a += strideA; b += strideB; c += strideC;
  }
}
