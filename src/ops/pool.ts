// Pooling and padding. The three poolings share one kernel (assembly/pool.ts)
// that walks windows given as a table of rows and columns; each backward rule
// is the same kernel in its adjoint mode. pad is a composition: constant
// padding is an im2col with a 1×1 kernel (conv.ts), reflect/replicate/circular
// padding are index gathers.

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { i32 } from "../backend/memory";
import { fmt } from "../shape";
import { record, tracks } from "../autograd/node";
import { isGradEnabled } from "../autograd/grad-mode";
import { checkTensor, checkFloat, filled, optionsArg, named } from "./dispatch";
import { indexSelect, reshape } from "./shape";
import { scatterAdd } from "./indexing";
import { ints, padDim, composite } from "./conv";

export interface PoolOptions {
  kernelSize?: number | number[];
  /** Defaults to kernelSize. */
  stride?: number | number[] | null;
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  /** maxPool2d: also return the indices of the maxima (ih·W + iw in each plane). */
  returnIndices?: boolean;
  /** avgPool2d: count the padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** avgPool2d: divide by this instead of the window's size. */
  divisorOverride?: number | null;
}

/** The window table: hs | he | hn for each output row, then the same for columns. */
function table(rows: number[][], cols: number[][]): Tensor {
  const flat = [...rows.flatMap((r) => r), ...cols.flatMap((c) => c)];
  const t = Tensor.empty([flat.length], "int32");
  i32().set(flat, t.offset);
  return t;
}

/** The planes and the h×w of a 3-D or 4-D input (only the batch may be empty). */
function planes(op: string, x: Tensor, what: string): [number, number, number] {
  checkTensor(op, x);
  if ((x.ndim !== 3 && x.ndim !== 4) || x.shape.slice(-3).includes(0)) throw new RangeError(`${op}: ${what}, but got ${fmt(x.shape)}`);
  checkFloat(op, x);
  const s = x.shape, h = s[s.length - 2], w = s[s.length - 1];
  return [x.numel() / (h * w), h, w];
}

/**
 * mode 0 (max) or 1 (average) over the windows of tab; backward is the kernel's
 * adjoint (mode 3 or 2). A backward that records a graph (createGraph) adds the
 * max's gradient back with a scatterAdd, which can be differentiated again; the
 * average's adjoint has no double backward yet.
 */
function pool(name: string, mode: number, x: Tensor, p: number, h: number, w: number, ho: number, wo: number, tab: Tensor, dh: number, dw: number, div: number): [Tensor, Tensor] {
  const shape = [...x.shape.slice(0, -2), ho, wo];
  const out = Tensor.empty(shape), idx = Tensor.empty(shape, "int32");
  k().pool2d_f32(mode, x.ptr, out.ptr, idx.ptr, p, h, w, ho, wo, tab.ptr, dh, dw, div);
  if (mode === 1) idx.dispose();
  if (!tracks(x)) {
    tab.dispose();
    return [out, idx];
  }
  record(out, name, [x], (g) => {
    if (mode === 0 && isGradEnabled()) return [reshape(scatterAdd(filled([p, h * w], 0), 1, reshape(idx, [p, ho * wo]), reshape(g, [p, ho * wo])), x.shape)];
    const gx = filled(x.shape, 0);
    k().pool2d_f32(3 - mode, gx.ptr, g.ptr, mode === 0 ? idx.ptr : 0, p, h, w, ho, wo, tab.ptr, dh, dw, div);
    return [gx];
  }, mode === 0 ? [idx, tab] : [tab], mode === 1);
  return [out, idx];
}

/** Windows along one dim: torch's pooling_output_shape, then each window's [start, end) and size, clipped or not. */
function windows(op: string, n: number, kk: number, s: number, p: number, d: number, ceil: boolean, avg: boolean, includePad: boolean): number[][] {
  if (p > kk / 2) throw new RangeError(`${op}: pad should be at most half of kernel size, but got pad=${p} and kernel_size=${kk}`);
  let o = Math.floor((n + 2 * p - d * (kk - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  const starts: number[] = [], ends: number[] = [], sizes: number[] = [];
  for (let i = 0; i < o; i++) {
    let a = i * s - p;
    const e = Math.min(a + (avg ? kk : (kk - 1) * d + 1), avg ? n + p : n);
    sizes.push(includePad ? e - a : Math.min(e, n) - Math.max(a, 0));
    if (avg) a = Math.max(a, 0);
    while (a < 0) a += d;
    starts.push(a);
    ends.push(Math.min(e, n));
  }
  return [starts, ends, sizes];
}

function pool2d(op: string, avg: boolean, input: Tensor, kernelSize: number | number[] | PoolOptions, opts: PoolOptions): [Tensor, Tensor, PoolOptions] {
  const [p, h, w] = planes(op, input, "non-empty 3D or 4D (batch mode) tensor expected for input");
  // the options come second, in kernelSize's place ({ kernelSize, stride, ... }), or after the kernel size
  const o = named<PoolOptions>(op, { kernelSize, ...optionsArg(op, opts) });
  const ks = ints(op, "kernelSize", o.kernelSize ?? NaN, 2, 1);
  const st = o.stride == null || (o.stride as number[]).length === 0 ? ks : ints(op, "stride", o.stride, 2, 1);
  const pd = ints(op, "padding", o.padding ?? 0, 2, 0), dl = avg ? [1, 1] : ints(op, "dilation", o.dilation ?? 1, 2, 1);
  const div = o.divisorOverride ?? 0;
  if (!(div > 0 || o.divisorOverride == null)) throw new RangeError(`${op}: divisor must be a positive integer, got ${div}`);
  const [rows, cols] = [h, w].map((n, i) => windows(op, n, ks[i], st[i], pd[i], dl[i], o.ceilMode === true, avg, o.countIncludePad !== false));
  const ho = rows[0].length, wo = cols[0].length;
  if (ho < 1 || wo < 1) {
    throw new RangeError(`${op}: Given input size: (${input.shape[input.ndim - 3]}x${h}x${w}). Calculated output size: (${input.shape[input.ndim - 3]}x${ho}x${wo}). Output size is too small`);
  }
  return [...pool(avg ? "AvgPool2DBackward0" : "MaxPool2DWithIndicesBackward0", avg ? 1 : 0, input, p, h, w, ho, wo, table(rows, cols), dl[0], dl[1], div), o];
}

/** torch.nn.functional.max_pool2d: input [N, C, H, W] or [C, H, W]; with returnIndices, [output, indices]. */
export function maxPool2d(input: Tensor, kernelSize: number | number[] | PoolOptions, options: PoolOptions = {}): Tensor | [Tensor, Tensor] {
  const [out, idx, o] = pool2d("maxPool2d", false, input, kernelSize, options);
  if (o.returnIndices) return [out, idx];
  if (!out.requiresGrad) idx.dispose(); // else the backward rule holds it
  return out;
}

/** torch.nn.functional.avg_pool2d: input [N, C, H, W] or [C, H, W]. */
export function avgPool2d(input: Tensor, kernelSize: number | number[] | PoolOptions, options: PoolOptions = {}): Tensor {
  return pool2d("avgPool2d", true, input, kernelSize, options)[0];
}

/** torch.nn.functional.adaptive_avg_pool2d: output (oh, ow) averages rows ⌊oh·H/Ho⌋ to ⌈(oh+1)·H/Ho⌉ (and columns alike). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | (number | null)[]): Tensor {
  const op = "adaptiveAvgPool2d";
  const [p, h, w] = planes(op, input, "Expected 3D or 4D tensor");
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize.map((v, i) => v ?? [h, w][i]);
  const [ho, wo] = ints(op, "outputSize", req as number[], 2, 1);
  const win = (n: number, o: number) => {
    const a = [], b = [], c = [];
    for (let i = 0; i < o; i++) {
      const st = Math.floor((i * n) / o), en = Math.ceil(((i + 1) * n) / o);
      a.push(st), b.push(en), c.push(en - st);
    }
    return [a, b, c];
  };
  return pool("AdaptiveAvgPool2DBackward0", 1, input, p, h, w, ho, wo, table(win(h, ho), win(w, wo)), 1, 1, 0)[0];
}

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * torch.nn.functional.pad: pad lists (before, after) pairs from the last dim
 * backwards. "constant" pads any dims (negative sizes crop); the others pad the
 * last 1, 2 or 3 dims of a 2-D/3-D, 3-D/4-D or 4-D/5-D input.
 */
export function pad(input: Tensor, padding: number[], mode?: PadMode | { mode?: PadMode; value?: number }, value?: number): Tensor {
  checkTensor("pad", input);
  const o = named<{ mode?: PadMode; value?: number }>("pad", { mode, value });
  const m = o.mode ?? "constant", v = o.value ?? 0;
  const nd = input.ndim, np = padding.length / 2;
  if (padding.some((q) => !Number.isInteger(q))) throw new TypeError(`pad: expected integer padding, got ${JSON.stringify(padding)}`);
  if (padding.length % 2 !== 0) throw new RangeError(`pad: Padding length must be divisible by 2, got ${padding.length}`);
  if (np > nd) throw new RangeError(`pad: Padding length too large for an input of ${nd} dims`);
  if (!["constant", "reflect", "replicate", "circular"].includes(m)) throw new RangeError(`pad: Unrecognised padding mode ${m}`);
  // constant padding is im2col's, which fills with a float32 value
  if (m === "constant") checkFloat("pad", input);
  if (m !== "constant" && (np > 3 || nd < np + 1 || nd > np + 2)) {
    throw new RangeError("pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  }
  for (let i = 0; i < np; i++) {
    const d = nd - 1 - i, n = input.shape[d], a = padding[2 * i], b = padding[2 * i + 1];
    if (m === "reflect" ? a >= n || b >= n : m === "circular" ? a > n || b > n : m === "replicate" && n === 0) {
      throw new RangeError(`pad: Padding size should be less than the corresponding input dimension, but got: padding (${a}, ${b}) at dimension ${d} of input ${fmt(input.shape)}`);
    }
    if (n + a + b < 0) throw new RangeError(`pad: dim ${d} of ${fmt(input.shape)} would have size ${n + a + b}`);
  }
  return composite(tracks(input), () => {
    let x = input;
    for (let i = 0; i < np; i++) {
      const d = nd - 1 - i, a = padding[2 * i], b = padding[2 * i + 1], n = x.shape[d];
      if (a === 0 && b === 0) continue;
      if (m === "constant") {
        x = padDim(x, d, a, b, v);
        continue;
      }
      const idx: number[] = [];
      for (let j = -a; j < n + b; j++) {
        idx.push(m === "reflect" ? (j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j) : m === "replicate" ? Math.min(Math.max(j, 0), n - 1) : ((j % n) + n) % n);
      }
      x = indexSelect(x, d, idx);
    }
    return x === input ? input.clone() : x;
  });
}
