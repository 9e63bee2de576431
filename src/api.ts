// The public API, without the embedded module bytes (entries add those).

export { Tensor } from "./tensor";
export type { TensorOrScalar, NestedArray } from "./tensor";
export type { DType } from "./dtype";
export { init, isInitialized, type InitOptions } from "./backend/module";
export { memoryStats, type MemoryStats } from "./backend/memory";
export { setNumThreads, getNumThreads } from "./backend/threads";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd/grad-mode";
export type { BackwardOptions } from "./autograd/backward";
export * as autograd from "./autograd/index";
export { scope, keep } from "./lifetime";
export { capture, type CapturedStep, type CaptureOptions } from "./capture";
export { setPrintOptions, getPrintOptions, type PrintOptions } from "./format";
export { defaultGenerator } from "./random/generator";

export {
  tensor, zeros, ones, empty, full, zerosLike, onesLike, fullLike, eye, arange, linspace,
  manualSeed, rand, randn, randint, randperm,
  type TensorOptions, type RandomOptions,
} from "./ops/creation";

// elementwise math, activations, comparisons
export {
  add, sub, mul, div, pow, neg, exp, log, sin, cos, tan, tanh, sigmoid, relu, sqrt, abs, sign, square, reciprocal,
  eq, ne, lt, le, gt, ge, equal,
} from "./ops/elementwise";
export {
  log1p, expm1, log2, log10, exp2, rsqrt, erf, floor, ceil, round, trunc, frac,
  isnan, isinf, isfinite, nanToNum, logicalNot, logicalAnd, logicalOr, logicalXor, type NanToNumOptions,
} from "./ops/unary";
export {
  max, min, maximum, minimum, fmod, remainder, clamp, clip, clamp_, clip_, lerp, where, isclose, allclose,
  type ClampOptions, type CloseOptions,
} from "./ops/binary";
export { selu, celu } from "./ops/activation";

// reductions, scans, softmax
export { sum, mean, type MaxResult } from "./ops/reduce";
export {
  prod, argmax, argmin, amax, amin, variance as var, std, varMean, stdMean, logsumexp, norm,
  all, any, countNonzero, median, kthvalue, topk, trace, outer,
  type DimOptions, type VarOptions, type NormOptions, type NormOrd, type TopkOptions, type ValuesIndices,
} from "./ops/statistics";
export { cumsum, cumprod, type ScanOptions } from "./ops/scan";
export { softmax, logSoftmax, type SoftmaxOptions } from "./ops/softmax";

// products and linear algebra
export { matmul, mm, dot } from "./ops/linear";

// shape, joining, splitting, indexing
export { reshape, transpose, permute, t, flatten, squeeze, unsqueeze, expand, indexSelect, diag, clone, type FlattenOptions } from "./ops/shape";
export { sort, argsort, type SortOptions, type SortResult } from "./ops/sort";
export {
  cat, stack, split, chunk, unbind, narrow, flip, tile, tril, triu, type DimArg,
} from "./ops/join";
export {
  select, gather, scatter, scatterAdd, indexAdd, maskedFill, type SliceEntry,
} from "./ops/indexing";

// losses
export {
  mseLoss, meanSquaredError, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, l1Loss,
  smoothL1Loss, huberLoss, klDiv,
  type Reduction, type LossOptions, type ClassLossOptions, type BCEWithLogitsOptions, type SmoothL1Options, type KLDivOptions,
} from "./ops/loss";

// layers as functions (convolution, pooling, normalization)

export * as optim from "./optim/index";
export * as nn from "./nn/index";
export * as F from "./nn/functional";
export * as linalg from "./linalg/index";

import type { Tensor } from "./tensor";
import { Generator as GeneratorClass } from "./random/generator";
import { guardTorchSpellings, requireNew } from "./spelling";

// g.manual_seed(0) and friends: a TypeError naming the camelCase spelling. (random/ has no imports of its own.)
guardTorchSpellings(GeneratorClass, () => "Generator");
export const Generator = requireNew(GeneratorClass, "Generator");
export type Generator = GeneratorClass;

/** Frees the memory of each tensor given (arrays and objects of tensors too). */
export function dispose(...items: unknown[]): void {
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== "object") return;
    if (typeof (v as Tensor).dispose === "function" && "shape" in (v as object)) (v as Tensor).dispose();
    else for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1);
  };
  for (const item of items) visit(item, 0);
}
