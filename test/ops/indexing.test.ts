// Indexing: slice, select, sliceAssign_, gather, scatter, scatterAdd, indexAdd,
// maskedFill and the in-place forms. PyTorch's golden
// values and gradients (test/fixtures/ops_shape.json), finite-difference
// gradchecks against the float64 reference (shape.reference.ts), the kernels
// against the reference on random shapes, and the in-place rules.
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

const SEED = 2323;
const prop = <T>(arb: fc.Arbitrary<T>, body: (v: T) => [Tensor, RTensor], runs?: number) => propSeeded(arb, body, SEED, runs);
const int = (v: number[] | number[][] | number[][][]) => wg.tensor(v, { dtype: "int32" });

function values(seed: number, shape: readonly number[]): RTensor {
  const rand = mulberry32(seed);
  return R.make(shape, Array.from({ length: R.numel(shape) }, () => Math.fround(gaussian(rand))));
}

function randInts(seed: number, shape: readonly number[], hi: number): RTensor {
  const rand = mulberry32(seed);
  return R.make(shape, Array.from({ length: R.numel(shape) }, () => Math.floor(rand() * hi)), "int32");
}

describe("slice", () => {
  golden("slice", (xs, a) => xs[0].slice(...a.entries));
  it("reads random basic indices like the reference", () => {
    const range = fc.tuple(fc.option(fc.integer({ min: -6, max: 6 })), fc.option(fc.integer({ min: -6, max: 6 })), fc.integer({ min: 1, max: 3 }));
    const entry = (n: number): fc.Arbitrary<unknown> =>
      n === 0 ? fc.oneof(fc.constant(null), range) : fc.oneof(fc.constant(null), fc.integer({ min: -n, max: n - 1 }), range);
    prop(shapeArb(1).chain((shape) => fc.tuple(fc.constant(shape), fc.tuple(...shape.map(entry)), seedArb)), ([shape, entries, seed]) => {
      const x = values(seed, shape);
      return [toLib(x).slice(...(entries as never[])), S.slice(x, entries)];
    });
  });
  it("takes an ellipsis and newaxis like torch's ... and None", () => {
    const x = wg.arange(24).reshape(2, 3, 4);
    expect(x.slice("...", 1).shape).toEqual([2, 3]);
    expect(x.slice("newaxis", 0, "...", "newaxis").shape).toEqual([1, 3, 4, 1]);
    expect(x.slice(1, [null, null, 2], -1).toArray()).toEqual([15, 23]);
  });
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.slice([1, null], "...", [null, null, 2]), ([x]) => S.slice(x, [[1, null], "...", [null, null, 2]]), [values(1, [3, 2, 5])]);
  });
});

describe("select", () => {
  golden("select", (xs, a) => xs[0].select(a.dim, a.index));
  it("passes the gradient check", () => {
    gradcheck(([x]) => x.select(-1, -2), ([x]) => S.slice(x, ["...", -2]), [values(2, [2, 3, 4])]);
  });
});

describe("sliceAssign_", () => {
  golden("sliceAssign_", (xs, a) => {
    const y = xs[0].clone();
    return y.sliceAssign_(a.entries, xs.length > 1 ? xs[1] : a.value);
  });
  it("writes in place, bumps the version, and follows the leaf rule", () => {
    const x = wg.zeros(2, 3);
    const v0 = x.version;
    expect(x.sliceAssign_([null, [1]], wg.tensor([5, 6]).reshape(2, 1))).toBe(x);
    expect(x.toArray()).toEqual([[0, 5, 5], [0, 6, 6]]);
    expect(x.version).toBe(v0 + 1);
    const p = wg.zeros(2, { requiresGrad: true });
    expect(() => p.sliceAssign_([0], 1)).toThrow(/leaf tensor that requires grad/);
    wg.noGrad(() => p.sliceAssign_([0], 1));
    expect(p.toArray()).toEqual([1, 0]);
  });
  it("settles a deferred transpose of the tensor before writing", () => {
    const a = wg.arange(32 * 40).reshape(32, 40).float();
    const t = a.t(); // deferred: 1280 elements
    a.sliceAssign_([0], -1);
    expect((t.slice(0) as Tensor).toArray()).toEqual(Array.from({ length: 32 }, (_, i) => i * 40));
    expect((a.slice(0, [0, 2]) as Tensor).toArray()).toEqual([-1, -1]);
  });
  it("makes a saved tensor fail the version check", () => {
    const x = wg.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.detach();
    const w = x.mul(z);
    z.sliceAssign_([0], 7);
    expect(() => w.sum().backward()).toThrow(/modified by an in-place operation/);
  });
});

describe("gather", () => {
  golden("gather", (xs, a) => xs[0].gather(a.dim, xs[1]));
  it("reads random indices like the reference", () => {
    prop(fc.tuple(shapeArb(1, 3).filter((s) => s.every((v) => v > 0)), fc.nat(), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }), seedArb),
      ([shape, dr, sizes, seed]) => {
        const d = dr % shape.length;
        const ishape = shape.map((s, i) => (i === d ? sizes[i] : Math.min(s, sizes[i])));
        const x = values(seed, shape), idx = randInts(seed + 1, ishape, shape[d]);
        return [toLib(x).gather(d, toLib(idx)), S.gather(x, d, idx)];
      });
  });
  it("passes the gradient check (repeated indices add up)", () => {
    const idx = R.make([3, 3], [0, 3, 3, 1, 1, 0, 2, 0, 1], "int32");
    gradcheck(([x]) => x.gather(1, toLib(idx)), ([x]) => S.gather(x, 1, idx), [values(3, [3, 4])]);
  });
});

describe("scatter", () => {
  golden("scatter", (xs, a) => xs[0].scatter(a.dim, xs[1], xs[2]));
  golden("scatterValue", (xs, a) => xs[0].scatter(a.dim, xs[1], a.value));
  it("writes random (distinct) indices like the reference", () => {
    prop(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), seedArb), ([n, m, seed]) => {
      const x = values(seed, [n, 6]), src = values(seed + 1, [n, m]);
      const rand = mulberry32(seed);
      const rows = Array.from({ length: n }, () => [0, 1, 2, 3, 4, 5].sort(() => rand() - 0.5).slice(0, m));
      const idx = R.make([n, m], rows.flat(), "int32");
      return [toLib(x).scatter(-1, toLib(idx), toLib(src)), S.scatter(x, 1, idx, src)];
    });
  });
  it("passes the gradient check for self and src", () => {
    const idx = R.make([2, 2], [2, 0, 1, 3], "int32");
    gradcheck(([x, s]) => x.scatter(1, toLib(idx), s), ([x, s]) => S.scatter(x, 1, idx, s), [values(4, [2, 4]), values(5, [2, 2])]);
    gradcheck(([x]) => x.scatter(1, toLib(idx), 1.5), ([x]) => S.scatter(x, 1, idx, 1.5), [values(6, [2, 4])]);
  });
  it("takes a src larger than index, whose other elements get zero gradient", () => {
    const idx = R.make([1, 2], [3, 0], "int32");
    gradcheck(([x, s]) => x.scatter(1, toLib(idx), s), ([x, s]) => S.scatter(x, 1, idx, s), [values(7, [2, 4]), values(8, [2, 3])]);
  });
});

describe("scatterAdd", () => {
  golden("scatterAdd", (xs, a) => xs[0].scatterAdd(a.dim, xs[1], xs[2]));
  it("adds random indices like the reference", () => {
    prop(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), seedArb), ([n, m, seed]) => {
      const x = values(seed, [3, n]), src = values(seed + 1, [m, n]), idx = randInts(seed + 2, [m, n], 3);
      const r = S.scatter(x, 0, idx, src, true);
      return [toLib(x).scatterAdd(0, toLib(idx), toLib(src)), R.cast(r, "float32", "f32")];
    }, 0);
  });
  it("adds int32 exactly and bool as or", () => {
    expect(wg.zeros(3, { dtype: "int32" }).scatterAdd(0, int([0, 0, 2]), int([5, 6, 7])).toArray()).toEqual([11, 0, 7]);
    expect(wg.zeros(3, { dtype: "bool" }).scatterAdd(0, int([1, 1]), wg.ones(2, { dtype: "bool" })).toArray()).toEqual([false, true, false]);
  });
  it("passes the gradient check", () => {
    const idx = R.make([3, 3], [0, 0, 3, 1, 2, 1, 3, 3, 3], "int32");
    gradcheck(([x, s]) => x.scatterAdd(1, toLib(idx), s), ([x, s]) => S.scatter(x, 1, idx, s, true), [values(9, [3, 4]), values(10, [3, 3])]);
  });
});

describe("indexAdd", () => {
  golden("indexAdd", (xs, a) => xs[0].indexAdd(a.dim, xs[1], xs[2], { alpha: a.alpha }));
  it("passes the gradient check, with alpha", () => {
    gradcheck(([x, s]) => x.indexAdd(-1, int([2, 2, 0, 1]), s, -2.5), ([x, s]) => S.indexAdd(x, 1, [2, 2, 0, 1], s, -2.5),
      [values(11, [2, 3]), values(12, [2, 4])]);
  });
});

describe("maskedFill", () => {
  golden("maskedFill", (xs, a) => xs[0].maskedFill(xs[1], xs.length > 2 ? xs[2] : a.value));
  it("truncates a fractional value for an int tensor, as torch does", () => {
    expect(wg.zeros(2, { dtype: "int32" }).maskedFill(wg.tensor([true, false]), 2.7).toArray()).toEqual([2, 0]);
  });
  it("passes the gradient check, broadcasting the mask", () => {
    const m = R.make([2, 1, 4], [1, 0, 0, 1, 0, 1, 1, 0], "bool");
    gradcheck(([x]) => x.maskedFill(toLib(m), 3), ([x]) => S.maskedFill(x, m, 3), [values(13, [3, 4])]);
  });
  it("passes the gradient check for a 0-d value tensor", () => {
    const m = R.make([3, 4], [1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0], "bool");
    gradcheck(([x, v]) => x.maskedFill(toLib(m), v), ([x, v]) => S.maskedFill(x, m, v.data[0]), [values(16, [3, 4]), values(17, [])]);
  });
});

describe("maskedFill_", () => {
  golden("maskedFill_", (xs, a) => xs[0].clone().maskedFill_(xs[1], a.value));
  it("writes in place and refuses a mask larger than the tensor", () => {
    const x = wg.zeros(3);
    expect(x.maskedFill_(wg.tensor([true, false, true]), 2)).toBe(x);
    expect(x.toArray()).toEqual([2, 0, 2]);
    expect(() => x.maskedFill_(wg.ones(2, 3, { dtype: "bool" }), 1)).toThrow(/does not broadcast/);
  });
});

describe("scatter_", () => {
  golden("scatter_", (xs, a) => xs[0].clone().scatter_(a.dim, xs[1], xs[2]));
});

describe("scatterAdd_", () => {
  golden("scatterAdd_", (xs, a) => xs[0].clone().scatterAdd_(a.dim, xs[1], xs[2]));
});

describe("indexAdd_", () => {
  golden("indexAdd_", (xs, a) => xs[0].clone().indexAdd_(a.dim, xs[1], xs[2], a.alpha));
  it("refuses a leaf that requires grad outside noGrad", () => {
    const p = wg.zeros(2, { requiresGrad: true });
    expect(() => p.indexAdd_(0, int([0]), wg.ones(1))).toThrow(/leaf tensor that requires grad/);
    wg.noGrad(() => p.indexAdd_(0, int([1, 1]), wg.ones(2)));
    expect(p.toArray()).toEqual([0, 2]);
  });
});

describe("capture", () => {
  it("replays gather, scatterAdd, slices and masks, reading the index and mask at replay time", () => {
    const x = wg.keep(wg.tensor([[1, 2, 3], [4, 5, 6]]).float());
    const idx = wg.keep(int([[2], [0]]));
    const m = wg.keep(wg.tensor([[true, false, false], [false, false, true]]));
    const step = wg.capture(() => wg.cat([
      x.gather(1, idx), x.slice(null, [1, null]).flip(1), x.maskedFill(m, -1), x.tril(), wg.zeros(2, 3).scatterAdd(1, idx, x.slice(null, [0, 1])),
    ], 1));
    const eager = (): unknown => wg.scope(() => wg.cat([
      x.gather(1, idx), x.slice(null, [1, null]).flip(1), x.maskedFill(m, -1), x.tril(), wg.zeros(2, 3).scatterAdd(1, idx, x.slice(null, [0, 1])),
    ], 1).toArray());
    for (let i = 0; i < 3; i++) expect(step().toArray()).toEqual(eager()); // warm-up, then the recording
    idx.sliceAssign_([0], 1);
    m.maskedFill_(wg.tensor(true), 0);
    expect(step().toArray()).toEqual(eager()); // a replay
    expect(step().toArray()).toEqual([[2, 3, 2, 1, 2, 3, 1, 0, 0, 0, 1, 0], [4, 6, 5, 4, 5, 6, 4, 5, 0, 4, 0, 0]]);
  });
  it("replays a training step whose loss gathers and slices, with the same gradients", () => {
    const w = wg.keep(wg.randn(3, 4, { requiresGrad: true }));
    const idx = wg.keep(int([[1], [3], [0]]));
    const body = () => {
      const y = wg.cat([w.gather(1, idx), w.slice(null, [null, null, 2]), w.indexAdd(1, int([0, 0]), w.narrow(1, 2, 2), 2)], 1);
      y.mul(y).sum().backward();
      const g = w.grad!;
      w.grad = null;
      return g;
    };
    const want = wg.scope(() => body().toArray());
    const step = wg.capture(body);
    for (let i = 0; i < 4; i++) expect(step().toArray()).toEqual(want);
  });
});

describe("memory", () => {
  it("frees every temporary of the forward and backward passes of each op", () => {
    const run = () => wg.scope(() => {
      const x = wg.randn(3, 4, { requiresGrad: true });
      const idx = int([[0, 3], [1, 1], [2, 0]]);
      const m = x.gt(0);
      const parts = [
        x.slice([1], "...", [null, null, 2]), x.select(1, -1), x.gather(1, idx), x.scatter(1, idx, 2), x.scatterAdd(1, idx, x.slice(null, [0, 2])),
        x.indexAdd(0, int([2, 2]), x.slice([0, 2]), 3), x.maskedFill(m, 1), wg.cat(x.split([1, 3], 1), 1), wg.stack(x.unbind(0)),
        x.chunk(2)[1], x.narrow(0, 1, 1), x.flip(0), x.repeat(2, 1), x.tile(2), x.tril(), x.triu(-1), wg.F.glu(x, 1),
      ];
      const loss = parts.map((p) => p.sum()).reduce((a, b) => a.add(b));
      loss.backward();
      x.grad!.dispose();
      const y = wg.zeros(3, 4);
      y.sliceAssign_([0], 1).maskedFill_(m, 2).scatter_(1, idx, 3).scatterAdd_(1, idx, wg.ones(3, 2)).indexAdd_(0, int([1]), wg.ones(1, 4));
    });
    run();
    const before = wg.memoryStats().bytesInUse;
    run();
    expect(wg.memoryStats().bytesInUse).toBe(before);
  });
  it("leaves nothing behind outside a scope once the results are disposed", () => {
    const x = wg.randn(4, 6), m = wg.randn(3, 1, 6).gt(0), idx = int([[1], [0], [5], [2]]);
    const ops = [() => wg.stack([x, x], 1), () => wg.F.glu(x), () => x.gather(1, idx),
      () => x.maskedFill(m, 0), () => { const p = x.split(4, 1); const c = wg.cat(p, 1); wg.dispose(p); return c; }];
    for (const op of ops) op().dispose(); // one-time scratch allocations
    const before = wg.memoryStats().bytesInUse;
    for (const op of ops) op().dispose();
    expect(wg.memoryStats().bytesInUse).toBe(before);
    wg.dispose(x, m, idx);
  });
});
