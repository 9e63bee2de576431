// Indexing: basic slicing (slice, select) and assignment into a slice, gather,
// scatter, scatterAdd, indexAdd, maskedFill, with their in-place forms. Tensors
// are always contiguous, so a slice is a copy made through a strided view (a
// View: an element offset, a shape, strides) by one kernel, copy_view32; its
// adjoint writes the gradient back through the same view into zeros. The views
// of joining and splitting (src/ops/join.ts) are the same two primitives,
// takeView and putView.

import { Tensor, type TensorOrScalar } from "../tensor";
import type { DType } from "../dtype";
import { k } from "../backend/module";
import { i32 } from "../backend/memory";
import { IndexMode } from "../backend/kernels";
import { fmt, normDim, numel, broadcastShapes, broadcastStrides, sameShape, stridesOf, type Shape } from "../shape";
import { record, tracks } from "../autograd/node";
import { writeMeta, checkTensor, castTo, copyOf, filled, describeValue, named } from "./dispatch";
import { sumTo } from "./reduce";
import { mul, whereOp } from "./elementwise";
import { checkWritable, copy_ } from "./inplace";

// ---- views -------------------------------------------------------------------------

/** A strided view of a contiguous tensor, in elements: x[off + Σ i_d·strides[d]] for i < shape. */
export interface View {
  off: number;
  shape: number[];
  strides: number[];
}

/** The view of the whole tensor. */
export const whole = (shape: Shape): View => ({ off: 0, shape: [...shape], strides: stridesOf(shape) });

/** dst's view `dv` = src read through `sv` (shapes equal; src strides may be 0 to broadcast). */
function copyView(src: Tensor, sv: View, dst: Tensor, dv: View): void {
  if (numel(dv.shape) === 0) return;
  const [nd, meta] = writeMeta(dv.shape, [sv.strides, dv.strides]);
  k().copy_view32(src.ptr + 4 * sv.off, dst.ptr + 4 * dv.off, nd, meta);
}

/** src seen broadcast to the view's shape (the view of src a copy into `view` reads). */
function broadcastView(src: Tensor, shape: Shape): View {
  return { off: 0, shape: [...shape], strides: broadcastStrides(src.shape, shape) };
}

/** A copy of x's view `v` (differentiable: the adjoint writes g back through v into zeros). */
export function takeView(name: string, x: Tensor, v: View): Tensor {
  const out = Tensor.empty(v.shape, x.dtype);
  copyView(x, v, out, whole(v.shape));
  if (!tracks(x)) return out;
  return record(out, name, [x], (g) => [putView("SliceScatterBackward0", filled(x.shape, 0), v, g)]);
}

/**
 * x with its view `v` replaced by src (broadcast to the view's shape, cast to x's
 * dtype): torch's slice_scatter for any view. d/dx: g with the view zeroed; d/dsrc: g's view.
 */
export function putView(name: string, x: Tensor, v: View, src: Tensor): Tensor {
  const s = castTo(src, x.dtype);
  const out = copyOf(x);
  copyView(s, broadcastView(s, v.shape), out, v);
  if (s !== src) s.dispose();
  if (!tracks(x, src)) return out;
  return record(out, name, [x, src], (g) => [
    x.requiresGrad ? putView(name, g, v, filled([], 0)) : null,
    src.requiresGrad ? sumTo(takeView("SliceBackward0", g, v), src.shape) : null,
  ]);
}

// ---- basic indexing: slice, select, sliceAssign_ -------------------------------------

/**
 * One entry of slice() per dim, torch's `x[...]` spelled in JS:
 * a number `i` (x[i], drops the dim), null (`:`), [start, stop, step] with
 * null or missing ends and negative positions (`start:stop:step`), "..."
 * (`...`, the dims not named) and "newaxis" (`None`, a new dim of size 1).
 */
export type SliceEntry = number | null | readonly (number | null | undefined)[] | "..." | "newaxis";

/** The view that torch's basic indexing `x[entries]` reads. */
function sliceView(op: string, shape: Shape, entries: readonly SliceEntry[]): View {
  const full = whole(shape);
  const v: View = { off: 0, shape: [], strides: [] };
  const named = entries.filter((e) => e !== "..." && e !== "newaxis").length;
  if (named > shape.length) throw new RangeError(`${op}: too many indices for a tensor of ${shape.length} dims: got ${named}`);
  if (entries.indexOf("...") !== entries.lastIndexOf("...")) throw new RangeError(`${op}: an index can only have a single ellipsis ("...")`);
  let d = 0;
  for (const e of entries) {
    if (e === "newaxis") {
      v.shape.push(1);
      v.strides.push(0);
    } else if (e === "...") {
      for (const end = d + shape.length - named; d < end; d++) {
        v.shape.push(shape[d]);
        v.strides.push(full.strides[d]);
      }
    } else if (typeof e === "number") {
      const n = shape[d];
      if (!Number.isInteger(e) || e < -n || e >= n) {
        throw new RangeError(`${op}: index ${e} is out of bounds for dim ${d} with size ${n} (tensor of shape ${fmt(shape)})`);
      }
      v.off += (e < 0 ? e + n : e) * full.strides[d++];
    } else if (e === null || Array.isArray(e)) {
      const [start, stop, step] = e ?? [];
      const n = shape[d];
      const st = step ?? 1;
      if (!Number.isInteger(st)) throw new TypeError(`${op}: step must be an integer, got ${st}`);
      if (st <= 0) throw new RangeError(`${op}: step must be greater than zero, got ${st} (negative steps: use flip)`);
      // Python's clamping: ends past the dim are cut to it, negative ends count from its end
      const clamp = (p: number | null | undefined, dflt: number): number => {
        if (p === null || p === undefined) return dflt;
        if (!Number.isInteger(p)) throw new TypeError(`${op}: slice ends must be integers or null, got ${p}`);
        return Math.min(Math.max(p < 0 ? p + n : p, 0), n);
      };
      const a = clamp(start, 0), b = clamp(stop, n);
      v.off += a * full.strides[d];
      v.shape.push(b > a ? Math.ceil((b - a) / st) : 0);
      v.strides.push(full.strides[d++] * st);
    } else {
      throw new TypeError(`${op}: an index entry must be a number, null, an array [start, stop, step], "..." or "newaxis", got ${describeValue(e)}`);
    }
  }
  for (; d < shape.length; d++) {
    v.shape.push(shape[d]);
    v.strides.push(full.strides[d]);
  }
  return v;
}

/** torch's basic indexing: x.slice(0, [1, 5, 2], null) is x[0, 1:5:2, :] (a copy). */
export function slice(x: Tensor, ...entries: SliceEntry[]): Tensor {
  checkTensor("slice", x);
  return takeView("SliceBackward0", x, sliceView("slice", x.shape, entries));
}

/** x.select(dim, i) is x[..., i] with i at dim: the dim is dropped. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor("select", x);
  const d = normDim("select", dim, x.ndim);
  return takeView("SelectBackward0", x, sliceView("select", x.shape, [...new Array<null>(d).fill(null), index]));
}

/**
 * In-place ops write into x itself (after the leaf rule and a version bump);
 * the others into a copy of x.
 */
function target(op: string, x: Tensor, inplace: boolean, operand?: unknown): Tensor {
  if (inplace) {
    checkWritable(op, x, operand);
    x.bumpVersion();
    return x;
  }
  return copyOf(x);
}

/**
 * torch's `x[entries] = value` (index_put_ with basic indices): writes value
 * (a number, or a tensor broadcast to the slice and cast to x's dtype) into
 * the slice of x that `entries` name, in place.
 */
export function sliceAssign_<T extends Tensor>(x: T, entries: readonly SliceEntry[], value: TensorOrScalar): T {
  checkTensor("sliceAssign_", x);
  if (!Array.isArray(entries)) throw new TypeError(`sliceAssign_: the index must be an array of entries (one per dim), got ${describeValue(entries)}`);
  const v = sliceView("sliceAssign_", x.shape, entries);
  const src = valueOf("sliceAssign_", x, value);
  try {
    if (!sameShape(broadcastShapes("sliceAssign_", src.shape, v.shape), v.shape)) {
      throw new RangeError(`sliceAssign_: a value of shape ${fmt(src.shape)} cannot be broadcast to the slice's shape ${fmt(v.shape)}`);
    }
    copyView(src, broadcastView(src, v.shape), target("sliceAssign_", x, true, value), v);
  } finally {
    if (src !== value) src.dispose();
  }
  return x;
}

/** A value operand in x's dtype (a 0-d tensor for a number). */
function valueOf(op: string, x: Tensor, value: TensorOrScalar): Tensor {
  if (typeof value === "number") return filled([], value, x.dtype);
  checkTensor(op, value);
  return castTo(value, x.dtype);
}

// ---- gather, scatter, scatterAdd, indexAdd -----------------------------------------

/** Runs index_walk32 and throws torch's out-of-bounds error if it met an index outside [0, len). */
function walk(op: string, mode: IndexMode, a: Tensor, b: Tensor, index: Tensor, shape: Shape, strides: number[][], d: number): void {
  if (numel(shape) === 0) return;
  const aShape = a.ndim === 0 ? [1] : a.shape;
  const [nd, meta] = writeMeta(shape, strides);
  const bad = k().index_walk32(mode, a.ptr, b.ptr, index.ptr, nd, meta, stridesOf(aShape)[d], aShape[d]);
  if (bad >= 0) throw new RangeError(`${op}: index ${i32()[index.offset + bad]} is out of bounds for dim ${d} with size ${aShape[d]}`);
}

/** x's strides with 0 at dim d: the index supplies that coordinate. */
function stridesBut(shape: Shape, d: number): number[] {
  const s = stridesOf(shape);
  s[d] = 0;
  return s;
}

/** torch's checks of gather/scatter's operands: an int index of x's rank, no larger than x (but at dim) and src. */
function checkIndex(op: string, x: Tensor, dim: number, index: Tensor, src?: Tensor | number): number {
  checkTensor(op, x);
  checkTensor(op, index);
  if (index.dtype !== "int32") throw new TypeError(`${op}: index must be an int32 tensor (torch's int64), got ${index.dtype}`);
  const d = normDim(op, dim, x.ndim);
  if (typeof src === "number" || src === undefined) src = undefined;
  else checkTensor(op, src);
  if (index.ndim !== x.ndim && (index.ndim > 1 || x.ndim > 1)) {
    throw new RangeError(`${op}: index must have as many dims as the input: got index of shape ${fmt(index.shape)} for input of shape ${fmt(x.shape)}`);
  }
  index.shape.forEach((n, i) => {
    if ((i !== d && n > x.shape[i]) || (src && n > (src as Tensor).shape[i])) {
      throw new RangeError(`${op}: index of shape ${fmt(index.shape)} is larger than the input ${fmt(x.shape)}${src ? ` or src ${fmt(src.shape)}` : ""} at dim ${i}`);
    }
  });
  return d;
}

/** out[i][j][k] = x[i][index[i][j][k]][k] (dim 1): torch.gather. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = checkIndex("gather", x, dim, index);
  const out = Tensor.empty(index.shape, x.dtype);
  const cs = stridesOf(index.shape);
  walk("gather", IndexMode.Gather, x, out, index, index.shape, [stridesBut(x.shape, d), cs, cs], d);
  // the adjoint adds each g element back where it was read from
  if (!tracks(x)) return out;
  return record(out, "GatherBackward0", [x], (g) => [scatterAdd(filled(x.shape, 0), d, index, g)], [index]);
}

/** The add mode of index_walk32 for a dtype (bool adds as logical or, as in torch). */
const ADD_MODE: Record<DType, IndexMode> = { float32: IndexMode.AddF32, int32: IndexMode.AddI32, bool: IndexMode.Or };

/** The gradient of scatter's src: g gathered at index, padded with zeros where src is larger than index. */
function srcGrad(g: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  const picked = gather(g, d, index);
  if (sameShape(picked.shape, src.shape)) return picked;
  return putView("ScatterBackward0", filled(src.shape, 0), { off: 0, shape: [...index.shape], strides: stridesOf(src.shape) }, picked);
}

/** scatter (add false) or scatterAdd, out of place or in place. */
function scatterOp(op: string, add: boolean, x: Tensor, dim: number, index: Tensor, src: Tensor | number, inplace: boolean): Tensor {
  const d = checkIndex(op, x, dim, index, src);
  const value = typeof src === "number";
  const s = value ? filled([], src, x.dtype) : src;
  if (s.dtype !== x.dtype) throw new TypeError(`${op}: expected src to have the input's dtype ${x.dtype}, got ${s.dtype}`);
  let out: Tensor;
  try {
    out = target(op, x, inplace, src);
    walk(op, add ? ADD_MODE[x.dtype] : IndexMode.Scatter, out, s, index, index.shape,
      [stridesBut(x.shape, d), value ? index.shape.map(() => 0) : stridesOf(s.shape), stridesOf(index.shape)], d);
  } finally {
    if (s !== src) s.dispose();
  }
  // d/dx: g (scatterAdd), or g where nothing was written (scatter); d/dsrc: g read at index
  if (inplace || !tracks(x, src)) return out;
  const t = src as Tensor;
  return record(out, add ? "ScatterAddBackward0" : value ? "ScatterBackward1" : "ScatterBackward0", value ? [x] : [x, t], (g) => [
    x.requiresGrad ? (add ? g : scatter(g, d, index, 0)) : null,
    !value && t.requiresGrad ? srcGrad(g, d, index, t) : null,
  ], [index]);
}

/** scatter's reduce (torch 1.13's, positional or { reduce }): "add" adds as scatterAdd does; "multiply" is not here. */
export type ScatterReduce = "add" | { reduce?: "add" };
function adds(op: string, reduce: ScatterReduce | undefined): boolean {
  const r = named<{ reduce?: string }>(op, { reduce }).reduce;
  if (r !== undefined && r !== "add") throw new RangeError(`${op}: reduce ${JSON.stringify(r)} is not supported ("add" is)`);
  return !!r;
}

/** x with x[i][index[i][j]] = src[i][j] (dim 1); src a tensor or a number: torch.scatter. */
export const scatter = (x: Tensor, dim: number, index: Tensor, src: Tensor | number, reduce?: ScatterReduce): Tensor =>
  scatterOp("scatter", adds("scatter", reduce), x, dim, index, src, false);
/** x with src added at index: x[i][index[i][j]] += src[i][j] (dim 1): torch.scatter_add. */
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => scatterOp("scatterAdd", true, x, dim, index, src, false);
export const scatter_ = <T extends Tensor>(x: T, dim: number, index: Tensor, src: Tensor | number, reduce?: ScatterReduce): T =>
  scatterOp("scatter_", adds("scatter_", reduce), x, dim, index, src, true) as T;
export const scatterAdd_ = <T extends Tensor>(x: T, dim: number, index: Tensor, src: Tensor): T => scatterOp("scatterAdd_", true, x, dim, index, src, true) as T;

/** The index walk of indexAdd and its adjoint: over b's shape, index read along dim d only. */
function rowWalk(op: string, mode: IndexMode, a: Tensor, b: Tensor, d: number, index: Tensor): void {
  const shape = b.ndim === 0 ? [1] : b.shape;
  walk(op, mode, a, b, index, shape, [stridesBut(a.ndim === 0 ? [1] : a.shape, d), stridesOf(shape), shape.map((_, i) => +(i === d))], d);
}

type Alpha = number | { alpha?: number };

function indexAddOp(op: string, x: Tensor, dim: number, index: Tensor, source: Tensor, options: Alpha, inplace: boolean): Tensor {
  const alpha = typeof options === "number" ? options : options.alpha ?? 1;
  checkTensor(op, x);
  checkTensor(op, source);
  checkTensor(op, index);
  if (index.dtype !== "int32" || index.ndim > 1) throw new TypeError(`${op}: index must be a 0-d or 1-D int32 tensor (torch's int64), got ${index.dtype} of shape ${fmt(index.shape)}`);
  const d = normDim(op, dim, x.ndim);
  const want = x.ndim === 0 ? [index.numel()] : x.shape.map((n, i) => (i === d ? index.numel() : n));
  if (!sameShape(source.ndim === 0 ? [1] : source.shape, want)) {
    throw new RangeError(`${op}: source must have shape ${fmt(want)} (the input's with dim ${d} the number of indices), got ${fmt(source.shape)}`);
  }
  const s = alpha === 1 ? source : mul(source, alpha);
  let out: Tensor;
  try {
    if (s.dtype !== x.dtype) throw new TypeError(`${op}: expected source (times alpha) to have the input's dtype ${x.dtype}, got ${s.dtype}`);
    out = target(op, x, inplace, source);
    rowWalk(op, ADD_MODE[x.dtype], out, s, d, index);
  } finally {
    if (s !== source) s.dispose();
  }
  // d/dx = g; d/dsource = alpha · g's rows at index
  if (inplace || !tracks(x, source)) return out;
  return record(out, "IndexAddBackward0", [x, source], (g) => [
    x.requiresGrad ? g : null,
    source.requiresGrad ? mul(pickRows(g, d, index, source.shape), alpha) : null,
  ], [index]);
}

/** x with alpha·source[..., j, ...] added to x[..., index[j], ...] along dim: torch.index_add. */
export const indexAdd = (x: Tensor, dim: number, index: Tensor, source: Tensor, options: Alpha = {}): Tensor =>
  indexAddOp("indexAdd", x, dim, index, source, options, false);
export const indexAdd_ = <T extends Tensor>(x: T, dim: number, index: Tensor, source: Tensor, options: Alpha = {}): T =>
  indexAddOp("indexAdd_", x, dim, index, source, options, true) as T;

/** g's slices at index along d (indexSelect through the index walk, which a captured step can replay). */
function pickRows(g: Tensor, d: number, index: Tensor, shape: Shape): Tensor {
  const out = Tensor.empty(shape, g.dtype);
  rowWalk("indexAdd", IndexMode.Gather, g, out, d, index);
  if (!tracks(g)) return out;
  return record(out, "IndexSelectBackward0", [g], (gg) => [indexAdd(filled(g.shape, 0), d, index, gg)], [index]);
}

// ---- masks: maskedFill --------------------------------------------------------------

function checkMask(op: string, x: Tensor, mask: Tensor): void {
  checkTensor(op, x);
  checkTensor(op, mask);
  if (mask.dtype !== "bool") throw new TypeError(`${op}: mask must be a bool tensor, got ${mask.dtype}`);
}

function maskedFillOp(op: string, x: Tensor, mask: Tensor, value: TensorOrScalar, inplace: boolean): Tensor {
  checkMask(op, x, mask);
  if (typeof value !== "number") {
    checkTensor(op, value);
    if (value.ndim !== 0) throw new RangeError(`${op}: the value must be a number or a 0-d tensor, got a tensor of shape ${fmt(value.shape)}`);
  }
  const shape = broadcastShapes(op, x.shape, mask.shape);
  if (inplace && !sameShape(shape, x.shape)) {
    throw new RangeError(`${op}: a mask of shape ${fmt(mask.shape)} does not broadcast to the tensor's shape ${fmt(x.shape)}`);
  }
  if (inplace) checkWritable(op, x, value);
  // a number is filled at the result's shape at once (where would copy a 0-d tensor out to it)
  const v = typeof value === "number" ? filled(shape, value, x.dtype) : castTo(value, x.dtype);
  let out: Tensor;
  try {
    out = whereOp(op, "MaskedFillBackward0", mask, v, x);
  } finally {
    if (v !== value) v.dispose();
  }
  if (!inplace) return out;
  copy_(x, out);
  out.dispose();
  return x;
}

/** x with value where mask is true (mask broadcast with x); value a number or a 0-d tensor. */
export const maskedFill = (x: Tensor, mask: Tensor, value: TensorOrScalar): Tensor => maskedFillOp("maskedFill", x, mask, value, false);
export const maskedFill_ = <T extends Tensor>(x: T, mask: Tensor, value: TensorOrScalar): T => maskedFillOp("maskedFill_", x, mask, value, true) as T;
