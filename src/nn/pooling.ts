// torch.nn's pooling modules: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.

import type { Tensor } from "../tensor";
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, type PoolOptions } from "../ops/pool";
import { Module } from "./module";

const show = (v: number | readonly (number | null)[]) => (typeof v === "number" ? String(v) : `[${v.map((x) => (x === null ? "None" : x)).join(", ")}]`);

type PoolArgs = Omit<PoolOptions, "kernelSize">;

abstract class Pool2d extends Module {
  readonly stride: number | number[];
  readonly padding: number | number[];
  readonly ceilMode: boolean;
  protected readonly options: PoolOptions;
  constructor(readonly kernelSize: number | number[], o: PoolArgs) {
    super();
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.options = { ...o, kernelSize, stride: this.stride, padding: this.padding };
  }
}

/** The maximum of each window (with returnIndices, [values, indices]). */
export class MaxPool2d extends Pool2d {
  readonly dilation: number | number[];
  constructor(kernelSize: number | number[], options: PoolArgs = {}) {
    super(kernelSize, options);
    this.dilation = options.dilation ?? 1;
  }
  forward(input: Tensor): Tensor {
    return maxPool2d(input, this.options) as Tensor;
  }
  extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceil_mode=${this.ceilMode ? "True" : "False"}`;
  }
}

/** The mean of each window. */
export class AvgPool2d extends Pool2d {
  forward(input: Tensor): Tensor {
    return avgPool2d(input, this.options);
  }
  extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/** Averages to a fixed output size [.., oh, ow] whatever the input's size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | (number | null)[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
  extraRepr(): string {
    return `output_size=${show(this.outputSize)}`;
  }
}

