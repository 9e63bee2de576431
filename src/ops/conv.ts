// Convolutions as matrix products. im2col lays every receptive field out as a
// column, and one matmul_f32 product per group multiplies the weights in; the
// backward pass is made of the adjoints of those two steps: a product for the
// weight, col2im for the input. im2col and col2im are each other's adjoint, so
// they carry the only rules here; the convolutions are compositions of them,
// matmul, reshape and add (their grad_fn is the add's or the view's, not
// torch's ConvolutionBackward0).

import { Tensor } from "../tensor";
import { k } from "../backend/module";
import { fmt, rows } from "../shape";
import { record, tracks } from "../autograd/node";
import { scope } from "../lifetime";
import { checkTensor, checkFloat, filled, optionsArg, named } from "./dispatch";
import { reshape } from "./shape";
import { matmul } from "./linear";
import { add } from "./elementwise";

/** A sliding-window geometry over h×w images: kernel, stride, padding (top, left), dilation, and the ho×wo windows. */
export interface Geometry {
  h: number; w: number; kh: number; kw: number; sh: number; sw: number;
  ph: number; pw: number; dh: number; dw: number; ho: number; wo: number;
}

/** An int or a list of n ints (torch's _pair and friends), each at least `least`. */
export function ints(op: string, what: string, v: number | readonly number[], n: number, least: number): number[] {
  const list = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (list.length !== n || list.some((x) => !Number.isInteger(x))) {
    throw new TypeError(`${op}: expected ${what} to be an integer or a list of ${n} integers, got ${JSON.stringify(v)}`);
  }
  if (list.some((x) => x < least)) {
    throw new RangeError(`${op}: ${what} must be ${least > 0 ? "positive" : "non-negative"}, got ${fmt(list)}`);
  }
  return list;
}

/** Runs a composite op; with no graph to keep them, its intermediates are freed on the way out. */
export function composite(tracked: boolean, fn: () => Tensor): Tensor {
  return tracked ? fn() : scope(fn);
}

/** im2col: x [N, C, h, w] to [N, C·kh·kw, ho·wo]; `value` outside the image. */
function im2col(x: Tensor, g: Geometry, value = 0): Tensor {
  const [n, c] = x.shape;
  const out = Tensor.empty([n, c * g.kh * g.kw, g.ho * g.wo]);
  if (out.numel() > 0) {
    k().im2col_f32(x.ptr, out.ptr, n * c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ho, g.wo, value, false);
  }
  if (!tracks(x)) return out;
  return record(out, "Im2ColBackward0", [x], (gr) => [col2im(gr, g, x.shape)]); // the adjoint of a gather adds back
}

/** col2im: cols [N, C·kh·kw, ho·wo] summed into images of `shape` [N, C, h, w]. */
function col2im(cols: Tensor, g: Geometry, shape: readonly number[]): Tensor {
  const out = filled(shape, 0);
  if (cols.numel() > 0) {
    k().im2col_f32(out.ptr, cols.ptr, shape[0] * shape[1], g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ho, g.wo, 0, true);
  }
  if (!tracks(cols)) return out;
  return record(out, "Col2ImBackward0", [cols], (gr) => [im2col(gr, g)]);
}

/** Pads (or crops, for negative sizes) dim d of x by before/after with `value`: one im2col with a 1×1 kernel. */
export function padDim(x: Tensor, d: number, before: number, after: number, value: number): Tensor {
  const s = x.shape, [outer, len, inner] = rows(s, d);
  const last = inner === 1; // the last dim pads along w, a row at a time
  const h = last ? 1 : len, w = last ? len : inner, n = len + before + after;
  const g: Geometry = { h, w, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, ph: last ? 0 : before, pw: last ? before : 0, ho: last ? 1 : n, wo: last ? n : w };
  const shape = [...s];
  shape[d] = n;
  return reshape(im2col(reshape(x, [outer, 1, h, w]), g, value), shape);
}

/** The shape of x as a batch (an unbatched [C, ...] as a batch of one), and whether it was batched. */
function batched(op: string, x: Tensor, rank: number): [number[], boolean] {
  if (x.ndim !== rank && x.ndim !== rank - 1) {
    throw new RangeError(`${op}: Expected ${rank - 1}D (unbatched) or ${rank}D (batched) input to ${op}, but got input of size: ${fmt(x.shape)}`);
  }
  checkFloat(op, x);
  return x.ndim === rank ? [[...x.shape], true] : [[1, ...x.shape], false];
}

export interface ConvOptions {
  bias?: Tensor | null;
  stride?: number | number[];
  /** An int or list, or "valid" (0) or "same" (output as large as the input; stride 1). */
  padding?: number | number[] | "same" | "valid";
  dilation?: number | number[];
  groups?: number;
}

/** The checks every convolution makes, with torch's messages. */
function checkConv(op: string, xs: number[], weight: Tensor, bias: Tensor | null, groups: number, nd: number): void {
  checkFloat(op, weight);
  if (bias !== null) checkFloat(op, bias);
  if (weight.ndim !== nd + 2) throw new RangeError(`${op}: expected a ${nd + 2}-D weight, got weight of size ${fmt(weight.shape)}`);
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: non-positive groups is not supported, got groups=${groups}`);
  const c = xs[1], w0 = weight.shape[0];
  if (w0 % groups !== 0) {
    throw new RangeError(`${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${fmt(weight.shape)} instead`);
  }
  const want = weight.shape[1] * groups;
  if (c !== want) {
    throw new RangeError(
      `${op}: Given groups=${groups}, weight of size ${fmt(weight.shape)}, expected input${fmt(xs)} ` +
        `to have ${want} channels, but got ${c} channels instead`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== w0)) {
    throw new RangeError(`${op}: Given weight of size ${fmt(weight.shape)}, expected bias to be 1-dimensional with ${w0} elements, but got bias of size ${fmt(bias.shape)} instead`);
  }
}

/** Every convolution: x [N, C, h, w] (h = 1 for 1-D), weight [O, C/groups, kh, kw]. */
function conv(op: string, nd: number, input: Tensor, weight: Tensor, b: Tensor | null | undefined | ConvOptions, options?: ConvOptions): Tensor {
  checkTensor(op, input);
  // the options may also come third, in bias's place ({ bias, stride, ... })
  const o = named<ConvOptions & { bias?: Tensor | null }>(op, { bias: b, ...optionsArg(op, options) });
  const bias = o.bias ?? null;
  const [xs, isBatched] = batched(op, input, nd + 2);
  const groups = o.groups ?? 1;
  checkConv(op, xs, weight, bias, groups, nd);
  const ks = weight.shape.slice(2), sp = xs.slice(2), p = o.padding;
  const stride = ints(op, "stride", o.stride ?? 1, nd, 1), dil = ints(op, "dilation", o.dilation ?? 1, nd, 1);
  const eff = ks.map((kk, i) => dil[i] * (kk - 1) + 1);
  let pad: number[], padEnd: number[];
  if (p === "same") {
    if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions`);
    pad = eff.map((e) => Math.floor((e - 1) / 2));
    padEnd = eff.map((e, i) => e - 1 - pad[i]);
  } else if (typeof p === "string" && p !== "valid") {
    throw new RangeError(`${op}: Invalid padding string: '${p}'`);
  } else {
    pad = padEnd = ints(op, "padding", p === "valid" ? 0 : p ?? 0, nd, 0);
  }
  const padded = sp.map((s, i) => s + pad[i] + padEnd[i]);
  if (padded.some((q, i) => q < eff[i])) {
    throw new RangeError(`${op}: Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${eff.join(" x ")}). Kernel size can't be greater than actual input size`);
  }
  const outSp = padded.map((q, i) => Math.floor((q - eff[i]) / stride[i]) + 1);
  // a 1-D convolution is a 2-D one over images of height 1
  const [[kh, kw], [sh, sw], [ph, pw], [dh, dw], [h, w], [ho, wo]] = [ks, stride, pad, dil, sp, outSp].map((v) => (nd === 1 ? [v === pad ? 0 : 1, v[0]] : v));
  const [n, c] = xs, out = weight.shape[0], kk = kh * kw;
  return composite(tracks(input, weight) || tracks(bias), () => {
    const cols = im2col(reshape(input, [n, c, h, w]), { h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo });
    // [groups, O/groups, C/groups·K] · [N, groups, C/groups·K, L]: for groups = 1 the weight is read in place for every image
    const ck = (c / groups) * kk;
    const y = matmul(reshape(weight, [groups, out / groups, ck]), reshape(cols, [n, groups, ck, ho * wo]));
    const r = reshape(y, [n, out, ...outSp]);
    const rb = bias ? add(r, reshape(bias, [out, ...outSp.map(() => 1)])) : r;
    return isBatched ? rb : reshape(rb, rb.shape.slice(1));
  });
}

/** torch.nn.functional.conv1d: input [N, C, L] or [C, L], weight [O, C/groups, k]. */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, options?: ConvOptions): Tensor {
  return conv("conv1d", 1, input, weight, bias, options);
}

/** torch.nn.functional.conv2d: input [N, C, H, W] or [C, H, W], weight [O, C/groups, kh, kw]. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, options?: ConvOptions): Tensor {
  return conv("conv2d", 2, input, weight, bias, options);
}
