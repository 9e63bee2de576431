// torch.linalg's factorizations and what is built on them: against torch 1.13
// (test/fixtures/ops_linalg.json: values and gradients, sign-invariant views of
// eigen- and singular vectors), by their invariants on random batches, and
// gradients against float64 finite differences (test/gradcheck.ts).
import { describe, expect, it } from "vitest";
import * as wg from "../../src/index";
import { linalg, tensor, randn, manualSeed, eye, zeros, scope, type Tensor } from "../../src/index";
import { casesOf, checkGolden } from "./linalg.golden";
import { maxAbsDiff } from "../helpers/compare";
import { gradcheck } from "../gradcheck";
import { mulberry32, gaussian } from "../helpers/bridge";
import * as R from "../reference";
import type { RTensor } from "../reference";
import * as F64 from "./linalg.reference";

type Views = (xs: Tensor[], o: any) => Record<string, Tensor>;
const one = (f: (xs: Tensor[], o: any) => Tensor): Views => (xs, o) => ({ out: f(xs, o) });

const VIEWS: Record<string, Views> = {
  det: one(([A]) => linalg.det(A)),
  slogdet: ([A]) => ({ ...linalg.slogdet(A) }),
  solve: one(([A, B], o) => linalg.solve(A, B, o)),
  cholesky: one(([A], o) => linalg.cholesky(A, o)),
  qr: ([A], o) => ({ ...linalg.qr(A, o.mode ?? "reduced") }),
  eigh: ([A], o) => {
    const { eigenvalues, eigenvectors: V } = linalg.eigh(A, o.UPLO ?? "L");
    return { eigenvalues, VV: V.mul(V) };
  },
  eigvalsh: one(([A]) => linalg.eigvalsh(A)),
  svd: ([A]) => {
    const { U, S, Vh } = linalg.svd(A);
    return { S, UU: U.mul(U), VhVh: Vh.mul(Vh) };
  },
  svdvals: one(([A]) => linalg.svdvals(A)),
  pinv: one(([A]) => linalg.pinv(A)),
  lstsq: ([A, B]) => ({ solution: linalg.lstsq(A, B).solution }),
  matrixPower: one(([A], o) => linalg.matrixPower(A, o.n)),
  cross: one(([a, b], o) => linalg.cross(a, b, o.dim)),
  "torch.cross": one(([a, b]) => wg.cross(a, b)),
};

/** Golden cases of `op`, one test each. */
function goldens(...ops: string[]): void {
  for (const c of casesOf(...ops)) it(`matches torch: ${c.name}`, () => checkGolden(c, VIEWS[c.op]));
}

/** Seeded gaussian inputs, plus `shift` on each matrix's diagonal (well-conditioned). */
const r = (seed: number, shape: number[], shift = 0): RTensor => {
  const n = shape[shape.length - 1], rand = mulberry32(seed);
  return R.make(shape, Array.from({ length: R.numel(shape) }, (_, i) => gaussian(rand) + (i % (n * n) % (n + 1) === 0 ? shift : 0)));
};

describe("linalg.det", () => {
  goldens("det");
  it("is 1 for 0×0 matrices and takes batches", () => {
    expect(linalg.det(zeros(0, 0)).item()).toBe(1);
    expect(linalg.det(zeros(2, 0, 0)).toArray()).toEqual([1, 1]);
    expect(linalg.det(zeros(0, 3, 3)).shape).toEqual([0]);
    expect(tensor([[2, 1], [1, 3]], { dtype: "float32" }).det().item()).toBeCloseTo(5, 5);
    expect(wg.det(eye(3).mul(2)).item()).toBeCloseTo(8, 5);
  });
  it("has gradients that match finite differences", () => {
    gradcheck(([A]) => linalg.det(A), ([A]) => F64.det(A), [r(1, [3, 3], 2)]);
    gradcheck(([A]) => linalg.det(A), ([A]) => F64.det(A), [r(2, [2, 4, 4], 3)]);
  });
});

describe("linalg.slogdet", () => {
  goldens("slogdet");
  it("gives sign 0 and -Infinity for singular matrices", () => {
    const { sign, logabsdet } = linalg.slogdet(tensor([[1, 2], [2, 4]], { dtype: "float32" }));
    expect(sign.item()).toBe(0);
    expect(logabsdet.item()).toBe(-Infinity);
    expect(tensor([[-2, 0], [0, 3]], { dtype: "float32" }).slogdet().sign.item()).toBe(-1);
  });
  it("has gradients that match finite differences", () => {
    gradcheck(([A]) => linalg.slogdet(A).logabsdet, ([A]) => R.unary("log", R.unary("abs", F64.det(A), "f64"), "f64"), [r(3, [2, 3, 3], 2)]);
  });
});

describe("linalg.solve", () => {
  goldens("solve");
  it("solves A·X = B on batches (A·X ≈ B)", () => {
    manualSeed(11);
    scope(() => {
      const A = randn(3, 5, 5).add(eye(5).mul(3)), B = randn(3, 5, 2);
      expect(maxAbsDiff(A.matmul(linalg.solve(A, B)), B)).toBeLessThan(1e-5);
    });
  });
  it("has gradients that match finite differences", () => {
    gradcheck(([A, B]) => linalg.solve(A, B), ([A, B]) => F64.solve(A, B), [r(4, [3, 3], 3), r(5, [3, 2])]);
    gradcheck(([A, B]) => linalg.solve(A, B), ([A, B]) => F64.solve(A, B), [r(6, [2, 3, 3], 3), r(7, [3, 1])]);
  });
});

describe("linalg.cholesky", () => {
  goldens("cholesky");
  it("L·Lᵀ ≈ A with L lower triangular, and upper gives Lᵀ", () => {
    manualSeed(12);
    scope(() => {
      const M = randn(2, 6, 6), A = M.matmul(M.transpose(-2, -1)).add(eye(6));
      const L = linalg.cholesky(A);
      expect(maxAbsDiff(L.matmul(L.transpose(-2, -1)), A)).toBeLessThan(1e-4);
      expect(L.data().filter((_, i) => i % 6 > ((i / 6) | 0) % 6).every((v) => v === 0)).toBe(true);
      expect(maxAbsDiff(linalg.cholesky(A, { upper: true }), L.transpose(-2, -1))).toBe(0);
    });
  });
  it("has gradients that match finite differences", () => {
    // through the symmetric A = X·Xᵀ + I, as torch's rule assumes a symmetric perturbation
    gradcheck(([X]) => linalg.cholesky(X.matmul(X.transpose(-2, -1)).add(eye(3))), ([X]) => F64.cholesky(F64.spdOf(X)), [r(8, [3, 3])]);
  });
});

describe("linalg.qr", () => {
  goldens("qr");
  it("Q·R ≈ A with Qᵀ·Q ≈ I and R upper triangular, in every mode", () => {
    manualSeed(13);
    scope(() => {
      for (const [m, n] of [[6, 4], [4, 6], [5, 5]]) {
        const A = randn(2, m, n);
        for (const mode of ["reduced", "complete"] as const) {
          const { Q, R: Rm } = linalg.qr(A, mode);
          const k = Q.shape[2];
          expect(maxAbsDiff(Q.matmul(Rm), A), `${m}×${n} ${mode}`).toBeLessThan(1e-5);
          expect(maxAbsDiff(Q.transpose(-2, -1).matmul(Q), eye(k).expand(2, k, k))).toBeLessThan(1e-5);
          expect(Rm.data().filter((_, i) => ((i / n) | 0) % Rm.shape[1] > i % n).every((v) => v === 0)).toBe(true);
        }
        expect(linalg.qr(A, { mode: "r" }).Q.shape).toEqual([0]);
      }
    });
  });
  it("has gradients that match finite differences (sign-invariant Q∘Q, R∘R)", () => {
    for (const shape of [[4, 3], [3, 3], [2, 4]]) {
      gradcheck(([A]) => { const { Q } = linalg.qr(A); return Q.mul(Q); }, ([A]) => F64.sq(F64.qr(A).Q), [r(9, shape)]);
      gradcheck(([A]) => { const { R: Rm } = linalg.qr(A); return Rm.mul(Rm); }, ([A]) => F64.sq(F64.qr(A).R), [r(10, shape)]);
    }
  });
});

describe("linalg.eigh", () => {
  goldens("eigh", "eigvalsh");
  it("A·V ≈ V·diag(w), w ascending, V orthonormal with its largest entries positive", () => {
    manualSeed(14);
    scope(() => {
      const M = randn(3, 6, 6), A = M.add(M.transpose(-2, -1));
      const { eigenvalues: w, eigenvectors: V } = linalg.eigh(A);
      expect(maxAbsDiff(A.matmul(V), V.mul(w.unsqueeze(-2)))).toBeLessThan(1e-4);
      expect(maxAbsDiff(V.transpose(-2, -1).matmul(V), eye(6).expand(3, 6, 6))).toBeLessThan(1e-5);
      const wv = w.data();
      for (let i = 0; i < wv.length; i++) if (i % 6 > 0) expect(wv[i]).toBeGreaterThanOrEqual(wv[i - 1]);
      const v = V.data();
      for (let b = 0; b < 3; b++) for (let j = 0; j < 6; j++) {
        const col = Array.from({ length: 6 }, (_, i) => v[b * 36 + i * 6 + j]);
        expect(col.reduce((a, x) => (Math.abs(x) > Math.abs(a) ? x : a), 0)).toBeGreaterThan(0);
      }
      expect(maxAbsDiff(linalg.eigvalsh(A), w)).toBe(0);
    });
  });
  it("has gradients that match finite differences", () => {
    const sym = (X: Tensor) => X.add(X.transpose(-2, -1));
    gradcheck(([X]) => linalg.eigvalsh(sym(X)), ([X]) => F64.eigh(F64.symOf(X)).w, [r(10, [4, 4])]);
    gradcheck(([X]) => { const V = linalg.eigh(sym(X)).eigenvectors; return V.mul(V); }, ([X]) => F64.sq(F64.eigh(F64.symOf(X)).V), [r(11, [3, 3])]);
  });
});

describe("linalg.svd", () => {
  goldens("svd", "svdvals");
  it("has gradients that match finite differences (S, U∘U, Vh∘Vh)", () => {
    for (const shape of [[4, 3], [3, 4], [3, 3]]) {
      gradcheck(([A]) => linalg.svdvals(A), ([A]) => F64.svd(A).S, [r(12, shape)], { what: `S ${shape}` });
      gradcheck(([A]) => { const { U } = linalg.svd(A); return U.mul(U); }, ([A]) => F64.sq(F64.svd(A).U), [r(13, shape)], { what: `U ${shape}` });
      gradcheck(([A]) => { const { Vh } = linalg.svd(A); return Vh.mul(Vh); }, ([A]) => F64.sq(F64.svd(A).Vh), [r(14, shape)], { what: `Vh ${shape}` });
    }
  });
});

describe("linalg.pinv", () => {
  goldens("pinv");
  it("A·A⁺·A ≈ A, also rank-deficient, and pinverse", () => {
    manualSeed(15);
    scope(() => {
      const A = randn(5, 2).matmul(randn(2, 4)); // rank 2
      const P = linalg.pinv(A);
      expect(maxAbsDiff(A.matmul(P).matmul(A), A)).toBeLessThan(1e-4);
      expect(maxAbsDiff(P.matmul(A).matmul(P), P)).toBeLessThan(1e-4);
      expect(maxAbsDiff(wg.pinverse(A, 1e-5), P)).toBeLessThan(1e-6); // torch.pinverse: rcond is pinv's rtol
      expect(linalg.lstsq(A, randn(5, 1)).rank.item()).toBe(2);
      expect(linalg.lstsq(A, randn(5, 1), 1e-30).rank.item()).toBe(4); // rcond, positional as in torch
    });
  });
  it("has gradients that match finite differences", () => {
    gradcheck(([A]) => linalg.pinv(A), ([A]) => F64.pinv(A), [r(16, [4, 3])]);
    gradcheck(([A]) => linalg.pinv(A), ([A]) => F64.pinv(A), [r(17, [2, 3])]);
  });
});

describe("linalg.lstsq", () => {
  goldens("lstsq");
  it("returns torch's fields for the default driver", () => {
    const { solution, residuals, rank, singularValues } = linalg.lstsq(randn(2, 5, 3), randn(2, 5, 2));
    expect(solution.shape).toEqual([2, 3, 2]);
    expect(residuals.shape).toEqual([0]);
    expect(singularValues.shape).toEqual([0]);
    expect(rank.dtype).toBe("int32");
    expect(rank.toArray()).toEqual([3, 3]);
  });
  it("has gradients that match finite differences", () => {
    gradcheck(([A, B]) => linalg.lstsq(A, B).solution, ([A, B]) => F64.matmul(F64.pinv(A), B), [r(18, [5, 3]), r(19, [5, 2])]);
  });
});

describe("linalg.matrixPower", () => {
  goldens("matrixPower");
  it("has gradients that match finite differences", () => {
    for (const n of [2, 3, -1, -2]) {
      const ref = (A: RTensor): RTensor => {
        let X = n < 0 ? F64.solve(A, R.make(A.shape, Array.from({ length: A.data.length }, (_, i) => +(i % (A.shape[1] + 1) === 0)))) : A;
        let out = X;
        for (let p = 1; p < Math.abs(n); p++) out = F64.matmul(out, X);
        return out;
      };
      gradcheck(([A]) => linalg.matrixPower(A, n), ([A]) => ref(A), [r(20 + n, [3, 3], 2)], { what: `n = ${n}` });
    }
    expect(tensor([[1, 1], [0, 1]], { dtype: "float32" }).matrixPower(5).toArray()).toEqual([[1, 5], [0, 1]]);
    expect(wg.matrixPower(eye(2), 0).toArray()).toEqual([[1, 0], [0, 1]]);
    const A = randn([2, 2], { requiresGrad: true });
    linalg.matrixPower(A, 0).sum().backward(); // torch: the identity, with a zero gradient
    expect(A.grad!.toArray()).toEqual([[0, 0], [0, 0]]);
  });
});

describe("capture", () => {
  it("replays steps with einsum, cross and positive matrix powers bit for bit; refuses the factorizations", () => {
    const run = (captured: boolean) => {
      manualSeed(21);
      const W = randn([3, 3], { requiresGrad: true }), x = randn(4, 3);
      const opt = new wg.optim.SGD([W], { lr: 0.01 });
      const step = () => {
        opt.zeroGrad();
        const y = wg.einsum("bi,ij->bj", x, linalg.matrixPower(W, 3));
        const loss = linalg.cross(y, x).square().sum();
        loss.backward();
        opt.step();
        return loss;
      };
      const losses: number[] = [];
      const c = captured ? wg.capture(step) : null;
      for (let i = 0; i < 5; i++) losses.push(c ? c().item() : scope(() => step().item()));
      c?.dispose();
      return [...losses, ...W.data()];
    };
    expect(run(true)).toEqual(run(false));
    // their kernels report failures (a singular matrix, no convergence) to JS, which a replay cannot
    const A = eye(3).add(1);
    const record = (f: () => Tensor) => () => {
      const c = wg.capture(f, { warmup: 0 });
      try { c(); } finally { c.dispose(); }
    };
    expect(record(() => linalg.det(A))).toThrow(/^capture: data\(\) reads tensor data into JavaScript/);
    expect(record(() => linalg.cholesky(A))).toThrow(/^capture: this step reads a kernel's result \(linalg.cholesky\)/);
  });
});

describe("linalg.cross", () => {
  goldens("cross", "torch.cross");
  it("e1 × e2 = e3, on int32 too, and as a method", () => {
    expect(linalg.cross(tensor([1, 0, 0]), tensor([0, 1, 0])).toArray()).toEqual([0, 0, 1]);
    expect(tensor([[0, 1, 0]], { dtype: "float32" }).cross(tensor([[0, 0, 1]], { dtype: "float32" })).toArray()).toEqual([[1, 0, 0]]);
  });
});
