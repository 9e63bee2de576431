// torch.linalg's ops built on the factorizations: the pseudo-inverse, least
// squares, integer matrix powers and the cross product.

import { Tensor } from "../tensor";
import { record } from "../autograd/node";
import { noGrad } from "../autograd/grad-mode";
import { scope } from "../lifetime";
import { fmt, broadcastShapes, normDim } from "../shape";
import { matmul } from "../ops/linear";
import { add, sub, mul } from "../ops/elementwise";
import { expand, reshape, unsqueeze, indexSelect, clone } from "../ops/shape";
import { tensor, eye } from "../ops/creation";
import { checkTensor } from "../ops/dispatch";
import { inv, svd } from "./direct";
import { checkMatrix, mT } from "./util";

const EPS32 = 2 ** -23;

export interface PinvOptions {
  /** Singular values below atol are treated as zero (default 0). */
  atol?: number;
  /** ...and below rtol·σ_max (default max(m, n)·eps when atol is not given or 0, else 0). */
  rtol?: number;
}

/** The pseudo-inverse and, per matrix, the number of singular values kept. */
function pseudoInverse(op: string, A: Tensor, o: PinvOptions): [Tensor, Int32Array] {
  checkMatrix(op, A);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  const rtol = o.rtol ?? (o.atol ? 0 : Math.max(m, n) * EPS32);
  let rank = new Int32Array(0);
  const P = scope(() => noGrad(() => {
    const { U, S, Vh } = svd(A.detach());
    const sv = S.data(), s = sv.slice(), kk = S.shape[S.ndim - 1];
    rank = new Int32Array(kk === 0 ? 0 : s.length / kk);
    // σ⁺ = 1/σ above the cutoff, else 0
    for (let i = 0; i < s.length; i++) {
      const keep = sv[i] > Math.max(o.atol ?? 0, rtol * sv[i - (i % kk)]);
      s[i] = keep ? 1 / s[i] : 0;
      rank[(i / kk) | 0] += +keep;
    }
    return matmul(mul(mT(Vh), unsqueeze(reshape(tensor(s), S.shape), -2)), mT(U));
  }));
  return [P, rank];
}

/**
 * The Moore–Penrose pseudo-inverse by the SVD (torch.linalg.pinv, hermitian=False).
 * Differentiable with torch's pinv_backward (exact where the rank is constant).
 */
export function pinv(A: Tensor, options: PinvOptions = {}): Tensor {
  const [P] = pseudoInverse("linalg.pinv", A, options);
  return record(P, "LinalgPinvBackward0", [A], (g) => [pinvGrad(g, A, P)], [A, P]);
}

/** torch's pinv_backward, arranged for the smaller of m and n. */
function pinvGrad(g: Tensor, A: Tensor, P: Tensor): Tensor {
  const Ph = mT(P), gh = mT(g);
  if (A.shape[A.ndim - 2] <= A.shape[A.ndim - 1]) {
    const K = matmul(gh, P), KPh = matmul(K, Ph);
    return add(sub(KPh, mT(matmul(P, K))), sub(matmul(matmul(Ph, P), sub(gh, matmul(K, A))), matmul(matmul(A, P), KPh)));
  }
  const K = matmul(P, gh), PhK = matmul(Ph, K);
  return add(sub(matmul(matmul(sub(gh, matmul(A, K)), P), Ph), mT(matmul(K, P))), sub(PhK, matmul(matmul(PhK, P), A)));
}

export interface LstsqResult {
  /** X minimizing |A·X - B| (the minimum-norm one), n×k (or n for a vector B). */
  solution: Tensor;
  /** Empty, as torch's default driver ("gelsy") returns it. */
  residuals: Tensor;
  /** The numerical rank of each matrix (int32). */
  rank: Tensor;
  /** Empty, as with torch's default driver. */
  singularValues: Tensor;
}

/**
 * Least squares (torch.linalg.lstsq): solution = pinv(A)·B, batch dims
 * broadcast; singular values below rcond·σ_max count as zero (default
 * max(m, n)·eps). Differentiable through pinv and matmul.
 */
export function lstsq(A: Tensor, B: Tensor, options: number | { rcond?: number } = {}): LstsqResult {
  const op = "linalg.lstsq";
  checkMatrix(op, A);
  checkTensor(op, B);
  const rows = B.shape[B.ndim === 1 ? 0 : B.ndim - 2];
  if (B.ndim === 0 || rows !== A.shape[A.ndim - 2]) {
    throw new RangeError(`${op}: input.size(-2) should match other.size(-2) (shapes ${fmt(A.shape)} and ${fmt(B.shape)})`);
  }
  const [P, rank] = pseudoInverse(op, A, { rtol: typeof options === "number" ? options : options.rcond });
  const solution = matmul(
    record(P, "LinalgPinvBackward0", [A], (g) => [pinvGrad(g, A, P)], [A, P]),
    B,
  );
  const empty = Tensor.empty([0]);
  return { solution, residuals: empty, rank: reshape(tensor(rank), A.shape.slice(0, -2)), singularValues: empty.detach() };
}

/**
 * A to the integer power n (torch.linalg.matrix_power) by repeated squaring;
 * negative n inverts first; n = 0 is the identity. Differentiable (matmul, inv).
 */
export function matrixPower(A: Tensor, n: number): Tensor {
  const op = "linalg.matrixPower";
  checkMatrix(op, A, true);
  if (!Number.isInteger(n)) throw new TypeError(`${op}: n must be an integer, got ${n}`);
  // n = 0: the identity, whose gradient is 0 (torch's CopyBackwards)
  if (n === 0) return record(expand(eye(A.shape[A.ndim - 1]), A.shape), "CopyBackwards", [A], (g) => [mul(g, 0)]);
  let base = n < 0 ? inv(A) : A, out: Tensor | null = null;
  for (let p = Math.abs(n); p > 0; p >>= 1) {
    if (p & 1) out = out ? matmul(out, base) : base;
    if (p > 1) base = matmul(base, base);
  }
  return out === A ? clone(A) : out!;
}

/**
 * The cross product of 3-vectors along `dim` (torch.linalg.cross: default -1;
 * torch.cross: default the first dim of size 3), batch dims broadcast.
 * Differentiable: a composition of index selects, products and a difference.
 */
export function cross(a: Tensor, b: Tensor, dim?: number | { dim?: number }): Tensor {
  const op = "linalg.cross";
  checkTensor(op, a);
  checkTensor(op, b);
  if (a.ndim !== b.ndim) throw new RangeError(`${op}: inputs must have the same number of dimensions (shapes ${fmt(a.shape)} and ${fmt(b.shape)}).`);
  const given = typeof dim === "object" ? dim.dim : dim;
  const d = normDim(op, given ?? -1, a.ndim);
  if (a.shape[d] !== 3 || b.shape[d] !== 3) {
    throw new RangeError(`${op}: inputs dimension ${given ?? -1} must have length 3. Got ${a.shape[d]} and ${b.shape[d]}`);
  }
  const r1 = [1, 2, 0], r2 = [2, 0, 1];
  return sub(mul(indexSelect(a, d, r1), indexSelect(b, d, r2)), mul(indexSelect(a, d, r2), indexSelect(b, d, r1)));
}

/** torch.cross: as linalg.cross, but without a dim the first dim of size 3. */
export function torchCross(a: Tensor, b: Tensor, dim?: number | { dim?: number }): Tensor {
  const given = typeof dim === "object" ? dim.dim : dim;
  if (given !== undefined) return cross(a, b, given);
  checkTensor("cross", a);
  checkTensor("cross", b);
  const d = broadcastShapes("cross", a.shape, b.shape).indexOf(3);
  if (d < 0) throw new RangeError(`cross: no dimension of size 3 in input (shapes ${fmt(a.shape)} and ${fmt(b.shape)})`);
  return cross(a, b, d);
}

/** torch.pinverse: pinv with rtol = rcond (default 1e-15). */
export const pinverse = (A: Tensor, rcond = 1e-15): Tensor => pinv(A, { rtol: rcond });
