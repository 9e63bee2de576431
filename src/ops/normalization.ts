// Normalizations as compositions of differentiable ops: each standardizes over
// some dims, (x - mean) / √(var + eps) with the biased variance, then applies a
// per-element (layerNorm) or per-channel (groupNorm, batchNorm) weight and bias.
// Their gradients come from the composition (grad_fn: the affine step's, not
// torch's NativeLayerNormBackward0 and friends).

import { Tensor } from "../tensor";
import { fmt, numel, sameShape } from "../shape";
import { tracks } from "../autograd/node";
import { noGrad } from "../autograd/grad-mode";
import { scope } from "../lifetime";
import { checkTensor, checkFloat, named } from "./dispatch";
import { reshape } from "./shape";
import { mean } from "./reduce";
import { add, sub, mul, div, sqrt } from "./elementwise";
import { mul_, add_ } from "./inplace";
import { composite } from "./conv";

/** (x - mean) / √(var + eps) over dims, and the mean and biased variance (dims kept). */
function standardize(x: Tensor, dims: number[], eps: number): [Tensor, Tensor, Tensor] {
  const mu = mean(x, dims, true), xc = sub(x, mu), v = mean(mul(xc, xc), dims, true);
  return [div(xc, sqrt(add(v, eps))), mu, v];
}

/** y·weight + bias, either optional, both reshaped to `shape` when given. */
function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape?: number[]): Tensor {
  const view = (t: Tensor) => (shape ? reshape(t, shape) : t);
  const yw = weight ? mul(y, view(weight)) : y;
  return bias ? add(yw, view(bias)) : yw;
}

function checkParams(op: string, x: Tensor, ...ts: (Tensor | null | undefined)[]): void {
  checkFloat(op, x);
  for (const t of ts) if (t) checkTensor(op, t);
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/** torch.nn.functional.layer_norm: standardizes over the last dims (normalizedShape), weight and bias of that shape. */
export function layerNorm(input: Tensor, normalizedShape: number | number[], w?: Tensor | null | LayerNormOptions, bias?: Tensor | null, eps?: number): Tensor {
  const o = named<LayerNormOptions>("layerNorm", { weight: w, bias, eps });
  const weight = o.weight ?? null, b = o.bias ?? null;
  checkParams("layerNorm", input, weight, b);
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  const tail = input.shape.slice(input.ndim - ns.length);
  if (ns.length === 0 || ns.length > input.ndim || !sameShape(tail, ns)) {
    throw new RangeError(`layerNorm: Given normalized_shape=${fmt(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${fmt(input.shape)}`);
  }
  for (const t of [weight, b]) if (t && !sameShape(t.shape, ns)) throw new RangeError(`layerNorm: expected weight and bias of shape ${fmt(ns)}, got ${fmt(t.shape)}`);
  return composite(tracks(input, weight) || tracks(b), () =>
    affine(standardize(input, ns.map((_, i) => input.ndim - 1 - i), o.eps ?? 1e-5)[0], weight, b));
}

/** The shape [C, 1, ...] that broadcasts a per-channel vector over x [N, C, ...]. */
const channelShape = (x: Tensor) => x.shape.map((s, i) => (i === 1 ? s : 1)).slice(1);

/** torch.nn.functional.group_norm: x [N, C, ...] standardized over each of numGroups groups of channels (and all else). */
export function groupNorm(input: Tensor, numGroups: number, w?: Tensor | null | LayerNormOptions, bias?: Tensor | null, eps?: number): Tensor {
  const o = named<LayerNormOptions>("groupNorm", { weight: w, bias, eps });
  const weight = o.weight ?? null, b = o.bias ?? null;
  checkParams("groupNorm", input, weight, b);
  if (input.ndim < 2) throw new RangeError(`groupNorm: expected an input [N, C, ...], got ${fmt(input.shape)}`);
  const [n, c] = input.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new RangeError(`groupNorm: Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmt(input.shape)} and num_groups=${numGroups}`);
  }
  for (const t of [weight, b]) if (t && (t.ndim !== 1 || t.numel() !== c)) throw new RangeError(`groupNorm: expected weight and bias of shape [${c}], got ${fmt(t.shape)}`);
  return composite(tracks(input, weight) || tracks(b), () => {
    const y = standardize(reshape(input, [n, numGroups, (c / numGroups) * numel(input.shape.slice(2))]), [2], o.eps ?? 1e-5)[0];
    return affine(reshape(y, input.shape), weight, b, channelShape(input));
  });
}

export interface BatchNormOptions extends LayerNormOptions {
  /** Batch statistics (and running stats updated in place), or the running stats (default false). */
  training?: boolean;
  momentum?: number;
}

/**
 * torch.nn.functional.batch_norm over x [N, C, ...]. Training: standardizes with
 * the batch's mean and biased variance per channel, and updates the running
 * stats in place (if given): r ← (1 - momentum)·r + momentum·stat, with the
 * unbiased variance. Evaluation: standardizes with the running stats.
 */
export function batchNorm(
  input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, w?: Tensor | null | BatchNormOptions,
  bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number,
): Tensor {
  const o = named<BatchNormOptions>("batchNorm", { weight: w, bias, training, momentum, eps });
  const weight = o.weight ?? null, b = o.bias ?? null, train = o.training === true, m = o.momentum ?? 0.1, e = o.eps ?? 1e-5;
  checkParams("batchNorm", input, weight, b, runningMean, runningVar);
  if (input.ndim < 2) throw new RangeError(`batchNorm: expected an input [N, C, ...], got ${fmt(input.shape)}`);
  const c = input.shape[1], count = input.numel() / c;
  for (const [what, t] of [["running_mean", runningMean], ["running_var", runningVar], ["weight", weight], ["bias", b]] as const) {
    if (t && t.numel() !== c) throw new RangeError(`batchNorm: ${what} should contain ${c} elements not ${t.numel()}`);
  }
  if (!train && (!runningMean || !runningVar)) throw new RangeError(`batchNorm: running_${runningMean ? "var" : "mean"} must be defined in evaluation mode`);
  if (train && count <= 1) throw new RangeError(`batchNorm: Expected more than 1 value per channel when training, got input size ${fmt(input.shape)}`);
  const cs = channelShape(input);
  return composite(tracks(input, weight) || tracks(b), () => {
    if (!train) {
      const y = div(sub(input, reshape(runningMean!, cs)), sqrt(add(reshape(runningVar!, cs), e)));
      return affine(y, weight, b, cs);
    }
    const [y, mu, v] = standardize(input, input.shape.map((_, i) => i).filter((i) => i !== 1), e);
    scope(() => noGrad(() => {
      if (runningMean) add_(mul_(runningMean, 1 - m), reshape(mul(mu, m), runningMean.shape));
      if (runningVar) add_(mul_(runningVar, 1 - m), reshape(mul(v, (m * count) / (count - 1)), runningVar.shape));
    }));
    return affine(y, weight, b, cs);
  });
}
