// Losses: mseLoss composed from primitives (its gradient comes for free), and
// the series' mean((a - b)²) fused into one op.

import { Tensor } from "../tensor";
import { sub, mul, div, neg, pow } from "./elementwise";
import { mean, sum } from "./reduce";
import { broadcastShapes, sameShape } from "../shape";
import { checkTensor } from "./dispatch";
import { k } from "../backend/module";
import { BinaryOp, UnaryOp } from "../backend/kernels";
import { record, tracks } from "../autograd/node";

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

/**
 * `a.sub(b).pow(2).mean()` as one op, with the same bits forward and backward
 * as that composition (so the series matches PyTorch to the bit), but one graph
 * node instead of three and a handful of tensors instead of a dozen:
 *   forward  mean((a - b)²), the square as d·d, the sum in torch's order, / n;
 *   backward da = (g / n) · (2d), db = -da — the rounding of MeanBackward0,
 *            PowBackward0 (2·d¹) and SubBackward0 in turn.
 * Same shapes only; broadcasting operands take the composed path.
 */
export function meanSquaredError(a: Tensor, b: Tensor): Tensor {
  checkTensor("meanSquaredError", a);
  checkTensor("meanSquaredError", b);
  if (a.dtype !== "float32" || b.dtype !== "float32" || !sameShape(a.shape, b.shape) || a.numel === 0) {
    return mean(pow(sub(a, b), 2));
  }
  const n = a.numel;
  const d = Tensor.empty(a.shape, "float32");
  k().binary_f32(BinaryOp.Sub, a.ptr, b.ptr, d.ptr, n);
  const sq = Tensor.empty(a.shape, "float32");
  k().unary_f32(UnaryOp.Square, d.ptr, sq.ptr, n);
  const out = Tensor.empty([], "float32");
  k().sum_dim_f32(sq.ptr, out.ptr, 1, n, 1);
  k().binary_scalar_f32(BinaryOp.Div, out.ptr, n, out.ptr, 1, false);
  sq.dispose();
  if (!tracks(a, b)) {
    d.dispose();
    return out;
  }
  return record(out, "MeanBackward0", [a, b], (g) => {
    const gn = div(g, n);
    const d2 = mul(d, 2);
    const ga = mul(d2, gn); // x·y = y·x bit for bit: the composition's (g/n expanded) · 2d
    gn.dispose();
    d2.dispose();
    const gb = b.requiresGrad ? neg(ga) : null;
    if (a.requiresGrad) return [ga, gb];
    ga.dispose();
    return [null, gb];
  }, [d]);
}
