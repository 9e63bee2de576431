// Losses: mseLoss, and the series' mean((a - b)²). For float32 operands of one
// shape each is one graph node whose backward is one kernel (assembly/loss.ts),
// with the bits of the composition it stands for; otherwise they are composed.

import { Tensor } from "../tensor";
import { sub, mul, neg, pow } from "./elementwise";
import { mean, sum } from "./reduce";
import { broadcastShapes, sameShape } from "../shape";
import { checkTensor } from "./dispatch";
import { k } from "../backend/module";
import { record, tracks } from "../autograd/node";

export type Reduction = "mean" | "sum" | "none";

/**
 * Mean squared error, torch.nn.functional.mse_loss: mean((input - target)²),
 * with the bits of the composition d = input - target, (d·d).mean() (or .sum()).
 */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = "mean"): Tensor {
  checkTensor("mseLoss", input);
  checkTensor("mseLoss", target);
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new RangeError(`mseLoss: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
  if (reduction !== "none" && fusable(input, target)) return fusedMse(input, target, reduction === "mean", false);
  broadcastShapes("mseLoss", input.shape, target.shape);
  const d = sub(input, target);
  const sq = mul(d, d);
  if (reduction === "none") return sq;
  return reduction === "sum" ? sum(sq) : mean(sq);
}

/**
 * `a.sub(b).pow(2).mean()` as one op, with the same bits forward and backward
 * as that composition (so the series matches PyTorch to the bit).
 * Broadcasting operands take the composed path.
 */
export function meanSquaredError(a: Tensor, b: Tensor): Tensor {
  checkTensor("meanSquaredError", a);
  checkTensor("meanSquaredError", b);
  if (!fusable(a, b)) return mean(pow(sub(a, b), 2));
  return fusedMse(a, b, true, true);
}

function fusable(a: Tensor, b: Tensor): boolean {
  return a.dtype === "float32" && b.dtype === "float32" && sameShape(a.shape, b.shape) && a.numel > 0;
}

/**
 * forward  d = a - b; Σ d·d in torch's summation order, / n for the mean;
 * backward with g' = g / n (mean) or g: da = g'·d + g'·d, the two equal terms
 *          of MulBackward0 summed (powForm: g'·(2d), PowBackward0's rounding),
 *          and db = -da (SubBackward0).
 */
function fusedMse(a: Tensor, b: Tensor, isMean: boolean, powForm: boolean): Tensor {
  const n = a.numel;
  const d = Tensor.empty(a.shape, "float32");
  const out = Tensor.empty([], "float32");
  // d = a - b, and Σ d·d in torch's summation order (assembly/cascade.ts) / n for the mean: one pass
  k().mse_forward_f32(a.ptr, b.ptr, d.ptr, out.ptr, n, isMean ? n : 1);
  if (!tracks(a, b)) {
    d.dispose();
    return out;
  }
  return record(out, isMean ? "MeanBackward0" : "SumBackward0", [a, b], (g) => {
    const ga = Tensor.empty(a.shape, "float32");
    k().mse_backward_f32(d.ptr, g.ptr, ga.ptr, n, isMean ? n : 1, powForm);
    const gb = b.requiresGrad ? neg(ga) : null;
    if (a.requiresGrad) return [ga, gb];
    ga.dispose();
    return [null, gb];
  }, [d]);
}
