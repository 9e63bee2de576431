// Activations (torch.nn.functional): the forward is one kernel that follows
// torch 1.13's CPU formula step by step (assembly/functors.ts), the backward is
// torch's derivative kernel written with differentiable ops, so the kinks get
// exactly torch's values (noted at each). Parameters come positionally or as
// an options object: leakyRelu(x, 0.2) or leakyRelu(x, { negativeSlope: 0.2 }).

import { Tensor } from "../tensor";
import { UnaryOp, UnaryParamOp } from "../backend/kernels";
import { record, tracks } from "../autograd/node";
import { fmt } from "../shape";
import { checkTensor, describeValue } from "./dispatch";
import { unaryOp, unaryForward, add, sub, mul, div, exp, tanh, sigmoid, gt } from "./elementwise";
import { erf } from "./unary";
import { where } from "./binary";

/** A parameter given as a number, in an options object under `key`, or not at all. */
function param(op: string, arg: unknown, key: string, fallback: number): number {
  const v = typeof arg === "object" && arg !== null ? (arg as Record<string, unknown>)[key] ?? fallback : arg ?? fallback;
  if (typeof v !== "number") throw new TypeError(`${op}: ${key} must be a number, got ${describeValue(v)}`);
  return v;
}

/** torch refuses integer and bool inputs to these ("not implemented for 'Long'"). */
function checkFloat(op: string, x: unknown): asserts x is Tensor {
  checkTensor(op, x);
  if (x.dtype !== "float32") throw new TypeError(`${op}: not supported on a${x.dtype === "bool" ? " bool" : "n int32"} tensor (shape ${fmt(x.shape)}); convert it with .float() first`);
}

const f = Math.fround;

// ---- smooth -------------------------------------------------------------------------------

export type GeluApproximate = "none" | "tanh";
const SQRT1_2 = Math.SQRT1_2, BETA = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5; // torch's kAlpha, kBeta
const K_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5, K_KAPPA = 0.044715;

/** x·Φ(x) (approximate "none", by erf) or its tanh approximation (torch.nn.functional.gelu). */
export function gelu(x: Tensor, approximate: GeluApproximate | { approximate?: GeluApproximate } = "none"): Tensor {
  checkFloat("gelu", x);
  const a = typeof approximate === "object" && approximate !== null ? approximate.approximate ?? "none" : approximate;
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

/** log(1 + e^(βx))/β, x itself where βx > threshold (torch.nn.functional.softplus). */
export function softplus(x: Tensor, beta: number | { beta?: number; threshold?: number } = 1, threshold = 20): Tensor {
  checkFloat("softplus", x);
  const b = param("softplus", beta, "beta", 1), th = param("softplus", typeof beta === "object" ? beta : threshold, "threshold", 20);
  const out = unaryForward(UnaryParamOp.Softplus, "softplus", x, [b, th, 0]);
  if (!tracks(x)) return out;
  return record(out, "SoftplusBackward0", [x], (g) => { // d softplus = z/(z + 1) dx, z = e^(βx); dx where βx > threshold
    const bx = mul(x, b), z = exp(bx);
    return [where(gt(bx, th), g, div(mul(g, z), add(z, 1)))];
  }, [x]);
}

// ---- elu ---------------------------------------------------------------------------------------

/** x <= 0 ? alpha·(e^x - 1) : x (torch.nn.functional.elu). */
export function elu(x: Tensor, alpha: number | { alpha?: number } = 1): Tensor {
  checkFloat("elu", x);
  const a = f(param("elu", alpha, "alpha", 1));
  const out = unaryForward(UnaryParamOp.Elu, "elu", x, [a, 0, 0]);
  if (!tracks(x)) return out;
  // d elu = dx above 0, alpha·e^x dx at and below 0 (so alpha·dx at 0; NaN at NaN, as torch's vectorized kernel)
  return record(out, "EluBackward0", [x], (g) => [where(gt(x, 0), g, mul(mul(g, a), exp(x)))], [x]);
}

// ---- piecewise linear ------------------------------------------------------------------------

/** x > 0 ? x : negativeSlope·x (torch.nn.functional.leaky_relu). */
export function leakyRelu(x: Tensor, negativeSlope: number | { negativeSlope?: number } = 0.01): Tensor {
  checkFloat("leakyRelu", x);
  const s = param("leakyRelu", negativeSlope, "negativeSlope", 0.01);
  const out = unaryForward(UnaryParamOp.LeakyRelu, "leakyRelu", x, [s, 0, 0]);
  if (!tracks(x)) return out;
  // d = dx above 0, negativeSlope·dx at and below 0
  return record(out, "LeakyReluBackward0", [x], (g) => [where(gt(x, 0), g, mul(g, s))], [x]);
}
