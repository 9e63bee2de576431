// Higher-order gradients (backward({ createGraph }), autograd.grad): second
// derivatives against torch 1.13 (test/fixtures/higher_order.json, from
// gen_higher_order.py; torch's functional API computed its reference values,
// here they are built from autograd.grad as a user would), and the engine's
// semantics as torch has them. Every op's own double backward is checked
// against finite differences by the gradcheck harness (test/gradcheck.ts, secondOrder).

import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import * as wg from "../src/index";
import { autograd, F, tensor, scope, memoryStats, type Tensor } from "../src/index";
import { fromLib, mismatches } from "./helpers/bridge";
import * as R from "./reference";

interface Flat {
  shape: number[];
  data: number[];
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/higher_order.json", import.meta.url), "utf8"));
const lib = (f: Flat, requiresGrad = false): Tensor => tensor(Float32Array.from(f.data)).reshape(f.shape).requiresGrad_(requiresGrad);

/** float32 against torch's float32: rtol 1e-3, atol 1e-4 times the largest magnitude. */
function expectClose(got: Tensor, want: Flat, what: string): void {
  const scale = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  expect(mismatches(fromLib(got), R.make(want.shape, want.data), { atol: 1e-4 * scale, rtol: 1e-3 }), what).toEqual([]);
}

/** Gradients of Σ w·f w.r.t. xs (zeros where none flows), differentiable when createGraph. */
function vjpOf(y: Tensor, xs: Tensor[], w: Tensor | null, createGraph = false): Tensor[] {
  return autograd.grad(y, xs, { gradOutputs: w, retainGraph: true, createGraph, allowUnused: true }).map((g, i) => g ?? wg.zerosLike(xs[i]));
}

/** J[o][i] = ∂y_o/∂x_i, shape [...y.shape, ...x_i.shape], a row per element of y by one-hot cotangents. */
function jacobian(y: Tensor, xs: Tensor[]): Tensor[] {
  const n = y.numel(), eye = wg.eye(n);
  const rows = Array.from({ length: n }, (_, e) => vjpOf(y, xs, eye.select(0, e).reshape([...y.shape])));
  return xs.map((x, i) => wg.stack(rows.map((r) => r[i])).reshape([...y.shape, ...x.shape]));
}

/** H[i][j] = ∂²f/∂x_i∂x_j of a one-element f: the Jacobian of its gradient. */
function hessian(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): Tensor[][] {
  const xs = inputs.map((x) => x.detach().requiresGrad_());
  return vjpOf(f(...xs), xs, null, true).map((g) => (g.requiresGrad ? jacobian(g, xs) : xs.map((x) => wg.zeros([...g.shape, ...x.shape]))));
}

const C = lib(fixture.C), B = lib(fixture.B);
/** The functions of gen_higher_order.py, one per op family, written as a wasmgrad user writes them. */
const FNS: Record<string, (x: Tensor) => Tensor> = {
  elementwise: (x) => x.sin().mul(x.exp()).sum().add(x.pow(3).mean()).add(x.mul(x).tanh().sum()),
  unary: (x) => wg.log1p(x.mul(x)).add(wg.erf(x)).add(x.sigmoid().mul(x)).sum(),
  broadcast: (x) => x.add(x.sum(0)).mul(x.sub(x.mean(1, true))).pow(2).sum(),
  softmax: (x) => x.softmax(-1).mul(C).sum().add(x.logSoftmax(0).mul(C).sum()),
  reductions: (x) => x.std().add(x.norm()).add(x.amax(1).pow(2).sum()).add(x.max(0).values.pow(3).sum()),
  sort: (x) => x.sort({ dim: -1 }).values.mul(C).pow(2).sum().add(x.logsumexp(1).sum()),
  matmul: (x) => x.matmul(C.T).tanh().sum().add(B.matmul(x.T).pow(2).mean()),
  shape: (x) =>
    x.T.reshape([2, 6]).flip(0).mul(wg.arange(12, { dtype: "float32" }).reshape([2, 6])).pow(2).sum()
      .add(wg.cat([x, x.tril()]).pow(3).sum()),
  indexing: (x) =>
    x.gather(1, tensor([[0, 2], [1, 1], [3, 0]])).pow(2).sum().add(x.indexSelect(1, [2, 0, 2]).exp().sum()),
  activations: (x) => F.gelu(x).add(F.silu(x)).add(F.softplus(x)).add(F.elu(x)).pow(2).sum(),
  mse: (x) => F.mseLoss(x.tanh(), C).add(F.l1Loss(x.mul(x), C)),
  trace: (x) => x.narrow(1, 0, 3).matmul(x.narrow(1, 0, 3).T).trace().add(wg.diag(x).pow(3).sum()),
};

describe("Hessians of functions from every op family, against torch", () => {
  for (const [name, fn] of Object.entries(FNS)) {
    it(name, () => {
      scope(() => {
        const c = fixture.hessians[name];
        const x = lib(c.x);
        expect(fn(x).item()).toBeCloseTo(c.value, 3);
        expectClose(hessian(fn, [x])[0][0], c.hessian, name);
      });
    });
  }
});

describe("the gradient penalty ‖∂loss/∂x‖², differentiated w.r.t. a layer's parameters", () => {
  it("matches torch, through autograd.grad({ createGraph }) and backward()", () => {
    scope(() => {
      const p = fixture.penalty;
      const x = lib(p.x, true), W = lib(p.W, true), b = lib(p.b, true), y = lib(p.y);
      const loss = F.mseLoss(F.linear(x, W, b).tanh(), y);
      const [gx] = autograd.grad(loss, x, { createGraph: true });
      expect(gx!.requiresGrad).toBe(true);
      expect(x.grad).toBeNull(); // autograd.grad leaves .grad alone
      const pen = gx!.pow(2).sum();
      expect(pen.item()).toBeCloseTo(p.pen, 4);
      pen.backward();
      expectClose(W.grad!, p.gradW, "d pen / dW");
      expectClose(b.grad!, p.gradb, "d pen / db");
      expectClose(x.grad!, p.gradx, "d pen / dx");
    });
  });

  it("works the same with backward({ createGraph: true }) and the .grad it leaves", () => {
    scope(() => {
      const p = fixture.penalty;
      const x = lib(p.x, true), W = lib(p.W, true), b = lib(p.b, true), y = lib(p.y);
      F.mseLoss(F.linear(x, W, b).tanh(), y).backward({ createGraph: true });
      const pen = x.grad!.pow(2).sum();
      for (const t of [x, W, b]) t.grad = null;
      pen.backward();
      expectClose(W.grad!, p.gradW, "d pen / dW");
      expectClose(b.grad!, p.gradb, "d pen / db");
    });
  });
});

describe("vjp, jvp, jacobian, hvp and a Hessian of two inputs from autograd.grad, against torch.autograd.functional", () => {
  const f = (a: Tensor, b: Tensor) => a.exp().mul(b).sum(1);
  const fx = fixture.functional;
  it("matches torch", () => {
    scope(() => {
      const a = lib(fx.a, true), b = lib(fx.b, true);
      vjpOf(f(a, b), [a, b], lib(fx.u)).forEach((t, i) => expectClose(t, fx.vjp[i], `vjp ${i}`));
      // J·v as the vjp of a vjp: uᵀJ is linear in u
      const u = wg.zerosLike(f(a, b)).requiresGrad_();
      const gs = vjpOf(f(a, b), [a, b], u, true);
      expectClose(autograd.grad(gs, u, { gradOutputs: [lib(fx.va), lib(fx.vb)] })[0]!, fx.jvp, "jvp");
      jacobian(f(a, b), [a, b]).forEach((t, i) => expectClose(t, fx.jacobian[i], `jacobian ${i}`));
      const [ga, gb] = vjpOf(a.exp().mul(b).sum().pow(2), [a, b], null, true);
      vjpOf(ga.mul(lib(fx.va)).sum().add(gb.mul(lib(fx.vb)).sum()), [a, b], null).forEach((t, i) => expectClose(t, fx.hvp[i], `hvp ${i}`));
      const H = hessian((a, b) => a.sin().mul(b).sum().mul(b.sum()), [a, b]);
      H.forEach((row, i) => row.forEach((t, j) => expectClose(t, fx.hessian_pair[i][j], `hessian [${i}][${j}]`)));
    });
  });
});

describe("autograd.grad", () => {
  it("returns gradients without touching .grad, plain unless createGraph", () => {
    scope(() => {
      const x = tensor([1, 2], { requiresGrad: true }), w = tensor([3, 4], { requiresGrad: true });
      const [gx, gw] = autograd.grad(x.mul(w).sum(), [x, w]);
      expect(gx!.toArray()).toEqual([3, 4]);
      expect(gw!.toArray()).toEqual([1, 2]);
      expect(gx!.requiresGrad).toBe(false);
      expect(x.grad).toBeNull();
      expect(w.grad).toBeNull();
    });
  });

  it("takes gradients w.r.t. a non-leaf, several outputs with gradOutputs, and null for unused inputs with allowUnused", () => {
    scope(() => {
      const x = tensor([1, 2], { requiresGrad: true }), unused = tensor([5], { requiresGrad: true });
      const h = x.mul(2);
      const [gh, gx, gu] = autograd.grad([h.pow(2).sum(), h], [h, x, unused], {
        gradOutputs: [null, tensor([1, 1], { dtype: "float32" })],
        allowUnused: true,
      });
      expect(gh!.toArray()).toEqual([5, 9]); // 2h + 1
      expect(gx!.toArray()).toEqual([10, 18]);
      expect(gu).toBeNull();
    });
  });

  it("refuses what torch refuses, naming the input", () => {
    scope(() => {
      const x = tensor([1, 2], { requiresGrad: true }), y = tensor([3, 4], { requiresGrad: true });
      const c = tensor([1, 2], { dtype: "float32" });
      expect(() => autograd.grad(x.sum(), [x, y])).toThrow(/autograd.grad: input 1 \(shape \[2\]\) was not used in the graph of the outputs; pass \{ allowUnused: true \}/);
      expect(() => autograd.grad(x.sum(), c)).toThrow(/autograd.grad: input 0 \(shape \[2\]\) does not require grad/);
      expect(() => autograd.grad(x.mul(2), x)).toThrow(/grad can be implicitly created only for scalar outputs/);
      expect(() => autograd.grad([x.sum(), y.sum()], x, { gradOutputs: [null] })).toThrow(/got 1 gradOutputs for 2 outputs/);
      // the graph survives a refused call
      const z = x.mul(y).sum();
      expect(() => autograd.grad(z, c)).toThrow();
      expect(autograd.grad(z, x)[0]!.toArray()).toEqual([3, 4]);
    });
  });

  it("frees the graph unless retainGraph, which createGraph implies", () => {
    scope(() => {
      const x = tensor([1, 2], { requiresGrad: true });
      const y = x.exp().sum();
      autograd.grad(y, x);
      expect(() => autograd.grad(y, x)).toThrow(/backward through the graph a second time \(\w+Backward0 was already freed\)/);
      const z = x.exp().sum();
      autograd.grad(z, x, { createGraph: true });
      expect(autograd.grad(z, x)[0]!.toArray()).toEqual(x.exp().toArray());
    });
  });

  it("third derivatives: d³/dx³ of x⁴ is 24x", () => {
    scope(() => {
      const x = tensor([0.5, 2], { requiresGrad: true });
      const [g1] = autograd.grad(x.pow(4).sum(), x, { createGraph: true });
      const [g2] = autograd.grad(g1!.sum(), x, { createGraph: true });
      const [g3] = autograd.grad(g2!.sum(), x);
      expect(g3!.toArray()).toEqual([12, 48]);
    });
  });

  it("an op without a double backward says so by name when the second derivative reaches it", () => {
    scope(() => {
      const x = wg.randn([1, 1, 4, 4], { requiresGrad: true });
      const [g] = autograd.grad(F.avgPool2d(x, 2).sum(), x, { createGraph: true }); // first order is fine
      expect(g!.shape).toEqual([1, 1, 4, 4]);
      const y = wg.randn([1, 1, 4, 4], { requiresGrad: true });
      const [gy] = autograd.grad(F.avgPool2d(y, 2).pow(2).sum(), y, { createGraph: true });
      expect(() => gy!.sum().backward()).toThrow(/^backward: AvgPool2DBackward0 has no double backward yet, so a second derivative cannot pass through it; differentiate once$/);
    });
  });

  it("a createGraph backward inside a scope leaves no memory behind", () => {
    const step = () => scope(() => {
      const x = wg.randn([16, 8], { requiresGrad: true }), W = wg.randn([4, 8], { requiresGrad: true });
      // std and trace compute inside scopes of their own
      const [gx] = autograd.grad(F.linear(x, W).tanh().sum().add(x.std()).add(x.narrow(0, 0, 8).trace()), x, { createGraph: true });
      gx!.pow(2).sum().backward();
      for (const t of [x, W]) t.grad?.dispose();
      x.dispose();
      W.dispose();
    });
    step(); // the first run allocates the product's scratch, kept for later ones
    const before = memoryStats().bytesInUse;
    step();
    expect(memoryStats().bytesInUse).toBe(before);
  });
});
