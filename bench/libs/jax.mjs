// jax-js on its WebAssembly device, the JAX way: the loss is a pure function,
// one training step (value_and_grad + update) is one jit-compiled function,
// parameters and optimizer state go in and come out. jax-js frees arrays by
// reference counting: an argument is consumed, `.ref` keeps a second owner.
// In Node 20 there is no global Worker, so its wasm device runs on one thread.
// Same math as wasmgrad's: the series' momentum (the gradient buffer
// accumulates like torch's .grad), and torch 1.13's Adam written out (jax-js
// has no optimizer package on npm).

import { inverseData, svdData, matmulData, transposed, mlpData, cnnData } from "../data.mjs";

export async function load() {
  const jax = await import("@jax-js/jax");
  const { numpy: np, jit, valueAndGrad, init, defaultDevice } = jax;
  const devices = await init("wasm"); // init() would also probe WebGPU, which needs navigator (absent in Node 20)
  if (!devices.includes("wasm")) throw new Error(`jax-js: no wasm device (got ${devices})`);
  defaultDevice("wasm");
  const A = ({ shape, data }) => np.array(data).reshape(shape);
  const mse = (a, b) => np.mean(np.square(a.sub(b)));

  // ---- losses (each argument consumed exactly once) ----
  const inverseLoss = (X, M, I) => mse(np.matmul(X, M), I);
  const svdLoss = (U, d, V, M, I) => {
    const S = np.diag(d.ref.mul(d));
    const USVt = np.matmul(np.matmul(U.ref, S), np.transpose(V.ref));
    return mse(USVt, M)
      .add(mse(np.matmul(np.transpose(U.ref), U), I.ref).div(100))
      .add(mse(np.matmul(V.ref, np.transpose(V)), I).div(100));
  };

  // ---- updates on one parameter ----
  const momentumUpdate = (p, buf, g, lr = 0.9, mom = 0.9) => {
    const b = buf.add(g);
    return [p.sub(b.ref.mul(lr)), b.mul(mom)];
  };
  /** torch's Adam: g += wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= stepSize * m / (sqrt(v)/bc2sqrt + eps). */
  const adamUpdate = (p, m, v, g, stepSize, bc2sqrt, wd, b1 = 0.9, b2 = 0.999, eps = 1e-8) => {
    if (wd) g = g.add(p.ref.mul(wd));
    const m1 = m.mul(b1).add(g.ref.mul(1 - b1));
    const v1 = v.mul(b2).add(g.ref.mul(g).mul(1 - b2));
    const denom = np.sqrt(v1.ref).div(bc2sqrt).add(eps);
    return [p.sub(m1.ref.div(denom).mul(stepSize)), m1, v1];
  };
  const adamScalars = (t, lr = 1e-3, b1 = 0.9, b2 = 0.999) => [lr / (1 - b1 ** t), Math.sqrt(1 - b2 ** t)];

  // ---- the series' programs ----
  function inverse(steps) {
    const { M: m, X0 } = inverseData(4);
    const M = A(m), I = np.eye(4);
    const step = jit((X, B, M, I) => {
      const [loss, g] = valueAndGrad(inverseLoss)(X.ref, M, I);
      return [...momentumUpdate(X, B, g), loss];
    });
    let X = A(X0), B = np.zeros([4, 4]);
    const losses = new Float64Array(steps);
    for (let i = 0; i < steps; i++) {
      const [X1, B1, loss] = step(X, B, M.ref, I.ref);
      X = X1;
      B = B1;
      losses[i] = loss.item();
    }
    step.dispose();
    for (const a of [X, B, M, I]) a.dispose();
    return losses;
  }

  function svd(steps, optimizer) {
    const { M: m, U0, d0, V0 } = svdData();
    const M = A(m), I = np.eye(4);
    const vg = valueAndGrad(svdLoss, { argnums: [0, 1, 2] });
    let params = [A(U0), A(d0), A(V0)];
    const losses = new Float64Array(steps);
    let step, state;
    if (optimizer === "momentum") {
      state = [np.zeros([5, 4]), np.zeros([4]), np.zeros([4, 4])];
      step = jit((U, d, V, bU, bd, bV, M, I) => {
        const [loss, [gU, gd, gV]] = vg(U.ref, d.ref, V.ref, M, I);
        const [U1, bU1] = momentumUpdate(U, bU, gU);
        const [d1, bd1] = momentumUpdate(d, bd, gd);
        const [V1, bV1] = momentumUpdate(V, bV, gV);
        return [[U1, d1, V1], [bU1, bd1, bV1], loss];
      });
      for (let i = 0; i < steps; i++) {
        const [p, s, loss] = step(...params, ...state, M.ref, I.ref);
        params = p;
        state = s;
        losses[i] = loss.item();
      }
    } else {
      const z = () => [np.zeros([5, 4]), np.zeros([4]), np.zeros([4, 4])];
      state = [...z(), ...z()];
      step = jit((U, d, V, mU, md, mV, vU, vd, vV, stepSize, bc2sqrt, M, I) => {
        const [loss, [gU, gd, gV]] = vg(U.ref, d.ref, V.ref, M, I);
        const [U1, mU1, vU1] = adamUpdate(U, mU, vU, gU, stepSize.ref, bc2sqrt.ref, 1e-5);
        const [d1, md1, vd1] = adamUpdate(d, md, vd, gd, stepSize.ref, bc2sqrt.ref, 1e-5);
        const [V1, mV1, vV1] = adamUpdate(V, mV, vV, gV, stepSize, bc2sqrt, 1e-5);
        return [[U1, d1, V1], [mU1, md1, mV1, vU1, vd1, vV1], loss];
      });
      for (let i = 0; i < steps; i++) {
        const [p, s, loss] = step(...params, ...state, ...adamScalars(i + 1), M.ref, I.ref);
        params = p;
        state = s;
        losses[i] = loss.item();
      }
    }
    step.dispose();
    for (const a of [...params, ...state, M, I]) a.dispose();
    return losses;
  }

  function inverseAdam(n) {
    const { M: m, X0 } = inverseData(n);
    const M = A(m), I = np.eye(n);
    let X = A(X0), mX = np.zeros([n, n]), vX = np.zeros([n, n]);
    let t = 0;
    const step = jit((X, mX, vX, stepSize, bc2sqrt, M, I) => {
      const [loss, g] = valueAndGrad(inverseLoss)(X.ref, M, I);
      return [...adamUpdate(X, mX, vX, g, stepSize, bc2sqrt, 0), loss];
    });
    return {
      step() {
        t++;
        const [X1, m1, v1, loss] = step(X, mX, vX, ...adamScalars(t), M.ref, I.ref);
        X = X1;
        mX = m1;
        vX = v1;
        return loss.item();
      },
      dispose() {
        step.dispose();
        for (const a of [X, mX, vX, M, I]) a.dispose();
      },
    };
  }

  function matmulCase(n, kase) {
    const { A: a0, B: b0 } = matmulData(n);
    const a = A(a0), b = A(b0), at = A(transposed(a0)), bt = A(transposed(b0));
    const mm = jit((x, y) => np.matmul(x, y));
    const fns = {
      AB: [mm, a, b],
      AtB: [jit((x, y) => np.matmul(np.transpose(x), y)), a, b],
      ABt: [jit((x, y) => np.matmul(x, np.transpose(y))), a, b],
      AtB_pre: [mm, at, b],
      ABt_pre: [mm, a, bt],
    };
    const [f, x, y] = fns[kase];
    return {
      run: async () => {
        const c = f(x.ref, y.ref);
        await c.blockUntilReady();
        c.dispose();
      },
      dispose: () => {
        for (const g of new Set([mm, fns.AtB[0], fns.ABt[0]])) g.dispose();
        for (const t of [a, b, at, bt]) t.dispose();
      },
    };
  }

  /** Mean softmax cross-entropy of logits [n, 10] against one-hot labels. */
  const crossEntropy = (logits, onehot) => np.mean(np.sum(jax.nn.logSoftmax(logits, -1).mul(onehot), -1)).mul(-1);

  /** One jitted step: loss and gradients of `loss(params..., x, y)`, then Adam on every parameter. */
  function trainStep(initial, loss, x0, labels) {
    const x = A(x0);
    const y = jax.nn.oneHot(np.array(Array.from(labels), { dtype: np.int32 }), 10);
    const n = initial.length;
    const argnums = [...Array(n).keys()];
    const vg = valueAndGrad(loss, { argnums });
    let params = initial.map(A);
    let m = initial.map((p) => np.zeros(p.shape));
    let v = initial.map((p) => np.zeros(p.shape));
    let t = 0;
    const step = jit((...args) => {
      const ps = args.slice(0, n), ms = args.slice(n, 2 * n), vs = args.slice(2 * n, 3 * n);
      const [stepSize, bc2sqrt, x, y] = args.slice(3 * n);
      const [value, grads] = vg(...ps.map((p) => p.ref), x, y);
      const out = ps.map((p, i) => adamUpdate(p, ms[i], vs[i], grads[i], stepSize.ref, bc2sqrt.ref, 0));
      stepSize.dispose();
      bc2sqrt.dispose();
      return [out.map((o) => o[0]), out.map((o) => o[1]), out.map((o) => o[2]), value];
    });
    return {
      step() {
        t++;
        const [p1, m1, v1, value] = step(...params, ...m, ...v, ...adamScalars(t).map((s) => np.array(s)), x.ref, y.ref);
        params = p1;
        m = m1;
        v = v1;
        return value.item();
      },
      dispose() {
        step.dispose();
        for (const a of [...params, ...m, ...v, x, y]) a.dispose();
      },
    };
  }

  function mlpStep() {
    const d = mlpData();
    const linear = (x, W, b) => np.matmul(x, np.transpose(W)).add(b);
    const loss = (W1, b1, W2, b2, x, y) => crossEntropy(linear(jax.nn.relu(linear(x, W1, b1)), W2, b2), y);
    return trainStep([d.W1, d.b1, d.W2, d.b2], loss, d.x, d.y);
  }

  function cnnStep() {
    const d = cnnData();
    const { lax } = jax;
    const conv = (x, K, c) => lax.conv(x, K, [1, 1], "VALID").add(c.reshape([1, -1, 1, 1]));
    const maxPool = (x) => lax.reduceWindow(x, (w) => np.max(w), [1, 1, 2, 2], [1, 1, 2, 2]);
    const loss = (K1, c1, K2, c2, W, b, x, y) => {
      const h = maxPool(jax.nn.relu(conv(jax.nn.relu(conv(x, K1, c1)), K2, c2)));
      return crossEntropy(np.matmul(h.reshape([32, -1]), np.transpose(W)).add(b), y);
    };
    return trainStep([d.K1, d.c1, d.K2, d.c2, d.W, d.b], loss, d.x, d.y);
  }

  function perOp() {
    const { X0 } = inverseData(4);
    const a = A(X0), b = A(X0);
    return { run: () => np.multiply(a.ref, b.ref).dataSync(), dispose: () => (a.dispose(), b.dispose()) };
  }

  const pkg = JSON.parse(await (await import("node:fs/promises")).readFile(new URL("../node_modules/@jax-js/jax/package.json", import.meta.url), "utf8"));
  return {
    version: `@jax-js/jax ${pkg.version}, wasm device`,
    notes: [
      "every training step is one jit-compiled function (value_and_grad + update); Adam written out (no optimizer on npm)",
      "per-op: eager np.multiply + dataSync (jax has no eager autograd graph: gradients come from tracing)",
      "W4: jit-compiled matmul, completion awaited with blockUntilReady",
    ],
    workloads: {
      W1: { "jit step": inverse },
      W2: { "jit step": (steps) => svd(steps, "momentum") },
      W2b: { "jit step, Adam by hand": (steps) => svd(steps, "adam") },
      W3: { "jit step, Adam by hand": inverseAdam },
      W4: { jit: matmulCase },
      perop: { eager: perOp },
      W5: { "jit step, Adam by hand": mlpStep },
      W6: { "jit step (lax.conv, reduceWindow), Adam by hand": cnnStep },
    },
  };
}
