// torch's keyword arguments after positional ones, written as JS writes them: the
// positional arguments, then an options object for the rest (torch's
// x.std(1, unbiased=False) is x.std(1, { unbiased: false })), and the loss forms
// (x, y, w, { reduction }), (x, y, null, "sum"). Each of these once dropped its
// options object without a word; test/fixtures/call_forms.json (gen_call_forms.py)
// holds torch 1.13's answers. Each case's name is the JS call itself, evaluated
// here with the fixture's inputs in scope. Also: median of NaN, scatter's reduce,
// torch's (values, indices) read by position, zeroGrad({ setToNone: false }).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as wg from "../src/index";
import { F, optim, tensor, zeros, ones, varMean, flatten, argsort, type Tensor } from "../src/index";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/call_forms.json", import.meta.url), "utf8"));
const nums = (a: unknown): number[] => (a as (number | null)[][]).flat(Infinity as 1).map((v) => (v === null ? NaN : (v as number)));
const input = (name: string, dtype?: "int32") => {
  const v = fixture.inputs[name];
  return tensor(nums(v), { dtype: dtype ?? "float32" }).reshape(Array.isArray(v[0]) ? [v.length, v[0].length] : [v.length]);
};

describe("options after positional arguments, against torch 1.13", () => {
  const x = input("x"), lg = input("lg"), y = input("y", "int32"), w = input("w"), p = input("p"), t = input("t");
  const b = input("b"), g = input("g"), nanx = input("nanx");
  const idx = tensor([[0, 0], [1, 1]]);
  const rm = zeros(4), rv = ones(4);
  /** The gradient of f at a copy of leaf that requires grad, under upstream gradient `up` (ones if none). */
  const leafOf = (t: Tensor) => t.detach().clone().requiresGrad_();
  const gradOf = (leaf: Tensor, f: (a: Tensor) => Tensor, up?: Tensor) => {
    const a = leafOf(leaf);
    const out = f(a);
    out.backward(up ?? wg.onesLike(out));
    return a.grad!;
  };
  const special: Record<string, () => Tensor> = {
    "running mean after it": () => rm,
    "the gradient of nanx.median(1).values.sum()": () => gradOf(nanx, (a) => a.median(1).values.sum()),
    "the gradient of x.median(1, { keepdim: true }).values under g": () =>
      gradOf(x, (a) => a.median(1, { keepdim: true }).values, g.slice(null, [0, 1])),
    // sign's gradient is zero, so only the second factor's reaches x: sign(x) g
    "the gradient of x.sign().mul(x) under g": () => gradOf(x, (a) => a.sign().mul(a), g),
    "a.mul(a2).backward(g, { inputs: [a] }): a.grad": () => {
      const a = leafOf(x), a2 = leafOf(x);
      a.mul(a2).backward(g, { inputs: [a] });
      expect(a2.grad).toBeNull();
      return a.grad!;
    },
    "autograd.grad(a.mul(a), a, g) (gradOutputs by position)": () => {
      const a = leafOf(x);
      return wg.autograd.grad(a.mul(a), a, g)[0]!;
    },
    "autograd.grad(s, a, null, true) keeps the graph for s.backward(): a.grad": () => {
      const a = leafOf(x);
      const s = a.mul(a).mul(a).sum();
      wg.autograd.grad(s, a, null, true);
      s.backward();
      return a.grad!;
    },
    "the gradient of F.normalize at a norm equal to eps": () => {
      const a = tensor([[3, 4]], { requiresGrad: true });
      F.normalize(a, { eps: 5 }).backward(tensor([[1, 0]], { dtype: "float32" }));
      return a.grad!;
    },
    "klDiv's target gradient, at t = 0 too": () => {
      const kt = tensor([0, 1, 0.5], { requiresGrad: true });
      F.klDiv(tensor([-1, -2, -0.5]), kt, "sum").backward();
      return kt.grad!;
    },
    "s = a.sum(); s.backward(); s.backward(): a.grad": () => {
      const a = leafOf(x);
      const s = a.sum();
      s.backward();
      s.backward();
      return a.grad!;
    },
  };
  const xh = x.mul(tensor([1, 0.5, 1, 2])); // smooth L1's and Huber's target: x itself in columns 0 and 2
  const scopeNames = { x, lg, y, w, p, t, b, g, nanx, idx, rm, rv, xh, F, wg, zeros, ones, varMean, flatten, argsort, tensor };
  const evaluate = (code: string, names: Record<string, unknown> = scopeNames): Tensor =>
    new Function(...Object.keys(names), `return (${code});`)(...Object.values(names)) as Tensor;
  /** "the gradient of <code in x> under g": x's gradient under g, x a leaf. */
  const gradUnderG = (name: string): Tensor | null => {
    const code = /^the gradient of (.*) under g$/.exec(name)?.[1];
    return code === undefined ? null : gradOf(x, (a) => evaluate(code, { ...scopeNames, x: a }), g);
  };

  it("grad_fn names of reshape, view, flatten, squeeze(), squeeze(0), unsqueeze, .T, t()", () => {
    const xl = leafOf(x);
    const made = [xl.reshape(4, 2), xl.view(8), xl.flatten(), xl.squeeze(), xl.unsqueeze(0).squeeze(0), xl.unsqueeze(1), xl.T, xl.t()];
    expect(made.map((t) => t.gradFn!.name)).toEqual(fixture.cases["grad_fn names of reshape, view, flatten, squeeze(), squeeze(0), unsqueeze, .T, t()"].names);
  });

  // in the fixture's order: batchNorm's case updates rm before "running mean after it" reads it
  for (const [name, want] of Object.entries(fixture.cases) as [string, { shape: number[]; values: (number | null)[] }][]) {
    if (!want.values) continue; // the names case, above
    it(name, () => {
      const got = special[name] ? special[name]() : gradUnderG(name) ?? evaluate(name);
      expect(got.shape).toEqual(want.shape);
      const values = Array.from(got.data() as ArrayLike<number>);
      const expected = want.values.map((v) => (v === null ? NaN : v));
      if (got.dtype !== "float32") expect(values).toEqual(expected);
      else values.forEach((v, i) => (Number.isNaN(expected[i]) ? expect(v).toBeNaN() : expect(v).toBeCloseTo(expected[i], 5)));
    });
  }
  it("covers every case of the fixture", () => expect(Object.keys(fixture.cases).length).toBe(78));
});

describe("torch's named tuples and flags in JS", () => {
  it("(values, indices) results read by name, by index and by destructuring, as torch's", () => {
    const x = tensor([[3, 1, 2], [0, 5, 4]], { dtype: "float32" });
    for (const r of [x.max(1), x.min(1), x.sort(1), x.topk(2, 1), x.median(1), x.kthvalue(1, 1)]) {
      const [values, indices] = r;
      expect(values).toBe(r.values);
      expect(indices).toBe(r.indices);
      expect(r[0]).toBe(r.values);
      expect(r[1]).toBe(r.indices);
      expect(r).toHaveLength(2);
    }
    expect(Array.from(x.max(1)[1].data())).toEqual([0, 1]);
  });

  it("requiresGrad_ as torch's: { requiresGrad } by name, and a no-op on a tensor already in a graph", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const y = a.mul(a);
    expect(y.requiresGrad_()).toBe(y);
    expect(y.requiresGrad_(true).gradFn!.name).toBe("MulBackward0");
    const b = tensor([1.5, 2]).requiresGrad_({ requiresGrad: true });
    expect(b.requiresGrad).toBe(true);
    expect(b.requiresGrad_({ requiresGrad: false }).requiresGrad).toBe(false);
  });

  it("zeroGrad({ setToNone: false }) zeroes the gradients, { setToNone: true } and true drop them", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([a], { lr: 0.1 });
    a.mul(a).sum().backward();
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(a.grad!.data())).toEqual([0, 0]);
    opt.zeroGrad({ setToNone: true });
    expect(a.grad).toBeNull();
    a.mul(a).sum().backward();
    opt.zeroGrad(true);
    expect(a.grad).toBeNull();
  });

  it("scatter's reduce: \"add\" adds; torch's \"multiply\" is an error that says so", () => {
    const idx = tensor([[0, 0]]);
    expect(() => zeros(1, 3).scatter(1, idx, 2, "multiply" as "add")).toThrow('scatter: reduce "multiply" is not supported ("add" is)');
    expect(() => zeros(1, 3).scatter_(1, idx, 2, { reduce: "mean" as "add" })).toThrow('scatter_: reduce "mean" is not supported');
    expect(Array.from(zeros(1, 3).scatter_(1, idx, 2, "add").data())).toEqual([4, 0, 0]);
  });

  it("long() is int(): integer tensors are int32 inside, printed as torch's int64", () => {
    const l = tensor([1.7, -2.2]).long();
    expect(l.dtype).toBe("int32");
    expect(String(l)).toBe("tensor([ 1, -2])");
  });

  it("an options object in the wrong place is still checked: torch's spelling is an error", () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: "float32" });
    expect(() => x.std(1, { keep_dim: true } as never)).toThrow("keep_dim is torch's spelling (camelCase here: keepDim)");
    expect(() => F.crossEntropy(x, tensor([0, 1]), null, { label_smoothing: 0.1 } as never)).toThrow("label_smoothing is torch's spelling");
    expect(() => F.crossEntropy(x, tensor([0, 1]), null, 5 as never)).toThrow("crossEntropy: expected an options object, got a number");
  });
});
