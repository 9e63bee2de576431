// torch.linalg's determinants, solve and factorizations (Cholesky, QR, the
// symmetric eigendecomposition), batched over leading dims. The kernels
// (assembly/linalg.ts, assembly/decompositions.ts) work in float64 and round
// once to float32; the backward rules are torch's, in differentiable ops.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { record } from "../autograd/node";
import { fmt, sameShape, broadcastShapes } from "../shape";
import { matmul } from "../ops/linear";
import { add, sub, mul, div, neg } from "../ops/elementwise";
import { expand, reshape, unsqueeze } from "../ops/shape";
import { tensor, eye } from "../ops/creation";
import { inv } from "./direct";
import { checkMatrix, checkFinite, scratch, count, each, mT, perMatrix, diagEmbed, mask } from "./util";

// ---- determinants ------------------------------------------------------------------

/** det, sign(det) and log|det| of each matrix, from one LU factorization each. */
function determinants(op: string, A: Tensor): [Tensor, Tensor, Tensor] {
  checkMatrix(op, A, true);
  checkFinite(op, A);
  const n = A.shape[A.ndim - 1], c = count(A);
  const det = new Float32Array(c), sign = new Float32Array(c), logabs = new Float32Array(c);
  each(c, scratch(n * n + n + 3, n), [], (b, w) => {
    k().lu_f32(A.ptr + b * n * n * 4, n, 0, 0, 0, w, w + 24);
    const [s, mant, e] = new Float64Array(k().memory.buffer, w, 3); // det = s · mant · 2^e
    sign[b] = s;
    det[b] = s === 0 ? 0 : s * mant * 2 ** e;
    logabs[b] = s === 0 ? -Infinity : Math.log(mant) + e * Math.LN2;
  });
  const shape = A.shape.slice(0, -2);
  return [reshape(tensor(det), shape), reshape(tensor(sign), shape), reshape(tensor(logabs), shape)];
}

/**
 * The determinant of each matrix (torch.linalg.det). Differentiable:
 * d det = det · tr(A⁻¹ dA), so gA = g·det·A⁻ᵀ; 0 for an exactly singular
 * matrix (det = 0), as torch 1.13 gives.
 */
export function det(A: Tensor): Tensor {
  const [out, sign, logabs] = determinants("linalg.det", A);
  sign.dispose();
  logabs.dispose();
  return record(out, "LinalgDetBackward0", [A], (g) => {
    // singular matrices are replaced by I: their gradient is g·0·I⁻ᵀ = 0
    const keep = perMatrix(reshape(tensor(Float32Array.from(out.data(), (d) => +(d !== 0))), out.shape));
    const X = add(mul(A, keep), mul(eye(A.shape[A.ndim - 1]), sub(1, keep)));
    return [mul(perMatrix(mul(g, out)), mT(inv(X)))];
  }, [A, out]);
}

export interface SlogdetResult {
  /** The sign of the determinant: -1, 0 or 1. */
  sign: Tensor;
  /** log|det| (-Infinity for a singular matrix). */
  logabsdet: Tensor;
}

/** sign and log|det| of each matrix (torch.linalg.slogdet); logabsdet is differentiable: g·A⁻ᵀ. */
export function slogdet(A: Tensor): SlogdetResult {
  const [d, sign, logabsdet] = determinants("linalg.slogdet", A);
  d.dispose();
  record(logabsdet, "LinalgSlogdetBackward0", [A], (g) => [mul(perMatrix(g), mT(inv(A)))], [A]);
  return { sign, logabsdet };
}

// ---- solve -------------------------------------------------------------------------

/**
 * X with A·X = B (torch.linalg.solve), B a matrix or a vector ([n] or A's
 * batch with [n]) with batch dims broadcast; `left: false` solves X·A = B.
 * Differentiable: gB = A⁻ᵀ g (a solve), gA = -gB·Xᵀ.
 */
export function solve(A: Tensor, B: Tensor, options: { left?: boolean } = {}): Tensor {
  if (options.left === false) return mT(solve(mT(A), mT(B)));
  const op = "linalg.solve";
  checkMatrix(op, A, true);
  checkFinite(op, A);
  if (!(B instanceof Tensor)) throw new TypeError(`${op}: expected B to be a Tensor, got ${typeof B}`);
  B.assertAlive(op);
  if (B.dtype !== "float32") throw new TypeError(`${op}: Expected A and B to have the same dtype, but found A of type float32 and B of type ${B.dtype} instead`);
  const n = A.shape[A.ndim - 1];
  const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && sameShape(B.shape, A.shape.slice(0, -1)));
  const B2 = vector ? unsqueeze(B, -1) : B;
  const rows = B2.shape[B2.ndim - 2], nrhs = B2.shape[B2.ndim - 1];
  if (B2.ndim < 2 || rows !== n) {
    throw new RangeError(`${op}: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${rows ?? 1}x${nrhs ?? 1}) (shapes ${fmt(A.shape)} and ${fmt(B.shape)})`);
  }
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B2.shape.slice(0, -2));
  const EA = expand(A, [...batch, n, n]), EB = expand(B2, [...batch, n, nrhs]);
  const X = Tensor.empty(EB.shape);
  each(nrhs === 0 ? 0 : count(X), scratch(n * n + n, n), [X], (b, w, where) => {
    if (k().lu_f32(EA.ptr + b * n * n * 4, n, EB.ptr + b * n * nrhs * 4, nrhs, X.ptr + b * n * nrhs * 4, 0, w) !== 0) {
      throw new Error(`${op}: ${where}The solver failed because the input matrix is singular.`);
    }
  });
  record(X, "LinalgSolveExBackward0", [EA, EB], (g) => {
    const gB = solve(mT(EA), g);
    return [EA.requiresGrad ? neg(matmul(gB, mT(X))) : null, gB];
  }, [EA, X]);
  return vector ? reshape(X, X.shape.slice(0, -1)) : X;
}

// ---- Cholesky ----------------------------------------------------------------------

/**
 * L lower triangular with A = L·Lᵀ from A's lower triangle (torch.linalg.cholesky;
 * `upper: true` returns U = Lᵀ with A = Uᵀ·U). Differentiable, torch's rule:
 * gA = ½(S + Sᵀ), S = L⁻ᵀ·Φ(Lᵀ·gL)·L⁻¹, Φ the lower triangle with the diagonal halved.
 */
export function cholesky(A: Tensor, options: { upper?: boolean } = {}): Tensor {
  const op = "linalg.cholesky";
  checkMatrix(op, A, true);
  const n = A.shape[A.ndim - 1];
  const L = Tensor.empty(A.shape);
  each(count(A), scratch(n * n), [L], (b, w, where) => {
    const minor = k().cholesky_f32(A.ptr + b * n * n * 4, n, L.ptr + b * n * n * 4, w);
    if (minor !== 0) {
      throw new Error(
        `${op}: ${where}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${minor} is not positive-definite).`,
      );
    }
  });
  record(L, "LinalgCholeskyExBackward0", [A], (g) => {
    const Li = inv(L);
    const S = matmul(matmul(mT(Li), mul(matmul(mT(L), g), mask(n, (i, j) => (i > j ? 1 : i === j ? 0.5 : 0)))), Li);
    return [mul(add(S, mT(S)), 0.5)];
  }, [L]);
  return options.upper ? mT(L) : L;
}

// ---- QR ----------------------------------------------------------------------------

export type QRMode = "reduced" | "complete" | "r";

export interface QRResult {
  /** m×k orthonormal columns (m×m for "complete"; an empty [0] for "r"). */
  Q: Tensor;
  /** k×n upper triangular (m×n for "complete"). */
  R: Tensor;
}

/**
 * A = Q·R by Householder reflections (torch.linalg.qr), with LAPACK's signs:
 * R's diagonal is -sign(a)·|column| of each reflected column. Differentiable
 * except for mode "r" and "complete" with m > n (as torch); for m >= n torch's rule
 * gA = (gQ + Q·copyltu(M))·R⁻ᵀ, M = R·gRᵀ - gQᵀ·Q, copyltu(M) = tril(M) + tril(M, -1)ᵀ;
 * for m < n that rule on the leading square block.
 */
export function qr(A: Tensor, mode: QRMode | { mode?: QRMode } = "reduced"): QRResult {
  const op = "linalg.qr";
  const md = typeof mode === "string" ? mode : mode.mode ?? "reduced";
  if (md !== "reduced" && md !== "complete" && md !== "r") {
    throw new RangeError(`${op}: received unrecognized mode '${md}' but expected one of 'reduced' (default), 'r', or 'complete'`);
  }
  checkMatrix(op, A);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1], batch = A.shape.slice(0, -2);
  const qc = md === "complete" ? m : Math.min(m, n);
  const Q = Tensor.empty(md === "r" ? [0] : [...batch, m, qc]), R = Tensor.empty([...batch, qc, n]);
  each(count(A), scratch(m * n + m * qc + 2 * m), [], (b, w) => {
    k().qr_f32(A.ptr + b * m * n * 4, m, n, md === "r" ? 0 : Q.ptr + b * m * qc * 4, R.ptr + b * qc * n * 4, qc, w);
  });
  // For m >= n, with the square (or tall) R:
  const tall = (gQ: Tensor | null, gR: Tensor | null, Rs: Tensor): Tensor => {
    const M = gR ? (gQ ? sub(matmul(Rs, mT(gR)), matmul(mT(gQ), Q)) : matmul(Rs, mT(gR))) : neg(matmul(mT(gQ!), Q));
    const C = add(mul(M, mask(Rs.shape[Rs.ndim - 1], (i, j) => +(i >= j))), mT(mul(M, mask(Rs.shape[Rs.ndim - 1], (i, j) => +(i > j)))));
    const Y = matmul(Q, C);
    return mT(solve(Rs, mT(gQ ? add(gQ, Y) : Y)));
  };
  const back = (gQ: Tensor | null, gR: Tensor | null): Tensor => {
    if (md === "r") {
      throw new Error(
        `${op}: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.`,
      );
    }
    if (md === "complete" && m > n) throw new Error(`${op}: The QR decomposition is not differentiable when mode='complete' and nrows > ncols.`);
    if (m >= n) return tall(gQ, gR, R);
    // m < n: A = [X | Y], R = [U | V] with X = Q·U square and V = Qᵀ·Y, so gY = Q·gV and
    // X's gradient is the square rule's with gQ + Y·gVᵀ (E1, E2 pick the columns).
    const E1 = eye(n, m), E2 = mask(n, (i, j) => +(i === j + m)).matmul(eye(n, n - m));
    const Y = matmul(A, E2), gV = gR && matmul(gR, E2);
    const gQ2 = gV ? (gQ ? add(gQ, matmul(Y, mT(gV))) : matmul(Y, mT(gV))) : gQ;
    const gX = matmul(tall(gQ2, gR && matmul(gR, E1), matmul(R, E1)), mT(E1));
    return gV ? add(gX, matmul(matmul(Q, gV), mT(E2))) : gX;
  };
  if (md !== "r") record(Q, "LinalgQrBackward0", [A], (g) => [back(g, null)], [Q, R]);
  record(R, "LinalgQrBackward0", [A], (g) => [back(null, g)], [Q, R]);
  return { Q, R };
}

// ---- symmetric eigendecomposition ------------------------------------------------------

export interface EighResult {
  /** Ascending. */
  eigenvalues: Tensor;
  /** Columns, each with its largest-magnitude entry positive. */
  eigenvectors: Tensor;
}

/**
 * A = V·diag(w)·Vᵀ for symmetric A, read from its lower triangle (UPLO "L",
 * torch's default) or upper ("U"), by cyclic Jacobi rotations in float64.
 * Eigenvalues ascending; each eigenvector's largest-magnitude entry is made
 * positive (the first one on a tie), so results are deterministic (LAPACK's
 * signs may differ). Differentiable, torch's rule:
 * gA = V·(diag(gw) + ½(Vᵀ·gV - gVᵀ·V) / E)·Vᵀ, E_ij = w_j - w_i (1 on the diagonal).
 */
export function eigh(A: Tensor, UPLO: "L" | "U" | { UPLO?: "L" | "U" } = "L"): EighResult {
  const op = "linalg.eigh";
  const uplo = typeof UPLO === "string" ? UPLO : UPLO.UPLO ?? "L";
  if (uplo !== "L" && uplo !== "U") throw new RangeError(`${op}: Expected UPLO argument to be 'L' or 'U', but got ${uplo}`);
  checkMatrix(op, A, true);
  checkFinite(op, A);
  const n = A.shape[A.ndim - 1];
  const w = Tensor.empty(A.shape.slice(0, -1)), V = Tensor.empty(A.shape);
  each(count(A), scratch(2 * n * n), [w, V], (b, ws) => {
    if (k().eigh_f32(A.ptr + b * n * n * 4, n, w.ptr + b * n * 4, V.ptr + b * n * n * 4, uplo === "U", ws) < 0) {
      throw new Error(`${op}: the Jacobi iteration did not converge for the ${n}×${n} input`);
    }
  });
  const conj = (K: Tensor) => matmul(matmul(V, K), mT(V));
  record(w, "LinalgEighBackward0", [A], (g) => [conj(diagEmbed(g))], [V]);
  record(V, "LinalgEighBackward0", [A], (g) => {
    const VtgV = matmul(mT(V), g);
    const E = add(sub(unsqueeze(w, -2), unsqueeze(w, -1)), eye(n));
    return [conj(div(mul(sub(VtgV, mT(VtgV)), 0.5), E))];
  }, [w, V]);
  return { eigenvalues: w, eigenvectors: V };
}

/** The eigenvalues of symmetric A, ascending (torch.linalg.eigvalsh); gA = V·diag(gw)·Vᵀ. */
export function eigvalsh(A: Tensor, UPLO: "L" | "U" | { UPLO?: "L" | "U" } = "L"): Tensor {
  return eigh(A, UPLO).eigenvalues;
}
