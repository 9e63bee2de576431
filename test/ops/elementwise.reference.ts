// Float64 reference forwards of the elementwise math and activations, for the
// finite-difference gradient checks in elementwise.test.ts: the plain formulas,
// elementwise over test/reference.ts's RTensor (broadcasting by R.expand).

import * as R from "../reference";
import type { RTensor } from "../reference";

/** erf by its Taylor series (|x| <= 3 is plenty for the checks: ~1e-13 there). */
export function erf(x: number): number {
  if (Math.abs(x) > 3) return Math.sign(x) * (1 - erfcTail(Math.abs(x)));
  let term = x, sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x) for x > 3 by its continued fraction. */
function erfcTail(x: number): number {
  let f = 0;
  for (let k = 60; k >= 1; k--) f = (k / 2) / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const softplus = (x: number, b = 1, th = 20) => (x * b > th ? x : Math.log1p(Math.exp(x * b)) / b);
const elu = (x: number, a: number, s = 1, c = 1) => (x > 0 ? s * x : a * s * (Math.exp(c * x) - 1));
const SELU = [1.6732632423543772, 1.0507009873554805];
const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const fmod = (a: number, b: number) => a % b;

/** The unary cases of the checks: each the reference math on one number. */
export const UNARY_REF: Record<string, (x: number) => number> = {
  log1p: Math.log1p, expm1: Math.expm1, log2: Math.log2, log10: Math.log10, exp2: (x) => 2 ** x, rsqrt: (x) => 1 / Math.sqrt(x),
  erf,
  floor: Math.floor, ceil: Math.ceil, round: Math.round, trunc: Math.trunc, frac: (x) => x - Math.trunc(x),
  nanToNum: (x) => x, "clamp(-1,1)": (x) => clamp(x, -1, 1), "clamp(min=0.5)": (x) => Math.max(x, 0.5),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  "gelu(tanh)": (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x * sigmoid(x), mish: (x) => x * Math.tanh(softplus(x)), "elu(alpha=0.5)": (x) => elu(x, 0.5),
  selu: (x) => elu(x, SELU[0], SELU[1]), "celu(alpha=2)": (x) => elu(x, 2, 1, 0.5),
  "leakyRelu(0.2)": (x) => (x > 0 ? x : 0.2 * x), relu6: (x) => clamp(x, 0, 6), "hardtanh(-2,0.5)": (x) => clamp(x, -2, 0.5),
  hardsigmoid: (x) => clamp(x + 3, 0, 6) / 6, hardswish: (x) => (x * clamp(x + 3, 0, 6)) / 6,
  "softplus(beta=2,threshold=5)": (x) => softplus(x, 2, 5), softsign: (x) => x / (1 + Math.abs(x)),
  logsigmoid: (x) => Math.log(sigmoid(x)), tanhshrink: (x) => x - Math.tanh(x),
};

/** The binary cases: the math on two numbers (broadcast by the caller). */
export const BINARY_REF: Record<string, (a: number, b: number) => number> = {
  maximum: Math.max, minimum: Math.min, fmod, remainder: (a, b) => a - b * Math.floor(a / b),
};

export function map1(x: RTensor, f: (v: number) => number): RTensor {
  return R.make(x.shape, Array.from(x.data, f));
}

/** f over the operands broadcast together. */
export function mapN(xs: RTensor[], f: (...v: number[]) => number): RTensor {
  let shape: number[] = [];
  for (const x of xs) shape = R.broadcastShapes(shape, x.shape);
  const ex = xs.map((x) => R.expand(x, shape));
  return R.make(shape, Array.from({ length: R.numel(shape) }, (_, i) => f(...ex.map((e) => e.data[i]))));
}
