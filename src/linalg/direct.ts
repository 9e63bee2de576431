// Direct inverse and SVD (torch.linalg.inv, torch.linalg.svd): the references
// the series' gradient-descent programs are checked against. The kernels
// (assembly/linalg.ts) work in float64 and round the results to float32.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { record } from "../autograd/node";
import { fmt } from "../shape";
import { checkFloat } from "../ops/dispatch";
import { matmul } from "../ops/linear";
import { neg } from "../ops/elementwise";
import { transpose } from "../ops/shape";

function checkMatrix(op: string, A: unknown): asserts A is Tensor {
  checkFloat(op, A);
  if (A.ndim < 2) throw new RangeError(`${op}: the input must have at least 2 dimensions, got shape ${fmt(A.shape)}`);
}

function checkFinite(op: string, A: Tensor): void {
  const v = A.data();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${op}: the input contains ${v[i]} (at flat index ${i}); expected finite values`);
  }
}

/** A float64 scratch block of `f64s` doubles plus `i32s` ints (freed by the caller). */
function scratch(f64s: number, i32s = 0): Tensor {
  return Tensor.empty([Math.max(1, 2 * f64s + i32s)]);
}

/**
 * The inverse of a square matrix (or of each matrix in a batch [..., n, n]),
 * by LU decomposition with partial pivoting. Throws for non-square input and
 * for singular matrices (a zero pivot to double precision), naming the pivot.
 * Differentiable: d(A⁻¹) = -A⁻¹ dA A⁻¹.
 */
export function inv(A: Tensor): Tensor {
  checkMatrix("linalg.inv", A);
  const n = A.shape[A.ndim - 1];
  if (A.shape[A.ndim - 2] !== n) {
    throw new RangeError(
      `linalg.inv: A must be batches of square matrices, but they are ${A.shape[A.ndim - 2]} by ${n} matrices (shape ${fmt(A.shape)})`,
    );
  }
  checkFinite("linalg.inv", A);
  const out = Tensor.empty(A.shape);
  const batch = n === 0 ? 0 : A.numel() / (n * n);
  const work = scratch(n * n + n, n);
  try {
    for (let b = 0; b < batch; b++) {
      const bytes = b * n * n * 4;
      const bad = k().inv_f32(A.ptr + bytes, out.ptr + bytes, n, work.ptr);
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
 * Not differentiable.
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
  const batch = m * n === 0 ? 0 : A.numel() / (m * n);
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
  const unsupported = (): never => {
    throw new Error("linalg.svd: backward is not implemented; compute the SVD of a detached tensor, or use linalg.svdGD");
  };
  for (const t of [U, S, Vh]) record(t, "LinalgSvdBackward0", [A], unsupported);
  return { U, S, Vh };
}
