// Plain float64 references of linalg's ops for the finite-difference
// gradchecks: textbook algorithms on nested arrays (LU with pivoting,
// Cholesky, modified Gram–Schmidt QR, cyclic Jacobi for eigh, the SVD from the
// eigendecomposition of AᵀA). Batched where a test batches.
import * as R from "../reference";
import type { RTensor } from "../reference";

type M = number[][];

/** The matrices of x's batch. */
function mats(x: RTensor): M[] {
  const r = x.shape[x.shape.length - 2], c = x.shape[x.shape.length - 1];
  return Array.from({ length: x.data.length / (r * c) || 0 }, (_, b) =>
    Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => x.data[b * r * c + i * c + j])));
}
function pack(ms: M[], batch: readonly number[]): RTensor {
  return R.make([...batch, ms[0].length, ms[0][0]?.length ?? 0], ms.flatMap((m) => m.flat()));
}
const one = (m: M): RTensor => pack([m], []);
const T = (a: M): M => a[0].map((_, j) => a.map((row) => row[j]));
const mm = (a: M, b: M): M => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));

export const matmul = (a: RTensor, b: RTensor): RTensor => one(mm(mats(a)[0], mats(b)[0]));
export const sq = (x: RTensor): RTensor => R.make(x.shape, x.data.map((v) => v * v));
export const symOf = (x: RTensor): RTensor => one(((a) => a.map((row, i) => row.map((v, j) => v + a[j][i])))(mats(x)[0]));
export const spdOf = (x: RTensor): RTensor => one(((a) => mm(a, T(a)).map((row, i) => row.map((v, j) => v + +(i === j))))(mats(x)[0]));

/** Gaussian elimination with partial pivoting: det, and X with A·X = B when B is given. */
function gauss(a0: M, b0?: M): { det: number; x: M } {
  const n = a0.length, a = a0.map((r) => r.slice()), b = (b0 ?? []).map((r) => r.slice());
  let det = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[p][k])) p = i;
    if (p !== k) { [a[p], a[k]] = [a[k], a[p]]; [b[p], b[k]] = [b[k], b[p]]; det = -det; }
    det *= a[k][k];
    for (let i = k + 1; i < n; i++) {
      const l = a[i][k] / a[k][k];
      for (let j = k; j < n; j++) a[i][j] -= l * a[k][j];
      if (b0) for (let j = 0; j < b[i].length; j++) b[i][j] -= l * b[k][j];
    }
  }
  if (b0) for (let i = n - 1; i >= 0; i--) for (let j = 0; j < b[i].length; j++) {
    let s = b[i][j];
    for (let k = i + 1; k < n; k++) s -= a[i][k] * b[k][j];
    b[i][j] = s / a[i][i];
  }
  return { det, x: b };
}

export const det = (A: RTensor): RTensor => R.make(A.shape.slice(0, -2), mats(A).map((a) => gauss(a).det));

/** A·X = B, B's single matrix broadcast over A's batch. */
export function solve(A: RTensor, B: RTensor): RTensor {
  const bs = mats(B);
  return pack(mats(A).map((a, i) => gauss(a, bs[i % bs.length]).x), A.shape.slice(0, -2));
}

export function cholesky(A: RTensor): RTensor {
  const a = mats(A)[0], n = a.length, L = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = a[i][j];
    for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
    L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
  }
  return one(L);
}

/** Reduced QR by modified Gram–Schmidt on the first min(m, n) columns; for m < n, R = [U | Qᵀ·Y]. */
export function qr(A: RTensor): { Q: RTensor; R: RTensor } {
  const a = mats(A)[0], m = a.length, n = a[0].length, k = Math.min(m, n);
  const q = T(a).slice(0, k), r = q.map(() => new Array<number>(n).fill(0));
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      r[i][j] = q[i].reduce((s, v, t) => s + v * q[j][t], 0);
      q[j] = q[j].map((v, t) => v - r[i][j] * q[i][t]);
    }
    r[j][j] = Math.hypot(...q[j]);
    q[j] = q[j].map((v) => v / r[j][j]);
  }
  for (let j = k; j < n; j++) for (let i = 0; i < k; i++) r[i][j] = q[i].reduce((s, v, t) => s + v * a[t][j], 0);
  return { Q: one(T(q)), R: one(r) };
}

/** Cyclic Jacobi: w ascending, V's columns the eigenvectors. */
function jacobi(a0: M): { w: number[]; V: M } {
  const n = a0.length, a = a0.map((r) => r.slice()), V = a.map((_, i) => a.map((_, j) => +(i === j)));
  for (let sweep = 0; sweep < 60; sweep++) {
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(1 + th * th)), c = 1 / Math.sqrt(1 + t * t), s = t * c;
      for (const m of [a, V]) for (const row of m) [row[p], row[q]] = [c * row[p] - s * row[q], s * row[p] + c * row[q]];
      for (let j = 0; j < n; j++) [a[p][j], a[q][j]] = [c * a[p][j] - s * a[q][j], s * a[p][j] + c * a[q][j]];
    }
  }
  const order = a.map((_, i) => i).sort((i, j) => a[i][i] - a[j][j]);
  return { w: order.map((i) => a[i][i]), V: V.map((row) => order.map((i) => row[i])) };
}

export function eigh(A: RTensor): { w: RTensor; V: RTensor } {
  const { w, V } = jacobi(mats(A)[0]);
  return { w: R.make([w.length], w), V: one(V) };
}

function svdM(a: M): { U: M; S: number[]; V: M } {
  if (a.length < a[0].length) {
    const { U, S, V } = svdM(T(a));
    return { U: V, S, V: U };
  }
  const { w, V: V0 } = jacobi(mm(T(a), a));
  const order = w.map((_, i) => i).reverse();
  const S = order.map((i) => Math.sqrt(w[i])), V = V0.map((row) => order.map((i) => row[i]));
  const AV = mm(a, V);
  return { U: AV.map((row) => row.map((v, j) => v / S[j])), S, V };
}

export function svd(A: RTensor): { U: RTensor; S: RTensor; Vh: RTensor } {
  const { U, S, V } = svdM(mats(A)[0]);
  return { U: one(U), S: R.make([S.length], S), Vh: one(T(V)) };
}

export function pinv(A: RTensor): RTensor {
  const { U, S, V } = svdM(mats(A)[0]);
  return one(mm(V.map((row) => row.map((v, j) => v / S[j])), T(U)));
}
