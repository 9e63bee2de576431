// torch.optim.Adam and AdamW with torch's exact update (assembly/optim.ts,
// adam_step_f32). Adam's weightDecay is an L2 term added to the gradient;
// AdamW decays the parameter directly ("decoupled" weight decay).

import type { Tensor } from "../tensor";
import { k } from "../backend/module";
import { exec } from "../backend/tape";
import { Optimizer, checkOption } from "./optimizer";
import { checkOptionSpelling } from "../spelling";

export interface AdamOptions {
  /** Learning rate, default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moment averages, default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator for numerical stability, default 1e-8. */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq: Tensor | null;
}

/**
 * For each parameter p with gradient g, at step t = 1, 2, ... (torch 1.13's update):
 *
 *     g = g + weightDecay·p                     (Adam; AdamW instead: p = p·(1 - lr·weightDecay))
 *     m = β1·m + (1 - β1)·g
 *     v = β2·v + (1 - β2)·g²                    (AMSGrad: v̂ = max(v̂, v) is used below)
 *     p = p - lr/(1 - β1^t) · m / (√v / √(1 - β2^t) + eps)
 */
export class Adam extends Optimizer {
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly maximize: boolean;
  readonly #decoupled: boolean;
  #states = new Map<Tensor, AdamState>();
  /** 1 - beta1^t and 1 - beta2^t for the step count t last asked for (betas are fixed). */
  #corrections = { t: 0, first: 0, second: 0 };

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}, name = "Adam", decoupled = false, defaultDecay = 0) {
    super(name, params);
    if (options === null || typeof options !== "object") throw new TypeError(`${name}: options must be an object`);
    checkOptionSpelling(name, options);
    this.#decoupled = decoupled;
    this.lr = checkOption(name, "learning rate (lr)", options.lr ?? 1e-3, 0);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${name}: betas must be a pair [beta1, beta2]`);
    checkOption(name, "beta parameter at index 0", betas[0], 0, 1);
    checkOption(name, "beta parameter at index 1", betas[1], 0, 1);
    this.betas = Object.freeze([betas[0], betas[1]] as [number, number]);
    this.eps = checkOption(name, "epsilon value (eps)", options.eps ?? 1e-8, 0);
    this.weightDecay = checkOption(name, "weightDecay", options.weightDecay ?? defaultDecay, 0);
    this.amsgrad = options.amsgrad ?? false;
    this.maximize = options.maximize ?? false;
  }

  protected update(p: Tensor, g: Tensor): void {
    let s = this.#states.get(p);
    if (!s) {
      s = { step: 0, expAvg: this.stateBuffer(p), expAvgSq: this.stateBuffer(p), maxExpAvgSq: this.amsgrad ? this.stateBuffer(p) : null };
      this.#states.set(p, s);
    }
    const state = s;
    const pp = p.ptr, gp = g.ptr, m = s.expAvg.ptr, v = s.expAvgSq.ptr, vmax = s.maxExpAvgSq ? s.maxExpAvgSq.ptr : 0, n = p.numel();
    p.bumpVersion();
    // A thunk: the bias corrections change every step, and a captured step must replay them so.
    exec(() => this.#update(state, pp, gp, m, v, vmax, n));
  }

  #update(s: AdamState, p: number, g: number, m: number, v: number, vmax: number, n: number): void {
    const [beta1, beta2] = this.betas;
    const lr = this.lr;
    const t = ++s.step;
    // every parameter of a step usually has the same t: the powers once per step, not per parameter
    const c = this.#corrections;
    if (c.t !== t) {
      c.t = t;
      c.first = 1 - powInt(beta1, t);
      c.second = 1 - powInt(beta2, t);
    }
    const biasCorrection1 = c.first;
    const biasCorrection2 = c.second;
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    // torch casts each Python-double scalar to float32 where the tensor op takes it.
    // (split across threads for large parameters when threads are on: the same bits)
    k().adam_step_f32(
      p, g, m, v, vmax, n,
      Math.fround(beta1), Math.fround(1 - beta1), Math.fround(beta2), Math.fround(1 - beta2),
      this.#decoupled ? 0 : Math.fround(this.weightDecay),
      this.#decoupled ? Math.fround(1 - lr * this.weightDecay) : 1,
      Math.fround(biasCorrection2Sqrt), Math.fround(this.eps), Math.fround(-stepSize),
      this.amsgrad, this.maximize,
    );
  }

  /** The state torch keeps for a parameter (step count and moment buffers), if it exists yet. */
  stateOf(p: Tensor): Readonly<AdamState> | null {
    return this.#states.get(p) ?? null;
  }

  protected resetState(): void {
    this.#states.clear();
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): p = p·(1 - lr·weightDecay) before the Adam step. */
export class AdamW extends Adam {
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, "AdamW", true, 1e-2);
  }
}

// ---- base^n for integer n, correctly rounded ---------------------------------------
// Python's `beta ** step` is libm's pow, correctly rounded in all but
// astronomically rare cases; Math.pow is not specified that tightly and differs
// between engines. Double-double arithmetic (Dekker's products, ~2^-100
// relative error) rounded once gives the correctly rounded power everywhere.

const SPLITTER = 134217729; // 2^27 + 1

/** (hi, lo) with a·b = hi + lo exactly (Dekker's TwoProduct without fma). */
function twoProduct(a: number, b: number, out: Float64Array): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b), bl = b - bh;
  out[0] = p;
  out[1] = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

const scratch = new Float64Array(2);

/** (xh + xl)(yh + yl) as a normalized double-double, written to out. */
function ddMul(xh: number, xl: number, yh: number, yl: number, out: Float64Array): void {
  twoProduct(xh, yh, scratch);
  const p = scratch[0];
  const e = scratch[1] + (xh * yl + xl * yh);
  const s = p + e;
  out[0] = s;
  out[1] = e - (s - p);
}

const powR = new Float64Array(2), powB = new Float64Array(2);

export function powInt(base: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 53 || !Number.isFinite(base)) return Math.pow(base, n);
  const r = powR, b = powB;
  r[0] = 1;
  r[1] = 0;
  b[0] = base;
  b[1] = 0;
  while (n > 0) {
    if (n % 2 === 1) ddMul(r[0], r[1], b[0], b[1], r);
    n = Math.floor(n / 2);
    if (n > 0) ddMul(b[0], b[1], b[0], b[1], b);
  }
  return r[0] + r[1];
}
