// Between the library and the plain-TS reference (test/reference.ts): moving
// values across, a seeded value generator, and float32-aware comparison.

import { expect } from "vitest";
import { tensor, type Tensor } from "../../src/index";
import type { RDType, RTensor } from "../reference";

/** A library tensor holding the reference tensor's values (rounded to its dtype), optionally a leaf requiring grad. */
export function toLib(r: RTensor, requiresGrad = false): Tensor {
  const flat = r.dtype === "float32" ? Float32Array.from(r.data) : Int32Array.from(r.data);
  const t = tensor(flat, { dtype: r.dtype }).reshape([...r.shape]);
  return requiresGrad ? t.requiresGrad_(true) : t;
}

export function fromLib(t: Tensor): RTensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data()), dtype: t.dtype as RDType };
}

/** mulberry32: a tiny seeded PRNG, so fast-check only has to generate a seed and the values are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const f32buf = new Float32Array(1);
const i32buf = new Int32Array(f32buf.buffer);
/** Position of a float32 on the integer line (monotonic in value, -0 and +0 both 0). */
function ordinal(x: number): number {
  f32buf[0] = x;
  const b = i32buf[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** How many float32 values lie between a and b (0 when equal). */
export function ulpDistance(a: number, b: number): number {
  return Math.abs(ordinal(a) - ordinal(b));
}

export interface Tolerance {
  /** Allowed distance in float32 units in the last place. */
  ulps?: number;
  /** Allowed absolute error: one number, or one bound per element. */
  atol?: number | ArrayLike<number>;
  /** Allowed error relative to the expected value. */
  rtol?: number;
}

/**
 * Element-by-element differences between a result and the expected values:
 * NaN must meet NaN and ±Inf the same infinity; finite values must agree
 * within the tolerance (exactly when none is given). ±0 compare equal.
 */
export function mismatches(got: RTensor, want: RTensor, tol: Tolerance = {}, limit = 5): string[] {
  const out: string[] = [];
  if (got.dtype !== want.dtype) out.push(`dtype ${got.dtype}, expected ${want.dtype}`);
  if (got.shape.join(",") !== want.shape.join(",")) {
    out.push(`shape [${got.shape}], expected [${want.shape}]`);
    return out;
  }
  for (let i = 0; i < want.data.length && out.length < limit; i++) {
    const g = got.data[i], w = want.data[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) out.push(`[${i}] = ${g}, expected ${w}`);
      continue;
    }
    if (g === w) continue;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      out.push(`[${i}] = ${g}, expected ${w}`);
      continue;
    }
    const atol = tol.atol === undefined ? 0 : typeof tol.atol === "number" ? tol.atol : tol.atol[i];
    const err = Math.abs(g - w);
    if (err <= atol + (tol.rtol ?? 0) * Math.abs(w)) continue;
    if (got.dtype === "float32" && tol.ulps !== undefined && ulpDistance(g, w) <= tol.ulps) continue;
    out.push(`[${i}] = ${g}, expected ${w} (error ${err.toExponential(2)}, ${ulpDistance(g, w)} ulps, atol ${atol})`);
  }
  return out;
}

/** Asserts that a library tensor holds the reference values. `what` names the case in the failure message. */
export function expectMatches(got: Tensor, want: RTensor, tol: Tolerance = {}, what = ""): void {
  expect(mismatches(fromLib(got), want, tol), what).toEqual([]);
}

/** Special float32 values the kernels must handle like torch: signed zeros, denormals, extremes, NaN, infinities. */
export const SPECIAL_F32 = [
  0, -0, 1, -1, 0.5, -2, 1e-38, -1e-38, 1.4e-45, -1.4e-45, 1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38,
  NaN, Infinity, -Infinity,
].map(Math.fround);

export const SPECIAL_I32 = [0, 1, -1, 2, 2147483647, -2147483648, 65536, -65537];

export interface ValueOptions {
  /** Chance that an element is drawn from the special values (default 0.25). */
  special?: number;
  /** Special values to draw from (default SPECIAL_F32 / SPECIAL_I32). */
  pool?: readonly number[];
  /** Standard deviation of the ordinary float values (default 3). */
  scale?: number;
  /** Inclusive range of ordinary int32 values (default [-50, 50]). */
  intRange?: [number, number];
}

/** n values of a dtype: mostly ordinary ones, some special. */
export function randomValues(rand: () => number, n: number, dtype: RDType, opts: ValueOptions = {}): Float64Array {
  const out = new Float64Array(n);
  const special = opts.special ?? 0.25;
  const pool = opts.pool ?? (dtype === "int32" ? SPECIAL_I32 : SPECIAL_F32);
  const [lo, hi] = opts.intRange ?? [-50, 50];
  for (let i = 0; i < n; i++) {
    if (dtype === "bool") out[i] = rand() < 0.5 ? 1 : 0;
    else if (rand() < special && pool.length > 0) {
      const v = pool[Math.floor(rand() * pool.length)];
      // an int32 tensor cannot hold NaN, Inf or fractions: those pool entries become 0 or truncate
      out[i] = dtype === "int32" ? (Number.isFinite(v) ? Math.trunc(v) | 0 : 0) : v;
    }
    else if (dtype === "int32") out[i] = lo + Math.floor(rand() * (hi - lo + 1));
    else out[i] = Math.fround(gaussian(rand) * (opts.scale ?? 3));
  }
  return out;
}
