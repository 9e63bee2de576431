// torch.optim.lr_scheduler: each scheduler sets the lr of every parameter group
// of its optimizer on step(), with torch 1.13's recursive ("chainable") formulas
// in double, so the sequences are torch's (cosines through Math.cos, which may
// differ from libm's in the last bit). Call optimizer.step() then scheduler.step().

import type { Optimizer, ParamGroup } from "./optimizer";
import { powInt } from "./adam";
import { guardTorchSpellings } from "../spelling";

const pow = (x: number, n: number) => (Number.isInteger(n) && n >= 0 ? powInt(x, n) : x ** n);

function perGroup(name: string, what: string, v: number | number[], n: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== n) throw new RangeError(`${name}: expected ${n} values for ${what} (one per parameter group), got ${v.length}`);
    return [...v];
  }
  return new Array<number>(n).fill(v);
}

export abstract class LRScheduler {
  /** The lr of each group when the scheduler started (torch's base_lrs). */
  readonly baseLrs: number[];
  /** The number of step() calls so far (torch's last_epoch: 0 after the constructor). */
  lastEpoch: number;
  protected lastLr: number[] = [];
  protected stepCount = 0;

  constructor(readonly optimizer: Optimizer, lastEpoch = -1) {
    if (!optimizer || !Array.isArray(optimizer.paramGroups)) throw new TypeError(`${this.constructor.name}: expected an optimizer`);
    for (const g of optimizer.paramGroups) {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined) throw new Error("param 'initialLr' is not specified in paramGroups when resuming an optimizer");
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** Runs the first step (torch's _initial_step): subclasses call it at the end of their constructor. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** The learning rates for lastEpoch, from the groups' current ones. */
  protected abstract getLr(): number[];

  /** The learning rates for lastEpoch directly, when the scheduler has such a form (used by step(epoch)). */
  protected closedForm(): number[] | null {
    return null;
  }

  /** Advances one epoch (or jumps to `epoch`, deprecated in torch) and sets the groups' lr. */
  step(epoch?: number): void {
    this.stepCount++;
    let lrs: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      lrs = this.getLr();
    } else {
      this.lastEpoch = epoch;
      lrs = this.closedForm() ?? this.getLr();
    }
    this.groups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected lrs(): number[] {
    return this.groups.map((g) => g.lr);
  }
}

/** lr·gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch;
    return e === 0 || e % this.stepSize !== 0 ? this.lrs() : this.lrs().map((lr) => lr * this.gamma);
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }
}

/** lr·gamma at each milestone (a milestone listed twice multiplies twice). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  constructor(optimizer: Optimizer, milestones: number[], readonly gamma = 0.1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    return count === 0 ? this.lrs() : this.lrs().map((lr) => lr * pow(this.gamma, count));
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, this.milestones.filter((m) => m <= this.lastEpoch).length));
  }
}

/** lr·factor until totalIters epochs have passed. */
export class ConstantLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly factor = 1 / 3, readonly totalIters = 5, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    if (factor > 1 || factor < 0) throw new RangeError("ConstantLR: Constant multiplicative factor expected to be between 0 and 1.");
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch;
    if (e === 0) return this.lrs().map((lr) => lr * this.factor);
    if (e !== this.totalIters) return this.lrs();
    return this.lrs().map((lr) => lr * (1.0 / this.factor));
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
  lastEpoch?: number;
}

/** lr·factor with the factor going linearly from startFactor to endFactor over totalIters epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options.lastEpoch ?? -1);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) throw new RangeError("LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
    if (this.endFactor > 1 || this.endFactor < 0) throw new RangeError("LinearLR: Ending multiplicative factor expected to be between 0 and 1.");
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, s = this.startFactor, d = this.endFactor - this.startFactor;
    if (e === 0) return this.lrs().map((lr) => lr * s);
    if (e > this.totalIters) return this.lrs();
    return this.lrs().map((lr) => lr * (1 + d / (this.totalIters * s + (e - 1) * d)));
  }
  protected closedForm(): number[] {
    const s = this.startFactor, d = this.endFactor - s;
    return this.baseLrs.map((b) => b * (s + (d * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

/** lr·gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly gamma: number, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.lastEpoch === 0 ? this.lrs() : this.lrs().map((lr) => lr * this.gamma);
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, this.lastEpoch));
  }
}

/** lr = baseLr·lambda(epoch), one function or one per group. */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : new Array(n).fill(lrLambda);
    if (this.lambdas.length !== n) throw new RangeError(`LambdaLR: Expected ${n} lr_lambdas, but got ${this.lambdas.length}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lambdas[i](this.lastEpoch));
  }
}

/** lr·lambda(epoch) every epoch after the first. */
export class MultiplicativeLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : new Array(n).fill(lrLambda);
    if (this.lambdas.length !== n) throw new RangeError(`MultiplicativeLR: Expected ${n} lr_lambdas, but got ${this.lambdas.length}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.lastEpoch > 0 ? this.lrs().map((lr, i) => lr * this.lambdas[i](this.lastEpoch)) : this.lrs();
  }
}

/** lr·(1 - epoch/totalIters)^power, reaching 0 at totalIters. */
export class PolynomialLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly totalIters = 5, readonly power = 1, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, n = this.totalIters;
    if (e === 0 || e > n) return this.lrs();
    const f = pow((1.0 - e / n) / (1.0 - (e - 1) / n), this.power);
    return this.lrs().map((lr) => lr * f);
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => b * pow(1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters, this.power));
  }
}

/** Cosine annealing from the base lr to etaMin over tMax epochs (and back, as torch's recursive form). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly tMax: number, readonly etaMin = 0, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, m = this.etaMin;
    if (e === 0) return this.lrs();
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => m + ((b - m) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if ((e - 1 - T) % (2 * T) === 0) return this.lrs().map((lr, i) => lr + ((this.baseLrs[i] - m) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.lrs().map((lr) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - m) + m);
  }
  protected closedForm(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/** Cosine annealing restarted every t0, t0·tMult, t0·tMult², ... epochs (SGDR). */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  tI: number;
  tCur: number;
  constructor(optimizer: Optimizer, readonly t0: number, readonly tMult = 1, readonly etaMin = 0, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    if (!Number.isInteger(t0) || t0 <= 0) throw new RangeError(`CosineAnnealingWarmRestarts: Expected positive integer T_0, but got ${t0}`);
    if (!Number.isInteger(tMult) || tMult < 1) throw new RangeError(`CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got ${tMult}`);
    this.tI = t0;
    this.tCur = lastEpoch;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }
  step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (epoch < 0) throw new RangeError(`CosineAnnealingWarmRestarts: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (pow(this.tMult, n) - 1)) / (this.tMult - 1);
          this.tI = this.t0 * pow(this.tMult, n);
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.stepCount++;
    const lrs = this.getLr();
    this.groups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = this.lrs();
  }
}

export interface OneCycleOptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

type Phase = { end: number; startLr: string; endLr: string; startM: string; endM: string };

/** The 1cycle policy (Smith & Topin): warm up to maxLr, then anneal to maxLr/divFactor/finalDivFactor; momentum the other way. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (a: number, b: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  constructor(optimizer: Optimizer, maxLr: number | number[], o: OneCycleOptions = {}) {
    const groups = optimizer.paramGroups;
    let total: number;
    if (o.totalSteps !== undefined) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0) throw new RangeError(`OneCycleLR: Expected positive integer total_steps, but got ${o.totalSteps}`);
      total = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      total = o.epochs * o.stepsPerEpoch;
    } else throw new RangeError("OneCycleLR: You must define either totalSteps OR (epochs AND stepsPerEpoch)");
    const pct = o.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: Expected float between 0 and 1 pct_start, but got ${pct}`);
    const up = { startLr: "initialLr", endLr: "maxLr", startM: "maxMomentum", endM: "baseMomentum" };
    const down = { startLr: "maxLr", endLr: "initialLr", startM: "baseMomentum", endM: "maxMomentum" };
    const phases: Phase[] = o.threePhase
      ? [{ end: pct * total - 1, ...up }, { end: 2 * pct * total - 2, ...down }, { end: total - 1, startLr: "initialLr", endLr: "minLr", startM: "maxMomentum", endM: "maxMomentum" }]
      : [{ end: pct * total - 1, ...up }, { end: total - 1, ...down, endLr: "minLr" }];
    const maxLrs = perGroup("OneCycleLR", "maxLr", maxLr, groups.length);
    const lastEpoch = o.lastEpoch ?? -1;
    const divFactor = o.divFactor ?? 25, finalDiv = o.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDiv;
      });
    }
    const cycle = o.cycleMomentum ?? true;
    const d = optimizer.defaults;
    if (cycle && !("momentum" in d) && !("betas" in d)) throw new Error("OneCycleLR: optimizer must support momentum or beta1 with `cycleMomentum` enabled");
    const useBeta1 = "betas" in d;
    if (cycle && lastEpoch === -1) {
      const maxM = perGroup("OneCycleLR", "maxMomentum", o.maxMomentum ?? 0.95, groups.length);
      const baseM = perGroup("OneCycleLR", "baseMomentum", o.baseMomentum ?? 0.85, groups.length);
      groups.forEach((g, i) => {
        if (useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
        else g.momentum = maxM[i];
        g.maxMomentum = maxM[i];
        g.baseMomentum = baseM[i];
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.phases = phases;
    const strategy = o.annealStrategy ?? "cos";
    if (strategy !== "cos" && strategy !== "linear") throw new RangeError(`OneCycleLR: anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    this.anneal = strategy === "cos" ? (a, b, p) => b + ((a - b) / 2.0) * (Math.cos(Math.PI * p) + 1) : (a, b, p) => (b - a) * p + a;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new RangeError(`OneCycleLR: Tried to step ${step} times. The specified number of total steps is ${this.totalSteps}`);
    return this.groups.map((g) => {
      let start = 0, lr = 0, m = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.end || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.end - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) m = this.anneal(g[ph.startM] as number, g[ph.endM] as number, pct);
          break;
        }
        start = ph.end;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [m, (g.betas as number[])[1]];
        else g.momentum = m;
      }
      return lr;
    });
  }
}

/** Runs schedulers one after another, switching at the milestones. */
export class SequentialLR {
  lastEpoch: number;
  private lastLr: number[];
  constructor(readonly optimizer: Optimizer, private readonly schedulers: LRScheduler[], readonly milestones: number[], lastEpoch = -1) {
    if (schedulers.length < 1) throw new RangeError("SequentialLR: expects at least one scheduler");
    for (const s of schedulers) if (s.optimizer !== optimizer) throw new Error("SequentialLR: every scheduler must belong to the optimizer passed to SequentialLR");
    if (milestones.length !== schedulers.length - 1) {
      throw new RangeError(`SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`);
    }
    this.lastEpoch = lastEpoch + 1;
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of schedulers) s.lastEpoch -= 1;
    (schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }
  step(): void {
    this.lastEpoch++;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  getLastLr(): number[] {
    return [...this.lastLr];
  }
}

export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/** Multiplies the lr by factor when the metric passed to step(metric) has not improved for patience epochs. */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];
  constructor(readonly optimizer: Optimizer, o: ReduceLROnPlateauOptions = {}) {
    this.factor = o.factor ?? 0.1;
    if (this.factor >= 1) throw new RangeError("ReduceLROnPlateau: Factor should be < 1.0.");
    this.mode = o.mode ?? "min";
    this.thresholdMode = o.thresholdMode ?? "rel";
    if (this.mode !== "min" && this.mode !== "max") throw new RangeError(`ReduceLROnPlateau: mode ${this.mode} is unknown!`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new RangeError(`ReduceLROnPlateau: threshold mode ${this.thresholdMode} is unknown!`);
    this.patience = o.patience ?? 10;
    this.threshold = o.threshold ?? 1e-4;
    this.cooldown = o.cooldown ?? 0;
    this.eps = o.eps ?? 1e-8;
    this.minLrs = perGroup("ReduceLROnPlateau", "minLr", o.minLr ?? 0, optimizer.paramGroups.length);
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }
  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }
  step(metric: number | { item(): number }): void {
    const current = typeof metric === "number" ? metric : metric.item();
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr, lr = Math.max(old * this.factor, this.minLrs[i]);
        if (old - lr > this.eps) g.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  getLastLr(): number[] {
    return [...this.lastLr];
  }
}

// scheduler.get_last_lr() and friends: a TypeError naming the camelCase spelling
for (const c of [LRScheduler, SequentialLR, ReduceLROnPlateau]) guardTorchSpellings(c, () => "lrScheduler");
