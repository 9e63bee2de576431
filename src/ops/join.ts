// Joining and splitting: cat, stack, split, chunk, unbind, narrow, flip,
// repeat, tile, tril/triu, glu. Each piece or block is a
// strided view copied by one kernel call (takeView/putView in indexing.ts, or
// copy_view32 itself); their adjoints are the same copies the other way.

import { Tensor } from "../tensor";
import { promote } from "../dtype";
import { k } from "../backend/module";
import { fmt, normDim, sameShape, stridesOf, type Shape } from "../shape";
import { record, tracks } from "../autograd/node";
import { writeMeta, checkTensor, castTo, filled, describeValue } from "./dispatch";
import { reshape, unsqueeze } from "./shape";
import { sum } from "./reduce";
import { mul, sigmoid } from "./elementwise";
import { takeView, whole, type View } from "./indexing";

/** x's view of `len` elements from `start` along dim d (narrow's view). */
function band(shape: Shape, d: number, start: number, len: number): View {
  const v = whole(shape);
  v.off = start * v.strides[d];
  v.shape[d] = len;
  return v;
}

/** Copies a contiguous src into dst's view. */
function place(src: Tensor, dst: Tensor, v: View): void {
  if (src.numel() === 0) return;
  const [nd, meta] = writeMeta(v.shape, [stridesOf(v.shape), v.strides]);
  k().copy_view32(src.ptr, dst.ptr + 4 * v.off, nd, meta);
}

/** A dim given as a number or as torch's keyword, `{ dim }`. */
export type DimArg = number | { dim?: number };
const dimArg = (d: DimArg, dflt: number): number => (typeof d === "number" ? d : d.dim ?? dflt);

/** Checks x (a tensor of at least one dim) and normalizes dim. */
function dimOf(op: string, x: Tensor, dim: number): number {
  checkTensor(op, x);
  if (x.ndim === 0) throw new RangeError(`${op}: expects a tensor with at least one dim, got a 0-d tensor`);
  return normDim(op, dim, x.ndim);
}

// ---- cat, stack --------------------------------------------------------------------

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors)) throw new TypeError(`${op}: expected an array of tensors, got ${describeValue(tensors)}`);
  if (tensors.length === 0) throw new RangeError(`${op}: expected a non-empty array of tensors`);
  tensors.forEach((t) => checkTensor(op, t));
}

/** torch.cat: tensors joined along dim (dtypes promoted; 1-D empty tensors are skipped, as torch does). */
export function cat(tensors: readonly Tensor[], dimOrOptions: DimArg = 0): Tensor {
  const dim = dimArg(dimOrOptions, 0);
  checkList("cat", tensors);
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  const dtype = tensors.map((t) => t.dtype).reduce(promote);
  if (parts.length === 0) return filled([0], 0, dtype);
  const first = parts[0];
  if (first.ndim === 0) throw new RangeError(`cat: a 0-d tensor (at position ${tensors.indexOf(first)}) cannot be concatenated`);
  const d = normDim("cat", dim, first.ndim);
  const shape = [...first.shape];
  shape[d] = 0;
  for (const t of parts) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new RangeError(
        `cat: sizes of tensors must match except in dim ${d}, got ${fmt(first.shape)} and ${fmt(t.shape)} (tensor ${tensors.indexOf(t)})`,
      );
    }
    shape[d] += t.shape[d];
  }
  const out = Tensor.empty(shape, dtype);
  const starts: number[] = [];
  let at = 0;
  for (const t of parts) {
    const c = castTo(t, dtype);
    place(c, out, band(shape, d, at, t.shape[d]));
    if (c !== t) c.dispose();
    starts.push(at);
    at += t.shape[d];
  }
  // the adjoint splits g back into the pieces
  if (!parts.some((t) => tracks(t))) return out;
  return record(out, "CatBackward0", parts, (g) => parts.map((t, i) => (t.requiresGrad ? narrow(g, d, starts[i], t.shape[d]) : null)));
}

/** torch.stack: equal-shaped tensors joined along a new dim. */
export function stack(tensors: readonly Tensor[], dimOrOptions: DimArg = 0): Tensor {
  const dim = dimArg(dimOrOptions, 0);
  checkList("stack", tensors);
  const s0 = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, s0)) {
      throw new RangeError(`stack: expects each tensor to be of equal size, but got ${fmt(s0)} at entry 0 and ${fmt(t.shape)} at entry ${i}`);
    }
  });
  const d = normDim("stack", dim, s0.length + 1);
  const parts = tensors.map((t) => unsqueeze(t, d));
  const out = cat(parts, d);
  for (const p of parts) p.dispose(); // views of the inputs, saved by no node
  return out;
}

// ---- split, chunk, unbind, narrow -----------------------------------------------

/** torch.narrow: `len` elements from `start` along dim (a copy). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = dimOf("narrow", x, dim);
  const n = x.shape[d];
  if (!Number.isInteger(start) || start < -n || start > n) {
    throw new RangeError(`narrow: start ${start} is out of range for dim ${d} of size ${n} (expected ${-n} <= start <= ${n})`);
  }
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start (${s}) + length (${length}) exceeds dim ${d}'s size (${n})`);
  }
  return takeView("SliceBackward0", x, band(x.shape, d, s, length));
}

/** torch.split: pieces of splitSize along dim (the last may be smaller), or of the sizes listed. */
export function split(x: Tensor, splitSize: number | readonly number[], dim: DimArg = 0): Tensor[] {
  const d = dimOf("split", x, dimArg(dim, 0));
  const n = x.shape[d];
  let sizes: number[];
  if (Array.isArray(splitSize)) {
    sizes = [...splitSize];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new RangeError(`split: split sizes [${sizes.join(", ")}] must be non-negative integers summing to dim ${d}'s size ${n}`);
    }
  } else {
    const s = splitSize as number;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n !== 0)) {
      throw new RangeError(`split: split size must be a positive integer (0 only for a dim of size 0), got ${s} for dim ${d} of size ${n}`);
    }
    const count = s === 0 ? 1 : Math.max(1, Math.ceil(n / s));
    sizes = Array.from({ length: count }, (_, i) => Math.min(s, n - i * s));
  }
  let at = 0;
  return sizes.map((len) => {
    const piece = takeView("SplitBackward0", x, band(x.shape, d, at, len));
    at += len;
    return piece;
  });
}

/** torch.chunk: `chunks` pieces of ceil(n / chunks) along dim (fewer when they run out). */
export function chunk(x: Tensor, chunks: number, dimOrOptions: DimArg = 0): Tensor[] {
  const dim = dimArg(dimOrOptions, 0);
  const n = x.shape[dimOf("chunk", x, dim)];
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: expects chunks to be a positive integer, got ${chunks}`);
  const size = Math.ceil(n / chunks);
  // torch: a dim of size 0 gives `chunks` empty pieces
  return n === 0 ? split(x, new Array<number>(chunks).fill(0), dim) : split(x, size, dim);
}

/** torch.unbind: the slices along dim, each without it. */
export function unbind(x: Tensor, dim: DimArg = 0): Tensor[] {
  const d = dimOf("unbind", x, dimArg(dim, 0));
  const out: Tensor[] = [];
  for (let i = 0; i < x.shape[d]; i++) {
    const v = band(x.shape, d, i, 1);
    v.shape.splice(d, 1);
    v.strides.splice(d, 1);
    out.push(takeView("UnbindBackward0", x, v));
  }
  return out;
}

// ---- flip, roll ----------------------------------------------------------------------

function dimList(op: string, dims: number | readonly number[], ndim: number): number[] {
  const list = (typeof dims === "number" ? [dims] : [...dims]).map((d) => normDim(op, d, ndim));
  const dup = list.find((d, i) => list.indexOf(d) !== i);
  if (dup !== undefined) throw new RangeError(`${op}: dim ${dup} appears multiple times in the list of dims`);
  return list;
}

/** torch.flip: the order of elements reversed along each dim listed. */
export function flip(x: Tensor, ...dims: number[] | [number[]]): Tensor {
  checkTensor("flip", x);
  const v = whole(x.shape);
  for (const d of dimList("flip", dims.flat(), x.ndim)) {
    if (x.ndim === 0) continue;
    v.off += (v.shape[d] - 1) * v.strides[d];
    v.strides[d] = -v.strides[d];
  }
  return takeView("FlipBackward0", x, v);
}

// ---- repeat, tile ----------------------------------------------------------------------

function sizesArg(args: readonly (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

/** torch's Tensor.repeat: x copied reps[d] times along each dim (reps may add leading dims). */
export function repeat(x: Tensor, ...reps: number[] | [number[]]): Tensor {
  checkTensor("repeat", x);
  const r = sizesArg(reps);
  if (r.length < x.ndim) {
    throw new RangeError(`repeat: the number of repeats (${r.length}) can not be smaller than the number of dims of the tensor (${x.ndim})`);
  }
  if (r.some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`repeat: repeats must be non-negative integers, got [${r.join(", ")}]`);
  const lead = r.length - x.ndim;
  const xs = [...new Array<number>(lead).fill(1), ...x.shape];
  // out seen as [r0, s0, r1, s1, ...] reads x at [0, st0, 0, st1, ...]
  const strides = stridesOf(xs);
  const walk = xs.flatMap((s, i) => [r[i], s]);
  const out = Tensor.empty(xs.map((s, i) => s * r[i]), x.dtype);
  if (out.numel() > 0) {
    const [nd, meta] = writeMeta(walk, [strides.flatMap((s) => [0, s]), stridesOf(walk)]);
    k().copy_view32(x.ptr, out.ptr, nd, meta);
  }
  // the adjoint sums the blocks
  if (!tracks(x)) return out;
  return record(out, "RepeatBackward0", [x], (g) => {
    const blocks = reshape(g, walk);
    const s = sum(blocks, walk.map((_, i) => i).filter((i) => i % 2 === 0 || i < 2 * lead));
    return [reshape(s, x.shape)];
  });
}

/** torch.tile: repeat, with the reps padded by leading 1s when x has more dims. */
export function tile(x: Tensor, ...reps: number[] | [number[]]): Tensor {
  checkTensor("tile", x);
  const r = sizesArg(reps);
  return repeat(x, [...new Array<number>(Math.max(0, x.ndim - r.length)).fill(1), ...r]);
}

// ---- tril, triu ----------------------------------------------------------------------

function tri(op: string, x: Tensor, diag: number | { diagonal?: number }, upper: boolean): Tensor {
  checkTensor(op, x);
  const diagonal = typeof diag === "number" ? diag : diag.diagonal ?? 0;
  if (x.ndim < 2) throw new RangeError(`${op}: expects a tensor with at least 2 dims, got shape ${fmt(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${diagonal}`);
  const out = Tensor.empty(x.shape, x.dtype);
  const r = x.shape[x.ndim - 2], c = x.shape[x.ndim - 1];
  if (out.numel() > 0) k().tri32(x.ptr, out.ptr, x.numel() / (r * c), r, c, Math.max(-r - 1, Math.min(diagonal, c + 1)), upper);
  if (!tracks(x)) return out;
  // the mask is linear: its adjoint is the same mask
  return record(out, upper ? "TriuBackward0" : "TrilBackward0", [x], (g) => [tri(op, g, diagonal, upper)]);
}

/** The lower triangle of each matrix (j <= i + diagonal), zeros above. */
export const tril = (x: Tensor, diagonal: number | { diagonal?: number } = 0): Tensor => tri("tril", x, diagonal, false);
/** The upper triangle of each matrix (j >= i + diagonal), zeros below. */
export const triu = (x: Tensor, diagonal: number | { diagonal?: number } = 0): Tensor => tri("triu", x, diagonal, true);

// ---- glu --------------------------------------------------------------------------------

/** nn.functional.glu: x split in halves a, b along dim, a * sigmoid(b). */
export function glu(x: Tensor, dim: DimArg = -1): Tensor {
  const d = dimOf("glu", x, dimArg(dim, -1));
  const n = x.shape[d];
  if (n % 2 !== 0) throw new RangeError(`glu: halving dimension must be even, but dim ${d} has size ${n}`);
  const [a, b] = split(x, n / 2, d);
  const s = sigmoid(b);
  const out = mul(a, s);
  if (!out.requiresGrad) for (const t of [a, b, s]) t.dispose();
  return out;
}
