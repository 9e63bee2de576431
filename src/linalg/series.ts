// The blog series' programs as library calls: a matrix inverse (part 2) and
// an SVD (part 3) found by gradient descent on a loss, with autograd. Each
// loop below is the notebook's loop, line for line; read them as examples.

import type { Tensor } from "../tensor";
import { fmt } from "../shape";
import { checkFloat } from "../ops/dispatch";
import { noGrad } from "../autograd/grad-mode";
import { scope } from "../lifetime";
import { capture } from "../capture";
import { meanSquaredError } from "../ops/loss";
import { manualSeed, rand, eye } from "../ops/creation";
import { diag } from "../ops/shape";
import { Optimizer, checkOption } from "../optim/optimizer";
import { SGD } from "../optim/sgd";
import { Adam } from "../optim/adam";

/**
 * The series' loss, mean((a - b)**2), composed as the notebooks compute it: its
 * gradient, g/n · 2(a - b), rounds like torch's PowBackward0 and MeanBackward0,
 * which matters once values are subnormal (the inverse of diag(1, 2, 3, 4)).
 */
function mse(a: Tensor, b: Tensor): Tensor {
  return meanSquaredError(a, b); // a.sub(b).pow(2).mean(), fused with the same bits
}

/** "momentum": part 2's hand-written update; "sgd" / "adam": torch.optim; or a factory of any optimizer. */
export type SeriesOptimizer = "momentum" | "sgd" | "adam" | ((params: Tensor[]) => Optimizer);

/** Called after each step with the loss computed before it; return false to stop early. */
export type OnStep = (step: number, loss: number) => boolean | void;

interface LoopOptions {
  capture: boolean;
  optimizer: SeriesOptimizer;
  lr: number;
  momentum: number;
  weightDecay: number;
}

/**
 * Runs `steps` steps of gradient descent on `lossFn` over `params` and
 * returns the loss before each step. The loss is computed, recorded, then
 * differentiated and the parameters updated, as the notebooks do it.
 */
function descend(op: string, params: Tensor[], lossFn: () => Tensor, steps: number, o: LoopOptions, onStep?: OnStep): Float32Array {
  const { lr, momentum } = o;
  if (o.optimizer === "momentum") {
    checkOption(op, "learning rate (lr)", lr, 0);
    checkOption(op, "momentum", momentum, 0);
  }
  let opt: Optimizer | null = null;
  if (o.optimizer === "sgd") opt = new SGD(params, { lr, momentum, weightDecay: o.weightDecay });
  else if (o.optimizer === "adam") opt = new Adam(params, { lr, weightDecay: o.weightDecay });
  else if (typeof o.optimizer === "function") opt = o.optimizer(params);
  else if (o.optimizer !== "momentum") {
    throw new RangeError(`${op}: unknown optimizer ${JSON.stringify(o.optimizer)}; expected "momentum", "sgd", "adam" or a function (params) => optimizer`);
  }
  const losses = new Float32Array(steps);
  let done = steps;
  // One step as the notebooks write it; the loss is read before the update.
  const step = (): Tensor => {
    opt?.zeroGrad();
    const l = lossFn();
    l.backward();
    if (opt) opt.step();
    else {
      noGrad(() => {
        for (const p of params) {
          p.sub_(p.grad!.mul(lr));
          p.grad!.mul_(momentum);
        }
      });
    }
    return l;
  };
  const run = o.capture ? capture(step) : null;
  try {
    for (let i = 0; i < steps; i++) {
      let loss: number;
      if (run) {
        const l = run();
        loss = l.item();
        l.dispose(); // a no-op on a captured step's result, which the capture owns
      } else {
        loss = scope(() => step().item());
      }
      losses[i] = loss;
      if (onStep && onStep(i, loss) === false) {
        done = i + 1;
        break;
      }
    }
  } finally {
    run?.dispose();
    opt?.dispose();
    // The results are plain tensors: drop the gradients and the flag.
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
      p.requiresGrad_(false);
    }
  }
  return done === steps ? losses : losses.slice(0, done);
}

function checkSteps(op: string, steps: unknown): number {
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`${op}: steps must be a non-negative integer, got ${String(steps)}`);
  }
  return steps;
}

function checkInput(op: string, M: Tensor): void {
  checkFloat(op, M);
  if (M.ndim !== 2) throw new RangeError(`${op}: expected a matrix (2 dims), got shape ${fmt(M.shape)}`);
}

// ---- part 2: the inverse ------------------------------------------------------------

export interface InverseGDOptions {
  /** Default 10000. */
  steps?: number;
  /** Default 0.9 (1e-3 with "adam"). */
  lr?: number;
  /** Default 0.9 ("momentum" and "sgd"). */
  momentum?: number;
  /** Default "momentum", the series' hand-written update. */
  optimizer?: SeriesOptimizer;
  /** With "sgd" or "adam", default 0. */
  weightDecay?: number;
  /** The seed of the starting guess X = rand(M.shape), default 314. */
  seed?: number;
  /** "left": X·M ≈ I (the series); "right": M·X ≈ I; "both": the average of the two losses. */
  side?: "left" | "right" | "both";
  onStep?: OnStep;
  /**
   * Record one step and replay its kernels for the rest (capture()): the same
   * bits as the eager loop, several times faster. Default false.
   */
  capture?: boolean;
}

export interface InverseGDResult {
  /** X with X·M ≈ I (or M·X ≈ I). */
  inverse: Tensor;
  /** losses[i]: the loss computed before update i. */
  losses: Float32Array;
}

/**
 * Part 2 of the series: finds X with X·M = I by gradient descent on
 * mse(X·M, I), starting from manualSeed(seed); X = rand(M.shape).
 */
export function inverseGD(M: Tensor, options: InverseGDOptions = {}): InverseGDResult {
  const op = "linalg.inverseGD";
  checkInput(op, M);
  const [n, n2] = M.shape;
  if (n !== n2) throw new RangeError(`${op}: M must be square, got shape ${fmt(M.shape)}`);
  const optimizer = options.optimizer ?? "momentum";
  const steps = checkSteps(op, options.steps ?? 10000);
  const side = options.side ?? "left";
  if (side !== "left" && side !== "right" && side !== "both") {
    throw new RangeError(`${op}: side must be "left", "right" or "both", got ${JSON.stringify(side)}`);
  }

  manualSeed(options.seed ?? 314);
  const X = rand([n, n], { requiresGrad: true });
  const I = eye(n);
  const A = M.detach(); // M is data here, even if it requires grad elsewhere
  const loss = (): Tensor => {
    if (side === "left") return mse(X.matmul(A), I);
    if (side === "right") return mse(A.matmul(X), I);
    return mse(X.matmul(A), I).add(mse(A.matmul(X), I)).div(2);
  };
  try {
    const losses = descend(op, [X], loss, steps, {
      capture: options.capture ?? false,
      optimizer,
      lr: options.lr ?? (optimizer === "adam" ? 1e-3 : 0.9),
      momentum: options.momentum ?? 0.9,
      weightDecay: options.weightDecay ?? 0,
    }, options.onStep);
    return { inverse: X, losses };
  } catch (e) {
    X.dispose();
    throw e;
  } finally {
    I.dispose();
    A.dispose();
  }
}

// ---- part 3: the SVD ----------------------------------------------------------------

export interface SvdGDOptions {
  /** Default 20000. */
  steps?: number;
  /** Default "momentum", the series' hand-written update; "sgd" is optim.SGD, "adam" optim.Adam. */
  optimizer?: SeriesOptimizer;
  /** Default 0.9 (1e-3 with "adam", torch's default). */
  lr?: number;
  /** Default 0.9 ("momentum" and "sgd"). */
  momentum?: number;
  /** Default 1e-5 with "adam" (the series' Adam(weight_decay=1e-5)), else 0. */
  weightDecay?: number;
  /** The seed of the starting U, d, V, default 314. */
  seed?: number;
  onStep?: OnStep;
  /**
   * Record one step and replay its kernels for the rest (capture()): the same
   * bits as the eager loop, several times faster. Default false.
   */
  capture?: boolean;
}

export interface SvdGDResult {
  /** m×n, its columns in the order of S. */
  U: Tensor;
  /** The n values d·d sorted descending: the singular values. */
  S: Tensor;
  /** n×n, its columns in the order of S: M ≈ U · diag(S) · Vᵀ. */
  V: Tensor;
  /** losses[i]: the loss computed before update i. */
  losses: Float32Array;
}

/**
 * Part 3 of the series: finds M ≈ U · diag(d·d) · Vᵀ by gradient descent on
 *
 *     mse(U·S·Vᵀ, M) + mse(Uᵀ·U, I)/100 + mse(V·Vᵀ, I)/100,   S = diag(d·d)
 *
 * starting from manualSeed(seed); U = rand(m, n); d = rand(n); V = rand(n, n).
 * Afterwards the singular values d·d are sorted descending and the columns of
 * U and V permuted to match.
 */
export function svdGD(M: Tensor, options: SvdGDOptions = {}): SvdGDResult {
  const op = "linalg.svdGD";
  checkInput(op, M);
  const [m, n] = M.shape;
  const optimizer = options.optimizer ?? "momentum";
  const steps = checkSteps(op, options.steps ?? 20000);

  manualSeed(options.seed ?? 314);
  const U = rand([m, n], { requiresGrad: true });
  const d = rand([n], { requiresGrad: true });
  const V = rand([n, n], { requiresGrad: true });
  const I = eye(n);
  const A = M.detach();
  const loss = (): Tensor => {
    const S = diag(d.mul(d));
    return mse(U.matmul(S).matmul(V.T), A)
      .add(mse(U.T.matmul(U), I).div(100))
      .add(mse(V.matmul(V.T), I).div(100));
  };
  try {
    const losses = descend(op, [U, d, V], loss, steps, {
      capture: options.capture ?? false,
      optimizer,
      lr: options.lr ?? (optimizer === "adam" ? 1e-3 : 0.9),
      momentum: options.momentum ?? 0.9,
      weightDecay: options.weightDecay ?? (optimizer === "adam" ? 1e-5 : 0),
    }, options.onStep);
    // diag = d*d sorted descending; U[:, order], V[:, order]
    return scope(() => noGrad(() => {
      const { values, indices } = d.mul(d).sort({ descending: true });
      return { U: U.indexSelect(1, indices), S: values, V: V.indexSelect(1, indices), losses };
    }));
  } finally {
    U.dispose();
    d.dispose();
    V.dispose();
    I.dispose();
    A.dispose();
  }
}
