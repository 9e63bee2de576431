// torch.nn.utils: gradient clipping and flattening parameters into one vector.

import { Tensor } from "../tensor";
import { f32 } from "../backend/memory";
import { tensor } from "../ops/creation";
import { fmt } from "../shape";

const fr = Math.fround;

function list(op: string, params: Iterable<Tensor> | Tensor): Tensor[] {
  const ps = params instanceof Tensor ? [params] : [...params];
  ps.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameters[${i}] is not a Tensor`);
    p.assertAlive(op);
  });
  return ps;
}

/** The float32 elements of t, viewed in place (valid until the next allocation). */
const view = (t: Tensor): Float32Array => f32().subarray(t.offset, t.offset + t.numel);

export interface ClipGradNormOptions {
  normType?: number;
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients in place so that their joint norm (the norm of the per-tensor
 * norms) is at most maxNorm: g·min(1, maxNorm / (norm + 1e-6)). Returns the norm before
 * clipping, a 0-d tensor, as torch. The norms are summed in double.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType: number | ClipGradNormOptions = 2, errorIfNonfinite = false): Tensor {
  const o = typeof normType === "object" ? normType : { normType, errorIfNonfinite };
  const p = o.normType ?? 2;
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm_: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof p !== "number" || Number.isNaN(p)) throw new TypeError(`clipGradNorm_: normType must be a number, got ${String(p)}`);
  const grads = list("clipGradNorm_", parameters).map((x) => x.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return tensor(0, { dtype: "float32" });
  const norm = (xs: ArrayLike<number>): number => {
    let acc = 0;
    if (p === Infinity) for (let i = 0; i < xs.length; i++) acc = Math.max(acc, Math.abs(xs[i]));
    else {
      for (let i = 0; i < xs.length; i++) acc += Math.abs(xs[i]) ** p;
      acc = acc ** (1 / p);
    }
    return fr(acc);
  };
  const total = norm(grads.map((g) => norm(view(g))));
  if (o.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`clipGradNorm_: The total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite=false`);
  }
  const coef = Math.min(fr(fr(maxNorm) / fr(total + 1e-6)), 1);
  for (const g of grads) {
    g.bumpVersion();
    const v = view(g);
    for (let i = 0; i < v.length; i++) v[i] *= coef;
  }
  return tensor(total, { dtype: "float32" });
}

/** Clamps every gradient in place to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (typeof clipValue !== "number" || Number.isNaN(clipValue)) throw new TypeError(`clipGradValue_: clipValue must be a number, got ${String(clipValue)}`);
  const c = fr(clipValue);
  for (const x of list("clipGradValue_", parameters)) {
    const g = x.grad;
    if (!g) continue;
    g.bumpVersion();
    const v = view(g);
    for (let i = 0; i < v.length; i++) v[i] = Math.min(Math.max(v[i], -c), c);
  }
}

/** The parameters flattened and joined into one new 1-D tensor (a copy, not differentiable here). */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const ps = list("parametersToVector", parameters);
  const out = Tensor.empty([ps.reduce((n, p) => n + p.numel, 0)]);
  let at = out.offset;
  for (const p of ps) {
    if (p.dtype !== "float32") throw new TypeError(`parametersToVector: expected float32 parameters, got ${p.dtype}`);
    const src = p.offset;
    f32().copyWithin(at, src, src + p.numel);
    at += p.numel;
  }
  return out;
}

/** Copies consecutive slices of vec into the parameters (the inverse of parametersToVector). */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const ps = list("vectorToParameters", parameters);
  const n = ps.reduce((s, p) => s + p.numel, 0);
  if (!(vec instanceof Tensor) || vec.ndim !== 1 || vec.numel !== n || vec.dtype !== "float32") {
    throw new RangeError(`vectorToParameters: expected a float32 vector of ${n} elements, got ${vec instanceof Tensor ? `${vec.dtype} ${fmt(vec.shape)}` : typeof vec}`);
  }
  vec.assertAlive("vectorToParameters");
  let at = vec.offset;
  for (const p of ps) {
    p.bumpVersion();
    const dst = p.offset;
    f32().copyWithin(dst, at, at + p.numel);
    at += p.numel;
  }
}
