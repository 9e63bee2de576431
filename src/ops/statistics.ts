// More reductions (issue 17): prod, argmax/argmin, amax/amin, var/std and their
// means, logsumexp, norms, all/any/countNonzero, median/kthvalue/topk, trace
// and outer. Composites of differentiable ops where that gives torch's
// gradient; a node of their own where torch's rule differs (ties, zeros).

import { Tensor } from "../tensor";
import { f32, i32 } from "../backend/memory";
import { exec } from "../backend/tape";
import { fmt, normDim, rows } from "../shape";
import { record, tracks } from "../autograd/node";
import { noGrad } from "../autograd/grad-mode";
import { scope } from "../lifetime";
import { castTo, copyOf, checkTensor, checkFloat, fillRaw, filled, named, valuesIndices, type ValuesIndices } from "./dispatch";
import { normDims, dimsOf, countOf, keptShape, reducedShape, dropDims, maxRows, evenly, sum, mean, sumForward, type DimOptions, type DimArg } from "./reduce";
import { reshape, diag, unsqueeze, indexSelect, squeeze } from "./shape";
import { sort } from "./sort";
import { add, sub, mul, div, pow, abs, sqrt, log, exp, eq, ne, gt, where } from "./elementwise";
import { isnan, isfinite } from "./unary";
import { gather } from "./indexing";

export { type DimOptions, type DimArg };

/** One dim or none (all), as prod, argmax, median take. */
function oneDim(op: string, x: Tensor, dim: number | number[] | null | undefined): number | null {
  if (dim === undefined || dim === null) return null;
  if (typeof dim !== "number") throw new TypeError(`${op}: dim must be a single integer, got ${JSON.stringify(dim)}`);
  return x.ndim === 0 ? (normDim(op, dim, 0), null) : normDim(op, dim, x.ndim);
}

// ---- prod --------------------------------------------------------------------------

export function prod(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkTensor("prod", x);
  const o = named<DimOptions>("prod", { dim, keepdim });
  const d = oneDim("prod", x, o.dim);
  const [outer, len, inner] = rows(x.shape, d);
  const src = x.dtype === "bool" ? castTo(x, "int32") : x;
  const out = Tensor.empty(d === null ? [] : reducedShape(x.shape, [d], !!o.keepdim), src.dtype);
  const isF = src.dtype === "float32", xo = src.offset, oo = out.offset;
  exec(() => {
    const v = isF ? f32() : i32();
    for (let a = 0; a < outer; a++) {
      for (let i = 0; i < inner; i++) {
        let p = 1;
        for (let j = 0, q = xo + a * len * inner + i; j < len; j++, q += inner) p = isF ? Math.fround(p * v[q]) : Math.imul(p, v[q]);
        v[oo + a * inner + i] = p;
      }
    }
  });
  if (src !== x) src.dispose();
  if (!tracks(x)) return out;
  // d Π x / d x_j = Π_{i≠j} x_i: prefix and suffix products, exact with zeros in x
  return record(out, d === null ? "ProdBackward0" : "ProdBackward1", [x], (g) => {
    const gin = Tensor.empty(x.shape, "float32");
    const go = gin.offset, so = g.offset, xo = x.offset; // read now: memory may have moved since the forward
    exec(() => {
      const v = f32();
      for (let a = 0; a < outer; a++) {
        for (let i = 0; i < inner; i++) {
          const base = a * len * inner + i;
          let p = 1;
          for (let j = 0; j < len; j++) (v[go + base + j * inner] = p), (p *= v[xo + base + j * inner]);
          p = v[so + a * inner + i];
          for (let j = len - 1; j >= 0; j--) (v[go + base + j * inner] *= p), (p *= v[xo + base + j * inner]);
        }
      }
    });
    return [gin];
  }, [x], true);
}

// ---- argmax, argmin, amax, amin ------------------------------------------------------

function argExtremum(op: string, isMin: boolean, x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkTensor(op, x);
  const o = named<DimOptions>(op, { dim, keepdim });
  const d = oneDim(op, x, o.dim);
  const [outer, len, inner] = rows(x.shape, d);
  if (len === 0 && (d === null || outer * inner > 0)) {
    throw new RangeError(`${op}: cannot reduce over a dim of size 0 (shape ${fmt(x.shape)}); ${d === null ? "specify a dim" : `dim ${o.dim} is empty`}`);
  }
  const [vals, idx] = maxRows(x, d, reducedShape(x.shape, d === null ? null : [d], !!o.keepdim), isMin);
  vals.dispose();
  return idx;
}

export const argmax = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => argExtremum("argmax", false, x, dim, keepdim);
export const argmin = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => argExtremum("argmin", true, x, dim, keepdim);

/** Max (or min) over dims without a graph, the dims kept as 1. */
function extremumKeep(op: string, x: Tensor, dims: number[] | null, isMin: boolean): Tensor {
  let cur = x;
  for (const d of dims ?? x.shape.map((_, i) => i)) {
    if (cur.shape[d] === 0) throw new RangeError(`${op}: cannot reduce over dim ${d} of size 0 (shape ${fmt(x.shape)})`);
    const [next, where] = maxRows(cur, d, keptShape(cur.shape, [d]), isMin);
    where.dispose();
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? copyOf(x) : cur;
}

function amaxmin(op: string, isMin: boolean, x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkTensor(op, x);
  const o = named<DimOptions>(op, { dim, keepdim });
  const dims = dimsOf(op, o, x.ndim);
  if (x.ndim === 0 && x.numel() === 0) throw new RangeError(`${op}: the tensor is empty`);
  const kept = extremumKeep(op, x, x.ndim === 0 ? [] : dims, isMin);
  const out = dropDims(kept, dims, !!o.keepdim);
  if (out !== kept) kept.dispose();
  if (!tracks(x)) return out;
  // the gradient is shared evenly between the elements equal to the result (torch's amax backward)
  return record(out, isMin ? "AminBackward0" : "AmaxBackward0", [x], (g) => [evenly(g, x, out, dims)], [x, out]);
}

export const amax = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => amaxmin("amax", false, x, dim, keepdim);
export const amin = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => amaxmin("amin", true, x, dim, keepdim);

// ---- var, std, varMean, stdMean --------------------------------------------------------

/** torch's var/std arguments: (dim, unbiased, keepdim), (unbiased), or an options object with correction. */
export interface VarOptions extends DimOptions {
  unbiased?: boolean;
  correction?: number;
}

function varArgs(op: string, a?: DimArg<VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): VarOptions {
  if (typeof a === "boolean") return { unbiased: a };
  const o = named<VarOptions>(op, { dim: a, unbiased, keepdim });
  if (o.correction !== undefined && o.unbiased !== undefined) throw new TypeError(`${op}: give either correction or unbiased, not both`);
  return o;
}

/** sqrt whose gradient is 0 where its input is 0 (torch's std and 2-norm backward), not inf·0. */
function sqrt0(v: Tensor): Tensor {
  const out = noGrad(() => sqrt(v));
  return record(out, "SqrtBackward0", [v], (g) => {
    const zero = castTo(eq(out, 0), "float32");
    return [div(mul(g, sub(1, zero)), mul(add(out, zero), 2))]; // g / (2·sqrt v), 0 where v is 0
  }, [out]);
}

/** Σ (x - mean)² / max(0, n - correction) over dims (a composite: its gradient is torch's), std its sqrt. */
function moments(op: string, x: Tensor, o: VarOptions, isStd: boolean, withMean: boolean): Tensor | [Tensor, Tensor] {
  checkFloat(op, x);
  const dims = dimsOf(op, o, x.ndim), all = dims ?? [];
  const keepdim = !!o.keepdim;
  const n = countOf(x.shape, dims);
  return scope(() => {
    const mk = mean(x, all, true), dev = sub(x, mk);
    const v = div(sum(mul(dev, dev), all, keepdim), Math.max(0, n - (o.correction ?? (o.unbiased === false ? 0 : 1))));
    const r = isStd ? sqrt0(v) : v;
    return withMean ? [r, keepdim ? mk : reshape(mk, v.shape)] : r;
  });
}

export function variance(x: Tensor, dim?: DimArg<VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): Tensor {
  return moments("var", x, varArgs("var", dim, unbiased, keepdim), false, false) as Tensor;
}
export function std(x: Tensor, dim?: DimArg<VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): Tensor {
  return moments("std", x, varArgs("std", dim, unbiased, keepdim), true, false) as Tensor;
}
/** torch.var_mean: [var, mean]. */
export function varMean(x: Tensor, dim?: DimArg<VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor] {
  return moments("varMean", x, varArgs("varMean", dim, unbiased, keepdim), false, true) as [Tensor, Tensor];
}
/** torch.std_mean: [std, mean]. */
export function stdMean(x: Tensor, dim?: DimArg<VarOptions> | boolean, unbiased?: boolean, keepdim?: boolean): [Tensor, Tensor] {
  return moments("stdMean", x, varArgs("stdMean", dim, unbiased, keepdim), true, true) as [Tensor, Tensor];
}

// ---- logsumexp ------------------------------------------------------------------------

/** log Σ exp(x) over dims (required, as torch), shifted by the detached max: stable for ±1e4. */
export function logsumexp(x: Tensor, dim: DimArg, keepdim?: boolean): Tensor {
  checkTensor("logsumexp", x);
  const o = named<DimOptions>("logsumexp", { dim, keepdim });
  if (o.dim === undefined || o.dim === null) throw new TypeError("logsumexp: dim is required (a dim or a list of dims)");
  const dims = normDims("logsumexp", o.dim, x.ndim);
  const all = dims ?? x.shape.map((_, i) => i);
  return scope(() => {
    const xf = castTo(x, "float32");
    const n = countOf(x.shape, dims);
    const max = n === 0 ? filled(keptShape(x.shape, all), 0) : noGrad(() => extremumKeep("logsumexp", xf, x.ndim === 0 ? [] : all, false));
    const m = where(isfinite(max), max, 0); // an infinite max shifts by 0
    const out = add(log(sum(exp(sub(xf, m)), all, true)), m);
    return dropDims(out, all, !!o.keepdim);
  });
}

// ---- norms ------------------------------------------------------------------------------

export type NormOrd = number | "fro" | "nuc";
export interface NormOptions extends DimOptions {
  ord?: NormOrd;
  p?: NormOrd;
}

/** torch.linalg.vector_norm: (Σ |x|^ord)^(1/ord) over dims (default all); ord 2 by default, ±inf and 0 too. */
export function vectorNorm(x: Tensor, ord: NormOrd | NormOptions = 2, dim?: number | number[] | null, keepdim?: boolean): Tensor {
  const o = named<NormOptions>("vectorNorm", { ord, dim, keepdim });
  const p = o.ord ?? o.p ?? 2;
  if (typeof p !== "number") throw new RangeError(`vectorNorm: ord must be a number, got ${JSON.stringify(p)}`);
  checkFloat("vectorNorm", x);
  const dims = dimsOf("vectorNorm", o, x.ndim);
  const all = dims ?? [];
  const kd = !!o.keepdim;
  // compositions whose gradients are torch's: sign(x)·g for 1, shared among ties for ±inf, x·g / ||x|| (0 at 0) for 2
  return scope(() => {
    if (p === 0) return record(sum(castTo(ne(x, 0), "float32"), all, kd), "LinalgVectorNormBackward0", [x], () => [filled(x.shape, 0)]);
    if (p === 2) return sqrt0(sum(mul(x, x), all, kd));
    const a = abs(x);
    if (p === 1) return sum(a, all, kd);
    if (p === Infinity || p === -Infinity) return (p > 0 ? amax : amin)(a, dims, kd);
    return pow(sum(pow(a, p), all, kd), 1 / p);
  });
}

/** torch.linalg.matrix_norm over two dims (default the last two): ord "fro", 1, -1, inf, -inf. */
export function matrixNorm(x: Tensor, ord: NormOrd | NormOptions = "fro", dim?: number[] | null, keepdim?: boolean): Tensor {
  const o = named<NormOptions>("matrixNorm", { ord, dim, keepdim });
  const p = o.ord ?? "fro";
  checkTensor("matrixNorm", x);
  if (x.ndim < 2) throw new RangeError(`matrixNorm: expected a tensor with 2 or more dims, got shape ${fmt(x.shape)}`);
  const ds = normDims("matrixNorm", (o.dim ?? [-2, -1]) as number[], x.ndim);
  if (!ds || ds.length !== 2) throw new RangeError(`matrixNorm: dim must be a list of 2 dims, got ${JSON.stringify(o.dim)}`);
  const kd = !!o.keepdim;
  if (p === "fro") return vectorNorm(x, 2, ds, kd);
  if (p !== 1 && p !== -1 && p !== Infinity && p !== -Infinity) {
    throw new RangeError(`matrixNorm: ord ${JSON.stringify(p)} is not supported (supported: "fro", 1, -1, Infinity, -Infinity)`);
  }
  checkFloat("matrixNorm", x);
  // ord ±1: the max (min) column sum of |x|; ord ±inf: the max (min) row sum
  const [rowDim, colDim] = p === 1 || p === -1 ? ds : [ds[1], ds[0]];
  return scope(() => {
    const r = (p > 0 ? amax : amin)(sum(abs(x), rowDim, true), colDim, true);
    return dropDims(r, ds, kd);
  });
}

/** torch.norm: p = "fro" (2) by default, a number, or "nuc" (not supported); over dim (default all). */
export function norm(x: Tensor, p: NormOrd | NormOptions = "fro", dim?: number | number[] | null, keepdim?: boolean): Tensor {
  const o = named<NormOptions>("norm", { p, dim, keepdim });
  const ord = o.p ?? o.ord ?? "fro";
  checkFloat("norm", x);
  if (ord === "nuc") throw new RangeError('norm: p "nuc" needs singular values and is not supported');
  return vectorNorm(x, ord === "fro" ? 2 : ord, o.dim, o.keepdim);
}

// ---- all, any, countNonzero -------------------------------------------------------------

/** The number of nonzero elements over dims (default all), int32. */
export function countNonzero(x: Tensor, dim?: number | number[] | null | { dim?: number | number[] | null }): Tensor {
  checkTensor("countNonzero", x);
  const dims = dimsOf("countNonzero", named<DimOptions>("countNonzero", { dim }), x.ndim);
  const nz = ne(x, 0);
  const out = sumForward(nz, dims, false);
  nz.dispose();
  return out;
}

function allAny(op: string, x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkTensor(op, x);
  const o = named<DimOptions>(op, { dim, keepdim });
  const dims = dimsOf(op, o, x.ndim);
  return scope(() => {
    const c = sumForward(ne(x, 0), dims, !!o.keepdim);
    return op === "any" ? gt(c, 0) : eq(c, countOf(x.shape, dims));
  });
}
export const all = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => allAny("all", x, dim, keepdim);
export const any = (x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor => allAny("any", x, dim, keepdim);

// ---- median, kthvalue, topk ---------------------------------------------------------------

export type { ValuesIndices };

/**
 * The elements of ranks first .. first + count - 1 along d (a stable sort, NaN
 * the largest) and their indices: sort and indexSelect, whose backward rules
 * send the gradient back to where each value came from.
 */
function pickRanked(x: Tensor, d: number, first: number | Tensor, count: number, descending: boolean, keepdim: boolean): ValuesIndices {
  // a 0-d tensor is its own one value, at index 0, for whichever k torch allows (its gradient passes through)
  if (x.ndim === 0) return valuesIndices(reshape(x, []), filled([], 0, "int32"));
  return scope(() => {
    const s = sort(x, { dim: d, descending });
    // a tensor of ranks (keepdim's shape) picks one per row
    const pick = (t: Tensor) => {
      const r = first instanceof Tensor ? gather(t, d, first) : indexSelect(t, d, Array.from({ length: count }, (_, i) => first + i));
      return keepdim ? r : squeeze(r, d);
    };
    return valuesIndices(pick(s.values), pick(s.indices));
  });
}

/** torch.median: of all elements (the lower median, NaN if any) or along dim (values, indices). */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number | DimOptions, keepdim?: boolean): ValuesIndices;
export function median(x: Tensor, dim?: number | DimOptions, keepdim?: boolean): Tensor | ValuesIndices {
  checkTensor("median", x);
  const o = named<DimOptions>("median", { dim, keepdim });
  if (o.dim === undefined || o.dim === null) {
    if (x.numel() === 0) {
      const out = Tensor.empty([], x.dtype);
      fillRaw(out, NaN);
      return out;
    }
    const { values, indices } = noGrad(() => scope(() => {
      const flat = reshape(x, [x.numel()]);
      return pickRanked(flat, 0, medianRank(flat, 0), 1, false, false);
    }));
    indices.dispose();
    if (!tracks(x)) return values;
    return record(values, "MedianBackward0", [x], (g) => [evenly(g, x, values, null, true)], [x, values]);
  }
  const d = normDim("median", o.dim as number, x.ndim);
  const len = x.ndim === 0 ? 1 : x.shape[d];
  if (len === 0) throw new RangeError(`median: cannot reduce over dim ${o.dim} of size 0 (shape ${fmt(x.shape)})`);
  return pickRanked(x, d, scope(() => medianRank(x, d)), 1, false, !!o.keepdim);
}

/**
 * The rank of each row's median along d: the lower middle, or where a row holds NaN
 * the first NaN (torch's median is NaN there, at its index; the sort puts NaNs last, in order).
 */
function medianRank(x: Tensor, d: number): Tensor {
  const len = x.ndim === 0 ? 1 : x.shape[d];
  const nans = sum(isnan(x), x.ndim === 0 ? [] : d, true);
  return where(gt(nans, 0), sub(len, nans), (len - 1) >> 1);
}

/** torch.kthvalue: the k-th smallest element (k from 1) along dim (default -1). */
export function kthvalue(x: Tensor, kth: number, dim?: number | DimOptions, keepdim?: boolean): ValuesIndices {
  checkTensor("kthvalue", x);
  const o = named<DimOptions>("kthvalue", { dim, keepdim });
  const d = normDim("kthvalue", (o.dim ?? -1) as number, x.ndim);
  const len = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(kth) || kth < 1 || kth > len) {
    throw new RangeError(`kthvalue: k ${kth} is out of range for dim ${o.dim ?? -1} of size ${len} (expected 1 <= k <= ${len})`);
  }
  return pickRanked(x, d, kth - 1, 1, false, !!o.keepdim);
}

export interface TopkOptions {
  dim?: number;
  largest?: boolean;
  sorted?: boolean;
}

/** torch.topk: the k largest (or smallest) elements along dim (default -1), sorted. */
export function topk(x: Tensor, kk: number, dim?: number | TopkOptions, largest?: boolean, sorted?: boolean): ValuesIndices {
  checkTensor("topk", x);
  const o = named<TopkOptions>("topk", { dim, largest, sorted });
  const d = normDim("topk", o.dim ?? -1, x.ndim);
  const len = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(kk) || kk < 0 || kk > len) {
    throw new RangeError(`topk: k ${kk} is out of range for dim ${o.dim ?? -1} of size ${len} (expected 0 <= k <= ${len})`);
  }
  return pickRanked(x, d, 0, kk, o.largest ?? true, true);
}

// ---- trace, outer ---------------------------------------------------------------------

/** The sum of a matrix's diagonal (int stays int). */
export function trace(x: Tensor): Tensor {
  checkTensor("trace", x);
  if (x.ndim !== 2) throw new RangeError(`trace: expected a matrix (2 dims), got shape ${fmt(x.shape)}`);
  return scope(() => sum(diag(x)));
}

/** The outer product of two vectors: out[i, j] = a[i]·b[j]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor("outer", a);
  checkTensor("outer", b);
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`outer: expected two 1-D tensors, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`);
  return scope(() => mul(unsqueeze(a, 1), unsqueeze(b, 0)));
}

