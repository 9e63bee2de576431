// TensorFlow.js 4.x with its pure-JS "cpu" backend or its WebAssembly backend
// (XNNPACK; the .wasm files are read from node_modules, no network).
// Same math as wasmgrad's: torch's loss and update; tf.train.adam has torch's
// formula (eps outside the sqrt of the bias-corrected v) once eps = 1e-8;
// torch's weight_decay (L2 added to the gradient) is added to the gradients
// by hand before applyGradients, since tf's Adam has no weight decay.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { inverseData, svdData, matmulData, mlpData, cnnData, toNHWC, toHWIO } from "../data.mjs";

const require = createRequire(import.meta.url);

export async function load({ backend }) {
  const tf = require("@tensorflow/tfjs");
  const notes = [];
  if (backend === "wasm") {
    const wasm = require("@tensorflow/tfjs-backend-wasm");
    const dir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    wasm.setWasmPaths(join(dir, "/"));
  }
  const ok = await tf.setBackend(backend);
  if (!ok || tf.getBackend() !== backend) throw new Error(`tf.setBackend("${backend}") failed`);
  await tf.ready();
  if (backend === "wasm") {
    const wasm = require("@tensorflow/tfjs-backend-wasm");
    notes.push(`XNNPACK wasm, SIMD ${await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")}, threads ${wasm.getThreadsCount?.() ?? "?"}`);
  }
  const T = ({ shape, data }) => tf.tensor(data, shape, "float32");
  const mse = (a, b) => tf.mean(tf.squaredDifference(a, b));

  /** Runs `steps` steps; `lossFn` builds the loss from the variables; `update(grads)` applies one step. */
  function loop(steps, vars, lossFn, update) {
    const losses = new Float64Array(steps);
    for (let i = 0; i < steps; i++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossFn, vars);
        losses[i] = value.dataSync()[0];
        update(grads);
      });
    }
    return losses;
  }

  /** The series' hand momentum: the gradient buffer accumulates (torch's .grad), X -= lr*buf, buf *= momentum. */
  function momentum(vars, lr = 0.9, mom = 0.9) {
    const bufs = vars.map((v) => tf.variable(tf.zerosLike(v), false));
    const update = (grads) =>
      vars.forEach((v, i) => {
        bufs[i].assign(bufs[i].add(grads[v.name]));
        v.assign(v.sub(bufs[i].mul(lr)));
        bufs[i].assign(bufs[i].mul(mom));
      });
    return { update, dispose: () => tf.dispose(bufs) };
  }

  function adam(vars, { lr = 1e-3, weightDecay = 0 } = {}) {
    const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    const update = (grads) => {
      if (weightDecay) for (const v of vars) grads[v.name] = grads[v.name].add(v.mul(weightDecay));
      opt.applyGradients(grads);
    };
    return { update, dispose: () => opt.dispose() };
  }

  function inverse(steps) {
    const { M: m, X0 } = inverseData(4);
    const M = T(m), I = tf.eye(4);
    const X = tf.variable(T(X0));
    const opt = momentum([X]);
    const losses = loop(steps, [X], () => mse(X.matMul(M), I), opt.update);
    opt.dispose();
    tf.dispose([M, I, X]);
    return losses;
  }

  function svd(steps, makeOpt) {
    const { M: m, U0, d0, V0 } = svdData();
    const M = T(m), I = tf.eye(4);
    const U = tf.variable(T(U0)), d = tf.variable(T(d0)), V = tf.variable(T(V0));
    const opt = makeOpt([U, d, V]);
    const lossFn = () => {
      const S = I.mul(d.mul(d)); // diag(d²): tf.diag has no gradient in tfjs 4.22
      return mse(U.matMul(S).matMul(V.transpose()), M)
        .add(mse(U.transpose().matMul(U), I).div(100))
        .add(mse(V.matMul(V.transpose()), I).div(100));
    };
    const losses = loop(steps, [U, d, V], lossFn, opt.update);
    opt.dispose();
    tf.dispose([M, I, U, d, V]);
    return losses;
  }

  function inverseAdam(n) {
    const { M: m, X0 } = inverseData(n);
    const M = T(m), I = tf.eye(n);
    const X = tf.variable(T(X0));
    const opt = adam([X]);
    return {
      step: () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => mse(X.matMul(M), I), [X]);
          const v = value.dataSync()[0];
          opt.update(grads);
          return v;
        }),
      dispose: () => (opt.dispose(), tf.dispose([M, I, X])),
    };
  }

  function matmulCase(n, kase) {
    const { A, B } = matmulData(n);
    const a = T(A), b = T(B);
    const at = tf.transpose(a), bt = tf.transpose(b);
    const once = (f) => () => {
      const c = f();
      c.dataSync(); // the cpu backend is synchronous already; the wasm one too, but be sure the result exists
      c.dispose();
    };
    const runs = {
      AB: once(() => tf.matMul(a, b)),
      AtB: once(() => tf.tidy(() => tf.matMul(tf.transpose(a), b))),
      ABt: once(() => tf.tidy(() => tf.matMul(a, tf.transpose(b)))),
      AtB_pre: once(() => tf.matMul(at, b)),
      ABt_pre: once(() => tf.matMul(a, bt)),
    };
    return { run: runs[kase], dispose: () => tf.dispose([a, b, at, bt]) };
  }

  /** One step of `forward` (logits from the variables) with softmax cross-entropy and tf.train.adam; the loss read. */
  function trainStep(vars, forward, labels) {
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
    const opt = adam(vars);
    return {
      step: () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, forward()), vars);
          const v = value.dataSync()[0];
          opt.update(grads);
          return v;
        }),
      dispose: () => (opt.dispose(), tf.dispose([y, ...vars])),
    };
  }

  function mlpStep() {
    const d = mlpData();
    const x = T(d.x);
    const [W1, b1, W2, b2] = [d.W1, d.b1, d.W2, d.b2].map((p) => tf.variable(T(p)));
    const s = trainStep([W1, b1, W2, b2], () => tf.matMul(tf.relu(tf.matMul(x, W1, false, true).add(b1)), W2, false, true).add(b2), d.y);
    return { step: s.step, dispose: () => (s.dispose(), x.dispose()) };
  }

  /** The same CNN in TensorFlow.js's NHWC layout (the linear layer's columns permuted to match). */
  function cnnStep() {
    const d = cnnData();
    const x = T(toNHWC(d.x));
    // torch flattens (c, h, w); NHWC flattens (h, w, c): reorder W's 2304 columns
    const Wd = new Float32Array(d.W.data.length);
    for (let o = 0; o < 10; o++) for (let c = 0; c < 16; c++) for (let p = 0; p < 144; p++) Wd[o * 2304 + p * 16 + c] = d.W.data[o * 2304 + c * 144 + p];
    const vars = [T(toHWIO(d.K1)), T(d.c1), T(toHWIO(d.K2)), T(d.c2), T({ shape: [10, 2304], data: Wd }), T(d.b)].map((p) => tf.variable(p));
    const [K1, c1, K2, c2, W, b] = vars;
    const forward = () => {
      const h1 = tf.relu(tf.conv2d(x, K1, 1, "valid").add(c1));
      const h2 = tf.relu(tf.conv2d(h1, K2, 1, "valid").add(c2));
      return tf.matMul(tf.maxPool(h2, 2, 2, "valid").reshape([32, -1]), W, false, true).add(b);
    };
    const s = trainStep(vars, forward, d.y);
    return { step: s.step, dispose: () => (s.dispose(), x.dispose()) };
  }

  function perOp() {
    const { X0 } = inverseData(4);
    const a = tf.variable(T(X0)), b = tf.variable(T(X0));
    return { run: () => tf.mul(a, b).dispose(), dispose: () => tf.dispose([a, b]) };
  }

  return {
    version: `@tensorflow/tfjs ${tf.version.tfjs}, backend ${backend}`,
    notes: [
      ...notes,
      "Adam: tf.train.adam(lr, 0.9, 0.999, eps=1e-8), torch's L2 weight decay added to the gradients by hand",
      "per-op: tf.mul of two tf.variable (tfjs records a tape only inside a gradient call, so no graph is built)",
      "W2: S = eye(4) * d² (broadcast), since tf.diag has no gradient",
      "W4 transposed cases: tf.matMul(tf.transpose(a), b) (tf.transpose copies, like wasmgrad's .T)",
    ],
    workloads: {
      W1: { "hand momentum": inverse },
      W2: { "hand momentum": (steps) => svd(steps, (v) => momentum(v)) },
      W2b: { "tf.train.adam": (steps) => svd(steps, (v) => adam(v, { weightDecay: 1e-5 })) },
      W3: { "tf.train.adam": inverseAdam },
      W4: { eager: matmulCase },
      perop: { eager: perOp },
      W5: { "tf ops + tf.train.adam": mlpStep },
      W6: { "tf.conv2d, NHWC + tf.train.adam": cnnStep },
    },
  };
}
