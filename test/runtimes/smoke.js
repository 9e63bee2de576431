// The cross-runtime smoke program: part 1 of the series, then 200 steps of
// part 2 (inverse by the hand-written momentum loop) and 200 steps of part 3
// (SVD with Adam), against the built bundle. Plain JS with no host API, so the
// same file runs in Node, Chromium, Deno and workerd; each runner prints what
// smoke() returns as JSON and test/runtimes.test.ts compares them bit for bit
// (every float as the hex of its float32 bits).
//
//   smoke()       uses the main entry (dist/wasmgrad.js, module bytes inside)
//   smoke(wg)     uses the given namespace, e.g. dist/wasmgrad-workerd.js after init({ module })

import * as bundle from "../../dist/wasmgrad.js";

export const INVERSE_STEPS = 200;
export const SVD_STEPS = 200;

/** float32 bits as 8 hex digits; int32 tensors as plain integers. */
function bits(x) {
  if (typeof x === "number") x = [x];
  else if (typeof x.data === "function") {
    if (x.dtype === "int32") return Array.from(x.data());
    x = x.data();
  }
  const u = new Uint32Array(Float32Array.from(x).buffer);
  return Array.from(u, (b) => b.toString(16).padStart(8, "0"));
}

export function smoke(wg = bundle) {
  const { tensor, manualSeed, rand, linspace, sin, cos, onesLike, noGrad, scope, eye, diag, mseLoss } = wg;
  const out = {};

  // ---- part 1: playing with tensors
  {
    const p = {};
    const _123 = tensor([1, 2, 3]);
    const _456 = tensor([4, 5, 6]);
    p.t123 = String(_123);
    p.times7 = String(_123.mul(7));
    const basic = _123.mul(_456).sum();
    const elegant = _123.matmul(_456);
    p.dot = [String(basic), String(elegant), basic.item(), elegant.item(), _123.dot(_456).item()];

    manualSeed(314);
    const r = rand([2, 3]);
    p.rand = String(r);
    p.randBits = bits(r);

    const x = tensor(3, { requiresGrad: true });
    const y = tensor(7, { requiresGrad: true });
    const z = x.mul(y.pow(5));
    z.backward();
    p.z = String(z);
    p.grads = [String(x.grad), String(y.grad), x.grad.item(), y.grad.item()];

    const xs = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
    const ys = sin(xs);
    ys.backward(onesLike(xs));
    p.x = bits(xs);
    p.sin = bits(ys);
    p.grad = bits(xs.grad);
    p.cos = bits(noGrad(() => cos(xs)));

    // the same derivative "dressed as a loss"
    const xs2 = linspace(0, 2 * Math.PI, 100, { requiresGrad: true });
    const yHat = sin(xs2);
    yHat.sub(0).sum().backward();
    p.gradLoss = bits(xs2.grad);
    p.nonLeafGrad = yHat.grad === null || yHat.grad === undefined ? "none" : String(yHat.grad);
    out.part1 = p;
  }

  // ---- part 2: inverse by gradient descent, the post's own momentum update
  {
    manualSeed(314);
    const M = rand(4, 4);
    manualSeed(314);
    const X = rand(4, 4, { requiresGrad: true });
    const I = eye(4);
    const losses = [];
    for (let i = 0; i < INVERSE_STEPS; i++) {
      scope(() => {
        const loss = mseLoss(X.matmul(M), I); // mean((X @ M - I)^2)
        losses.push(loss.item());
        loss.backward();
        noGrad(() => {
          X.sub_(X.grad.mul(0.9)); // X -= lr * X.grad
          X.grad.mul_(0.9); //        X.grad *= momentum (never zeroed)
        });
      });
    }
    out.inverse = {
      losses: bits(losses),
      X: bits(X),
      XM: bits(noGrad(() => X.matmul(M))),
      printed: String(X),
    };
  }

  // ---- part 3: SVD by gradient descent with Adam(weight_decay=1e-5), lr 1e-3
  {
    manualSeed(314);
    const M = rand(5, 4);
    const [m, n] = M.shape;
    manualSeed(314);
    const U = rand(m, n, { requiresGrad: true });
    const d = rand(n, { requiresGrad: true });
    const V = rand(n, n, { requiresGrad: true });
    const I = eye(n);
    const params = [U, d, V];
    const adam = makeAdam(wg, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-5 });
    const losses = [];
    for (let i = 0; i < SVD_STEPS; i++) {
      scope(() => {
        adam.zeroGrad();
        const S = diag(d.mul(d));
        const loss = mseLoss(U.matmul(S).matmul(V.T), M)
          .add(mseLoss(U.T.matmul(U), I).div(100))
          .add(mseLoss(V.matmul(V.T), I).div(100));
        losses.push(loss.item());
        loss.backward();
        adam.step();
      });
    }
    out.svd = {
      adam: adam.kind,
      losses: bits(losses),
      U: bits(U),
      d: bits(d),
      V: bits(V),
      diag: String(noGrad(() => d.mul(d))),
    };
  }
  return out;
}

/**
 * optim.Adam when the library has it, else torch.optim.Adam's update written
 * with core ops (weight_decay as L2 added to the gradient; bias corrections as torch computes them).
 */
function makeAdam(wg, params, { lr, betas, eps, weightDecay }) {
  const { zerosLike, noGrad } = wg;
  if (wg.optim && typeof wg.optim.Adam === "function") {
    const opt = new wg.optim.Adam(params, { lr, betas, eps, weightDecay });
    return { kind: "optim.Adam", zeroGrad: () => opt.zeroGrad(), step: () => opt.step() };
  }
  const [b1, b2] = betas;
  const m = params.map((p) => zerosLike(p));
  const v = params.map((p) => zerosLike(p));
  let t = 0;
  return {
    kind: "hand-written",
    zeroGrad() {
      for (const p of params) if (p.grad) noGrad(() => p.grad.zero_());
    },
    step() {
      t++;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const stepSize = lr / bc1;
      const bc2Sqrt = Math.sqrt(bc2);
      noGrad(() => {
        params.forEach((p, i) => {
          const g = p.grad.add(p, weightDecay); // grad + weight_decay * p
          m[i].mul_(b1).add_(g, 1 - b1);
          v[i].mul_(b2).add_(g.mul(g), 1 - b2);
          const denom = v[i].sqrt().div(bc2Sqrt).add(eps);
          p.sub_(m[i].div(denom).mul(stepSize));
        });
      });
    },
  };
}
