// Losses: mseLoss, and the series' mean((a - b)²). For float32 operands of one
// shape each is one graph node whose backward is one kernel (assembly/loss.ts),
// with the bits of the composition it stands for; otherwise they are composed.

import { Tensor } from "../tensor";
import { sub, mul, neg, pow, add, div, abs } from "./elementwise";
import { mean, sum, sumForward } from "./reduce";
import { broadcastShapes, sameShape, fmt, rows } from "../shape";
import { checkTensor, checkFloat, optionsArg } from "./dispatch";
import { k } from "../backend/module";
import { f32, i32 } from "../backend/memory";
import { exec } from "../backend/tape";
import { record, tracks } from "../autograd/node";
import { isGradEnabled } from "../autograd/grad-mode";
import { scope } from "../lifetime";
import { expand, reshape } from "./shape";
import { logSoftmax } from "./softmax";

export type Reduction = "mean" | "sum" | "none";

/**
 * Mean squared error, torch.nn.functional.mse_loss: mean((input - target)²),
 * with the bits of the composition d = input - target, (d·d).mean() (or .sum()).
 */
export function mseLoss(input: Tensor, target: Tensor, options: Reduction | LossOptions = "mean"): Tensor {
  // the usual "mean" without lossArgs' object: this is the series' hot loop
  const reduction = options === "mean" ? options : (lossArgs("mseLoss", options).reduction as Reduction);
  checkTensor("mseLoss", input);
  checkTensor("mseLoss", target);
  if (reduction !== "none" && fusable(input, target)) return fusedMse(input, target, reduction === "mean", false);
  broadcastShapes("mseLoss", input.shape, target.shape);
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
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
  return a.dtype === "float32" && b.dtype === "float32" && sameShape(a.shape, b.shape) && a.numel() > 0;
}

/**
 * forward  d = a - b; Σ d·d in torch's summation order, / n for the mean;
 * backward with g' = g / n (mean) or g: da = g'·d + g'·d, the two equal terms
 *          of MulBackward0 summed (powForm: g'·(2d), PowBackward0's rounding),
 *          and db = -da (SubBackward0).
 */
function fusedMse(a: Tensor, b: Tensor, isMean: boolean, powForm: boolean): Tensor {
  const n = a.numel();
  const d = Tensor.empty(a.shape, "float32");
  const out = Tensor.empty([], "float32");
  // d = a - b, and Σ d·d in torch's summation order (assembly/cascade.ts) / n for the mean: one pass
  k().mse_forward_f32(a.ptr, b.ptr, d.ptr, out.ptr, n, isMean ? n : 1);
  if (!tracks(a, b)) {
    d.dispose();
    return out;
  }
  // torch's F.mse_loss node, or the last node of meanSquaredError's composition
  return record(out, powForm ? "MeanBackward0" : "MseLossBackward0", [a, b], (g) => {
    let ga: Tensor;
    if (isGradEnabled()) {
      // recording a graph (createGraph): da = 2·d·g / n in differentiable ops, d given the node of a - b it came from
      ga = mul(record(d.alias(d.shape), "SubBackward0", [a, b], (h) => [h, neg(h)]), div(mul(g, 2), isMean ? n : 1));
    } else {
      ga = Tensor.empty(a.shape, "float32");
      k().mse_backward_f32(d.ptr, g.ptr, ga.ptr, n, isMean ? n : 1, powForm);
    }
    const gb = b.requiresGrad ? neg(ga) : null;
    if (a.requiresGrad) return [ga, gb];
    ga.dispose();
    return [null, gb];
  }, [d]);
}

// ---- issue 17: the other losses of torch.nn.functional ------------------------------

export interface LossOptions {
  reduction?: Reduction | "batchmean";
  weight?: Tensor | null;
}

/** What may follow a loss's (input, target): the weight, the reduction, an options object. */
type LossArg<O> = O | Reduction | Tensor | null | undefined;

/**
 * A loss's arguments after (input, target), as torch code passes them: the weight
 * (a tensor or null, where torch puts it), the reduction ("sum" alone stands for
 * { reduction: "sum" }) and an options object, in any of the two places:
 * (x, y, w, { reduction: "sum" }), (x, y, null, "sum") and (x, y, { weight: w, reduction: "sum" }) are one call.
 */
function lossArgs<O extends LossOptions>(op: string, a: LossArg<O>, b?: LossArg<O>, batchmean = false): O & { reduction: Reduction | "batchmean" } {
  const r = {} as O & { reduction: Reduction | "batchmean" };
  for (const v of [a, b]) {
    if (v instanceof Tensor || v === null) r.weight = v;
    else if (typeof v === "string") r.reduction = v;
    else if (v !== undefined) Object.assign(r, optionsArg(op, v));
  }
  r.reduction ??= "mean";
  if (!["mean", "sum", "none", ...(batchmean ? ["batchmean"] : [])].includes(r.reduction)) {
    throw new RangeError(`${op}: reduction must be "mean", "sum"${batchmean ? ', "batchmean"' : ""} or "none", got ${JSON.stringify(r.reduction)}`);
  }
  if (r.weight != null) checkTensor(op, r.weight);
  return r;
}

function reduce(l: Tensor, reduction: Reduction | "batchmean", batch = 1): Tensor {
  if (reduction === "none") return l;
  if (reduction === "sum") return sum(l);
  return reduction === "batchmean" ? div(sum(l), batch) : mean(l);
}

function floatInputs(op: string, ...xs: Tensor[]): void {
  for (const x of xs) checkFloat(op, x);
}

type Pointwise = (x: number, t: number, p: number) => number;

/**
 * An elementwise loss term l(x, t) as one node: forward and the derivatives in
 * x and t as plain loops; `aux` (posWeight) rides along, broadcast to x.
 */
function pointwise(op: string, name: string, x: Tensor, t: Tensor, f: Pointwise, dx: Pointwise, dt: Pointwise, aux: Tensor | null = null, check?: (x: number) => void): Tensor {
  floatInputs(op, x, t);
  const shape = broadcastShapes(op, x.shape, t.shape);
  return scope(() => {
    const xe = expand(x, shape), te = expand(t, shape), pe = aux ? expand(aux, shape) : null;
    const out = Tensor.empty(shape, "float32");
    const n = out.numel();
    const loop = (dst: number, fn: Pointwise, go: number) => {
      const xo = xe.offset, to = te.offset, po = pe ? pe.offset : -1; // read at each call: memory may move between forward and backward
      exec(() => {
        const v = f32();
        for (let i = 0; i < n; i++) {
          if (check) check(v[xo + i]);
          const r = fn(v[xo + i], v[to + i], po < 0 ? 1 : v[po + i]);
          v[dst + i] = go < 0 ? r : r * v[go + i];
        }
      });
    };
    loop(out.offset, f, -1);
    if (!tracks(xe, te)) return out;
    return record(out, name, [xe, te], (g) => {
      // d l / d x = g·dx(x, t), d l / d t = g·dt(x, t)
      return [xe, te].map((leaf, j) => {
        if (!leaf.requiresGrad) return null;
        const gr = Tensor.empty(shape, "float32");
        loop(gr.offset, j === 0 ? dx : dt, g.offset);
        return gr;
      });
    }, pe ? [xe, te, pe] : [xe, te], true);
  });
}

const clampLog = (v: number) => Math.max(Math.log(v), -100);
const softplusNeg = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0); // log(1 + e^-x), stably
const sigm = (x: number) => 1 / (1 + Math.exp(-x));

function weighted(l: Tensor, w: Tensor | null | undefined): Tensor {
  return w ? mul(l, w) : l;
}

/** torch.nn.functional.binary_cross_entropy: -w·(t·log x + (1 - t)·log(1 - x)), the logs clamped at -100. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, weight?: LossArg<LossOptions>, options?: LossArg<LossOptions>): Tensor {
  const o = lossArgs("binaryCrossEntropy", weight, options);
  floatInputs("binaryCrossEntropy", input, target);
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`binaryCrossEntropy: target shape ${fmt(target.shape)} must be the input's shape ${fmt(input.shape)}`);
  }
  return scope(() => reduce(weighted(pointwise("binaryCrossEntropy", "BinaryCrossEntropyBackward0", input, target,
    (x, t) => -(t * clampLog(x) + (1 - t) * clampLog(1 - x)),
    (x, t) => (x - t) / Math.max((1 - x) * x, 1e-12), // torch's EPSILON
    (x) => Math.log(1 - x) - Math.log(x), // unclamped, as torch
    null,
    (x) => {
      if (!(x >= 0 && x <= 1)) throw new RangeError(`binaryCrossEntropy: all elements of input should be between 0 and 1, got ${x}`);
    },
  ), o.weight), o.reduction));
}

export interface BCEWithLogitsOptions extends LossOptions {
  posWeight?: Tensor | null;
}

/** torch.nn.functional.binary_cross_entropy_with_logits: (1 - t)·x + (1 + (pw - 1)·t)·log(1 + e^-x), stably. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, weight?: LossArg<BCEWithLogitsOptions>, options?: LossArg<BCEWithLogitsOptions>): Tensor {
  const o = lossArgs("binaryCrossEntropyWithLogits", weight, options);
  floatInputs("binaryCrossEntropyWithLogits", input, target);
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`binaryCrossEntropyWithLogits: target shape ${fmt(target.shape)} must be the input's shape ${fmt(input.shape)}`);
  }
  const pw = o.posWeight ?? null;
  if (pw) floatInputs("binaryCrossEntropyWithLogits", pw);
  return scope(() => reduce(weighted(pointwise("binaryCrossEntropyWithLogits", "BinaryCrossEntropyWithLogitsBackward0", input, target,
    (x, t, p) => (1 - t) * x + (1 + (p - 1) * t) * softplusNeg(x),
    (x, t, p) => (p * t + 1 - t) * sigm(x) - p * t,
    (x, _t, p) => -x + (p - 1) * softplusNeg(x),
    pw,
  ), o.weight), o.reduction));
}

/** torch.nn.functional.l1_loss: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, options?: LossOptions | Reduction): Tensor {
  const o = lossArgs("l1Loss", options);
  floatInputs("l1Loss", input, target);
  return scope(() => reduce(abs(sub(input, target)), o.reduction));
}

export interface SmoothL1Options extends LossOptions {
  beta?: number;
  delta?: number;
}

function smooth(op: string, name: string, input: Tensor, target: Tensor, b: number, huber: boolean, reduction: Reduction): Tensor {
  if (!(huber ? b > 0 : b >= 0)) throw new RangeError(`${op}: ${huber ? "delta must be > 0" : "beta must be >= 0"}, got ${b}`);
  const s = huber ? 1 : b; // smooth L1 is huber / beta
  // torch's backward kernels: smooth L1 tests |d| >= beta first (so beta = 0 is sign(d), -1 at d = 0), huber |d| > delta
  const dx = (x: number, t: number): number => {
    const d = x - t;
    return huber ? (d < -b ? -b : d > b ? b : d) : d <= -b ? -1 : d >= b ? 1 : d / b;
  };
  return scope(() => reduce(pointwise(op, name, input, target,
    (x, t) => { const z = Math.abs(x - t); return z < b ? (0.5 * z * z) / s : huber ? b * (z - 0.5 * b) : z - 0.5 * b; },
    dx,
    (x, t) => -dx(x, t),
  ), reduction));
}

/** torch.nn.functional.smooth_l1_loss: 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta (beta = 1). */
export function smoothL1Loss(input: Tensor, target: Tensor, options?: SmoothL1Options | Reduction, more?: SmoothL1Options): Tensor {
  const o = lossArgs("smoothL1Loss", options, more);
  return smooth("smoothL1Loss", "SmoothL1LossBackward0", input, target, o.beta ?? 1, false, o.reduction as Reduction);
}

/** torch.nn.functional.huber_loss: 0.5·d² where |d| < delta, else delta·(|d| - 0.5·delta) (delta = 1). */
/** torch's (input, target, reduction, delta) positionally, or { reduction, delta }. */
export function huberLoss(input: Tensor, target: Tensor, options?: SmoothL1Options | Reduction, delta?: number | SmoothL1Options): Tensor {
  const o = lossArgs("huberLoss", options, typeof delta === "number" ? { delta } : delta);
  return smooth("huberLoss", "HuberLossBackward0", input, target, o.delta ?? 1, true, o.reduction as Reduction);
}

export interface KLDivOptions extends LossOptions {
  logTarget?: boolean;
}

/** torch.nn.functional.kl_div: t·(log t - x) (0 where t = 0), or e^t·(t - x) with logTarget. */
export function klDiv(input: Tensor, target: Tensor, options?: KLDivOptions | Reduction, more?: KLDivOptions): Tensor {
  const o = lossArgs("klDiv", options, more, true);
  const lt = !!o.logTarget;
  return scope(() => reduce(pointwise("klDiv", "KlDivBackward0", input, target,
    (x, t) => (lt ? Math.exp(t) * (t - x) : t === 0 ? -t * x : t * Math.log(t) - t * x),
    (_x, t) => (lt ? -Math.exp(t) : -t),
    (x, t) => (lt ? Math.exp(t) * (t - x + 1) : t === 0 ? NaN : Math.log(t) + 1 - x), // NaN at t = 0: torch's xlogy backward
  ), o.reduction, input.ndim === 0 ? 1 : input.shape[0]));
}

// ---- nllLoss and crossEntropy: class indices along dim 1 (dim 0 of a 1-D input) ----------

export interface ClassLossOptions extends LossOptions {
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** The [outer, C, inner] layout of input [N, C, d...] (or [C]) and target [N, d...] (or []), and its checks. */
function classLayout(op: string, input: Tensor, target: Tensor, ignore: number): [number, number, number] {
  if (input.ndim === 0) throw new RangeError(`${op}: input must have at least 1 dim (classes), got shape []`);
  const cd = input.ndim === 1 ? 0 : 1;
  const want = input.shape.filter((_, i) => i !== cd);
  if (!sameShape(want, target.shape)) {
    throw new RangeError(
      input.ndim > 1 && target.ndim > 0 && target.shape[0] !== input.shape[0]
        ? `${op}: expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]})`
        : `${op}: target shape ${fmt(target.shape)} does not fit input shape ${fmt(input.shape)} (expected ${fmt(want)})`,
    );
  }
  if (target.dtype !== "int32") throw new TypeError(`${op}: class-index targets must be int32, got ${target.dtype}`);
  const c = input.shape[cd];
  const to = target.offset, n = target.numel();
  const v = i32();
  for (let i = 0; i < n; i++) {
    const t = v[to + i];
    if (t !== ignore && (t < 0 || t >= c)) throw new RangeError(`${op}: Target ${t} is out of bounds (${c} classes).`);
  }
  return rows(input.shape, cd);
}

function classArgs(op: string, input: Tensor, target: Tensor, weight: LossArg<ClassLossOptions>, options: LossArg<ClassLossOptions>) {
  const o = lossArgs(op, weight, options);
  floatInputs(op, input);
  checkTensor(op, target);
  const w = o.weight ?? null;
  const cd = input.ndim === 1 ? 0 : 1;
  if (w) {
    floatInputs(op, w);
    if (w.ndim !== 1 || w.shape[0] !== input.shape[cd]) {
      throw new RangeError(`${op}: weight must be 1-D with one entry per class (${input.shape[cd]}), got shape ${fmt(w.shape)}`);
    }
  }
  return { o, w, cd, ignore: o.ignoreIndex ?? -100, eps: o.labelSmoothing ?? 0 };
}

/**
 * nllLoss (input: log-probabilities) and crossEntropy with class indices
 * (input: logits; log-softmax and the pick of the target fused): one kernel
 * forward, one backward (assembly/softmax.ts). Per sample j
 *   loss_j = (1 - eps)·w[t]·(l - y[t]) + eps/C·Σ_c w_c·(l - y_c),
 * y = x - max, l = log Σ exp y (logits) or y = x, l = 0; the mean is Σ loss / Σ w[t].
 */
function indexedLoss(op: string, input: Tensor, target: Tensor, o: ClassLossOptions, w: Tensor | null, ignore: number, eps: number, logits: boolean): Tensor {
  const reduction = o.reduction as Reduction;
  const [outer, c, inner] = classLayout(op, input, target, ignore);
  const loss = Tensor.empty(target.shape, "float32"), den = Tensor.empty(target.shape, "float32");
  const grad = tracks(input);
  // softmax(x) kept for the backward (as torch keeps log_softmax(x)); nll needs none
  const prob = grad && logits ? Tensor.empty(input.shape, "float32") : null;
  k().cross_entropy_f32(input.ptr, target.ptr, w ? w.ptr : 0, loss.ptr, den.ptr, prob ? prob.ptr : 0, outer, c, inner, ignore, !!w, eps, logits);
  let out = loss;
  if (reduction !== "none") {
    out = sumForward(loss, null, false);
    loss.dispose();
    if (reduction === "mean") {
      const s = out, d = sumForward(den, null, false);
      out = div(s, d);
      s.dispose();
      d.dispose();
    }
  }
  if (!grad) {
    den.dispose();
    return out;
  }
  // gx_c = g_j·((1 - eps)·w[t]·(p_c - [c = t]) + eps/C·(Σw·p_c - w_c)), p = softmax(x) (0 for nll); g / Σ w[t] for the mean
  const saved = [target, den, ...(prob ? [prob] : []), ...(w ? [w] : [])];
  return record(out, "NllLossBackward0", [input], (g) => {
    const gs = reduction === "mean" ? div(g, sum(den)) : g;
    const gin = Tensor.empty(input.shape, "float32");
    k().cross_entropy_backward_f32(target.ptr, w ? w.ptr : 0, prob ? prob.ptr : 0, gs.ptr, gin.ptr, outer, c, inner, ignore, !!w, eps, logits, reduction !== "none");
    return [gin];
  }, saved, true);
}

/** torch.nn.functional.nll_loss: -w[t]·input[t] per sample, the mean weighted by w[t]; ignoreIndex skipped. */
export function nllLoss(input: Tensor, target: Tensor, weight?: LossArg<ClassLossOptions>, options?: LossArg<ClassLossOptions>): Tensor {
  const { o, w, ignore } = classArgs("nllLoss", input, target, weight, options);
  return indexedLoss("nllLoss", input, target, o, w, ignore, 0, false);
}

/**
 * torch.nn.functional.cross_entropy of logits and class indices (int32) or
 * class probabilities (float32, the input's shape).
 */
export function crossEntropy(input: Tensor, target: Tensor, weight?: LossArg<ClassLossOptions>, options?: LossArg<ClassLossOptions>): Tensor {
  const { o, w, cd, ignore, eps } = classArgs("crossEntropy", input, target, weight, options);
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be between 0 and 1, got ${eps}`);
  const reduction = o.reduction as Reduction;
  if (target.dtype === "float32" && sameShape(input.shape, target.shape)) {
    // class probabilities: -Σ_c w_c·t_c·log_softmax(x)_c, smoothed t·(1 - eps) + eps/C; the mean is over the samples (a batchmean)
    const c = input.shape[cd];
    return scope(() => {
      const t = eps > 0 ? add(mul(target, 1 - eps), eps / c) : target;
      let terms = mul(logSoftmax(input, cd), t);
      if (w) terms = mul(terms, reshape(w, input.shape.map((s, i) => (i === cd ? s : 1))));
      const l = neg(sum(terms, cd));
      return reduce(l, reduction === "mean" ? "batchmean" : reduction, input.numel() / c);
    });
  }
  return indexedLoss("crossEntropy", input, target, o, w, ignore, eps, true);
}
