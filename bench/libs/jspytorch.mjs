// js-pytorch: PyTorch-like autograd in plain JavaScript over nested arrays of
// float64 numbers (so its losses differ from the float32 libraries' in the
// last digits). It has no no_grad, diag or eye, and its Adam is not torch's
// (no bias correction, decoupled decay, betas 0.9/0.99), so: updates run on
// grad-free tensors wrapping the parameters' data and are written back to
// `_data`; diag(d²) = I * d² (broadcast); Adam is torch 1.13's formula by hand.

import { inverseData, svdData, matmulData, nested } from "../data.mjs";

export async function load() {
  const { torch } = await import("js-pytorch");
  const T = (x, requiresGrad = false) => torch.tensor(nested(x), requiresGrad);
  const eye = (n) => torch.tensor(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))));
  // mean over all elements of a matrix = mean of the row means (rows have equal length)
  const mse = (a, b) => a.sub(b).pow(2).mean(-1).mean(-1);
  const lossValue = (loss) => loss.data[0];
  /** A grad-free view of a parameter's data, so that updates build no graph. */
  const plain = (p) => torch.tensor(p._data);

  const momentum = (params, lr = 0.9, mom = 0.9) => ({
    step() {
      for (const p of params) {
        p._data = plain(p).sub(p._grad.mul(lr))._data;
        p._grad = p._grad.mul(mom);
      }
    },
    zeroGrad() {},
  });

  function adam(params, { lr = 1e-3, weightDecay = 0, b1 = 0.9, b2 = 0.999, eps = 1e-8 } = {}) {
    const m = params.map((p) => torch.zeros(p.shape));
    const v = params.map((p) => torch.zeros(p.shape));
    let t = 0;
    return {
      step() {
        t++;
        const stepSize = lr / (1 - b1 ** t);
        const bc2sqrt = Math.sqrt(1 - b2 ** t);
        params.forEach((p, i) => {
          let g = p._grad;
          if (weightDecay) g = g.add(plain(p).mul(weightDecay));
          m[i] = m[i].mul(b1).add(g.mul(1 - b1));
          v[i] = v[i].mul(b2).add(g.mul(g).mul(1 - b2));
          const denom = v[i].sqrt().div(bc2sqrt).add(eps);
          p._data = plain(p).sub(m[i].div(denom).mul(stepSize))._data;
        });
      },
      zeroGrad() {
        for (const p of params) p.zero_grad();
      },
    };
  }

  function inverse(steps) {
    const { M: m, X0 } = inverseData(4);
    const M = T(m), I = eye(4), X = T(X0, true);
    const opt = momentum([X]);
    const losses = new Float64Array(steps);
    for (let i = 0; i < steps; i++) {
      const loss = mse(X.matmul(M), I);
      losses[i] = lossValue(loss);
      loss.backward();
      opt.step();
    }
    return losses;
  }

  function svd(steps, makeOpt) {
    const { M: m, U0, d0, V0 } = svdData();
    const M = T(m), I = eye(4);
    const U = T(U0, true), d = T(d0, true), V = T(V0, true);
    const opt = makeOpt([U, d, V]);
    const losses = new Float64Array(steps);
    for (let i = 0; i < steps; i++) {
      const S = I.mul(d.mul(d));
      const loss = mse(U.matmul(S).matmul(V.transpose(0, 1)), M)
        .add(mse(U.transpose(0, 1).matmul(U), I).div(100))
        .add(mse(V.matmul(V.transpose(0, 1)), I).div(100));
      losses[i] = lossValue(loss);
      loss.backward();
      opt.step();
      opt.zeroGrad();
    }
    return losses;
  }

  function inverseAdam(n) {
    const { M: m, X0 } = inverseData(n);
    const M = T(m), I = eye(n), X = T(X0, true);
    const opt = adam([X]);
    return {
      step() {
        const loss = mse(X.matmul(M), I);
        const value = lossValue(loss);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return value;
      },
      dispose() {},
    };
  }

  function matmulCase(n, kase) {
    const { A, B } = matmulData(n);
    const a = T(A), b = T(B);
    const at = a.transpose(0, 1), bt = b.transpose(0, 1);
    const runs = {
      AB: () => a.matmul(b),
      AtB: () => a.transpose(0, 1).matmul(b),
      ABt: () => a.matmul(b.transpose(0, 1)),
      AtB_pre: () => at.matmul(b),
      ABt_pre: () => a.matmul(bt),
    };
    return { run: runs[kase], dispose() {} };
  }

  function perOp() {
    const { X0 } = inverseData(4);
    const a = T(X0, true), b = T(X0, true);
    return {
      run() {
        a.mul(b);
        // each op appends its output to its inputs' children (freed by backward); drop them, or the loop leaks
        a.children.length = 0;
        b.children.length = 0;
      },
      dispose() {},
    };
  }

  const pkg = JSON.parse(await (await import("node:fs/promises")).readFile(new URL("../node_modules/js-pytorch/package.json", import.meta.url), "utf8"));
  return {
    version: `js-pytorch ${pkg.version} (float64, nested JS arrays)`,
    notes: [
      "float64 nested arrays; diag(d²) as I*d²; mse as mean of row means; Adam = torch 1.13's formula by hand (its own optim.Adam is a different algorithm)",
      "per-op: a.mul(b), both requiring grad (each op builds a node)",
    ],
    workloads: {
      W1: { "hand momentum": inverse },
      W2: { "hand momentum": (steps) => svd(steps, momentum) },
      W2b: { "Adam by hand": (steps) => svd(steps, (p) => adam(p, { weightDecay: 1e-5 })) },
      W3: { "Adam by hand": inverseAdam },
      W4: { eager: matmulCase },
      perop: { eager: perOp },
    },
  };
}
