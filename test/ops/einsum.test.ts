// einsum against torch.einsum (test/fixtures/ops_linalg.json): every
// two-operand contraction shape, one-operand diagonals, transposes and sums,
// implicit outputs, "..." and size-1 broadcasting, forward and gradients; that
// contractions go through the GEMM; torch's errors.
import { describe, expect, it } from "vitest";
import { einsum, randn, manualSeed, matmul, scope, zeros, arange, type Tensor } from "../../src/index";

const arangeInt = (n: number): Tensor => arange(n);
import { casesOf, checkGolden } from "./linalg.golden";
import { maxAbsDiff } from "../helpers/compare";
import { gradcheck } from "../gradcheck";
import { mulberry32, gaussian } from "../helpers/bridge";
import * as R from "../reference";
import type { RTensor } from "../reference";

/** einsum by brute force in float64: every assignment of the labels (letters only, explicit output). */
function refEinsum(eq: string, xs: RTensor[]): RTensor {
  const [lhs, out] = eq.split("->");
  const terms = lhs.split(",");
  const size = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((c, d) => size.set(c, Math.max(size.get(c) ?? 1, xs[i].shape[d]))));
  const labels = [...size.keys()], outShape = [...out].map((c) => size.get(c)!);
  const res = new Float64Array(R.numel(outShape));
  const at = new Map<string, number>();
  const flat = (t: string, shape: readonly number[]) => [...t].reduce((f, c, d) => f * shape[d] + (shape[d] === 1 ? 0 : at.get(c)!), 0);
  const walk = (k: number): void => {
    if (k === labels.length) {
      res[flat(out, outShape)] += xs.reduce((p, x, i) => p * x.data[flat(terms[i], x.shape)], 1);
      return;
    }
    for (let v = 0; v < size.get(labels[k])!; v++) { at.set(labels[k], v); walk(k + 1); }
  };
  walk(0);
  return R.make(outShape, res);
}

describe("einsum", () => {
  for (const c of casesOf("einsum")) {
    it(`matches torch: "${c.name}"`, () => {
      checkGolden(c, (xs, o) => ({ out: einsum(o.equation as string, ...xs) }), { atol: 1e-5, rtol: 1e-4 });
    });
  }

  it("takes the operands as a list too, and contracts by the GEMM", () => {
    manualSeed(3);
    scope(() => {
      const a = randn(2, 3, 4), b = randn(4, 5);
      const c = einsum("bij,jk->bik", [a, b]);
      expect(c.gradFn).toBeNull();
      expect(maxAbsDiff(c, matmul(a, b))).toBeLessThan(1e-6);
      const ar = a.requiresGrad_(true);
      // b and i fold into the GEMM's rows: one [6, 4]·[4, 5] product, reshaped
      expect(einsum("bij,jk->bik", ar, b).gradFn?.name).toBe("ViewBackward0");
      expect(einsum("bij,jk->bik", ar, b).gradFn?.inputs[0].gradFn?.name).toBe("MmBackward0");
      expect(einsum("bij,bjk->bik", ar, randn(2, 4, 5)).gradFn?.inputs[0].gradFn?.name).toBe("BmmBackward0");
    });
  });

  it("has gradients that match finite differences", () => {
    const rand = mulberry32(77);
    const r = (...shape: number[]) => R.make(shape, Array.from({ length: R.numel(shape) }, () => gaussian(rand)));
    const cases: [string, RTensor[]][] = [
      ["ij,jk->ik", [r(2, 3), r(3, 4)]],
      ["bij,bkj->bik", [r(2, 3, 2), r(2, 4, 2)]],
      ["ii->i", [r(3, 3)]],
      ["iij,jk->ki", [r(2, 2, 3), r(3, 2)]],
      ["ij,j,jk->ik", [r(2, 3), r(3), r(3, 2)]],
      ["ij,jk->ik", [r(2, 1), r(3, 2)]],
      ["ij->", [r(2, 3)]],
    ];
    for (const [eq, xs] of cases) gradcheck((ts) => einsum(eq, ...ts), (rs) => refEinsum(eq, rs), xs, { what: eq });
  });

  it("keeps int32 diagonals int32", () => {
    const x = einsum("ii->i", arangeInt(9).reshape(3, 3));
    expect(x.dtype).toBe("int32");
    expect(x.toArray()).toEqual([0, 4, 8]);
  });

  it("handles size-0 dims", () => {
    expect(einsum("ij,jk->ik", zeros(2, 0), zeros(0, 3)).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(einsum("ij->j", zeros(0, 3)).toArray()).toEqual([0, 0, 0]);
  });

  it("throws torch's errors", () => {
    const m = (r: number, c: number): Tensor => zeros(r, c);
    expect(() => einsum("ij,jk", m(2, 3), m(4, 5))).toThrow(
      "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3",
    );
    expect(() => einsum("ij,jk->ik", zeros(2, 3, 1), m(3, 5))).toThrow(
      "einsum(): the number of subscripts in the equation (2) does not match the number of dimensions (3) for operand 0 and no ellipsis was given",
    );
    expect(() => einsum("ij,jk->ik", m(2, 3))).toThrow("einsum(): fewer operands were provided than specified in the equation");
    expect(() => einsum("ij", m(2, 3), m(2, 3))).toThrow("einsum(): more operands were provided than specified in the equation");
    expect(() => einsum("ij,jk->iz", m(2, 3), m(3, 5))).toThrow("einsum(): output subscript z does not appear in the equation for any input operand");
    expect(() => einsum("ij->jj", m(2, 3))).toThrow("einsum(): output subscript j appears more than once in the output");
    expect(() => einsum("ii", m(2, 3))).toThrow("einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2");
    expect(() => einsum("i1,j->ij", m(2, 1), zeros(3))).toThrow(
      "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]",
    );
    expect(() => einsum("i...j->", zeros(2))).toThrow(
      "einsum(): the number of subscripts in the equation (2) is more than the number of dimensions (1) for operand 0",
    );
  });
});
