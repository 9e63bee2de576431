// Joining and splitting: cat, stack, split, chunk, unbind, narrow, flip,
// repeat, tile, tril/triu, glu. For each op: PyTorch's
// golden values and gradients (test/fixtures/ops_shape.json), finite-difference
// gradchecks against the float64 reference (shape.reference.ts), and the
// strided-copy kernel against the reference on random shapes.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import * as wg from "../../src/index";
import type { Tensor } from "../../src/index";
import * as R from "../reference";
import type { RTensor } from "../reference";
import * as S from "./shape.reference";
import { gradcheck } from "../gradcheck";
import { toLib, fromLib, mismatches, mulberry32, gaussian } from "../helpers/bridge";
import { golden, prop as propSeeded, shapeArb, seedArb } from "../helpers/shape-golden";

const SEED = 1717;
const prop = <T>(arb: fc.Arbitrary<T>, body: (v: T) => [Tensor, RTensor], runs?: number) => propSeeded(arb, body, SEED, runs);

function values(seed: number, shape: readonly number[]): RTensor {
  const rand = mulberry32(seed);
  return R.make(shape, Array.from({ length: R.numel(shape) }, () => Math.fround(gaussian(rand))));
}

describe("cat", () => {
  golden("cat", (xs, a) => wg.cat(xs, a.dim));
  it("joins random shapes along a random dim like the reference", () => {
    prop(fc.tuple(shapeArb(1), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), seedArb), ([shape, sizes, dr, seed]) => {
      const d = dr % shape.length;
      const parts = sizes.map((s, i) => values(seed + i, shape.map((v, k) => (k === d ? s : v))));
      return [wg.cat(parts.map((p) => toLib(p)), d - shape.length), S.cat(parts, d)];
    });
  });
  it("promotes dtypes and keeps int results exact", () => {
    const c = wg.cat([wg.tensor([1, 2], { dtype: "int32" }), wg.tensor([true, false])]);
    expect(c.dtype).toBe("int32");
    expect(c.toArray()).toEqual([1, 2, 1, 0]);
  });
  it("passes the gradient check, with a transposed input of 1024+ elements", () => {
    gradcheck(([a, b]) => wg.cat([a, b], -1), ([a, b]) => S.cat([a, b], -1), [values(1, [2, 3]), values(2, [2, 4])]);
    gradcheck(([a, b]) => wg.cat([a.t(), b], 0), ([a, b]) => S.cat([R.transpose(a, 0, 1), b], 0), [values(3, [33, 32]), values(4, [1, 33])]);
  });
});

describe("stack", () => {
  golden("stack", (xs, a) => wg.stack(xs, a.dim));
  it("passes the gradient check", () => {
    gradcheck(([a, b]) => wg.stack([a, b], 1), ([a, b]) => S.cat([R.unsqueeze(a, 1), R.unsqueeze(b, 1)], 1), [values(5, [2, 3]), values(6, [2, 3])]);
  });
});

describe("split", () => {
  golden("split", (xs, a) => wg.split(xs[0], a.size, a.dim));
  it("passes the gradient check through every piece", () => {
    gradcheck(([x]) => wg.cat(x.split([2, 0, 3], 1).map((p, i) => p.mul(i + 1)), 1),
      ([x]) => S.cat([0, 2, 2].map((s, i) => R.binaryScalar("mul", S.narrow(x, 1, s, [2, 0, 3][i]), i + 1, false, "f64")), 1),
      [values(7, [3, 5])]);
  });
});

describe("chunk", () => {
  golden("chunk", (xs, a) => wg.chunk(xs[0], a.chunks, a.dim));
  it("gives torch's piece sizes", () => {
    expect(wg.zeros(5, 3).chunk(3).map((t) => t.shape)).toEqual([[2, 3], [2, 3], [1, 3]]);
    expect(wg.zeros(6).chunk(4).map((t) => t.shape)).toEqual([[2], [2], [2]]);
    expect(wg.zeros(0, 3).chunk(4).map((t) => t.shape)).toEqual([[0, 3], [0, 3], [0, 3], [0, 3]]);
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.chunk(3, -1)[1], ([x]) => S.narrow(x, 1, 2, 2), [values(18, [2, 5])]);
  });
});

describe("unbind", () => {
  golden("unbind", (xs, a) => wg.unbind(xs[0], a.dim));
  it("passes the gradient check through every piece", () => {
    gradcheck(([x]) => wg.cat(x.unbind(1).map((p, i) => p.mul(i - 1)), 0),
      ([x]) => S.cat([0, 1, 2].map((i) => R.binaryScalar("mul", R.reshape(S.narrow(x, 1, i, 1), [2]), i - 1, false, "f64")), 0),
      [values(17, [2, 3])]);
  });
});

describe("narrow", () => {
  golden("narrow", (xs, a) => wg.narrow(xs[0], a.dim, a.start, a.length));
  it("reads random bands like the reference", () => {
    prop(fc.tuple(shapeArb(1), fc.nat(), fc.nat(), fc.nat(), seedArb), ([shape, dr, sr, lr, seed]) => {
      const d = dr % shape.length, n = shape[d];
      const start = sr % (n + 1), len = lr % (n - start + 1);
      const x = values(seed, shape);
      return [toLib(x).narrow(d, start, len), S.narrow(x, d, start, len)];
    });
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.narrow(-1, 1, 2), ([x]) => S.narrow(x, 1, 1, 2), [values(8, [3, 4])]);
  });
});

describe("flatten", () => {
  golden("flatten", (xs, a) => xs[0].flatten(a.start, a.end));
});

// torch's positional arguments, which JS would otherwise drop without a word
describe("diag(diagonal) and sort(dim, descending)", () => {
  golden("diag", (xs, a) => xs[0].diag(a.diagonal));
  golden("sort", (xs, a) => {
    const { values, indices } = xs[0].sort(a.dim, a.descending);
    return [values, indices];
  });
});

describe("flip", () => {
  golden("flip", (xs, a) => wg.flip(xs[0], a.dims));
  it("reverses random dims like the reference", () => {
    prop(fc.tuple(shapeArb(0), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), seedArb), ([shape, which, seed]) => {
      const dims = shape.map((_, i) => i).filter((i) => which[i]);
      const x = values(seed, shape);
      return [toLib(x).flip(dims), S.flip(x, dims)];
    });
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.flip(0, -1), ([x]) => S.flip(x, [0, 2]), [values(9, [2, 3, 4])]);
  });
});

describe("repeat", () => {
  golden("repeat", (xs, a) => xs[0].repeat(a.reps));
  it("repeats random shapes like the reference", () => {
    prop(fc.tuple(shapeArb(0, 3), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 4 }), seedArb), ([shape, reps, seed]) => {
      const x = values(seed, shape);
      return [toLib(x).repeat(reps), S.repeat(x, reps)];
    });
  });
  it("passes the gradient check (the blocks summed)", () => {
    gradcheck(([x]) => x.repeat(2, 1, 3), ([x]) => S.repeat(x, [2, 1, 3]), [values(11, [2, 3])]);
  });
});

describe("tile", () => {
  golden("tile", (xs, a) => wg.tile(xs[0], a.reps));
  it("pads the repeats with leading ones", () => {
    const x = wg.arange(6).reshape(2, 3);
    expect(x.tile(2).toArray()).toEqual(x.repeat(1, 2).toArray());
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.tile(2, 1, 3), ([x]) => S.repeat(x, [2, 1, 3]), [values(19, [3, 2])]);
  });
});

describe("tril", () => {
  golden("tril", (xs, a) => wg.tril(xs[0], a.diagonal));
  it("masks random batches of matrices like the reference, for every diagonal", () => {
    prop(fc.tuple(shapeArb(2), fc.integer({ min: -6, max: 6 }), fc.boolean(), seedArb), ([shape, k, upper, seed]) => {
      const x = values(seed, shape);
      return [upper ? toLib(x).triu(k) : toLib(x).tril(k), S.tri(x, k, upper)];
    });
  });
  it("keeps int and bool dtypes", () => {
    expect(wg.ones(2, 2, { dtype: "bool" }).tril().toArray()).toEqual([[true, false], [true, true]]);
    expect(wg.full([2, 2], 7, { dtype: "int32" }).triu(1).toArray()).toEqual([[0, 7], [0, 0]]);
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.tril(-1), ([x]) => S.tri(x, -1, false), [values(12, [2, 3, 4])]);
  });
});

describe("triu", () => {
  golden("triu", (xs, a) => wg.triu(xs[0], a.diagonal));
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.triu(1), ([x]) => S.tri(x, 1, true), [values(13, [4, 3])]);
  });
});

describe("glu", () => {
  golden("glu", (xs, a) => wg.F.glu(xs[0], a.dim));
  it("passes the gradient check", () => {
    gradcheck(([x]) => wg.F.glu(x, 0), ([x]) => S.glu(x, 0), [values(16, [4, 3])]);
  });
});

describe("keyword arguments", () => {
  it("take torch's keywords as an options object", () => {
    const x = wg.arange(12).reshape(3, 4);
    expect(wg.cat([x, x], { dim: 1 }).shape).toEqual([3, 8]);
    expect(wg.stack([x, x], { dim: -1 }).shape).toEqual([3, 4, 2]);
    expect(x.split(2, { dim: 1 }).map((t) => t.shape)).toEqual([[3, 2], [3, 2]]);
    expect(x.chunk(2, { dim: 1 }).length).toBe(2);
    expect(x.unbind({ dim: 1 }).length).toBe(4);
    expect(wg.F.glu(x.float(), { dim: 1 }).shape).toEqual([3, 2]);
    expect(x.tril({ diagonal: -1 }).toArray()).toEqual(x.tril(-1).toArray());
  });
});
