// softmax, logSoftmax and normalize against torch 1.13 (the softmax cases of
// test/fixtures/ops_reduce.json), and finite-difference gradchecks.
import { describe, expect, it } from "vitest";
import * as W from "../../src/index";
import { runGolden, type OpFn } from "./golden-ops";

const ops: Record<string, OpFn> = {
  softmax: ([x], kw) => W.softmax(x, kw as { dim: number }),
  logSoftmax: ([x], kw) => W.logSoftmax(x, kw as { dim: number }),
  normalize: ([x], kw) => W.F.normalize(x, kw),
};
runGolden("ops_reduce.json", ops);

import { gradcheck } from "../gradcheck";
import * as Ref from "./reduce.reference";
import * as R from "../reference";
import { tensor, type Tensor } from "../../src/index";

describe("gradcheck", () => {
  it("softmax dim 1", () => gradcheck(([x]) => x.softmax(1), ([x]) => Ref.along(x, 1, Ref.softmax), [Ref.values(1, [3, 4])]));
  it("softmax dim 0 of 3-D", () => gradcheck(([x]) => x.softmax({ dim: 0 }), ([x]) => Ref.along(x, 0, Ref.softmax), [Ref.values(2, [3, 2, 2])]));
  it("logSoftmax dim -1", () => gradcheck(([x]) => x.logSoftmax(-1), ([x]) => Ref.along(x, -1, Ref.logSoftmax), [Ref.values(3, [3, 4])]));
  it("normalize", () => gradcheck(([x]) => W.F.normalize(x), ([x]) => {
    const n = Ref.along(x, 1, Ref.pnorm(2), true);
    return Ref.map(x, (v, i) => v / n.data[Math.floor(i / 4)]);
  }, [Ref.values(4, [3, 4])]));
});

describe("stability", () => {
  it("logits of ±1e4 give finite probabilities that sum to 1", () => {
    const x = tensor([[1e4, -1e4, 1e4 - 1], [-1e4, -1e4 + 2, -1e4]], { dtype: "float32" });
    const p = x.softmax(1).data();
    expect(Array.from(p).every(Number.isFinite)).toBe(true);
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
    expect(x.logSoftmax(1).data()[1]).toBeCloseTo(-2e4 - Math.log1p(Math.exp(-1)), 0);
  });
});
