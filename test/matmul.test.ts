// The matmul_f32 kernel (assembly/matmul.ts) on its own: every transpose case,
// batches with a broadcast (stride 0) operand, sizes 0 and 1, odd sizes and
// sizes that are not multiples of the register tile (4x8) or of the packed
// blocks (KC = 256 deep, MC = 128 rows, NC = 1024 columns), on every code path
// (direct: operands within 64 Ki floats or thin products; packed: the rest).
//
// Three checks per product:
//  - a float64 reference, within the error bound of a float32 dot product,
//    (k + 2)·ε·Σ|A(i,p)·B(p,j)|, a bound relative to the terms' magnitudes;
//  - the kernel's contract: each C element is the float32 sum over p in order
//    (from +0, each product and sum rounded), emulated with Math.fround, bit for
//    bit. So every path, layout and engine gives the same bits;
//  - the same bits with no scratch block (scratch = 0: the kernel then takes the
//    direct path, which needs none).

import { describe, expect, it } from "vitest";
import * as wg from "../src/index";
import { k } from "../src/backend/module";
import { alloc, free, f32 } from "../src/backend/memory";
import { mulberry32 } from "./helpers/bridge";

const EPS32 = 2 ** -23;

interface Case {
  m: number; kk: number; n: number; tA: boolean; tB: boolean;
  batch: number; oneA: boolean; oneB: boolean; // one matrix broadcast over the batch (stride 0)
}

interface Operands { a: Float32Array; b: Float32Array }

/** Random operands; `special` is the fraction of entries drawn from ±0, ±Inf, NaN, tiny and huge values. */
function operands(c: Case, seed: number, special = 0): Operands {
  const rand = mulberry32(seed);
  const pool = [0, -0, Infinity, -Infinity, NaN, 1e-38, -3e38, 1];
  const fill = (len: number) => {
    const x = new Float32Array(len);
    for (let i = 0; i < len; i++) x[i] = special > 0 && rand() < special ? pool[Math.floor(rand() * pool.length)] : rand() * 2 - 1;
    return x;
  };
  return { a: fill((c.oneA ? 1 : c.batch) * c.m * c.kk), b: fill((c.oneB ? 1 : c.batch) * c.kk * c.n) };
}

/** Where A(i, p) and B(p, j) of batch element t are: a0 + i*ai + p*ap, b0 + p*bp + j*bj. */
function layout(c: Case, t: number) {
  const { m, kk, n, tA, tB } = c;
  return {
    a0: c.oneA ? 0 : t * m * kk, ai: tA ? 1 : kk, ap: tA ? m : 1,
    b0: c.oneB ? 0 : t * kk * n, bp: tB ? 1 : n, bj: tB ? kk : 1,
  };
}

const GUARD = 16;

/**
 * Runs the kernel on copies of the operands in linear memory; C starts as NaN and
 * GUARD floats past it must stay NaN. scratch: "exact" gives matmul_f32_scratch's
 * bytes, "none" a null block.
 */
function runKernel(c: Case, ops: Operands, scratch: "exact" | "none" = "exact"): Float32Array {
  const { m, kk, n, tA, tB, batch } = c;
  const K = k();
  const need = scratch === "exact" ? K.matmul_f32_scratch(m, kk, n, tA, tB) : 0;
  const bytesA = Math.max(4, ops.a.length * 4), bytesB = Math.max(4, ops.b.length * 4);
  const bytesC = (batch * m * n + GUARD) * 4, bytesS = Math.max(4, need);
  const pa = alloc(bytesA), pb = alloc(bytesB), pc = alloc(bytesC), ps = alloc(bytesS);
  try {
    f32().set(ops.a, pa >> 2);
    f32().set(ops.b, pb >> 2);
    f32().fill(NaN, pc >> 2, (pc + bytesC) >> 2);
    K.matmul_f32(pa, pb, pc, m, kk, n, tA, tB, batch,
      c.oneA ? 0 : m * kk * 4, c.oneB ? 0 : kk * n * 4, m * n * 4, need > 0 ? ps : 0, need);
    const out = f32().slice(pc >> 2, (pc >> 2) + batch * m * n);
    const guard = f32().subarray((pc >> 2) + batch * m * n, (pc + bytesC) >> 2);
    expect(guard.every(Number.isNaN), "the kernel wrote past C").toBe(true);
    return out;
  } finally {
    free(ps, bytesS); free(pc, bytesC); free(pb, bytesB); free(pa, bytesA);
  }
}

/** The kernel's summation order in float32: s = fround(s + fround(a·b)) for p = 0..k-1, from +0. */
function sequentialF32(c: Case, { a, b }: Operands): Float32Array {
  const { m, kk, n, batch } = c;
  const out = new Float32Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const { a0, ai, ap, b0, bp, bj } = layout(c, t);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0, x = a0 + i * ai, y = b0 + j * bj; p < kk; p++, x += ap, y += bp) s = Math.fround(s + Math.fround(a[x] * b[y]));
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

/** float64 reference and the error bound (k + 2)·ε·Σ|terms| of each element. */
function reference64(c: Case, { a, b }: Operands): { ref: Float64Array; tol: Float64Array } {
  const { m, kk, n, batch } = c;
  const ref = new Float64Array(batch * m * n), tol = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const { a0, ai, ap, b0, bp, bj } = layout(c, t);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, abs = 0;
        for (let p = 0, x = a0 + i * ai, y = b0 + j * bj; p < kk; p++, x += ap, y += bp) {
          const v = a[x] * b[y];
          s += v;
          abs += Math.abs(v);
        }
        ref[(t * m + i) * n + j] = s;
        tol[(t * m + i) * n + j] = (kk + 2) * EPS32 * abs + 1e-44;
      }
    }
  }
  return { ref, tol };
}

function bits(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Index of the first element whose bits differ (NaNs of any payload count as equal), or -1. */
function firstDifference(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  const bx = bits(x), by = bits(y);
  for (let i = 0; i < x.length; i++) {
    if (bx[i] !== by[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return i;
  }
  return -1;
}

const name = (c: Case) =>
  `${c.tA ? "Aᵀ" : "A"}·${c.tB ? "Bᵀ" : "B"} m=${c.m} k=${c.kk} n=${c.n} batch=${c.batch}${c.oneA ? " (one A)" : ""}${c.oneB ? " (one B)" : ""}`;

function checkCase(c: Case, seed: number, special = 0): void {
  const ops = operands(c, seed, special);
  const got = runKernel(c, ops);
  const seq = sequentialF32(c, ops);
  const at = firstDifference(got, seq);
  expect(at, `${name(c)}: element ${at} is ${got[at]}, the in-order float32 sum is ${seq[at]}`).toBe(-1);
  expect(firstDifference(runKernel(c, ops, "none"), got), `${name(c)}: without scratch`).toBe(-1);
  if (special === 0) {
    const { ref, tol } = reference64(c, ops);
    for (let i = 0; i < got.length; i++) {
      if (!(Math.abs(got[i] - ref[i]) <= tol[i])) {
        expect.fail(`${name(c)}: element ${i} is ${got[i]}, float64 gives ${ref[i]} (tolerance ${tol[i]})`);
      }
    }
  }
}

const FLAGS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

describe("matmul_f32", () => {
  it("small products on the direct path: sizes 0, 1, odd and around the 4x8 tile, all transposes", () => {
    const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 31, 33];
    const rand = mulberry32(1234);
    const pick = () => sizes[Math.floor(rand() * sizes.length)];
    for (let r = 0; r < 300; r++) {
      const [tA, tB] = FLAGS[r % 4];
      const batch = 1 + Math.floor(rand() * 3);
      checkCase({ m: pick(), kk: pick(), n: pick(), tA, tB, batch, oneA: rand() < 0.3, oneB: rand() < 0.3 }, r);
    }
  });

  it("the series' shapes: 4x4, 5x4, 16x16, 64x64, matrix-vector and dot products", () => {
    const shapes = [[4, 4, 4], [5, 4, 4], [4, 5, 4], [4, 4, 5], [5, 4, 5], [16, 16, 16], [64, 64, 64], [64, 64, 1], [1, 64, 64], [1, 64, 1], [64, 1, 64]];
    let seed = 1;
    for (const [m, kk, n] of shapes) for (const [tA, tB] of FLAGS) checkCase({ m, kk, n, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
  });

  it("large products on the packed path: several KC, MC and NC blocks, edges in every dim", () => {
    let seed = 100;
    // 133 = 128 + 5 rows, 517 = 2·256 + 5 deep, 1037 = 1024 + 13 columns
    for (const [tA, tB] of FLAGS) checkCase({ m: 133, kk: 517, n: 1037, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
    for (const [tA, tB] of FLAGS) checkCase({ m: 37, kk: 300, n: 260, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
    for (const [tA, tB] of FLAGS) checkCase({ m: 256, kk: 256, n: 256, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
    // operands of exactly 64 Ki floats (direct) and one more row (packed)
    for (const [tA, tB] of FLAGS) checkCase({ m: 128, kk: 256, n: 128, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
    for (const [tA, tB] of FLAGS) checkCase({ m: 129, kk: 256, n: 128, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
  });

  it("thin products: few rows or columns and large operands (rows streamed, B transposed in registers)", () => {
    let seed = 150;
    for (const [m, kk, n] of [[1, 1500, 700], [3, 1000, 1030], [12, 700, 300], [2000, 40, 3], [5, 3000, 30], [3, 4000, 50], [15, 64, 2000]]) {
      for (const [tA, tB] of FLAGS) checkCase({ m, kk, n, tA, tB, batch: 1, oneA: false, oneB: false }, seed++);
    }
  });

  it("batches, with A or B broadcast (stride 0), on both paths", () => {
    let seed = 200;
    for (const [m, kk, n] of [[5, 7, 9], [4, 16, 12], [70, 200, 300], [20, 300, 1030]]) {
      for (const [tA, tB] of FLAGS) {
        for (const [oneA, oneB] of [[false, false], [true, false], [false, true]]) checkCase({ m, kk, n, tA, tB, batch: 3, oneA, oneB }, seed++);
      }
    }
  });

  it("k = 0 gives zeros, an empty C is not touched", () => {
    for (const [tA, tB] of FLAGS) {
      const c = { m: 3, kk: 0, n: 5, tA, tB, batch: 2, oneA: false, oneB: false };
      expect(Array.from(runKernel(c, operands(c, 1)))).toEqual(new Array(30).fill(0));
      for (const [m, n] of [[0, 5], [3, 0], [0, 0]]) {
        const e = { m, kk: 4, n, tA, tB, batch: 2, oneA: false, oneB: false };
        expect(runKernel(e, operands(e, 1)).length).toBe(0); // and the guard after C is intact
      }
    }
  });

  it("±0, ±Inf, NaN, tiny and huge values: the in-order float32 sums exactly, on both paths", () => {
    let seed = 300;
    for (const [m, kk, n] of [[5, 9, 11], [13, 33, 17], [133, 300, 67]]) {
      for (const [tA, tB] of FLAGS) checkCase({ m, kk, n, tA, tB, batch: 2, oneA: false, oneB: false }, seed++, 0.05);
    }
  });

  it("is deterministic: the same inputs twice give the same bits, whatever the layout", () => {
    for (const [m, kk, n] of [[4, 4, 4], [64, 64, 64], [300, 300, 300]]) {
      const base = { m, kk, n, tA: false, tB: false, batch: 1, oneA: false, oneB: false };
      const ops = operands(base, 7);
      const first = runKernel(base, ops);
      expect(firstDifference(runKernel(base, ops), first)).toBe(-1);
      // the same product with either operand stored transposed
      const tOps: Operands = { a: new Float32Array(ops.a.length), b: new Float32Array(ops.b.length) };
      for (let i = 0; i < m; i++) for (let p = 0; p < kk; p++) tOps.a[p * m + i] = ops.a[i * kk + p];
      for (let p = 0; p < kk; p++) for (let j = 0; j < n; j++) tOps.b[j * kk + p] = ops.b[p * n + j];
      for (const [tA, tB] of FLAGS) {
        const c = { ...base, tA, tB };
        expect(firstDifference(runKernel(c, { a: tA ? tOps.a : ops.a, b: tB ? tOps.b : ops.b }), first), name(c)).toBe(-1);
      }
    }
  });

  it("needs no scratch for small products without a transposed B", () => {
    const K = k();
    expect(K.matmul_f32_scratch(64, 64, 64, true, false)).toBe(0);
    expect(K.matmul_f32_scratch(4, 4, 4, false, false)).toBe(0);
    // a transposed B is read in place by fewer than 4 rows, or when it is tiny and fewer than 8 read it
    expect(K.matmul_f32_scratch(3, 100, 100, false, true)).toBe(0);
    expect(K.matmul_f32_scratch(7, 4, 4, false, true)).toBe(0);
    expect(K.matmul_f32_scratch(8, 4, 4, false, true)).toBeGreaterThan(0);
    expect(K.matmul_f32_scratch(4, 16, 16, false, true)).toBeGreaterThan(0);
    expect(K.matmul_f32_scratch(1024, 1024, 1024, false, false)).toBeLessThan(2 << 20);
  });

  it("given too small a scratch block, returns the bytes it needs and leaves C alone", () => {
    const K = k();
    const [m, kk, n] = [200, 300, 100];
    const need = K.matmul_f32_scratch(m, kk, n, false, true);
    expect(need).toBeGreaterThan(0);
    const pa = alloc(m * kk * 4), pb = alloc(kk * n * 4), pc = alloc(m * n * 4), ps = alloc(need);
    try {
      f32().fill(1, pa >> 2, (pa >> 2) + m * kk);
      f32().fill(1, pb >> 2, (pb >> 2) + kk * n);
      f32().fill(NaN, pc >> 2, (pc >> 2) + m * n);
      expect(K.matmul_f32(pa, pb, pc, m, kk, n, false, true, 1, 0, 0, 0, ps, need - 1)).toBe(need);
      expect(f32().subarray(pc >> 2, (pc >> 2) + m * n).every(Number.isNaN)).toBe(true);
      expect(K.matmul_f32(pa, pb, pc, m, kk, n, false, true, 1, 0, 0, 0, ps, need)).toBe(0);
      expect(f32().subarray(pc >> 2, (pc >> 2) + m * n).every((v) => v === kk)).toBe(true);
    } finally {
      free(ps, need); free(pc, m * n * 4); free(pb, kk * n * 4); free(pa, m * kk * 4);
    }
  });
});

describe("mm and its backward through gemm()", () => {
  it("forward and both gradients (A·B, G·Bᵀ, Aᵀ·G) of a large product match float64", () => {
    const [m, kk, n] = [150, 300, 200];
    const rand = mulberry32(99);
    const fill = (len: number) => Float32Array.from({ length: len }, () => rand() * 2 - 1);
    const a = fill(m * kk), b = fill(kk * n), g = fill(m * n);
    const A = wg.tensor(a).reshape([m, kk]).requiresGrad_(true), B = wg.tensor(b).reshape([kk, n]).requiresGrad_(true);
    const C = wg.mm(A, B);
    C.backward(wg.tensor(g).reshape([m, n]));
    const near = (got: Float32Array, c: Case, ops: Operands) => {
      const { ref, tol } = reference64(c, ops);
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < got.length; i++) if (!(Math.abs(got[i] - ref[i]) <= tol[i])) expect.fail(`${name(c)}: element ${i}: ${got[i]} vs ${ref[i]}`);
      expect(firstDifference(got, sequentialF32(c, ops))).toBe(-1);
    };
    const one = { batch: 1, oneA: false, oneB: false };
    near(C.data() as Float32Array, { m, kk, n, tA: false, tB: false, ...one }, { a, b });
    near(A.grad!.data() as Float32Array, { m, kk: n, n: kk, tA: false, tB: true, ...one }, { a: g, b });
    near(B.grad!.data() as Float32Array, { m: kk, kk: m, n, tA: true, tB: false, ...one }, { a, b: g });
    wg.dispose([A, B, C]);
  });

  it("keeps one scratch block across products", () => {
    const x = wg.rand(300, 300).requiresGrad_(true), y = wg.rand(300, 300).requiresGrad_(true);
    const step = () => wg.scope(() => { wg.mm(x, y).sum().backward(); });
    step();
    const before = wg.memoryStats().bytesInUse;
    for (let i = 0; i < 5; i++) step();
    expect(wg.memoryStats().bytesInUse).toBe(before);
    wg.dispose([x, y]);
  });
});
