// Float64 plain-TS references of the reductions, scans, softmax and losses of
// issue 17, for the finite-difference gradchecks (test/gradcheck.ts).
import * as R from "../reference";
import type { RTensor } from "../reference";
import { mulberry32, gaussian } from "../helpers/bridge";

/** Applies f to every row along dim d (the rows' other dims fixed); f's rows replace dim d (length 1 rows keep it as 1). */
export function along(x: RTensor, d: number, f: (row: number[]) => number[], keepdim = false): RTensor {
  d = d < 0 ? d + x.shape.length : d;
  const len = x.shape[d];
  let outer = 1, inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < x.shape.length; i++) inner *= x.shape[i];
  let outLen = -1, out: Float64Array = new Float64Array(0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const row = Array.from({ length: len }, (_, j) => x.data[(o * len + j) * inner + i]);
      const r = f(row);
      if (outLen < 0) (outLen = r.length), (out = new Float64Array(outer * outLen * inner));
      r.forEach((v, j) => (out[(o * outLen + j) * inner + i] = v));
    }
  }
  const shape = [...x.shape];
  shape[d] = outLen;
  if (outLen === 1 && !keepdim) shape.splice(d, 1);
  return R.make(shape, out);
}

export const all = (x: RTensor, f: (row: number[]) => number[]): RTensor => along(R.reshape(x, [x.data.length]), 0, f);
export const map = (x: RTensor, f: (v: number, i: number) => number): RTensor => R.make(x.shape, x.data.map(f));
export const zip = (a: RTensor, b: RTensor, f: (x: number, y: number, i: number) => number): RTensor => map(a, (v, i) => f(v, b.data[i], i));

const s = (r: number[]) => r.reduce((a, b) => a + b, 0);
export const prod = (r: number[]) => [r.reduce((a, b) => a * b, 1)];
export const amax = (r: number[]) => [Math.max(...r)];
export const variance = (c: number) => (r: number[]) => { const m = s(r) / r.length; return [s(r.map((v) => (v - m) ** 2)) / (r.length - c)]; };
export const lse = (r: number[]) => { const m = Math.max(...r); return [Math.log(s(r.map((v) => Math.exp(v - m)))) + m]; };
export const cumsum = (r: number[]) => { let a = 0; return r.map((v) => (a += v)); };
export const cumprod = (r: number[]) => { let a = 1; return r.map((v) => (a *= v)); };
export const pnorm = (p: number) => (r: number[]) => [p === Infinity ? Math.max(...r.map(Math.abs)) : s(r.map((v) => Math.abs(v) ** p)) ** (1 / p)];
export const sorted = (r: number[]) => [...r].sort((a, b) => a - b);
export const softmax = (r: number[]) => { const l = lse(r)[0]; return r.map((v) => Math.exp(v - l)); };
export const logSoftmax = (r: number[]) => { const l = lse(r)[0]; return r.map((v) => v - l); };

/** Cross-entropy of rows of logits [N, C] against class indices, with weights and label smoothing; the mean over Σ w[t]. */
export function crossEntropy(x: RTensor, t: number[], w: number[] | null, eps: number, reduction: string, logits = true): RTensor {
  const c = x.shape[1];
  const ls = along(x, 1, logits ? logSoftmax : (r) => r, true);
  const loss: number[] = [], den: number[] = [];
  t.forEach((ti, n) => {
    const row = Array.from({ length: c }, (_, k) => ls.data[n * c + k]);
    const wt = w ? w[ti] : 1;
    loss.push((1 - eps) * -wt * row[ti] + (eps / c) * s(row.map((v, k) => -(w ? w[k] : 1) * v)));
    den.push(wt);
  });
  if (reduction === "none") return R.make([t.length], loss);
  return R.make([], [reduction === "sum" ? s(loss) : s(loss) / s(den)]);
}

export function reduce(l: RTensor, reduction: string): RTensor {
  if (reduction === "none") return l;
  return R.make([], [s(Array.from(l.data)) / (reduction === "sum" ? 1 : l.data.length)]);
}

export function values(seed: number, shape: number[], lo = -Infinity): RTensor {
  const rand = mulberry32(seed);
  return R.make(shape, Array.from({ length: R.numel(shape) }, () => (lo === -Infinity ? gaussian(rand) : lo + rand() * (1 - 2 * lo))));
}
