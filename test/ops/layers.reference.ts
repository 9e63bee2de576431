// Plain float64 references of nn.functional's layers for the finite-difference
// gradchecks: one direct loop per op, written from torch's definitions (no
// im2col, no products, no index tables shared with the library).
import { make, numel, type RTensor } from "../reference";

const zeros = (shape: number[]) => make(shape, new Float64Array(numel(shape)));

export interface Conv { stride: number[]; padding: number[]; dilation: number[]; groups: number }

/** y[n, o, i, j] = b[o] + Σ x[n, g·Cg + c, i·s - p + ki·d, j·s - p + kj·d]·w[o, c, ki, kj] (zero outside). */
export function conv2d(x: RTensor, w: RTensor, b: RTensor | null, o: Conv): RTensor {
  const [n, c, h, wd] = x.shape, [oc, cg, kh, kw] = w.shape, og = oc / o.groups;
  const ho = Math.floor((h + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const wo = Math.floor((wd + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const y = zeros([n, oc, ho, wo]);
  for (let a = 0; a < n; a++) for (let q = 0; q < oc; q++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let s = b ? b.data[q] : 0;
    const g = Math.floor(q / og);
    for (let cc = 0; cc < cg; cc++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
      const ih = i * o.stride[0] - o.padding[0] + ki * o.dilation[0], iw = j * o.stride[1] - o.padding[1] + kj * o.dilation[1];
      if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
      s += x.data[((a * c + g * cg + cc) * h + ih) * wd + iw] * w.data[((q * cg + cc) * kh + ki) * kw + kj];
    }
    y.data[((a * oc + q) * ho + i) * wo + j] = s;
  }
  return y;
}

/** The transpose: each x[n, c, i, j]·w[c, o, ki, kj] lands on y[n, g·Og + o, i·s - p + ki·d, ...]. */
export function convTranspose2d(x: RTensor, w: RTensor, b: RTensor | null, o: Conv & { outputPadding: number[] }): RTensor {
  const [n, c, h, wd] = x.shape, [, og, kh, kw] = w.shape, oc = og * o.groups, cg = c / o.groups;
  const H = (h - 1) * o.stride[0] - 2 * o.padding[0] + o.dilation[0] * (kh - 1) + o.outputPadding[0] + 1;
  const W = (wd - 1) * o.stride[1] - 2 * o.padding[1] + o.dilation[1] * (kw - 1) + o.outputPadding[1] + 1;
  const y = zeros([n, oc, H, W]);
  for (let a = 0; a < n; a++) for (let q = 0; q < oc; q++) for (let i = 0; i < H * W; i++) y.data[(a * oc + q) * H * W + i] = b ? b.data[q] : 0;
  for (let a = 0; a < n; a++) for (let cc = 0; cc < c; cc++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
    const g = Math.floor(cc / cg);
    for (let q = 0; q < og; q++) for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
      const oh = i * o.stride[0] - o.padding[0] + ki * o.dilation[0], ow = j * o.stride[1] - o.padding[1] + kj * o.dilation[1];
      if (oh < 0 || oh >= H || ow < 0 || ow >= W) continue;
      y.data[((a * oc + g * og + q) * H + oh) * W + ow] += x.data[((a * c + cc) * h + i) * wd + j] * w.data[((cc * og + q) * kh + ki) * kw + kj];
    }
  }
  return y;
}

/** unfold as a convolution with one-hot weights: block row (c, ki, kj) of column l. */
export function unfold(x: RTensor, k: number[], o: Omit<Conv, "groups">): RTensor {
  const c = x.shape[1], kk = k[0] * k[1];
  const w = zeros([c * kk, 1, k[0], k[1]]);
  for (let r = 0; r < c * kk; r++) w.data[r * kk + (r % kk)] = 1;
  const y = conv2d(x, w, null, { ...o, groups: c });
  return make([x.shape[0], c * kk, y.shape[2] * y.shape[3]], y.data);
}

/** Max or average over each window; average divides by the window's size including padding unless told otherwise. */
export function pool2d(x: RTensor, k: number[], s: number[], p: number[], d: number[], ceil: boolean, avg: boolean, includePad = true): RTensor {
  const [h, w] = x.shape.slice(-2), planes = numel(x.shape) / (h * w);
  const size = (len: number, i: number) => {
    let o = Math.floor((len + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (ceil ? s[i] - 1 : 0)) / s[i]) + 1;
    if (ceil && (o - 1) * s[i] >= len + p[i]) o--;
    return o;
  };
  const ho = size(h, 0), wo = size(w, 1);
  const y = zeros([...x.shape.slice(0, -2), ho, wo]);
  for (let q = 0; q < planes; q++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let m = -Infinity, sum = 0, count = 0, padded = 0;
    for (let ki = 0; ki < k[0]; ki++) for (let kj = 0; kj < k[1]; kj++) {
      const ih = i * s[0] - p[0] + ki * d[0], iw = j * s[1] - p[1] + kj * d[1];
      if (ih < h + p[0] && iw < w + p[1]) padded++;
      if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
      const v = x.data[(q * h + ih) * w + iw];
      m = Math.max(m, v);
      sum += v;
      count++;
    }
    y.data[(q * ho + i) * wo + j] = avg ? sum / (includePad ? padded : count) : m;
  }
  return y;
}

export function adaptiveAvgPool2d(x: RTensor, ho: number, wo: number): RTensor {
  const [h, w] = x.shape.slice(-2), planes = numel(x.shape) / (h * w);
  const y = zeros([...x.shape.slice(0, -2), ho, wo]);
  for (let q = 0; q < planes; q++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let sum = 0, count = 0;
    for (let ih = Math.floor((i * h) / ho); ih < Math.ceil(((i + 1) * h) / ho); ih++) {
      for (let iw = Math.floor((j * w) / wo); iw < Math.ceil(((j + 1) * w) / wo); iw++) sum += x.data[(q * h + ih) * w + iw], count++;
    }
    y.data[(q * ho + i) * wo + j] = sum / count;
  }
  return y;
}

/** Each output element reads x at the source index of every dim (map), or is `value` when any is -1. */
export function gather(x: RTensor, maps: number[][], value = 0): RTensor {
  const shape = maps.map((m) => m.length), y = zeros(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < y.data.length; e++) {
    let r = e, off = 0, out = false;
    for (let d = shape.length - 1; d >= 0; d--) (idx[d] = r % shape[d]), (r = Math.floor(r / shape[d]));
    for (let d = 0; d < shape.length; d++) {
      const src = maps[d][idx[d]];
      if (src < 0) out = true;
      off = off * x.shape[d] + src;
    }
    y.data[e] = out ? value : x.data[off];
  }
  return y;
}

/** torch's pad as index maps: the pads run from the last dim backwards. */
export function pad(x: RTensor, pads: number[], mode: string, value = 0): RTensor {
  const maps = x.shape.map((n) => Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.shape.length - 1 - i, n = x.shape[d], m: number[] = [];
    for (let j = -pads[2 * i]; j < n + pads[2 * i + 1]; j++) {
      m.push(mode === "constant" ? (j >= 0 && j < n ? j : -1) : mode === "reflect" ? (j < 0 ? -j : j >= n ? 2 * n - 2 - j : j)
        : mode === "replicate" ? Math.min(Math.max(j, 0), n - 1) : ((j % n) + n) % n);
    }
    maps[d] = m;
  }
  return gather(x, maps, value);
}

/** Linear interpolation along each spatial dim (last first) with torch's half-pixel or corner-aligned source index. */
export function bilinear(x: RTensor, size: number[], alignCorners: boolean): RTensor {
  let y = x;
  for (let i = size.length - 1; i >= 0; i--) {
    const d = i + 2, n = y.shape[d], o = size[i];
    if (n === o) continue;
    const scale = alignCorners ? (o > 1 ? (n - 1) / (o - 1) : 0) : n / o;
    const shape = [...y.shape];
    shape[d] = o;
    const z = zeros(shape);
    const inner = numel(shape.slice(d + 1)), outer = numel(shape.slice(0, d));
    for (let a = 0; a < outer; a++) for (let j = 0; j < o; j++) {
      const src = alignCorners ? scale * j : Math.max(scale * (j + 0.5) - 0.5, 0);
      const i0 = Math.floor(src), i1 = i0 + (i0 < n - 1 ? 1 : 0), l1 = src - i0;
      for (let b = 0; b < inner; b++) {
        z.data[(a * o + j) * inner + b] = (1 - l1) * y.data[(a * n + i0) * inner + b] + l1 * y.data[(a * n + i1) * inner + b];
      }
    }
    y = z;
  }
  return y;
}

/** (x - mean) / √(var + eps) over groups of `size` consecutive elements, biased variance. */
export function standardize(x: RTensor, size: number, eps: number): RTensor {
  const y = zeros([...x.shape]);
  for (let s = 0; s < x.data.length; s += size) {
    let m = 0, v = 0;
    for (let i = 0; i < size; i++) m += x.data[s + i] / size;
    for (let i = 0; i < size; i++) v += (x.data[s + i] - m) ** 2 / size;
    for (let i = 0; i < size; i++) y.data[s + i] = (x.data[s + i] - m) / Math.sqrt(v + eps);
  }
  return y;
}

/** y·w + b with w and b repeating every `period` elements (or per channel: each value held for `hold`). */
export function affine(y: RTensor, w: RTensor | null, b: RTensor | null, hold = 1): RTensor {
  const out = zeros([...y.shape]);
  const len = (w ?? b)?.data.length ?? 1;
  for (let i = 0; i < y.data.length; i++) {
    const c = Math.floor(i / hold) % len;
    out.data[i] = y.data[i] * (w ? w.data[c] : 1) + (b ? b.data[c] : 0);
  }
  return out;
}

/** batch norm in training: per-channel stats over N and the spatial dims. */
export function batchNormTrain(x: RTensor, w: RTensor | null, b: RTensor | null, eps: number): RTensor {
  const [n, c] = x.shape, sp = numel(x.shape.slice(2));
  // channel-major copy, standardized per channel, and back
  const t = zeros([c, n * sp]);
  for (let a = 0; a < n; a++) for (let q = 0; q < c; q++) for (let i = 0; i < sp; i++) t.data[q * n * sp + a * sp + i] = x.data[(a * c + q) * sp + i];
  const s = standardize(t, n * sp, eps), y = zeros([...x.shape]);
  for (let a = 0; a < n; a++) for (let q = 0; q < c; q++) for (let i = 0; i < sp; i++) y.data[(a * c + q) * sp + i] = s.data[q * n * sp + a * sp + i];
  return affine(y, w, b, sp);
}

/** y[.., o] = b[o] + Σᵢ x[.., i]·w[o, i]. */
export function linear(x: RTensor, w: RTensor, b: RTensor | null): RTensor {
  const [o, i] = w.shape, m = x.data.length / i;
  const y = zeros([...x.shape.slice(0, -1), o]);
  for (let r = 0; r < m; r++) for (let q = 0; q < o; q++) {
    let s = b ? b.data[q] : 0;
    for (let p = 0; p < i; p++) s += x.data[r * i + p] * w.data[q * i + p];
    y.data[r * o + q] = s;
  }
  return y;
}

export function bilinearForm(x1: RTensor, x2: RTensor, w: RTensor, b: RTensor | null): RTensor {
  const [o, i, j] = w.shape, m = x1.data.length / i;
  const y = zeros([...x1.shape.slice(0, -1), o]);
  for (let r = 0; r < m; r++) for (let q = 0; q < o; q++) {
    let s = b ? b.data[q] : 0;
    for (let p = 0; p < i; p++) for (let t = 0; t < j; t++) s += x1.data[r * i + p] * w.data[(q * i + p) * j + t] * x2.data[r * j + t];
    y.data[r * o + q] = s;
  }
  return y;
}
