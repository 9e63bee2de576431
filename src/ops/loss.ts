// Losses, composed from primitives (their gradients come for free).

import type { Tensor } from "../tensor";
import { sub, mul } from "./elementwise";
import { mean, sum } from "./reduce";
import { broadcastShapes } from "../shape";
import { checkTensor } from "./dispatch";

export type Reduction = "mean" | "sum" | "none";

/** Mean squared error, torch.nn.functional.mse_loss: mean((input - target)²). */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  checkTensor("mseLoss", input);
  checkTensor("mseLoss", target);
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new RangeError(`mseLoss: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
  broadcastShapes("mseLoss", input.shape, target.shape);
  const d = sub(input, target);
  const sq = mul(d, d);
  if (reduction === "none") return sq;
  return reduction === "sum" ? sum(sq) : mean(sq);
}
