// Movement ops: reshape, transpose/permute, squeeze/unsqueeze, expand,
// indexSelect, diag, clone. Tensors are always contiguous: reshape shares
// memory (a view), the others copy through a strided kernel.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { i32 } from "../backend/memory";
import { fmt, normDim, numel, broadcastStrides, sameShape, rows, stridesOf, type Shape } from "../shape";
import { record, tracks } from "../autograd/node";
import { isGradEnabled } from "../autograd/grad-mode";
import { recordingTape } from "../backend/tape";
import { fillRaw, checkTensor, filled, named, copyStrided, copyOf } from "./dispatch";
import { indexAdd, putView, takeView } from "./indexing";
import { sumTo } from "./reduce";

/** Same data, new shape (one dim may be -1); shares memory like torch's view. */
export const reshape = (x: Tensor, shape: readonly number[]): Tensor => reshapeAs("ReshapeAliasBackward0", x, shape);
/** torch's view: reshape (a wasmgrad tensor is always contiguous), under view's node name. */
export const view = (x: Tensor, shape: readonly number[]): Tensor => reshapeAs("ViewBackward0", x, shape);

/** reshape, recording the node torch names for the op that reshapes (squeeze, unsqueeze, view, ...). */
function reshapeAs(node: string, x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("reshape", x);
  const dims = [...shape];
  const infer = dims.indexOf(-1);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < -1) throw new TypeError(`reshape: invalid size ${d} in shape ${fmt(shape)}`);
  }
  if (infer !== dims.lastIndexOf(-1)) throw new TypeError(`reshape: only one dimension can be -1, got shape ${fmt(shape)}`);
  if (infer >= 0) {
    const rest = numel(dims.filter((_, i) => i !== infer));
    if (rest === 0 || x.numel() % rest !== 0) {
      throw new RangeError(`reshape: shape ${fmt(shape)} is invalid for input of size ${x.numel()}`);
    }
    dims[infer] = x.numel() / rest;
  }
  if (numel(dims) !== x.numel()) {
    throw new RangeError(`reshape: shape ${fmt(shape)} is invalid for input of size ${x.numel()} (shape ${fmt(x.shape)})`);
  }
  const out = x.alias(dims);
  // d reshape(x) = reshape(dx) back
  if (!tracks(x)) return out;
  return record(out, node, [x], (g) => [reshape(g, x.shape)]);
}

/** Whether perm swaps the last two dims and keeps the others (t(), .T, transpose(-2, -1)). */
function swapsLastTwo(perm: readonly number[]): boolean {
  const nd = perm.length;
  if (nd < 2 || perm[nd - 2] !== nd - 1 || perm[nd - 1] !== nd - 2) return false;
  for (let i = 0; i < nd - 2; i++) if (perm[i] !== i) return false;
  return true;
}

/**
 * Transposes of fewer elements are copied at once: such a copy takes well under a
 * microsecond, and the series' small loops (4x4, 5x4) keep the path they had.
 */
const DEFER_MIN = 1024;

/** Copies x with its dims reordered: out[i_perm...] = x[i...]. */
function permuteForward(x: Tensor, perm: readonly number[]): Tensor {
  const { shape } = x, nd = perm.length;
  const out = Tensor.empty(perm.map((p) => shape[p]), x.dtype);
  if (out.numel() === 0) return out;
  if (swapsLastTwo(perm)) {
    // A blocked transpose of each matrix, deferred when it is big enough to matter:
    // a matmul then reads x itself (storage.ts). A tape records no deferral.
    if (out.numel() >= DEFER_MIN && !recordingTape()) out.storageRef().defer(x.storageRef(), out.shape);
    else k().transpose32(x.ptr, out.ptr, x.numel() / (shape[nd - 2] * shape[nd - 1]), shape[nd - 2], shape[nd - 1]);
  } else {
    const inStrides = stridesOf(shape);
    copyStrided(x, perm.map((p) => inStrides[p]), out);
  }
  return out;
}

/** t()'s permutation, shared: t() is in every step of the series' SVD, forward and backward. */
const SWAP2: readonly number[] = Object.freeze([1, 0]);

export function permute(x: Tensor, dims: number[]): Tensor {
  checkTensor("permute", x);
  if (dims.length !== x.ndim) {
    throw new RangeError(`permute: got ${dims.length} dims [${dims.join(", ")}] for a tensor of ${x.ndim} dims`);
  }
  const perm = dims.map((d) => normDim("permute", d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new RangeError(`permute: repeated dim in [${dims.join(", ")}]`);
  const out = permuteForward(x, perm);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  if (!tracks(x)) return out;
  return record(out, "PermuteBackward0", [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0: number | { dim0: number; dim1: number }, dim1?: number): Tensor {
  checkTensor("transpose", x);
  const o = named<{ dim0: number; dim1: number }>("transpose", { dim0, dim1 });
  const a = normDim("transpose", o.dim0, x.ndim), b = normDim("transpose", o.dim1, x.ndim);
  if (x.ndim < 2 || a === b) return record(x.alias(x.shape), "TransposeBackward0", [x], (g) => [g]);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  const out = permuteForward(x, perm);
  if (!tracks(x)) return out;
  return record(out, "TransposeBackward0", [x], (g) => [transpose(g, a, b)]); // the adjoint swaps the dims back
}

/** torch's .T: dims reversed; 0-d and 1-D tensors come back as they are. */
export function reverseDims(x: Tensor): Tensor {
  checkTensor("T", x);
  if (x.ndim < 2) return x;
  if (x.ndim === 2) return swap2(x, "PermuteBackward0"); // torch 1.13's .T is a permute
  return permute(x, x.shape.map((_, i) => x.ndim - 1 - i));
}

/** Transpose of a matrix (torch.t); 0-d and 1-D tensors come back as they are. */
export function t(x: Tensor): Tensor {
  checkTensor("t", x);
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, but got ${x.ndim} dims (shape ${fmt(x.shape)})`);
  return x.ndim < 2 ? x : swap2(x, "TBackward0");
}

/** A matrix transposed, under the node name of the op that asked (t, .T). */
function swap2(x: Tensor, node: string): Tensor {
  const out = permuteForward(x, SWAP2);
  if (!tracks(x)) return out;
  return record(out, node, [x], (g) => [t(g)]);
}

export function squeeze(x: Tensor, dimArg?: number | { dim?: number }): Tensor {
  checkTensor("squeeze", x);
  const dim = named<{ dim?: number }>("squeeze", { dim: dimArg }).dim;
  if (dim === undefined) return reshapeAs("SqueezeBackward0", x, x.shape.filter((s) => s !== 1));
  const d = normDim("squeeze", dim, x.ndim);
  return reshapeAs("SqueezeBackward1", x, x.ndim === 0 || x.shape[d] !== 1 ? x.shape : x.shape.filter((_, i) => i !== d));
}

export function unsqueeze(x: Tensor, dim: number | { dim: number }): Tensor {
  checkTensor("unsqueeze", x);
  const d = normDim("unsqueeze", named<{ dim: number }>("unsqueeze", { dim }).dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshapeAs("UnsqueezeBackward0", x, shape);
}

export interface FlattenOptions {
  startDim?: number;
  endDim?: number;
}

/** Merges dims startDim..endDim (negative from the end) into one, as torch.flatten: `flatten(x, 1)` keeps the batch dim. */
export function flatten(x: Tensor, startDim?: number | FlattenOptions, endDim?: number): Tensor {
  checkTensor("flatten", x);
  const o = named<FlattenOptions>("flatten", { startDim, endDim });
  const first = o.startDim ?? 0, last = o.endDim ?? -1;
  const s = normDim("flatten", first, x.ndim), e = normDim("flatten", last, x.ndim), shape = [...x.shape];
  if (s > e) throw new RangeError(`flatten: startDim ${first} is after endDim ${last}`);
  shape.splice(s, e - s + 1, numel(shape.slice(s, e + 1)));
  return reshape(x, shape);
}

/** x broadcast to `shape` (a copy when it is not that shape already); no graph. */
export function spread(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const out = Tensor.empty(shape, x.dtype);
  copyStrided(x, broadcastStrides(x.shape, shape), out);
  return out;
}

/** Broadcasts x to `shape` (a copy; -1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("expand", x);
  if (shape.length < x.ndim) {
    throw new RangeError(`expand: the target shape ${fmt(shape)} has fewer dims than the tensor's ${fmt(x.shape)}`);
  }
  const target = shape.map((s, i) => {
    const j = i - (shape.length - x.ndim);
    const have = j >= 0 ? x.shape[j] : 1;
    const want = s === -1 && j >= 0 ? have : s;
    if (!Number.isInteger(want) || want < 0 || (have !== want && have !== 1)) {
      throw new RangeError(`expand: the tensor of shape ${fmt(x.shape)} cannot be expanded to ${fmt(shape)} (dim ${i}: ${have} vs ${s})`);
    }
    return want;
  });
  const out = spread(x, target);
  if (out === x || !tracks(x)) return out;
  return record(out, "ExpandBackward0", [x], (g) => [sumTo(g, x.shape)]); // the adjoint of a broadcast is a sum
}

function indexArray(op: string, index: Tensor | readonly number[], len: number, where = ""): Int32Array {
  let idx: Int32Array;
  if (index instanceof Tensor) {
    index.assertAlive(op);
    if (index.dtype !== "int32") throw new TypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
    if (index.ndim > 1) throw new RangeError(`${op}: index must be 0-d or 1-D, got shape ${fmt(index.shape)}`);
    idx = index.data() as Int32Array;
  } else if (Array.isArray(index)) {
    for (const v of index) if (!Number.isInteger(v)) throw new TypeError(`${op}: index values must be integers, got ${v}`);
    idx = Int32Array.from(index);
  } else {
    throw new TypeError(`${op}: index must be an int32 tensor or an array of integers`);
  }
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j];
    // torch's index_select takes no negative indices
    if (v < 0 || v >= len) {
      throw new RangeError(`${op}: index ${v} is out of range for a dim of size ${len} (${where}expected 0 <= index < ${len})`);
    }
  }
  return idx;
}

/** Rows (or slices along `dim`) picked by index: torch.index_select. */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  checkTensor("indexSelect", x);
  if (x.ndim === 0) throw new RangeError("indexSelect: expects a tensor with at least one dim, got a 0-d tensor");
  const d = normDim("indexSelect", dim, x.ndim);
  const [outer, len, inner] = rows(x.shape, d);
  const idx = indexArray("indexSelect", index, len, `dim ${d} of the tensor of shape ${fmt(x.shape)}; `);
  const shape = [...x.shape];
  shape[d] = idx.length;
  const out = Tensor.empty(shape, x.dtype);
  const idxT = Tensor.empty([idx.length], "int32");
  i32().set(idx, idxT.offset);
  if (out.numel() > 0) k().index_select32(x.ptr, idxT.ptr, out.ptr, outer, len, inner, idx.length);
  // The adjoint adds each output slice back into the slice it came from.
  if (!tracks(x)) return out;
  return record(out, "IndexSelectBackward0", [x], (g) => {
    // recording a graph (createGraph): the same sum as an indexAdd, which can be differentiated again
    if (isGradEnabled()) return [indexAdd(filled(x.shape, 0), d, idxT, g)];
    const gin = Tensor.empty(x.shape, "float32");
    fillRaw(gin, 0);
    if (g.numel() > 0) k().index_add_f32(gin.ptr, idxT.ptr, g.ptr, outer, len, inner, idx.length);
    return [gin];
  }, [idxT]);
}

/**
 * torch.diag: a vector becomes a square matrix with it on diagonal k (0 the main
 * one, k > 0 above, k < 0 below); a matrix gives its diagonal k. Both are the
 * strided view of that diagonal, written into zeros or read out, and each is the
 * other's adjoint.
 */
export function diag(x: Tensor, diagonal = 0): Tensor {
  checkTensor("diag", x);
  if (x.ndim !== 1 && x.ndim !== 2) throw new RangeError(`diag: expects a 1-D or 2-D tensor, got shape ${fmt(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`diag: diagonal must be an integer, got ${diagonal}`);
  const n = x.shape[0] + Math.abs(diagonal), [r, c] = x.ndim === 1 ? [n, n] : x.shape;
  // diagonal k of an r×c matrix: min(r, c - k) elements above, min(r + k, c) below, none past the corner
  const len = Math.max(0, Math.min(r, c, r + diagonal, c - diagonal));
  const onDiagonal = { off: len && (diagonal >= 0 ? diagonal : -diagonal * c), shape: [len], strides: [c + 1] };
  return x.ndim === 1 ? putView("DiagBackward0", filled([n, n], 0, x.dtype), onDiagonal, x) : takeView("DiagBackward0", x, onDiagonal);
}

/** A copy with its own memory. */
export function clone(x: Tensor): Tensor {
  checkTensor("clone", x);
  const out = copyOf(x);
  if (!tracks(x)) return out;
  return record(out, "CloneBackward0", [x], (g) => [g]);
}
