// torch.nn's loss modules: the reduction (and options) given once, forward calls
// the function of nn.functional. A class weight is a buffer, as in torch.

import type { Tensor } from "../tensor";
import * as L from "../ops/loss";
import { Module } from "./module";

type Reduction = L.Reduction;

abstract class Loss<O extends L.LossOptions> extends Module {
  readonly reduction: Reduction | "batchmean";
  protected readonly options: O;
  declare weight?: Tensor | null;
  constructor(options: O | Reduction = {} as O) {
    super();
    const o = (typeof options === "string" ? { reduction: options } : { ...options }) as O;
    this.reduction = o.reduction ?? "mean";
    if (o.weight !== undefined) this.registerBuffer("weight", o.weight);
    delete o.weight;
    this.options = o;
  }
  /** The options with the current weight buffer. */
  protected opts(): O {
    return this.weight === undefined ? this.options : { ...this.options, weight: this.weight };
  }
}

export class MSELoss extends Loss<L.LossOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, this.reduction as Reduction);
  }
}

export class L1Loss extends Loss<L.LossOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, this.opts());
  }
}

export class SmoothL1Loss extends Loss<L.SmoothL1Options> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, this.opts());
  }
}

export class HuberLoss extends Loss<L.SmoothL1Options> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, this.opts());
  }
}

export class BCELoss extends Loss<L.LossOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, this.opts());
  }
}

export class BCEWithLogitsLoss extends Loss<L.BCEWithLogitsOptions> {
  declare pos_weight?: Tensor | null;
  constructor(options: L.BCEWithLogitsOptions | Reduction = {}) {
    super(options);
    const o = this.options;
    if (o.posWeight !== undefined) this.registerBuffer("pos_weight", o.posWeight);
    delete o.posWeight;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, this.pos_weight === undefined ? this.opts() : { ...this.opts(), posWeight: this.pos_weight });
  }
}

export class NLLLoss extends Loss<L.ClassLossOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, this.opts());
  }
}

export class CrossEntropyLoss extends Loss<L.ClassLossOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, this.opts());
  }
}

export class KLDivLoss extends Loss<L.KLDivOptions> {
  forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, this.opts());
  }
}

export class MarginRankingLoss extends Loss<L.MarginOptions> {
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(input1, input2, target, this.opts());
  }
}

export class CosineEmbeddingLoss extends Loss<L.MarginOptions> {
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(input1, input2, target, this.opts());
  }
}
