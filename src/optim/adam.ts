// torch.optim.Adam and AdamW with torch's exact update (assembly/optim.ts,
// adam_step_f32). Adam's weightDecay is an L2 term added to the gradient;
// AdamW decays the parameter directly ("decoupled" weight decay).

import type { Tensor } from "../tensor";
import { k } from "../backend/module";
import { exec } from "../backend/tape";
import { Optimizer, checkOption, type ParamGroup, type Params } from "./optimizer";

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

type AdamGroup = ParamGroup & Required<Omit<AdamOptions, "lr">>;

/**
 * For each parameter p with gradient g, at step t = 1, 2, ... (torch 1.13's update):
 *
 *     g = g + weightDecay·p                     (Adam; AdamW instead: p = p·(1 - lr·weightDecay))
 *     m = β1·m + (1 - β1)·g
 *     v = β2·v + (1 - β2)·g²                    (AMSGrad: v̂ = max(v̂, v) is used below)
 *     p = p - lr/(1 - β1^t) · m / (√v / √(1 - β2^t) + eps)
 */
export class Adam extends Optimizer {
  private readonly decoupled: boolean;
  private states = new Map<Tensor, AdamState>();
  /** 1 - beta1^t and 1 - beta2^t for the step count and betas last asked for. */
  private corrections = { t: 0, b1: NaN, b2: NaN, first: 0, second: 0 };

  constructor(params: Params, options: AdamOptions = {}, name = "Adam", decoupled = false, defaultDecay = 0) {
    if (options === null || typeof options !== "object") throw new TypeError(`${name}: options must be an object`);
    super(name, params, {
      lr: options.lr ?? 1e-3, betas: options.betas ?? [0.9, 0.999], eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? defaultDecay, amsgrad: options.amsgrad ?? false, maximize: options.maximize ?? false,
    });
    this.decoupled = decoupled;
  }

  protected checkGroup(g: AdamGroup): void {
    const name = this.name;
    checkOption(name, "learning rate (lr)", g.lr, 0);
    const betas = g.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${name}: betas must be a pair [beta1, beta2]`);
    checkOption(name, "beta parameter at index 0", betas[0], 0, 1);
    checkOption(name, "beta parameter at index 1", betas[1], 0, 1);
    g.betas = [betas[0], betas[1]];
    checkOption(name, "epsilon value (eps)", g.eps, 0);
    checkOption(name, "weightDecay", g.weightDecay, 0);
  }

  step(): void {
    for (const g of this.paramGroups) checkOption(this.name, "learning rate (lr)", g.lr, 0);
    this.each((group, p, i) => {
      const g = this.gradOf(p, i);
      if (!g) return;
      const o = group as AdamGroup;
      let s = this.states.get(p);
      if (!s) {
        s = { step: 0, expAvg: this.stateBuffer(p), expAvgSq: this.stateBuffer(p), maxExpAvgSq: o.amsgrad ? this.stateBuffer(p) : null };
        this.states.set(p, s);
      }
      const state = s;
      const pp = p.ptr, gp = g.ptr, m = s.expAvg.ptr, v = s.expAvgSq.ptr, vmax = s.maxExpAvgSq ? s.maxExpAvgSq.ptr : 0, n = p.numel;
      p.bumpVersion();
      // A thunk: the bias corrections change every step, and a captured step must replay them so.
      exec(() => this.update(o, state, pp, gp, m, v, vmax, n));
    });
  }

  private update(o: AdamGroup, s: AdamState, p: number, g: number, m: number, v: number, vmax: number, n: number): void {
    const [beta1, beta2] = o.betas;
    const lr = o.lr;
    const t = ++s.step;
    // every parameter of a step usually has the same t and betas: the powers once per step, not per parameter
    const c = this.corrections;
    if (c.t !== t || c.b1 !== beta1 || c.b2 !== beta2) {
      c.t = t;
      c.b1 = beta1;
      c.b2 = beta2;
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
      this.decoupled ? 0 : Math.fround(o.weightDecay),
      this.decoupled ? Math.fround(1 - lr * o.weightDecay) : 1,
      Math.fround(biasCorrection2Sqrt), Math.fround(o.eps), Math.fround(-stepSize),
      o.amsgrad, o.maximize,
    );
  }

  /** The state torch keeps for a parameter (step count and moment buffers), if it exists yet. */
  stateOf(p: Tensor): Readonly<AdamState> | null {
    return this.states.get(p) ?? null;
  }

  protected stateFor(p: Tensor): Record<string, Tensor | number> | null {
    const s = this.states.get(p);
    if (!s) return null;
    const out: Record<string, Tensor | number> = { step: s.step, expAvg: s.expAvg, expAvgSq: s.expAvgSq };
    if (s.maxExpAvgSq) out.maxExpAvgSq = s.maxExpAvgSq;
    return out;
  }

  protected checkState(s: Record<string, Tensor | number>): void {
    if (typeof s.step !== "number" || !s.expAvg || !s.expAvgSq) throw new Error(`${this.name}.loadStateDict: a parameter's state needs step, expAvg and expAvgSq`);
  }

  protected setStateFor(p: Tensor, s: Record<string, Tensor | number>): void {
    const { step, expAvg, expAvgSq, maxExpAvgSq } = s as unknown as AdamState;
    this.states.set(p, { step, expAvg, expAvgSq, maxExpAvgSq: maxExpAvgSq ?? null });
  }

  protected resetState(): void {
    this.states.clear();
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter): p = p·(1 - lr·weightDecay) before the Adam step. */
export class AdamW extends Adam {
  constructor(params: Params, options: AdamOptions = {}) {
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
