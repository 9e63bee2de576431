// The demo's Web Worker: every computation of the page runs here, so the page
// never freezes. It loads the same bundle a user would (dist/wasmgrad.js, the
// module bytes inside) and answers four jobs:
//
//   part1    the tensors, printing and autograd of part 1 (instant)
//   inverse  part 2: linalg.inverseGD on a chosen matrix
//   svd      part 3: linalg.svdGD on one or more of the series' five matrices
//   moons    part 4: an MLP trained on the two moons (../lib/moons.mjs, as examples/moons.mjs)
//
// Messages in:  { type: "run", id, job, params, stop?: SharedArrayBuffer }
// Messages out: { type: "ready" } once, then per run { type: "progress" } at most
// every PROGRESS_MS, { type: "curve-done" } per finished curve (part 3),
// { type: "points" } with the data before training (part 4), and one
// { type: "done" } or { type: "error" }.
//
// Stopping: a long descent is one synchronous call, so the page cannot send a
// message into it. When the page is cross-origin isolated it shares a one-int
// SharedArrayBuffer that onStep polls (returning false ends the descent with
// the factors reached so far); otherwise the page terminates the worker.
import * as wg from "../../dist/wasmgrad.js";
import { ACTIVATIONS, BOUNDS, accuracy, mlp, predict, probabilityGrid, twoMoons } from "../lib/moons.mjs";

const { F, optim, tensor, manualSeed, rand, linspace, sin, cos, onesLike, noGrad, diag, eye, linalg, scope, memoryStats } = wg;

const PROGRESS_MS = 50;
const LIVE_POINTS = 400;
const FINAL_POINTS = 1000;

/** Evenly spaced samples of values[0..count), first and last included. */
function sample(values, count, max) {
  const k = Math.min(count, max);
  const xs = new Array(k), ys = new Array(k);
  for (let i = 0; i < k; i++) {
    const j = k === 1 ? 0 : Math.round((i * (count - 1)) / (k - 1));
    xs[i] = j;
    ys[i] = values[j];
  }
  return { xs, ys };
}

const maxAbs = (a) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

class UserError extends Error {}

/**
 * An onStep for a run: records every loss, posts progress at most every
 * PROGRESS_MS (with the fields extra() returns, if given), stops on the shared
 * flag or when the loss stops being finite.
 */
function tracker(id, curve, steps, stopFlag, extra = null) {
  const losses = new Float32Array(steps);
  let last = performance.now();
  const t0 = last;
  const state = { losses, count: 0, stopped: false, diverged: false, t0 };
  state.onStep = (step, loss) => {
    losses[step] = loss;
    state.count = step + 1;
    if (!Number.isFinite(loss)) {
      state.diverged = true;
      return false;
    }
    if (stopFlag && Atomics.load(stopFlag, 0) !== 0) {
      state.stopped = step + 1 < steps;
      return false;
    }
    const now = performance.now();
    if (now - last >= PROGRESS_MS) {
      last = now;
      postMessage({ type: "progress", id, curve, step: step + 1, steps, loss, curveData: sample(losses, step + 1, LIVE_POINTS), ms: now - t0, ...extra?.() });
    }
  };
  state.finish = () => ({
    curve,
    steps: state.count,
    requested: steps,
    loss: state.losses[state.count - 1],
    ms: performance.now() - t0,
    stopped: state.stopped,
    diverged: state.diverged,
    curveData: sample(losses, state.count, FINAL_POINTS),
  });
  return state;
}

function parseVector(name, text) {
  const parts = String(text).split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new UserError(`${name}: enter some numbers, such as 1, 2, 3`);
  if (parts.length > 64) throw new UserError(`${name}: at most 64 numbers`);
  const values = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(values[i]));
  if (bad >= 0) throw new UserError(`${name}: "${parts[bad]}" is not a number`);
  return values;
}

function checkNumber(name, v, { min = -Infinity, max = Infinity, integer = false } = {}) {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new UserError(`${name} must be a number`);
  if (integer && !Number.isInteger(v)) throw new UserError(`${name} must be a whole number`);
  if (v < min || v > max) throw new UserError(`${name} must be between ${min} and ${max}`);
  return v;
}

// ---- part 1 -------------------------------------------------------------------------

function part1(p) {
  return scope(() => {
    const a = tensor(parseVector("a", p.a));
    const b = tensor(parseVector("b", p.b));
    const k = checkNumber("k", p.k, { min: -1e6, max: 1e6 });
    const rows = checkNumber("rows", p.rows, { min: 1, max: 8, integer: true });
    const cols = checkNumber("columns", p.cols, { min: 1, max: 8, integer: true });
    const seed = checkNumber("seed", p.seed, { min: 0, max: 2 ** 32 - 1, integer: true });
    const x0 = checkNumber("x", p.x, { min: -1e3, max: 1e3 });
    const y0 = checkNumber("y", p.y, { min: -1e3, max: 1e3 });
    const points = checkNumber("points", p.points, { min: 2, max: 2000, integer: true });
    const lines = [];
    // each line on its own: an error (say, shapes that do not match) is shown as that line's result
    const show = (code, fn) => {
      try {
        lines.push({ code, value: String(fn()) });
      } catch (e) {
        lines.push({ code, value: e.message, error: true });
      }
    };
    show("a = tensor(a)", () => a);
    show(`a.mul(${k})`, () => a.mul(k));
    show("b = tensor(b)", () => b);
    show("a.mul(b).sum()", () => a.mul(b).sum());
    show("a.matmul(b)", () => a.matmul(b));
    show(`manualSeed(${seed}); rand([${rows}, ${cols}])`, () => (manualSeed(seed), rand([rows, cols])));
    const x = tensor(x0, { requiresGrad: true });
    const y = tensor(y0, { requiresGrad: true });
    const z = x.mul(y.pow(5));
    z.backward();
    show(`x = tensor(${x0}), y = tensor(${y0}); z = x.mul(y.pow(5))`, () => z);
    show("z.backward(); x.grad   // = y⁵", () => x.grad);
    show("y.grad   // = 5·x·y⁴", () => y.grad);

    const t = linspace(0, 2 * Math.PI, points, { requiresGrad: true });
    const s = sin(t);
    s.backward(onesLike(t));
    const c = noGrad(() => cos(t));
    const grad = t.grad.data();
    const cosv = c.data();
    let err = 0;
    for (let i = 0; i < points; i++) err = Math.max(err, Math.abs(grad[i] - cosv[i]));
    show(`t = linspace(0, 2π, ${points}, { requiresGrad: true }); sin(t).backward(onesLike(t))`, () => `max |t.grad − cos(t)| = ${err}`);
    // the same derivative dressed as a loss: (ŷ − 0).sum().backward()
    const t2 = linspace(0, 2 * Math.PI, points, { requiresGrad: true });
    const yHat = sin(t2);
    yHat.sub(0).sum().backward();
    const grad2 = t2.grad.data();
    const same = grad2.every((v, i) => Object.is(v, grad[i]));
    show("ŷ = sin(t); ŷ.sub(0).sum().backward()", () => `t.grad ${same ? "is the same, bit for bit" : "differs"}; ŷ.grad (not a leaf) is ${yHat.grad}`);
    return {
      lines,
      plot: { x: Array.from(t.data()), sin: Array.from(s.data()), grad: Array.from(grad), cos: Array.from(cosv) },
      maxGradError: err,
      lossGradSame: same,
    };
  });
}

// ---- part 2 -------------------------------------------------------------------------

function inverse(id, p, stopFlag) {
  const n = checkNumber("size", p.n, { min: 1, max: 64, integer: true });
  const steps = checkNumber("steps", p.steps, { min: 1, max: 200_000, integer: true });
  const lr = checkNumber("learning rate", p.lr, { min: 1e-12, max: 100 });
  const momentum = checkNumber("momentum", p.momentum, { min: 0, max: 0.9999 });
  const seed = checkNumber("seed", p.seed, { min: 0, max: 2 ** 32 - 1, integer: true });
  return scope(() => {
    let M;
    if (p.kind === "diag") M = diag(tensor(Array.from({ length: n }, (_, i) => i + 1), { dtype: "float32" }));
    else {
      manualSeed(seed);
      M = rand(n, n);
    }
    const t = tracker(id, 0, steps, stopFlag);
    // as in the series, the seed is set before M = rand(n, n) and again before the start X = rand(n, n)
    const r = linalg.inverseGD(M, { steps, lr, momentum, seed, onStep: t.onStep });
    const X = r.inverse;
    const XM = X.matmul(M);
    const residual = maxAbs(XM.sub(eye(n)).data());
    let reference = null, referenceError = null, errorVsInv = null;
    try {
      const inv = linalg.inv(M);
      reference = inv.toString();
      errorVsInv = maxAbs(X.sub(inv).data());
    } catch (e) {
      referenceError = e.message;
    }
    return {
      ...t.finish(),
      M: M.toString(),
      X: X.toString(),
      XM: XM.toString(),
      reference,
      referenceError,
      residual,
      errorVsInv,
    };
  });
}

// ---- part 3 -------------------------------------------------------------------------

/** The series' five matrices, built as the notebooks build them. */
const MATRICES = {
  M1: { label: "M1 = rand(5, 4), seed 314", make: () => (manualSeed(314), rand(5, 4)) },
  M2: { label: "M2 = rand(4, 4), seed 315", make: () => (manualSeed(315), rand(4, 4)) },
  M3: { label: "M3 = rand(7, 4), seed 316", make: () => (manualSeed(316), rand(7, 4)) },
  M4: { label: "M4 = rand(3, 4).T, seed 317", make: () => (manualSeed(317), rand(3, 4).T) },
  M5: { label: "M5 = rand(4, 3), seed 317", make: () => (manualSeed(317), rand(4, 3)) },
};

/** Flips the sign of reference columns j (of U and of V) to match the descent's, for a side-by-side read. */
function alignSigns(U, V, Uref, Vref) {
  const [m, n] = U.shape;
  const u = U.data(), v = V.data();
  const ur = Float32Array.from(Uref.data()), vr = Float32Array.from(Vref.data());
  const k = Uref.shape[1];
  for (let j = 0; j < Math.min(n, k); j++) {
    let dot = 0;
    for (let i = 0; i < m; i++) dot += u[i * n + j] * ur[i * k + j];
    for (let i = 0; i < n; i++) dot += v[i * n + j] * vr[i * k + j];
    if (dot < 0) {
      for (let i = 0; i < m; i++) ur[i * k + j] = -ur[i * k + j];
      for (let i = 0; i < n; i++) vr[i * k + j] = -vr[i * k + j];
    }
  }
  return { Uref: tensor(ur).reshape([m, k]), Vref: tensor(vr).reshape([n, k]) };
}

function svdOne(id, curve, name, p, stopFlag) {
  return scope(() => {
    const M = MATRICES[name].make();
    const t = tracker(id, curve, p.steps, stopFlag);
    const opts = { steps: p.steps, optimizer: p.optimizer, lr: p.lr, onStep: t.onStep };
    if (p.optimizer !== "adam") opts.momentum = p.momentum;
    if (p.optimizer !== "momentum") opts.weightDecay = p.weightDecay;
    const { U, S, V } = linalg.svdGD(M, opts);
    const n = M.shape[1];
    const ref = linalg.svd(M);
    const { Uref, Vref } = alignSigns(U, V, ref.U, ref.Vh.T);
    const I = eye(n);
    const fixed = (a) => Array.from(a, (x) => x.toFixed(4));
    return {
      ...t.finish(),
      name,
      label: MATRICES[name].label,
      M: M.toString(),
      S: fixed(S.data()),
      U: U.toString(),
      V: V.toString(),
      ref: { S: fixed(ref.S.data()), U: Uref.toString(), V: Vref.toString() },
      residuals: {
        "max |U·diag(S)·Vᵀ − M|": maxAbs(U.matmul(diag(S)).matmul(V.T).sub(M).data()),
        "max |UᵀU − I|": maxAbs(U.T.matmul(U).sub(I).data()),
        "max |V·Vᵀ − I|": maxAbs(V.matmul(V.T).sub(I).data()),
        "max |S − svd's S|": maxAbs(S.sub(ref.S).data()),
        "max |U − svd's U| (signs matched)": maxAbs(U.sub(Uref).data()),
        "max |V − svd's V| (signs matched)": maxAbs(V.sub(Vref).data()),
      },
    };
  });
}

function svd(id, p, stopFlag) {
  const names = p.matrices;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => !MATRICES[n])) throw new UserError("choose one of the series' matrices");
  if (!["momentum", "sgd", "adam"].includes(p.optimizer)) throw new UserError(`unknown optimizer ${p.optimizer}`);
  checkNumber("steps", p.steps, { min: 1, max: 200_000, integer: true });
  checkNumber("learning rate", p.lr, { min: 1e-12, max: 100 });
  checkNumber("momentum", p.momentum, { min: 0, max: 0.9999 });
  checkNumber("weight decay", p.weightDecay, { min: 0, max: 1 });
  const results = [];
  for (let i = 0; i < names.length; i++) {
    const r = svdOne(id, i, names[i], p, stopFlag);
    results.push(r);
    postMessage({ type: "curve-done", id, result: r });
    if (r.stopped) break;
  }
  return { results, stopped: results.some((r) => r.stopped) };
}

// ---- part 4 -------------------------------------------------------------------------

/** The decision boundary's grid: the model's probability of class 1 at each cell's centre, 64 × 40 over the moons' rectangle. */
const GRID = { cols: 64, rows: 40 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * examples/moons.mjs's program, live: the moons, an MLP, full-batch Adam. Each
 * progress message carries the probability grid and the misclassified points,
 * evaluated under noGrad. With a pace (steps a second) the loop sleeps between
 * steps when it is ahead, so the boundary can be watched as it moves; the
 * training is the same either way.
 */
async function moons(id, p, stopFlag) {
  const seed = checkNumber("seed", p.seed, { min: 0, max: 2 ** 32 - 1, integer: true });
  const n = checkNumber("points per moon", p.n, { min: 5, max: 1000, integer: true });
  const noise = checkNumber("noise", p.noise, { min: 0, max: 1 });
  const layers = checkNumber("hidden layers", p.layers, { min: 1, max: 3, integer: true });
  const width = checkNumber("hidden width", p.width, { min: 1, max: 128, integer: true });
  const lr = checkNumber("learning rate", p.lr, { min: 1e-12, max: 10 });
  const steps = checkNumber("steps", p.steps, { min: 1, max: 100_000, integer: true });
  const pace = p.pace === 0 ? 0 : checkNumber("speed", p.pace, { min: 1, max: 100_000 });
  if (!ACTIVATIONS[p.activation]) throw new UserError(`unknown activation ${p.activation}`);

  manualSeed(seed);
  const { X, y } = twoMoons(n, noise);
  const { params, forward } = mlp([2, ...Array(layers).fill(width), 2], p.activation);
  const opt = new optim.Adam(params, { lr });
  const labels = Array.from(y.data());
  const picture = () => {
    const predicted = predict(forward, X);
    return { boundary: probabilityGrid(forward, GRID.cols, GRID.rows), wrong: labels.flatMap((l, i) => (predicted[i] === l ? [] : [i])), accuracy: accuracy(forward, X, y) };
  };
  postMessage({ type: "points", id, xy: Array.from(X.data()), labels, grid: GRID, bounds: BOUNDS, ...picture() });
  const t = tracker(id, 0, steps, stopFlag, picture);
  try {
    for (let step = 0; step < steps; step++) {
      const loss = scope(() => {
        const l = F.crossEntropy(forward(X), y);
        l.backward();
        opt.step();
        opt.zeroGrad();
        return l.item(); // the loss before this step's update, as examples/moons.mjs prints it
      });
      if (t.onStep(step, loss) === false) break;
      const ahead = pace > 0 ? t.t0 + ((step + 1) * 1000) / pace - performance.now() : 0;
      if (ahead >= 1) await sleep(ahead);
    }
    return { ...t.finish(), ...picture(), pace };
  } finally {
    opt.dispose();
    for (const x of [X, y, ...params]) x.dispose();
  }
}

// ---- the message loop -------------------------------------------------------------

const JOBS = { part1: (id, p) => part1(p), inverse, svd, moons };

onmessage = async (e) => {
  const { type, id, job, params, stop } = e.data;
  if (type !== "run") return;
  const stopFlag = stop ? new Int32Array(stop) : null;
  try {
    if (!JOBS[job]) throw new UserError(`unknown job ${job}`);
    const result = await JOBS[job](id, params, stopFlag); // part 4's is async: it may sleep between steps
    postMessage({ type: "done", id, result, memory: memoryStats() });
  } catch (err) {
    postMessage({ type: "error", id, message: err instanceof UserError || err instanceof RangeError || err instanceof TypeError ? err.message : String(err?.stack ?? err), memory: memoryStats() });
  }
};

postMessage({ type: "ready", memory: memoryStats(), crossOriginIsolated: self.crossOriginIsolated === true });
