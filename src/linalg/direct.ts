// Direct inverse and SVD (torch.linalg.inv, torch.linalg.svd): the references
// the series' gradient-descent programs are checked against. The kernels
// (assembly/linalg.ts) work in float64 and round the results to float32.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { record } from "../autograd/node";
import { matmul } from "../ops/linear";
import { neg, add, sub, mul, div } from "../ops/elementwise";
import { transpose, unsqueeze } from "../ops/shape";
import { eye } from "../ops/creation";
import { checkMatrix, checkFinite, scratch, mT } from "./util";

/**
 * The inverse of a square matrix (or of each matrix in a batch [..., n, n]),
 * by LU decomposition with partial pivoting. Throws for non-square input and
 * for singular matrices (a zero pivot to double precision), naming the pivot.
 * Differentiable: d(A⁻¹) = -A⁻¹ dA A⁻¹.
 */
export function inv(A: Tensor): Tensor {
  checkMatrix("linalg.inv", A, true);
  const n = A.shape[A.ndim - 1];
  checkFinite("linalg.inv", A);
  const out = Tensor.empty(A.shape);
  const batch = n === 0 ? 0 : A.numel / (n * n);
  const work = scratch(n * n + n, n);
  try {
    for (let b = 0; b < batch; b++) {
      const bytes = b * n * n * 4;
      const bad = k().lu_f32(A.ptr + bytes, n, 0, n, out.ptr + bytes, 0, work.ptr);
      if (bad !== 0) {
        const where = batch > 1 ? ` (batch element ${b})` : "";
        throw new Error(
          `linalg.inv: the matrix${where} is singular: pivot ${bad - 1} of the LU decomposition is zero, so it has no inverse`,
        );
      }
    }
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    work.dispose();
  }
  // dA = -A⁻ᵀ · g · A⁻ᵀ
  return record(out, "LinalgInvExBackward0", [A], (g) => {
    const invT = transpose(out, -2, -1);
    const r = neg(matmul(matmul(invT, g), invT));
    return [r];
  }, [out]);
}

export interface SVDResult {
  /** m×k, orthonormal columns (k = min(m, n)). */
  U: Tensor;
  /** k singular values, descending. */
  S: Tensor;
  /** k×n, orthonormal rows: A = U · diag(S) · Vh. */
  Vh: Tensor;
}

/**
 * The reduced singular value decomposition A = U · diag(S) · Vh of an m×n
 * matrix (or each matrix in a batch), as torch.linalg.svd(A, full_matrices=False)
 * returns it, by one-sided Jacobi rotations in float64. Singular vectors are
 * unique only up to sign (torch's LAPACK may pick the other sign per column).
 * Differentiable with torch's formula, which needs distinct nonzero singular
 * values where U or Vh is used (as torch's: infinities otherwise).
 */
export function svd(A: Tensor): SVDResult {
  checkMatrix("linalg.svd", A);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  checkFinite("linalg.svd", A);
  const kk = Math.min(m, n), r = Math.max(m, n);
  const batchShape = A.shape.slice(0, -2);
  const U = Tensor.empty([...batchShape, m, kk]);
  const S = Tensor.empty([...batchShape, kk]);
  const Vh = Tensor.empty([...batchShape, kk, n]);
  const batch = m * n === 0 ? 0 : A.numel / (m * n);
  const work = scratch(kk * r + kk * kk + r);
  try {
    for (let b = 0; b < batch; b++) {
      const sweeps = k().svd_f32(A.ptr + b * m * n * 4, m, n, U.ptr + b * m * kk * 4, S.ptr + b * kk * 4, Vh.ptr + b * kk * n * 4, work.ptr);
      if (sweeps < 0) throw new Error(`linalg.svd: the Jacobi iteration did not converge for the ${m}×${n} input`);
    }
  } catch (e) {
    U.dispose();
    S.dispose();
    Vh.dispose();
    throw e;
  } finally {
    work.dispose();
  }
  // One node per output; the gradient is linear in (gU, gS, gVh), so the engine's sum is svd_backward's.
  record(U, "LinalgSvdBackward0", [A], (g) => [svdBackward(g, null, null, U, S, Vh)], [U, S, Vh]);
  record(S, "LinalgSvdBackward0", [A], (g) => [svdBackward(null, g, null, U, S, Vh)], [U, S, Vh]);
  record(Vh, "LinalgSvdBackward0", [A], (g) => [svdBackward(null, null, g, U, S, Vh)], [U, S, Vh]);
  return { U, S, Vh };
}

/**
 * torch's svd_backward for the reduced SVD, skew(X) = X - Xᵀ, E_jk = s_k² - s_j² (1 on the diagonal):
 *   gA = U [(skew(Uᵀ gU) S + S skew(Vᵀ gV)) / E + diag(gS)] Vh,
 * plus (I - UUᵀ) gU S⁻¹ Vh when m > n, or U S⁻¹ gVh (I - VVᵀ) when m < n.
 */
function svdBackward(gU: Tensor | null, gS: Tensor | null, gVh: Tensor | null, U: Tensor, S: Tensor, Vh: Tensor): Tensor {
  const m = U.shape[U.ndim - 2], n = Vh.shape[Vh.ndim - 1];
  if (gS) return matmul(mul(U, unsqueeze(gS, -2)), Vh);
  const Sr = unsqueeze(S, -2), Sc = unsqueeze(S, -1), S2 = mul(S, S);
  const E = add(sub(unsqueeze(S2, -2), unsqueeze(S2, -1)), eye(S.shape[S.ndim - 1]));
  const skew = (X: Tensor) => sub(X, mT(X));
  if (gU) {
    const inner = matmul(U, div(mul(skew(matmul(mT(U), gU)), Sr), E));
    const gUS = div(gU, Sr);
    const full = m > n ? sub(add(inner, gUS), matmul(U, matmul(mT(U), gUS))) : inner;
    return matmul(full, Vh);
  }
  const V = mT(Vh);
  const inner = matmul(div(mul(Sc, skew(matmul(Vh, mT(gVh!)))), E), Vh);
  const gVS = div(gVh!, Sc);
  const full = m < n ? sub(add(inner, gVS), matmul(matmul(gVS, V), Vh)) : inner;
  return matmul(U, full);
}

/** The singular values, descending (torch.linalg.svdvals); gA = U·diag(gS)·Vh. */
export const svdvals = (A: Tensor): Tensor => svd(A).S;
