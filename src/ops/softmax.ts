// softmax and logSoftmax along a dim (issue 17): one kernel forward, one kernel
// backward (assembly/softmax.ts), stable for logits near ±1e4; and normalize.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { rows } from "../shape";
import { record, tracks } from "../autograd/node";
import { isGradEnabled } from "../autograd/grad-mode";
import { sum } from "./reduce";
import { checkTensor, requiredDim, checkFloat, named } from "./dispatch";
import { vectorNorm, type NormOrd } from "./statistics";
import { div, sub, mul, exp } from "./elementwise";
import { scope } from "../lifetime";
import { clamp } from "./binary";

export interface SoftmaxOptions {
  dim: number;
}

function softmaxOp(op: string, isLog: boolean, x: Tensor, dim: number | SoftmaxOptions): Tensor {
  const d = requiredDim(op, x, dim);
  checkFloat(op, x);
  const [outer, len, inner] = rows(x.shape, x.ndim === 0 ? null : d);
  const out = Tensor.empty(x.shape, "float32");
  if (out.numel() > 0) k().softmax_f32(x.ptr, out.ptr, outer, len, inner, isLog);
  if (!tracks(x)) return out;
  // softmax: gx = y·(g - Σ g·y); log_softmax: gx = g - exp(y)·Σ g (along the dim)
  return record(out, isLog ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [x], (g) => {
    // recording a graph (createGraph): the same formula in differentiable ops
    if (isGradEnabled()) return [isLog ? sub(g, mul(exp(out), sum(g, d, true))) : mul(out, sub(g, sum(mul(g, out), d, true)))];
    const gx = Tensor.empty(x.shape, "float32");
    if (gx.numel() > 0) k().softmax_backward_f32(out.ptr, g.ptr, gx.ptr, outer, len, inner, isLog);
    return [gx];
  }, [out]);
}

export const softmax = (x: Tensor, dim: number | SoftmaxOptions): Tensor => softmaxOp("softmax", false, x, dim);
export const logSoftmax = (x: Tensor, dim: number | SoftmaxOptions): Tensor => softmaxOp("logSoftmax", true, x, dim);

export interface NormalizeOptions {
  p?: NormOrd;
  dim?: number;
  eps?: number;
}

/** torch.nn.functional.normalize: x / max(||x||_p along dim, eps); p = 2, dim = 1, eps = 1e-12 by default. */
export function normalize(x: Tensor, p?: number | NormalizeOptions, dim?: number, eps?: number): Tensor {
  const o = named<NormalizeOptions>("normalize", { p, dim, eps });
  checkTensor("normalize", x);
  const e = o.eps ?? 1e-12;
  return scope(() => {
    const n = vectorNorm(x, o.p ?? 2, o.dim ?? 1, true);
    return div(x, clamp(n, e)); // max(n, eps), whose gradient passes where n >= eps (torch's clamp_min)
  });
}
