// Reductions: sum, mean, max, min over everything or along dims, and sumTo,
// the adjoint of broadcasting that every broadcasting op's backward uses.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { f32, i32 } from "../backend/memory";
import { normDim, fmt, sameShape, rows, type Shape } from "../shape";
import { record } from "../autograd/node";
import { isGradEnabled } from "../autograd/grad-mode";
import { exec } from "../backend/tape";
import { bitsOf, castTo, copyOf, fillRaw, checkTensor, checkFloat, filled, named, valuesIndices, type ValuesIndices } from "./dispatch";
import { scatter } from "./indexing";
import { expand, reshape } from "./shape";
import { div, mul, eq, ne, where } from "./elementwise";

/** dim, keepdim: positional, or in an options object (`x.sum({ dim: 1, keepdim: true })`). */
export interface DimOptions {
  dim?: number | number[] | null;
  keepdim?: boolean;
}
export type DimArg<O extends DimOptions = DimOptions> = number | number[] | null | undefined | O;


/** The dims to reduce, or null for all of them: an empty list means all, as torch 1.13's sum(dim=[]). */
export function normDims(op: string, dim: number | number[], ndim: number): number[] | null {
  const list = Array.isArray(dim) ? dim : [dim];
  if (list.length === 0) return null;
  const out = list.map((d) => normDim(op, d, ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dim ${out.join(", ")} appears more than once in the list of dims`);
  return out;
}

/** The normalized dims of o.dim, null for all of them. */
export function dimsOf(op: string, o: DimOptions, ndim: number): number[] | null {
  return o.dim == null ? null : normDims(op, o.dim, ndim);
}

/** How many elements a reduction over dims (null: all) sees. */
export function countOf(shape: Shape, dims: number[] | null): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) if (dims === null || dims.includes(i)) n *= shape[i];
  return n;
}

/** The sums of x's rows along d (null: all of x, as one row) in a tensor of `shape`. */
function sumRows(x: Tensor, d: number | null, shape: Shape): Tensor {
  const [outer, len, inner] = rows(x.shape, d);
  const out = Tensor.empty(shape, x.dtype);
  // written by the kernel even for one element (a captured step may replay it)
  if (len === 0) fillRaw(out, 0);
  else if (x.dtype === "float32") k().sum_dim_f32(x.ptr, out.ptr, outer, len, inner);
  else k().sum_dim_i32(x.ptr, out.ptr, outer, len, inner);
  return out;
}

/** The max (or min) of x's rows along d (null: all of x) and where it is, in tensors of `shape`; no graph. */
export function maxRows(x: Tensor, d: number | null, shape: Shape, isMin: boolean): [values: Tensor, indices: Tensor] {
  const [outer, len, inner] = rows(x.shape, d);
  const values = Tensor.empty(shape, x.dtype), indices = Tensor.empty(shape, "int32");
  // bool is stored as the int32s 0 and 1
  if (values.numel() > 0) (x.dtype === "float32" ? k().max_dim_f32 : k().max_dim_i32)(x.ptr, values.ptr, indices.ptr, outer, len, inner, isMin);
  return [values, indices];
}

/** The sum without a graph; int and bool tensors sum to int32. */
export function sumForward(x: Tensor, dims: number[] | null, keepdim: boolean): Tensor {
  const src = x.dtype === "bool" ? castTo(x, "int32") : x;
  let out: Tensor;
  if (dims === null) out = sumRows(src, null, keepdim ? keptShape(x.shape, null) : []);
  else {
    let cur = src;
    // a 0-d tensor accepts dim 0 (or -1) like torch, and there is nothing to sum along it
    for (const d of x.ndim === 0 ? [] : [...dims].sort((a, b) => b - a)) {
      const next = sumRows(cur, d, keptShape(cur.shape, [d]));
      if (cur !== src) cur.dispose();
      cur = next;
    }
    if (cur === src) cur = copyOf(src);
    out = dropDims(cur, dims, keepdim);
    if (out !== cur) cur.dispose();
  }
  if (src !== x) src.dispose();
  return out;
}

/** The shape of a reduction's output with the reduced dims kept as 1. */
export function keptShape(shape: Shape, dims: number[] | null): number[] {
  return shape.map((s, i) => (dims === null || dims.includes(i) ? 1 : s));
}

/** The shape of a reduction's output over dims (null: all): the dims kept as 1, or dropped. */
export function reducedShape(shape: Shape, dims: number[] | null, keepdim: boolean): number[] {
  // a loop, not filter with a closure: this is on every reduction's path
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) if (dims !== null && !dims.includes(i)) out.push(shape[i]);
  else if (keepdim) out.push(1);
  return out;
}

/** r, a reduction over dims with them kept as 1, without them unless keepdim. */
export function dropDims(r: Tensor, dims: number[] | null, keepdim: boolean): Tensor {
  return keepdim ? r : reshape(r, reducedShape(r.shape, dims, false));
}

/**
 * A tensor of `shape` holding g's one element (divided by `divisor`): the gradient of a
 * full reduction, broadcast back with one fill instead of a reshape and a strided copy.
 */
function broadcastOne(g: Tensor, shape: Shape, divisor = 1): Tensor {
  const out = Tensor.empty(shape, g.dtype);
  const src = g.offset, dst = out.ptr, n = out.numel();
  exec(() => {
    // a float32 quotient computed in float64 and rounded is the correctly rounded one, as the div kernel's
    const bits = divisor === 1 ? i32()[src] : bitsOf(Math.fround(f32()[src] / Math.fround(divisor)), "float32");
    k().fill32(dst, n, bits);
  });
  return out;
}

/** Broadcasts a reduction's gradient back over the reduced dims, divided by `divisor` first (mean's n). */
export function unreduce(g: Tensor, inputShape: Shape, dims: number[] | null, divisor = 1): Tensor {
  // a full reduction's gradient is one number: a fill, not a reshape and a strided copy
  // (a fill is not differentiable: a backward that records a graph, createGraph, expands instead)
  if (g.numel() === 1 && !isGradEnabled()) return broadcastOne(g, inputShape, divisor);
  const gn = divisor === 1 ? g : div(g, divisor);
  const kept = reshape(gn, keptShape(inputShape, dims));
  const out = expand(kept, inputShape);
  if (out !== kept) kept.dispose();
  if (gn !== g && gn !== kept && gn !== out) gn.dispose();
  return out;
}

export function sum(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkTensor("sum", x);
  const o = named<DimOptions>("sum", { dim, keepdim });
  const dims = dimsOf("sum", o, x.ndim);
  const out = sumForward(x, dims, !!o.keepdim);
  // d Σx = broadcast of the output gradient
  return record(out, dims === null ? "SumBackward0" : "SumBackward1", [x], (g) => [unreduce(g, x.shape, dims)]);
}

export function mean(x: Tensor, dim?: DimArg, keepdim?: boolean): Tensor {
  checkFloat("mean", x);
  const o = named<DimOptions>("mean", { dim, keepdim });
  const dims = dimsOf("mean", o, x.ndim), count = countOf(x.shape, dims);
  const out = sumForward(x, dims, !!o.keepdim);
  k().binary_scalar_f32(3, out.ptr, count, out.ptr, out.numel(), false); // sum / n in place, as torch divides
  // d mean(x) = broadcast(g) / n
  return record(out, dims === null ? "MeanBackward0" : "MeanBackward1", [x], (g) => [unreduce(g, x.shape, dims, count)]);
}

/** max(dim) and min(dim): values and indices (torch.return_types.max). */
export type MaxResult = ValuesIndices;

function extremum(x: Tensor, isMin: boolean, dimArg?: number | DimOptions, keepdimArg?: boolean): Tensor | MaxResult {
  const name = isMin ? "min" : "max";
  checkTensor(name, x);
  const { dim, keepdim } = named<{ dim?: number; keepdim?: boolean }>(name, { dim: dimArg, keepdim: keepdimArg });
  if (dim == null) {
    if (x.numel() === 0) throw new RangeError(`${name}: the tensor of shape ${fmt(x.shape)} is empty; specify a dim or use a non-empty tensor`);
    const [out, where] = maxRows(x, null, [], isMin);
    where.dispose();
    return record(out, isMin ? "MinBackward1" : "MaxBackward1", [x], (g) => [evenly(g, x, out, null, true)], [x, out]);
  }
  const d = normDim(name, dim, x.ndim);
  if (x.shape[d] === 0) throw new RangeError(`${name}: cannot reduce over dim ${dim} of size 0 (shape ${fmt(x.shape)})`);
  const [v, ix] = maxRows(x, d, reducedShape(x.shape, [d], !!keepdim), isMin);
  const shape = keptShape(x.shape, [d]);
  // The gradient goes to the position of the extremum along the dim.
  record(v, isMin ? "MinBackward0" : "MaxBackward0", [x], (g) => [
    x.ndim === 0 ? g : scatter(filled(x.shape, 0), d, reshape(ix, shape), reshape(g, shape)),
  ], [ix]);
  return valuesIndices(v, ix);
}

export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number | DimOptions, keepdim?: boolean): MaxResult;
export function max(x: Tensor, dim?: number | DimOptions, keepdim?: boolean): Tensor | MaxResult {
  return extremum(x, false, dim, keepdim);
}

export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number | DimOptions, keepdim?: boolean): MaxResult;
export function min(x: Tensor, dim?: number | DimOptions, keepdim?: boolean): Tensor | MaxResult {
  return extremum(x, true, dim, keepdim);
}

/**
 * The gradient g of y, the max, min or median of x over dims, shared evenly between the
 * elements equal to it. With nanWins (torch's evenly_distribute_backward, for the max, min
 * and median of all) a NaN result is shared between the NaNs; amax and amin only compare,
 * so a NaN result gives NaN, as in torch.
 */
export function evenly(g: Tensor, x: Tensor, y: Tensor, dims: number[] | null, nanWins = false): Tensor {
  const r = reshape(y, keptShape(x.shape, dims));
  const mask = castTo(nanWins ? where(ne(r, r), ne(x, x), eq(x, r)) : eq(x, r), "float32");
  return mul(mask, div(unreduce(g, x.shape, dims), sum(mask, dims ?? [], true)));
}

/**
 * Sums a broadcast gradient back to `shape`: over the leading dims the
 * broadcast added and the dims where `shape` has 1. Returns g itself when no
 * sum is needed.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  // a backward that records a graph (createGraph) sums with a node of its own
  const s = isGradEnabled() ? sum(g, dims, true) : sumForward(g, dims, true);
  const out = reshape(s, shape);
  if (out !== s) s.dispose();
  return out;
}
