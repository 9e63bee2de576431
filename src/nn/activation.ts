// torch.nn's activation modules: each calls the function of the same name.

import type { Tensor } from "../tensor";
import { relu, sigmoid, tanh } from "../ops/elementwise";
import { softmax, logSoftmax } from "../ops/softmax";
import { Module } from "./module";

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
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
