// torch.nn's normalization layers: LayerNorm, GroupNorm, BatchNorm1d, BatchNorm2d.
// Weights start at one and biases at zero (torch's reset_parameters); BatchNorm
// keeps running_mean, running_var and num_batches_tracked as buffers.

import { Tensor } from "../tensor";
import { layerNorm, groupNorm, batchNorm } from "../ops/normalization";
import { Module, checkInts, pyFloat, pyTuple, shapeError } from "./module";
import { ones_, zeros_ } from "./init";
import { param } from "./linear";
import { fmt } from "../shape";
import { fillRaw } from "../ops/dispatch";
import { noGrad } from "../autograd/grad-mode";

const bool = (b: boolean) => (b ? "True" : "False");

export interface LayerNormModuleOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

/** Standardizes over the last dims (normalizedShape), then scales and shifts elementwise. */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | number[], options: LayerNormModuleOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
    checkInts("LayerNorm", Object.fromEntries(this.normalizedShape.map((s, i) => [`normalizedShape[${i}]`, s])), 0);
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? param(...this.normalizedShape) : null;
    this.bias = this.elementwiseAffine ? param(...this.normalizedShape) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    if (this.weight) ones_(this.weight), zeros_(this.bias!);
  }
  forward(input: Tensor): Tensor {
    const ns = this.normalizedShape;
    if (input instanceof Tensor && (input.ndim < ns.length || fmt(input.shape.slice(input.ndim - ns.length)) !== fmt(ns))) throw shapeError(this, `[*, ${ns.join(", ")}]`, input);
    return layerNorm(input, ns, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${bool(this.elementwiseAffine)}`;
  }
}

export interface GroupNormModuleOptions {
  eps?: number;
  affine?: boolean;
}

/** Standardizes each group of numChannels/numGroups channels, then a per-channel affine map. */
export class GroupNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  readonly affine: boolean;
  constructor(readonly numGroups: number, readonly numChannels: number, options: GroupNormModuleOptions = {}) {
    super();
    checkInts("GroupNorm", { numGroups, numChannels });
    if (numChannels % numGroups !== 0) throw new RangeError("GroupNorm: num_channels must be divisible by num_groups");
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    this.weight = this.affine ? param(numChannels) : null;
    this.bias = this.affine ? param(numChannels) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    if (this.weight) ones_(this.weight), zeros_(this.bias!);
  }
  forward(input: Tensor): Tensor {
    if (input instanceof Tensor && (input.ndim < 2 || input.shape[1] !== this.numChannels)) throw shapeError(this, `[N, ${this.numChannels}, *]`, input);
    return groupNorm(input, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${bool(this.affine)}`;
  }
}

export interface BatchNormModuleOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null: a cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(readonly numFeatures: number, options: BatchNormModuleOptions, private readonly dims: number[]) {
    super();
    checkInts(this.typeName, { numFeatures });
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? param(numFeatures) : null;
    this.bias = this.affine ? param(numFeatures) : null;
    const track = this.trackRunningStats;
    this.registerBuffer("running_mean", track ? Tensor.empty([numFeatures]) : null);
    this.registerBuffer("running_var", track ? Tensor.empty([numFeatures]) : null);
    this.registerBuffer("num_batches_tracked", track ? Tensor.empty([], "int32") : null);
    this.resetParameters();
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }
  get runningVar(): Tensor | null {
    return this.running_var;
  }
  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Zero mean, unit variance, no batches seen. */
  resetRunningStats(): void {
    if (!this.running_mean) return;
    for (const [t, v] of [[this.running_mean, 0], [this.running_var!, 1], [this.num_batches_tracked!, 0]] as const) t.bumpVersion(), fillRaw(t, v);
  }

  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight), zeros_(this.bias!);
  }

  forward(input: Tensor): Tensor {
    if (input instanceof Tensor && (!this.dims.includes(input.ndim) || input.shape[1] !== this.numFeatures)) {
      throw shapeError(this, this.dims.map((d) => `[N, ${this.numFeatures}${", *".repeat(d - 2)}]`).join(" or "), input);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      const n = this.num_batches_tracked;
      noGrad(() => n.add_(1));
      if (this.momentum === null) factor = 1 / n.item();
    }
    const useBatch = this.training || (!this.running_mean && !this.running_var);
    const stats = !this.training || this.trackRunningStats;
    return batchNorm(input, stats ? this.running_mean : null, stats ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
  }

  extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? "None" : pyFloat(this.momentum)}, affine=${bool(this.affine)}, track_running_stats=${bool(this.trackRunningStats)}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/** Batch normalization over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
