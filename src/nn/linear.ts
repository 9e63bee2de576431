// torch.nn's linear layers: Identity, Linear, Bilinear.

import { Tensor } from "../tensor";
import { linear, bilinear } from "../ops/layer";
import { Module, Parameter, checkInts, shapeError } from "./module";
import { kaimingUniform_, uniform_, calculateFanInAndFanOut } from "./init";

/** An empty float32 tensor marked as a parameter. */
export const param = (...shape: number[]): Tensor => Parameter(Tensor.empty(shape));

/** Returns its input. */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

export interface LinearOptions {
  bias?: boolean;
}

/** y = x·Wᵀ + b, x [*, inFeatures] -> [*, outFeatures]. */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions | boolean = {}) {
    super();
    checkInts("Linear", { inFeatures, outFeatures }, 0);
    this.weight = param(outFeatures, inFeatures);
    this.bias = (typeof options === "boolean" ? options : options.bias ?? true) ? param(outFeatures) : null;
    this.resetParameters();
  }

  /** torch's: W ~ kaimingUniform_(a = √5), that is U(±1/√in); b ~ U(±1/√in). */
  resetParameters(): void {
    kaimingUniform_(this.weight, Math.sqrt(5));
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    if (input instanceof Tensor && (input.ndim === 0 || input.shape[input.ndim - 1] !== this.inFeatures)) throw shapeError(this, `[*, ${this.inFeatures}]`, input);
    return linear(input, this.weight, this.bias);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}

/** y = x1ᵀ·W·x2 + b for each output feature: [*, in1], [*, in2] -> [*, out]. */
export class Bilinear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, options: LinearOptions | boolean = {}) {
    super();
    checkInts("Bilinear", { in1Features, in2Features, outFeatures }, 0);
    this.weight = param(outFeatures, in1Features, in2Features);
    this.bias = (typeof options === "boolean" ? options : options.bias ?? true) ? param(outFeatures) : null;
    this.resetParameters();
  }

  /** torch's: W and b ~ U(±1/√in1). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.weight.shape[1]);
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(input1: Tensor, input2: Tensor): Tensor {
    for (const [x, n] of [[input1, this.in1Features], [input2, this.in2Features]] as const) {
      if (x instanceof Tensor && (x.ndim === 0 || x.shape[x.ndim - 1] !== n)) throw shapeError(this, `[*, ${n}] for input${n === this.in1Features ? 1 : 2}`, x);
    }
    return bilinear(input1, input2, this.weight, this.bias);
  }

  extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias ? "True" : "False"}`;
  }
}
