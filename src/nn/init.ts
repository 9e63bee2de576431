// torch.nn.init: fills a tensor in place (no gradient is recorded) with torch
// 1.13's numbers. The draws are the generator's uniform_ and normal_ (bit for
// bit torch's, src/random/generator.ts); the bounds are computed with the same
// double arithmetic as torch's Python (math.sqrt(3.0) * gain / math.sqrt(fan)),
// so a layer's default initialization equals torch's under the same seed.

import type { Tensor } from "../tensor";
import { f32 } from "../backend/memory";
import { fillRaw } from "../ops/dispatch";
import { fmt } from "../shape";
import { defaultGenerator, Generator } from "../random/generator";

export interface InitOptions {
  generator?: Generator;
}

type Mode = "fan_in" | "fan_out" | "fanIn" | "fanOut";

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function target(op: string, t: Tensor): Tensor {
  if (t === null || typeof t !== "object" || typeof t.assertAlive !== "function") throw new TypeError(`init.${op}: expected a Tensor`);
  t.assertAlive(`init.${op}`);
  if (t.dtype !== "float32") throw new TypeError(`init.${op}: expected a float32 tensor, got ${t.dtype}`);
  return t;
}

function gen(op: string, o?: InitOptions): Generator {
  const g = o?.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) throw new TypeError(`init.${op}: the generator option must be a Generator`);
  return g;
}

/** Writes values into t's memory (an in-place update: bumps its version). */
function write(t: Tensor, values: Float32Array): Tensor {
  t.bumpVersion();
  f32().set(values, t.offset);
  return t;
}

function drawUniform(op: string, t: Tensor, a: number, b: number, o?: InitOptions): Tensor {
  const buf = new Float32Array(target(op, t).numel);
  gen(op, o).fillUniform(buf, a, b);
  return write(t, buf);
}

function drawNormal(op: string, t: Tensor, mean: number, std: number, o?: InitOptions): Float32Array {
  const buf = new Float32Array(target(op, t).numel);
  gen(op, o).fillNormal(buf, mean, std);
  return buf;
}

/** U(a, b), torch's tensor.uniform_(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, options?: InitOptions): Tensor {
  return drawUniform("uniform_", t, a, b, options);
}

/** N(mean, std²), torch's tensor.normal_(mean, std). */
export function normal_(t: Tensor, mean = 0, std = 1, options?: InitOptions): Tensor {
  return write(t, drawNormal("normal_", t, mean, std, options));
}

export function constant_(t: Tensor, value: number): Tensor {
  target("constant_", t).bumpVersion();
  fillRaw(t, value);
  return t;
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** The identity matrix (a 2-D tensor; rectangular ones get ones on the main diagonal). */
export function eye_(t: Tensor): Tensor {
  if (target("eye_", t).ndim !== 2) throw new RangeError(`init.eye_: Only tensors with 2 dimensions are supported, got shape ${fmt(t.shape)}`);
  const [n, m] = t.shape;
  const buf = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) buf[i * m + i] = 1;
  return write(t, buf);
}

/** torch's nn.init.calculate_gain: the recommended scale for a nonlinearity. */
export function calculateGain(nonlinearity: string, param?: number): number {
  const n = snake(String(nonlinearity));
  if (["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"].includes(n)) return 1;
  if (n === "tanh") return 5.0 / 3;
  if (n === "relu") return Math.sqrt(2.0);
  if (n === "selu") return 3.0 / 4;
  if (n === "leaky_relu") {
    const slope = param ?? 0.01;
    if (typeof slope !== "number" || !Number.isFinite(slope)) throw new TypeError(`init.calculateGain: negative_slope ${String(slope)} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope * slope));
  }
  throw new RangeError(`init.calculateGain: Unsupported nonlinearity ${nonlinearity}`);
}

/** [fanIn, fanOut] of a weight [out, in, ...kernel] (torch's _calculate_fan_in_and_fan_out). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError(`init: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${fmt(t.shape)})`);
  let receptive = 1;
  for (const s of t.shape.slice(2)) receptive *= s;
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fan(op: string, t: Tensor, mode: Mode): number {
  const m = snake(mode);
  if (m !== "fan_in" && m !== "fan_out") throw new RangeError(`init.${op}: Mode ${mode} not supported, please use one of fan_in, fan_out`);
  return calculateFanInAndFanOut(t)[m === "fan_in" ? 0 : 1];
}

/** U(-a, a) with a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio). */
export function xavierUniform_(t: Tensor, gain = 1, options?: InitOptions): Tensor {
  const [i, o] = calculateFanInAndFanOut(target("xavierUniform_", t));
  const std = gain * Math.sqrt(2.0 / (i + o));
  const a = Math.sqrt(3.0) * std;
  return drawUniform("xavierUniform_", t, -a, a, options);
}

/** N(0, std²) with std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1, options?: InitOptions): Tensor {
  const [i, o] = calculateFanInAndFanOut(target("xavierNormal_", t));
  return normal_(t, 0, gain * Math.sqrt(2.0 / (i + o)), options);
}

export interface KaimingOptions extends InitOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu), default 0. */
  a?: number;
  mode?: Mode;
  nonlinearity?: string;
}

function kaimingArgs(a: number | KaimingOptions, mode: Mode, nonlinearity: string, options?: InitOptions): Required<Omit<KaimingOptions, "generator">> & InitOptions {
  if (typeof a === "object" && a !== null) return { a: a.a ?? 0, mode: a.mode ?? "fan_in", nonlinearity: a.nonlinearity ?? "leaky_relu", generator: a.generator };
  return { a, mode, nonlinearity, generator: options?.generator };
}

/** The std of He et al.'s initialization, or null for a zero-element tensor (torch: a no-op). */
function kaimingStd(op: string, t: Tensor, o: Required<Omit<KaimingOptions, "generator">>): number | null {
  target(op, t);
  const f = fan(op, t, o.mode);
  if (t.numel === 0) return null;
  return calculateGain(o.nonlinearity, o.a) / Math.sqrt(f);
}

/** U(-bound, bound) with bound = gain·√(3 / fan) (He et al.); Linear and Conv use it with a = √5. */
export function kaimingUniform_(t: Tensor, a: number | KaimingOptions = 0, mode: Mode = "fan_in", nonlinearity = "leaky_relu", options?: InitOptions): Tensor {
  const o = kaimingArgs(a, mode, nonlinearity, options);
  const std = kaimingStd("kaimingUniform_", t, o);
  if (std === null) return t;
  const bound = Math.sqrt(3.0) * std;
  return drawUniform("kaimingUniform_", t, -bound, bound, o);
}

/** N(0, std²) with std = gain / √fan (He et al.). */
export function kaimingNormal_(t: Tensor, a: number | KaimingOptions = 0, mode: Mode = "fan_in", nonlinearity = "leaky_relu", options?: InitOptions): Tensor {
  const o = kaimingArgs(a, mode, nonlinearity, options);
  const std = kaimingStd("kaimingNormal_", t, o);
  return std === null ? t : normal_(t, 0, std, o);
}

// erf in double: its Taylor series (|x| < 4, ~1e-15) or its asymptotic tail.
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 4) return Math.sign(x) * (1 - Math.exp(-x * x) / (ax * Math.sqrt(Math.PI)) * (1 - 1 / (2 * x * x)));
  let term = x, sum = x;
  for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** torch's calc_erfinv: a rational first guess and two Newton steps (here in double, rounded to float32). */
function erfinv(y: number): number {
  const ay = Math.abs(y);
  if (ay > 1) return NaN;
  if (ay === 1) return Math.sign(y) * Infinity;
  let x: number;
  if (ay <= 0.7) {
    const z = y * y;
    x = (y * (((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899)) /
      ((((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1);
  } else {
    const z = Math.sqrt(-Math.log((1 - ay) / 2));
    x = (Math.sign(y) * (((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454)) / ((1.6370678 * z + 3.5438892) * z + 1);
  }
  for (let i = 0; i < 2; i++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

/**
 * N(mean, std²) truncated to [a, b], as torch 1.13 draws it: U(2·Φ(a') - 1, 2·Φ(b') - 1),
 * then erfinv·std·√2 + mean, clamped. The uniform draw is torch's bit for bit; erfinv is
 * computed in double, so values agree with torch's float32 within a few ulps.
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, options?: InitOptions): Tensor {
  const cdf = (x: number) => (1 + erf(x / Math.sqrt(2))) / 2;
  const l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  const buf = new Float32Array(target("truncNormal_", t).numel);
  gen("truncNormal_", options).fillUniform(buf, 2 * l - 1, 2 * u - 1);
  const s = Math.fround(std * Math.sqrt(2)), m = Math.fround(mean);
  for (let i = 0; i < buf.length; i++) buf[i] = Math.min(Math.max(Math.fround(Math.fround(Math.fround(erfinv(buf[i])) * s) + m), a), b);
  return write(t, buf);
}

/**
 * A (semi-)orthogonal matrix (Saxe et al.), torch's orthogonal_: Q of the QR factorization of
 * a standard normal [rows, cols] matrix (transposed when wider than tall), its columns' signs
 * made those of R's diagonal, times gain. The normal draw is torch's; the QR is a Householder
 * QR in double, so Q agrees with LAPACK's within float32 rounding.
 */
export function orthogonal_(t: Tensor, gain = 1, options?: InitOptions): Tensor {
  if (target("orthogonal_", t).ndim < 2) throw new RangeError(`init.orthogonal_: Only tensors with 2 or more dimensions are supported, got shape ${fmt(t.shape)}`);
  if (t.numel === 0) return t;
  const rows = t.shape[0], cols = t.numel / rows;
  const flat = drawNormal("orthogonal_", t, 0, 1, options);
  const wide = rows < cols;
  const m = wide ? cols : rows, n = wide ? rows : cols; // A is m x n, m >= n
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) A[wide ? j * n + i : i * n + j] = flat[i * cols + j];
  const Q = householderQ(A, m, n);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[wide ? j * cols + i : i * cols + j] = Q[i * n + j] * gain;
  return write(t, out);
}

/** The reduced Q (m x n) of A = QR, A m x n row-major with m >= n, with R's diagonal made positive. */
function householderQ(A: Float64Array, m: number, n: number): Float64Array {
  const vs: Float64Array[] = [];
  const sign = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += A[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const akk = A[k * n + k];
    const alpha = akk > 0 ? -norm : norm; // R[k][k] = alpha
    sign[k] = alpha < 0 ? -1 : alpha > 0 ? 1 : 0;
    for (let i = k; i < m; i++) v[i] = A[i * n + k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] * v[i];
    if (vv > 0) {
      for (let j = k; j < n; j++) {
        let d = 0;
        for (let i = k; i < m; i++) d += v[i] * A[i * n + j];
        const f = (2 * d) / vv;
        for (let i = k; i < m; i++) A[i * n + j] -= f * v[i];
      }
    }
    vs.push(v.map((x) => x / Math.sqrt(vv || 1)));
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity, each column times sign(R[j][j])
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) Q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i] * Q[i * n + j];
      for (let i = k; i < m; i++) Q[i * n + j] -= 2 * d * v[i];
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Q[i * n + j] *= sign[j];
  return Q;
}
