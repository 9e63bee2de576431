// wasmgrad's side of the benchmark, written as a user would write it with the
// public API. Each workload maps variant names to one function; a new feature
// (optim.Adam, a captured step, linalg.inverseGD, ...) is one more entry, and
// the runner gives every variant its own row in the table.

import { mlpData, cnnData } from "../data.mjs";

// i.e. `import * as wg from "../../dist/wasmgrad.js"`; the runner copies that
// bundle once at its start and points WASMGRAD_BUNDLE at the copy, so that a
// rebuild by someone else during a run cannot mix two builds in one table.
const wg = await import(process.env.WASMGRAD_BUNDLE ?? "../../dist/wasmgrad.js");

const { manualSeed, rand, eye, diag, mseLoss, noGrad, scope, memoryStats } = wg;

export const label = "wasmgrad";

// ---- optimizers -------------------------------------------------------------------

/** Heavy-ball momentum as the series writes it: X -= lr * X.grad; X.grad *= momentum; grad never zeroed. */
function handMomentum(params, lr = 0.9, momentum = 0.9) {
  return () =>
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad.mul(lr));
        p.grad.mul_(momentum);
      }
    });
}

/**
 * torch.optim.Adam's update (1.13, single-tensor path) written with wasmgrad
 * ops, for as long as wasmgrad has no optim.Adam: weight decay is L2 added to
 * the gradient; denom = sqrt(v) / sqrt(1 - b2^t) + eps.
 */
function handAdam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = {}) {
  const [b1, b2] = betas;
  const m = params.map((p) => wg.zerosLike(p));
  const v = params.map((p) => wg.zerosLike(p));
  let t = 0;
  return {
    step() {
      t++;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      scope(() =>
        noGrad(() => {
          params.forEach((p, i) => {
            const g = weightDecay ? p.grad.add(p, weightDecay) : p.grad;
            m[i].mul_(b1).add_(g, 1 - b1);
            v[i].mul_(b2).add_(g.mul(g), 1 - b2);
            const denom = v[i].sqrt().div(Math.sqrt(bc2)).add(eps);
            p.sub_(m[i].div(denom), lr / bc1);
          });
        }),
      );
    },
    zeroGrad() {
      for (const p of params) if (p.grad) p.grad.zero_();
    },
  };
}

/** wasmgrad's own optim.Adam, once it exists (torch-like: new Adam(params, { lr, weightDecay })). */
function libraryAdam(params, { lr = 1e-3, weightDecay = 0 } = {}) {
  const opt = new wg.optim.Adam(params, { lr, weightDecay });
  return { step: () => opt.step(), zeroGrad: () => opt.zeroGrad() };
}

const adams = { "hand-written Adam": handAdam };
if (wg.optim?.Adam) adams["optim.Adam"] = libraryAdam;

// ---- the series' programs ------------------------------------------------------------

/**
 * Part 2: X @ M = I by hand momentum; returns the loss of every step. Without
 * `useScope`, no scope() or dispose(): what a step leaves behind is the library's to reclaim.
 */
function inverseMomentum(steps, { useScope = true } = {}) {
  manualSeed(314);
  const M = rand(4, 4);
  manualSeed(314);
  const X = rand(4, 4, { requiresGrad: true });
  const I = eye(4);
  const update = handMomentum([X]);
  const losses = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const step = () => {
      const loss = mseLoss(X.matmul(M), I);
      losses[i] = loss.item();
      loss.backward();
      update();
    };
    if (useScope) scope(step);
    else step();
  }
  if (useScope) wg.dispose(M, X, I);
  return losses;
}

/**
 * Part 2 as the notebook writes it: the loss composed of ops, no scope() or
 * dispose(), what nobody can reach any more left to the library to reclaim.
 */
function inverseNotebook(steps) {
  manualSeed(314);
  const M = rand(4, 4);
  manualSeed(314);
  const X = rand(4, 4, { requiresGrad: true });
  const I = eye(4);
  const losses = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const loss = X.matmul(M).sub(I).pow(2).mean();
    losses[i] = loss.item();
    loss.backward();
    noGrad(() => {
      X.sub_(X.grad.mul(0.9));
      X.grad.mul_(0.9);
    });
  }
  return losses;
}

/** Part 3 as the notebook writes it: composed losses, no scope(). */
function svdNotebook(steps) {
  manualSeed(314);
  const M = rand(5, 4);
  manualSeed(314);
  const U = rand(5, 4, { requiresGrad: true });
  const d = rand(4, { requiresGrad: true });
  const V = rand(4, 4, { requiresGrad: true });
  const I = eye(4);
  const losses = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const S = diag(d.mul(d));
    const loss = U.matmul(S).matmul(V.T).sub(M).pow(2).mean()
      .add(U.T.matmul(U).sub(I).pow(2).mean().div(100))
      .add(V.matmul(V.T).sub(I).pow(2).mean().div(100));
    losses[i] = loss.item();
    loss.backward();
    noGrad(() => {
      for (const p of [U, d, V]) {
        p.sub_(p.grad.mul(0.9));
        p.grad.mul_(0.9);
      }
    });
  }
  return losses;
}

/** Part 3: U S Vᵀ = M with S = diag(d²); `makeOptimizer(params)` gives the step. Without `useScope`, no scope() or dispose(). */
function svd(steps, makeOptimizer, { useScope = true } = {}) {
  manualSeed(314);
  const M = rand(5, 4);
  manualSeed(314);
  const U = rand(5, 4, { requiresGrad: true });
  const d = rand(4, { requiresGrad: true });
  const V = rand(4, 4, { requiresGrad: true });
  const I = eye(4);
  const opt = makeOptimizer([U, d, V]);
  const losses = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const step = () => {
      const S = diag(d.mul(d));
      const loss = mseLoss(U.matmul(S).matmul(V.T), M)
        .add(mseLoss(U.T.matmul(U), I).div(100))
        .add(mseLoss(V.matmul(V.T), I).div(100));
      losses[i] = loss.item();
      loss.backward();
      opt.step();
      opt.zeroGrad();
    };
    if (useScope) scope(step);
    else step();
  }
  if (useScope) wg.dispose(M, U, d, V, I);
  return losses;
}

const momentumOptimizer = (params) => ({ step: handMomentum(params), zeroGrad() {} });

/** Inverse of an n×n matrix by Adam: one step per call, loss read every step. */
function inverseAdam(n, makeAdam) {
  manualSeed(314);
  const M = rand(n, n);
  manualSeed(314);
  const X = rand(n, n, { requiresGrad: true });
  const I = eye(n);
  const opt = makeAdam([X], { lr: 1e-3 });
  return {
    step: () =>
      scope(() => {
        const loss = mseLoss(X.matmul(M), I);
        const value = loss.item();
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return value;
      }),
    dispose: () => wg.dispose(M, X, I),
  };
}

/**
 * One float32 matmul per call; `kase` says which operand is transposed and whether the
 * transpose is made inside the timing. Each product is freed (a transpose made in the loop
 * with it, by a scope), or with `useScope` false left for the library to reclaim.
 */
function matmulCase(n, kase, { useScope = true } = {}) {
  manualSeed(1234);
  const a = rand(n, n);
  const b = rand(n, n);
  const at = a.T; // made once, outside the timing (a deferred copy: the products read a and b with a transpose flag)
  const bt = b.T;
  const products = {
    AB: () => a.matmul(b),
    AtB: () => a.T.matmul(b),
    ABt: () => a.matmul(b.T),
    AtB_pre: () => at.matmul(b),
    ABt_pre: () => a.matmul(bt),
  };
  const product = products[kase];
  const transposesInLoop = kase === "AtB" || kase === "ABt";
  const run = !useScope ? () => void product() : transposesInLoop ? () => scope(() => void product()) : () => product().dispose();
  return { run, dispose: () => wg.dispose(a, b, at, bt) };
}

/** One eager 4×4 op with autograd: mul of two tensors requiring grad (output and graph node built, then freed). */
function perOp() {
  manualSeed(314);
  const a = rand(4, 4, { requiresGrad: true });
  const b = rand(4, 4, { requiresGrad: true });
  return { run: () => a.mul(b).dispose(), dispose: () => wg.dispose(a, b) };
}

// ---- training steps of small networks (the ops issue) ---------------------------------------------

const F = wg.F ?? wg.nn?.functional;
const T = ({ shape, data }) => wg.tensor(data).reshape(shape);
const leaf = (d) => T(d).requiresGrad_();

/** One Adam step of an MLP 784 → 256 (ReLU) → 10 on a batch of 128, cross-entropy loss; the loss read every step. */
function mlpStep({ useScope = true } = {}) {
  const d = mlpData();
  const x = T(d.x), y = wg.tensor(d.y);
  const params = [leaf(d.W1), leaf(d.b1), leaf(d.W2), leaf(d.b2)];
  const [W1, b1, W2, b2] = params;
  const opt = new wg.optim.Adam(params, { lr: 1e-3 });
  return {
    step: () => {
      const body = () => {
        const logits = F.linear(F.relu(F.linear(x, W1, b1)), W2, b2);
        const loss = F.crossEntropy(logits, y);
        const value = loss.item();
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return value;
      };
      return useScope ? scope(body) : body();
    },
    dispose: () => wg.dispose(x, y, params),
  };
}

/** One Adam step of a small CNN on 32 images of 28×28 (cnnData's layers), cross-entropy loss. */
function cnnStep() {
  const d = cnnData();
  const x = T(d.x), y = wg.tensor(d.y);
  const params = [leaf(d.K1), leaf(d.c1), leaf(d.K2), leaf(d.c2), leaf(d.W), leaf(d.b)];
  const [K1, c1, K2, c2, W, b] = params;
  const opt = new wg.optim.Adam(params, { lr: 1e-3 });
  return {
    step: () =>
      scope(() => {
        const h = F.maxPool2d(F.relu(F.conv2d(F.relu(F.conv2d(x, K1, c1)), K2, c2)), 2);
        const loss = F.crossEntropy(F.linear(h.reshape(32, -1), W, b), y);
        const value = loss.item();
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return value;
      }),
    dispose: () => wg.dispose(x, y, params),
  };
}

// ---- the series' programs as library calls (variants that appear when wasmgrad has them) -------------

/** linalg.inverseGD(M, { steps }) runs part 2 itself (X from manual_seed(314), hand momentum); the losses it records. */
function inverseLibrary(steps, capture = false) {
  manualSeed(314);
  const M = rand(4, 4);
  const { inverse, losses } = wg.linalg.inverseGD(M, { steps, capture });
  wg.dispose(M, inverse);
  return losses;
}

/** linalg.svdGD(M, { steps, optimizer }) runs part 3 itself. */
function svdLibrary(steps, optimizer, capture = false) {
  manualSeed(314);
  const M = rand(5, 4);
  const { U, S, V, losses } = wg.linalg.svdGD(M, { steps, optimizer, capture });
  wg.dispose(M, U, S, V);
  return losses;
}

/** The same workload after `await setNumThreads(n)` (each variant runs in a process of its own). */
function withThreads(n, make) {
  return async (...args) => {
    await wg.setNumThreads(n);
    return make(...args);
  };
}

// ---- what the runner sees ----------------------------------------------------------------

export async function load() {
  wg.init(); // compiles and instantiates the module, so a cold child times loading apart from the first run
  const adamVariants = (f) => Object.fromEntries(Object.entries(adams).map(([name, make]) => [name, f(make)]));
  return {
    version: "dist/wasmgrad.js (this checkout)",
    notes: [
      "eager: the series written as user code with the public API, one scope() per step, the fused mseLoss, loss.item() every step",
      "notebook: the loss composed as the notebook writes it (X.matmul(M).sub(I).pow(2).mean()), no scope() or dispose()",
      "no scope: the same code without scope() or dispose(); what it leaves behind is reclaimed by the library (spilled, then collected)",
      "hand-written Adam: torch 1.13's Adam written with wasmgrad ops" + (wg.optim?.Adam ? "; optim.Adam: wasmgrad's own (one fused kernel per parameter)" : " (this build has no wg.optim)"),
      wg.linalg?.inverseGD ? "linalg.inverseGD / linalg.svdGD: the library's own implementation of the series' loops" : "this build has no wg.linalg: no linalg variants",
      "per-op: a.mul(b).dispose() outside any scope",
      ...(wg.setNumThreads ? ["2 threads: after `await setNumThreads(2)` (products of 2^20 multiply-adds or more are split by rows; the same bits)"] : []),
      ...(wg.capture ? ["captured: { capture: true }, one step recorded and its kernels replayed (the same bits as eager)"] : []),
    ],
    workloads: {
      W1: {
        eager: (steps) => inverseMomentum(steps),
        "mseLoss, no scope": (steps) => inverseMomentum(steps, { useScope: false }),
        "notebook: composed loss, no scope": inverseNotebook,
        ...(wg.linalg?.inverseGD && { "linalg.inverseGD": (steps) => inverseLibrary(steps) }),
        ...(wg.capture && { "linalg.inverseGD, captured": (steps) => inverseLibrary(steps, true) }),
      },
      W2: {
        eager: (steps) => svd(steps, momentumOptimizer),
        "mseLoss, no scope": (steps) => svd(steps, momentumOptimizer, { useScope: false }),
        "notebook: composed loss, no scope": svdNotebook,
        ...(wg.linalg?.svdGD && { "linalg.svdGD": (steps) => svdLibrary(steps, "momentum") }),
        ...(wg.capture && { "linalg.svdGD, captured": (steps) => svdLibrary(steps, "momentum", true) }),
      },
      W2b: {
        ...adamVariants((make) => (steps) => svd(steps, (p) => make(p, { weightDecay: 1e-5 }))),
        ...(wg.linalg?.svdGD && { "linalg.svdGD": (steps) => svdLibrary(steps, "adam") }),
        ...(wg.capture && { "linalg.svdGD, captured": (steps) => svdLibrary(steps, "adam", true) }),
      },
      W3: {
        ...adamVariants((make) => (n) => inverseAdam(n, make)),
        ...(wg.setNumThreads && wg.optim?.Adam && { "optim.Adam, 2 threads": withThreads(2, (n) => inverseAdam(n, libraryAdam)) }),
      },
      W4: {
        eager: matmulCase,
        "no scope": (n, kase) => matmulCase(n, kase, { useScope: false }),
        ...(wg.setNumThreads && { "2 threads": withThreads(2, matmulCase) }),
      },
      perop: { eager: perOp },
      ...(F?.crossEntropy && F?.linear && { W5: { "nn.functional + optim.Adam": () => mlpStep(), "no scope": () => mlpStep({ useScope: false }) } }),
      ...(F?.crossEntropy && F?.conv2d && F?.maxPool2d && { W6: { "nn.functional + optim.Adam": cnnStep } }),
    },
    memory: () => {
      const s = memoryStats();
      return { linearPeakBytesInUse: s.peakBytesInUse, linearMemoryBytes: s.memoryBytes };
    },
  };
}
