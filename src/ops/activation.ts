// Activations (torch.nn.functional): the forward is one kernel that follows
// torch 1.13's CPU formula step by step (assembly/functors.ts), the backward is
// torch's derivative kernel written with differentiable ops, so the kinks get
// exactly torch's values (noted at each). Parameters come positionally or as
// an options object: leakyRelu(x, 0.2) or leakyRelu(x, { negativeSlope: 0.2 }).

import { Tensor } from "../tensor";
import { UnaryOp, UnaryParamOp } from "../backend/kernels";
import { record, tracks } from "../autograd/node";
import { fmt } from "../shape";
import { checkTensor, checkFloat, describeValue, named } from "./dispatch";
import { unaryOp, unaryForward, add, sub, mul, div, neg, exp, tanh, sigmoid, abs, lt, gt, ge } from "./elementwise";
import { erf, log1p, logicalAnd } from "./unary";
import { where, clamp } from "./binary";

/** An activation's number parameters, positional or by name (see named), each a number or its default. */
function params(op: string, args: Record<string, unknown>, defaults: number[]): number[] {
  const keys = Object.keys(args), o = named<Record<string, unknown>>(op, args);
  return keys.map((key, i) => {
    const v = o[key] ?? defaults[i];
    if (typeof v !== "number") throw new TypeError(`${op}: ${key} must be a number, got ${describeValue(v)}`);
    return v;
  });
}


const f = Math.fround;

// ---- smooth -------------------------------------------------------------------------------

export type GeluApproximate = "none" | "tanh";
const SQRT1_2 = Math.SQRT1_2, BETA = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5; // torch's kAlpha, kBeta
const K_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5, K_KAPPA = 0.044715;

/** x·Φ(x) (approximate "none", by erf) or its tanh approximation (torch.nn.functional.gelu). */
export function gelu(x: Tensor, approximate?: GeluApproximate | { approximate?: GeluApproximate }): Tensor {
  checkFloat("gelu", x);
  const a = named<{ approximate?: GeluApproximate }>("gelu", { approximate }).approximate ?? "none";
  if (a !== "none" && a !== "tanh") throw new RangeError(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(a)}`);
  const out = unaryForward(a === "tanh" ? UnaryOp.GeluTanh : UnaryOp.Gelu, "gelu", x);
  if (!tracks(x)) return out;
  return record(out, "GeluBackward0", [x], (g) => {
    if (a === "none") {
      // d gelu = (Φ(x) + x φ(x)) dx, Φ = ½(1 + erf(x/√2)), φ = e^(-x²/2)/√(2π)
      const cdf = mul(add(erf(mul(x, SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(x, x), -0.5)), BETA);
      return [mul(g, add(cdf, mul(x, pdf)))];
    }
    // d gelu_tanh = (½(1 + t) + ½x (1 - t²) β(1 + 3κx²)) dx, t = tanh(β(x + κx³))
    const x2 = mul(x, x);
    const t = tanh(mul(add(x, mul(mul(x2, x), K_KAPPA)), K_BETA));
    const left = mul(add(t, 1), 0.5);
    const right = mul(mul(mul(x, 0.5), sub(1, mul(t, t))), mul(add(mul(x2, 3 * K_KAPPA), 1), K_BETA));
    return [mul(g, add(left, right))];
  }, [x]);
}

/** x·σ(x) (torch.nn.functional.silu). */
export const silu = unaryOp({
  name: "silu", op: UnaryOp.Silu,
  grad: ["SiluBackward0", "x", (g, x) => { // d silu = σ(x)(1 + x(1 - σ(x))) dx
    const s = sigmoid(x);
    return mul(mul(g, s), add(mul(x, sub(1, s)), 1));
  }],
});

/** x·tanh(softplus(x)) (torch.nn.functional.mish). */
export const mish = unaryOp({
  name: "mish", op: UnaryOp.Mish,
  grad: ["MishBackward0", "x", (g, x) => { // d mish = (t + x σ(x)(1 - t²)) dx, t = tanh(log(1 + e^x))
    const t = tanh(log1p(exp(x)));
    return mul(g, add(t, mul(mul(x, sigmoid(x)), sub(1, mul(t, t)))));
  }],
});

/** log σ(x) = min(x, 0) - log(1 + e^-|x|) (torch.nn.functional.logsigmoid). */
export const logsigmoid = unaryOp({
  name: "logsigmoid", op: UnaryOp.Logsigmoid,
  grad: ["LogSigmoidBackward0", "x", (g, x) => { // d log σ = (1 - σ(x)) dx, as 1 - z/(1+z) below 0 and z/(1+z) above, z = e^-|x|
    const z = exp(neg(abs(x)));
    const t = div(z, add(z, 1));
    return mul(where(lt(x, 0), sub(1, t), t), g);
  }],
});

/** log(1 + e^(βx))/β, x itself where βx > threshold (torch.nn.functional.softplus). */
export function softplus(x: Tensor, beta?: number | { beta?: number; threshold?: number }, threshold?: number): Tensor {
  checkFloat("softplus", x);
  const [b, th] = params("softplus", { beta, threshold }, [1, 20]);
  const out = unaryForward(UnaryParamOp.Softplus, "softplus", x, [b, th, 0]);
  if (!tracks(x)) return out;
  return record(out, "SoftplusBackward0", [x], (g) => { // d softplus = z/(z + 1) dx, z = e^(βx); dx where βx > threshold
    const bx = mul(x, b), z = exp(bx);
    return [where(gt(bx, th), g, div(mul(g, z), add(z, 1)))];
  }, [x]);
}

/** x / (1 + |x|) (torch.nn.functional.softsign: a composition, as torch's). */
export function softsign(x: Tensor): Tensor {
  checkTensor("softsign", x);
  return div(x, add(abs(x), 1));
}

/** x - tanh(x) (torch.nn.functional.tanhshrink: a composition, as torch's). */
export function tanhshrink(x: Tensor): Tensor {
  checkTensor("tanhshrink", x);
  return sub(x, tanh(x));
}

// ---- the elu family ------------------------------------------------------------------------

/** elu with torch's three coefficients: x <= 0 ? (e^(c·x) - 1)·a : b·x, a = alpha·scale, b = scale, c = input scale. */
function eluFamily(name: string, node: string, x: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  const a = f(f(alpha) * f(scale)), b = f(scale), c = f(inputScale);
  const out = unaryForward(UnaryParamOp.Elu, name, x, [a, b, c]);
  if (!tracks(x)) return out;
  // d elu = b dx above 0, c·a·e^(c·x) dx at and below 0 (so alpha·dx at 0; NaN at NaN, as torch's vectorized kernel)
  return record(out, node, [x], (g) => [where(gt(x, 0), mul(g, b), mul(mul(mul(g, c), a), exp(mul(x, c))))], [x]);
}

export function elu(x: Tensor, alpha?: number | { alpha?: number }): Tensor {
  checkFloat("elu", x);
  return eluFamily("elu", "EluBackward0", x, params("elu", { alpha }, [1])[0], 1, 1);
}

const SELU_ALPHA = 1.6732632423543772848170429916717, SELU_SCALE = 1.0507009873554804934193349852946;
export function selu(x: Tensor): Tensor {
  checkFloat("selu", x);
  return eluFamily("selu", "EluBackward0", x, SELU_ALPHA, SELU_SCALE, 1);
}

export function celu(x: Tensor, alpha?: number | { alpha?: number }): Tensor {
  checkFloat("celu", x);
  const [a] = params("celu", { alpha }, [1]);
  if (a === 0) throw new RangeError("celu: alpha cannot be 0");
  return eluFamily("celu", "CeluBackward0", x, a, 1, 1 / a);
}

// ---- piecewise linear ------------------------------------------------------------------------

/** x > 0 ? x : negativeSlope·x (torch.nn.functional.leaky_relu). */
export function leakyRelu(x: Tensor, negativeSlope?: number | { negativeSlope?: number }): Tensor {
  checkFloat("leakyRelu", x);
  const [s] = params("leakyRelu", { negativeSlope }, [0.01]);
  const out = unaryForward(UnaryParamOp.LeakyRelu, "leakyRelu", x, [s, 0, 0]);
  if (!tracks(x)) return out;
  // d = dx above 0, negativeSlope·dx at and below 0
  return record(out, "LeakyReluBackward0", [x], (g) => [where(gt(x, 0), g, mul(g, s))], [x]);
}

/** clamp(x, minVal, maxVal), with torch's hardtanh gradient: 0 at the bounds themselves. */
export function hardtanh(x: Tensor, minVal?: number | { minVal?: number; maxVal?: number }, maxVal?: number): Tensor {
  checkTensor("hardtanh", x);
  if (x.dtype === "bool") throw new TypeError(`hardtanh: not supported on a bool tensor (shape ${fmt(x.shape)}); convert it with .float() or .int() first`);
  const [lo, hi] = params("hardtanh", { minVal, maxVal }, [-1, 1]);
  if (x.dtype !== "float32") return clamp(x, lo, hi);
  const out = unaryForward(UnaryParamOp.Clamp, "hardtanh", x, [lo, hi, 0]);
  if (!tracks(x)) return out;
  // d = dx strictly between the bounds, 0 at and beyond them (and at NaN, as torch's vectorized kernel)
  return record(out, "HardtanhBackward0", [x], (g) => [where(logicalAnd(gt(x, lo), lt(x, hi)), g, 0)], [x]);
}

/** min(max(x, 0), 6): hardtanh(x, 0, 6), as torch computes it. */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/** min(max(x + 3, 0), 6) / 6 (torch.nn.functional.hardsigmoid). */
export const hardsigmoid = unaryOp({
  name: "hardsigmoid", op: UnaryOp.Hardsigmoid,
  // d = dx/6 strictly inside (-3, 3), else 0
  grad: ["HardsigmoidBackward0", "x", (g, x) => where(logicalAnd(gt(x, -3), lt(x, 3)), mul(g, 1 / 6), 0)],
});

/** x·min(max(x + 3, 0), 6) / 6 (torch.nn.functional.hardswish). */
export const hardswish = unaryOp({
  name: "hardswish", op: UnaryOp.Hardswish,
  // d = 0 below -3, (x/3 + ½) dx on [-3, 3), dx from 3 on (torch's vectorized kernel; its scalar tail takes 3 inside)
  grad: ["HardswishBackward0", "x", (g, x) => where(lt(x, -3), 0, where(ge(x, 3), g, mul(g, add(div(x, 3), 0.5))))],
});
