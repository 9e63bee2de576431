// torch.nn's activation modules: each calls the function of the same name.

import type { Tensor } from "../tensor";
import { relu, sigmoid, tanh } from "../ops/elementwise";
import * as Act from "../ops/activation";
import { softmax, logSoftmax } from "../ops/softmax";
import { Module, pyFloat } from "./module";

/** A module without settings around fn. */
/** The class of a module without settings (ReLU, Tanh, ...). */
export type Activation = new () => Module & { forward(input: Tensor): Tensor };

const simple = (fn: (x: Tensor) => Tensor): Activation =>
  class extends Module {
    forward(input: Tensor): Tensor {
      return fn(input);
    }
  };

export const ReLU: Activation = simple(relu);
export const Tanh: Activation = simple(tanh);
export const Sigmoid: Activation = simple(sigmoid);
export const SiLU: Activation = simple(Act.silu);
export const Mish: Activation = simple(Act.mish);
export const SELU: Activation = simple(Act.selu);
export const ReLU6: Activation = simple(Act.relu6);
export const Hardsigmoid: Activation = simple(Act.hardsigmoid);
export const Hardswish: Activation = simple(Act.hardswish);
export const Softsign: Activation = simple(Act.softsign);
export const LogSigmoid: Activation = simple(Act.logsigmoid);
export const Tanhshrink: Activation = simple(Act.tanhshrink);

export class GELU extends Module {
  constructor(readonly approximate: Act.GeluApproximate = "none") {
    super();
  }
  forward(input: Tensor): Tensor {
    return Act.gelu(input, this.approximate);
  }
  extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1.0) {
    super();
  }
  forward(input: Tensor): Tensor {
    return Act.elu(input, this.alpha);
  }
  extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

export class CELU extends ELU {
  forward(input: Tensor): Tensor {
    return Act.celu(input, this.alpha);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(input: Tensor): Tensor {
    return Act.leakyRelu(input, this.negativeSlope);
  }
  extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

export class Hardtanh extends Module {
  constructor(readonly minVal = -1.0, readonly maxVal = 1.0) {
    super();
    if (!(maxVal > minVal)) throw new RangeError(`Hardtanh: maxVal (${maxVal}) must be larger than minVal (${minVal})`);
  }
  forward(input: Tensor): Tensor {
    return Act.hardtanh(input, this.minVal, this.maxVal);
  }
  extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) {
    super();
  }
  forward(input: Tensor): Tensor {
    return Act.softplus(input, this.beta, this.threshold);
  }
  extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** softmax along dim (required: torch's implicit choice is deprecated). */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }
  extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Softmax {
  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }
}
