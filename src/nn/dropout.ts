// torch.nn.Dropout: zeroes elements with probability p in training mode (masks
// drawn as torch's CPU kernel does), the identity in eval mode.

import type { Tensor } from "../tensor";
import { dropout } from "../ops/layer";
import { Module, pyFloat } from "./module";

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
