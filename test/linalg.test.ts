// linalg.inv and linalg.svd, the direct references of the series: against
// torch.linalg's results in the golden file, and by their invariants
// (A·A⁻¹ = I; U·diag(S)·Vh = A with orthonormal U and Vh) on many shapes.
import { describe, expect, it } from "vitest";
import { linalg, tensor, rand, randn, manualSeed, eye, zeros, diag, scope, Tensor } from "../src/index";
import { golden } from "./helpers/golden";
import { maxAbsDiff } from "./helpers/compare";

const cases = golden("seed_programs.json").cases;

/** Columns of a (rows × cols, row-major) equal those of b up to the sign of each column. */
function maxDiffUpToColumnSign(a: ArrayLike<number>, b: ArrayLike<number>, rows: number, cols: number): number {
  let worst = 0;
  for (let j = 0; j < cols; j++) {
    let same = 0, flipped = 0;
    for (let i = 0; i < rows; i++) {
      same = Math.max(same, Math.abs(a[i * cols + j] - b[i * cols + j]));
      flipped = Math.max(flipped, Math.abs(a[i * cols + j] + b[i * cols + j]));
    }
    worst = Math.max(worst, Math.min(same, flipped));
  }
  return worst;
}

const M1inv = () => tensor(cases["01_inverse_M1"].input.values).reshape(4, 4);

describe("linalg.inv", () => {
  it("matches torch.linalg.inv on the series' matrices", () => {
    const inv1 = linalg.inv(M1inv());
    const want = cases["01_inverse_M1"].true_inverse_torch_linalg_inv.values;
    // torch works in float32 (LAPACK sgetrf); we work in float64 and round once
    expect(maxAbsDiff(inv1, want)).toBeLessThan(2e-5);
    const M2 = diag(tensor([1, 2, 3, 4], { dtype: "float32" }));
    expect(linalg.inv(M2).data()).toEqual(Float32Array.from(cases["01_inverse_M2"].true_inverse_torch_linalg_inv.values));
  });

  it("A · inv(A) = I for random matrices of many sizes, batched too", () => {
    manualSeed(7);
    for (const n of [1, 2, 3, 5, 8, 17, 40]) {
      scope(() => {
        const A = randn(n, n).add(eye(n).mul(2));
        const X = linalg.inv(A);
        expect(maxAbsDiff(A.matmul(X), eye(n)), `n = ${n}`).toBeLessThan(2e-5 * n);
        expect(maxAbsDiff(X.matmul(A), eye(n)), `n = ${n}`).toBeLessThan(2e-5 * n);
      });
    }
    const B = randn(3, 2, 4, 4).add(eye(4).mul(3));
    const XB = linalg.inv(B);
    expect(XB.shape).toEqual([3, 2, 4, 4]);
    expect(maxAbsDiff(B.matmul(XB), eye(4).expand(3, 2, 4, 4))).toBeLessThan(1e-5);
    expect(linalg.inv(zeros(0, 3, 3)).shape).toEqual([0, 3, 3]);
  });

  it("needs pivoting where the leading entry is zero", () => {
    const A = tensor([[0, 1], [1, 0]], { dtype: "float32" });
    expect(Array.from(linalg.inv(A).data())).toEqual([0, 1, 1, 0]);
    const P = tensor([[0, 2, 0], [0, 0, 4], [1, 0, 0]], { dtype: "float32" });
    expect(Array.from(linalg.inv(P).data())).toEqual([0, 0, 1, 0.5, 0, 0, 0, 0.25, 0]);
  });

  it("has torch's gradient, d(A⁻¹) = -A⁻¹ dA A⁻¹ (against finite differences)", () => {
    manualSeed(3);
    const A0 = randn(3, 3).add(eye(3).mul(3));
    const W = randn(3, 3);
    const f = (A: Tensor) => linalg.inv(A).mul(W).sum();
    const A = A0.clone().requiresGrad_();
    f(A).backward();
    const grad = A.grad!.data();
    const a = A0.data(), h = 1e-2;
    for (let i = 0; i < 9; i++) {
      const plus = Float32Array.from(a), minus = Float32Array.from(a);
      plus[i] += h;
      minus[i] -= h;
      const fd = (f(tensor(plus).reshape(3, 3)).item() - f(tensor(minus).reshape(3, 3)).item()) / (2 * h);
      expect(Math.abs(fd - grad[i]), `d/dA[${i}]`).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  it("explains what is wrong with the input", () => {
    expect(() => linalg.inv(rand(5, 4))).toThrow("linalg.inv: A must be batches of square matrices, but they are 5 by 4 matrices (shape [5, 4])");
    expect(() => linalg.inv(rand(4))).toThrow("linalg.inv: the input must have at least 2 dimensions, got shape [4]");
    expect(() => linalg.inv(tensor([[1, 2], [3, 4]]))).toThrow(/expected a float32 input, got int32/);
    expect(() => linalg.inv(tensor([[1, 2], [2, 4]], { dtype: "float32" }))).toThrow(
      "linalg.inv: the matrix is singular: pivot 1 of the LU decomposition is zero, so it has no inverse",
    );
    expect(() => linalg.inv(zeros(3, 3))).toThrow(/singular: pivot 0/);
    expect(() => linalg.inv(diag(tensor([1, 0, 2], { dtype: "float32" })))).toThrow(/singular/);
    const singularSecond = tensor([[[1, 0], [0, 1]], [[1, 1], [1, 1]]], { dtype: "float32" });
    expect(() => linalg.inv(singularSecond)).toThrow(/the matrix \(batch element 1\) is singular/);
    expect(() => linalg.inv(tensor([[1, NaN], [0, 1]]))).toThrow("linalg.inv: the input contains NaN (at flat index 1); expected finite values");
  });
});

describe("linalg.svd", () => {
  /** Checks A = U·diag(S)·Vh, UᵀU = I, Vh·Vhᵀ = I and S sorted, non-negative. */
  function checkSvd(A: Tensor, tol: number): void {
    scope(() => {
      const { U, S, Vh } = linalg.svd(A);
      const [m, n] = A.shape.slice(-2), k = Math.min(m, n);
      expect(U.shape).toEqual([...A.shape.slice(0, -2), m, k]);
      expect(S.shape).toEqual([...A.shape.slice(0, -2), k]);
      expect(Vh.shape).toEqual([...A.shape.slice(0, -2), k, n]);
      const scale = Math.max(1, ...Array.from(S.data()));
      const USVh = U.mul(S.unsqueeze(-2)).matmul(Vh);
      expect(maxAbsDiff(USVh, A), `U S Vh = A for [${A.shape}]`).toBeLessThan(tol * scale);
      expect(maxAbsDiff(U.transpose(-2, -1).matmul(U), eye(k).expand(U.shape.slice(0, -2).concat([k, k]))), "UᵀU = I").toBeLessThan(tol);
      expect(maxAbsDiff(Vh.matmul(Vh.transpose(-2, -1)), eye(k).expand(U.shape.slice(0, -2).concat([k, k]))), "Vh Vhᵀ = I").toBeLessThan(tol);
      const s = S.data();
      for (let b = 0; b < s.length / Math.max(k, 1); b++) {
        for (let i = 0; i < k; i++) {
          expect(s[b * k + i]).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(s[b * k + i]).toBeLessThanOrEqual(s[b * k + i - 1]);
        }
      }
    });
  }

  it("matches torch.svd(M1) from the series: S, and U, V up to column signs", () => {
    const ref = cases.torch_svd_M1;
    manualSeed(314);
    const M1 = rand(5, 4);
    const { U, S, Vh } = linalg.svd(M1);
    const s = S.data();
    ref.S.values.forEach((v: number, i: number) => expect(Math.abs(s[i] - v) / v).toBeLessThan(2e-6));
    // the series prints 2.3398, 0.6873, 0.2592, 0.1177
    expect(Array.from(s, (x) => x.toFixed(4))).toEqual(["2.3398", "0.6873", "0.2592", "0.1177"]);
    expect(maxDiffUpToColumnSign(U.data(), ref.U.values, 5, 4)).toBeLessThan(2e-5);
    expect(maxDiffUpToColumnSign(Vh.T.data(), ref.V.values, 4, 4)).toBeLessThan(2e-5);
  });

  it("decomposes tall, wide, square, vector-shaped and batched matrices", () => {
    manualSeed(11);
    for (const shape of [[5, 4], [4, 5], [7, 4], [3, 4], [4, 4], [1, 6], [6, 1], [1, 1], [30, 12], [12, 30], [2, 3, 5, 3]]) {
      checkSvd(randn(shape), 3e-6 * Math.max(...shape.slice(-2)));
    }
  });

  it("gives orthonormal U for rank-deficient and zero matrices", () => {
    manualSeed(5);
    const a = randn(6, 1), b = randn(1, 4);
    const rank1 = a.matmul(b); // 6×4 of rank 1
    checkSvd(rank1, 2e-6);
    const s = linalg.svd(rank1).S.data();
    expect(s[1]).toBeLessThan(1e-6 * s[0]);
    const zero = linalg.svd(zeros(3, 2));
    expect(Array.from(zero.S.data())).toEqual([0, 0]);
    checkSvd(zeros(3, 2), 1e-7);
    checkSvd(tensor([[1, 1], [1, 1], [1, 1]], { dtype: "float32" }), 1e-6);
    checkSvd(diag(tensor([3, 0, 1, 0], { dtype: "float32" })), 1e-7);
  });

  it("explains what is wrong with the input, and that it has no gradient", () => {
    expect(() => linalg.svd(rand(4))).toThrow("linalg.svd: the input must have at least 2 dimensions, got shape [4]");
    expect(() => linalg.svd(tensor([[1, 2], [3, 4]]))).toThrow(/expected a float32 input/);
    expect(() => linalg.svd(tensor([[1, Infinity]]))).toThrow(/input contains Infinity/);
    const A = rand([3, 3], { requiresGrad: true });
    const { S } = linalg.svd(A);
    expect(() => S.sum().backward()).toThrow(/linalg.svd: backward is not implemented/);
  });
});
