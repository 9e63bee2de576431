// Gradient checking: the library's backward pass against central finite
// differences of the plain-TS reference forward in float64.
//
// The library computes in float32, so differencing its own forward would drown
// the derivative in rounding noise (a step of 1e-3 leaves ~3 correct digits).
// The reference in float64 has ~16: with a step h = 1e-6·max(1, |x|) the
// difference quotient is accurate to ~1e-9, and what remains is the library's
// float32 error, which the tolerance (rtol 1e-3 plus an absolute 1e-4 scaled
// by the largest gradient) covers.
//
// A random cotangent w (not all ones) is used, so the check is of the full
// vector-Jacobian product: backward(w) must equal ∂(Σ w·f(x))/∂x.

import { expect } from "vitest";
import { autograd, type Tensor } from "../src/index";
import * as R from "./reference";
import type { RTensor } from "./reference";
import { toLib, fromLib, mismatches, mulberry32, gaussian } from "./helpers/bridge";

export interface GradcheckOptions {
  /** Which inputs require grad (default: all). */
  requiresGrad?: readonly boolean[];
  /** Relative finite-difference step (default 1e-6). */
  eps?: number;
  /** Relative tolerance on each gradient element (default 1e-3). */
  rtol?: number;
  /** Absolute tolerance, times max(1, largest |gradient|) (default 1e-4). */
  atol?: number;
  /** Seed of the cotangent. */
  seed?: number;
  /** Names the case in failure messages. */
  what?: string;
  /**
   * The second-derivative check (default true): the library's double backward against
   * float64 finite differences; "error" where the op has no double backward and must
   * say so; false to skip (the op's first derivative is piecewise constant, e.g. sort).
   */
  secondOrder?: boolean | "error";
}

/** The reference values rounded to float32: the library and the reference must see the same inputs. */
export function asF32(x: RTensor): RTensor {
  return R.cast(x, "float32", "f32");
}

/** Σ w·y in float64. */
function weighted(y: RTensor, w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * y.data[i];
  return s;
}

/**
 * Problems found when comparing the library's gradients of `lib` with float64
 * central differences of `ref`, both applied to `inputs`. Empty when they agree.
 * Also checks the forward value, that .grad has the input's shape, and that
 * inputs not requiring grad get no .grad.
 */
export function gradcheckProblems(
  lib: (xs: Tensor[]) => Tensor,
  ref: (xs: RTensor[]) => RTensor,
  inputs: RTensor[],
  opts: GradcheckOptions = {},
): string[] {
  const what = opts.what ?? "";
  const problems: string[] = [];
  const xs = inputs.map(asF32);
  const mask = opts.requiresGrad ?? xs.map(() => true);
  const leaves = xs.map((x, i) => toLib(x, mask[i]));
  const y = lib(leaves);
  const yRef = ref(xs);

  // forward: float32 against float64, relative to the output's scale
  const yScale = yRef.data.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  problems.push(...mismatches(fromLib(y), yRef, { atol: 1e-4 * yScale, rtol: 1e-4 }).map((p) => `${what} forward ${p}`));
  if (!y.requiresGrad) {
    problems.push(`${what}: the output does not require grad`);
    return problems;
  }

  const rand = mulberry32(opts.seed ?? 12345);
  const w = new Float64Array(yRef.data.length).map(() => Math.fround(gaussian(rand)));
  y.backward(toLib(R.make(yRef.shape, w)));

  const eps = opts.eps ?? 1e-6;
  for (let i = 0; i < xs.length; i++) {
    const grad = leaves[i].grad;
    if (!mask[i]) {
      if (grad !== null) problems.push(`${what}: input ${i} does not require grad but got a .grad`);
      continue;
    }
    const numeric = new Float64Array(xs[i].data.length);
    for (let j = 0; j < numeric.length; j++) {
      const h = eps * Math.max(1, Math.abs(xs[i].data[j]));
      const at = (delta: number) => {
        const moved = xs.map((x, k) => (k === i ? { ...x, data: x.data.slice() } : x));
        moved[i].data[j] += delta;
        return weighted(ref(moved), w);
      };
      numeric[j] = (at(h) - at(-h)) / (2 * h);
    }
    const scale = numeric.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    const want = R.make(xs[i].shape, numeric);
    // A leaf the output does not depend on gets no gradient (torch's None): then the differences must vanish.
    const got = grad === null ? R.full(xs[i].shape, 0) : fromLib(grad);
    const tol = { atol: (opts.atol ?? 1e-4) * scale, rtol: opts.rtol ?? 1e-3 };
    problems.push(...mismatches(got, want, tol).map((p) => `${what} d/dx${i} [${xs[i].shape}] ${p}`));
    grad?.dispose();
    leaves[i].grad = null;
  }
  if (opts.secondOrder !== false) problems.push(...secondOrderProblems(lib, ref, xs, mask, w, opts));
  return problems;
}

/**
 * Double backward against float64 finite differences. With g = ∂⟨w, f(x)⟩/∂x
 * computed with createGraph and s = ⟨g, v⟩ for a random v, backward of s gives
 * ∂s/∂x = H·v (H the Hessian of ⟨w, f⟩) and ∂s/∂w = J·v (J the Jacobian of f).
 * Both are second differences of the float64 reference, so the step is larger
 * (1e-4): its truncation error and its rounding error are then both ~1e-8.
 */
function secondOrderProblems(
  lib: (xs: Tensor[]) => Tensor,
  ref: (xs: RTensor[]) => RTensor,
  xs: RTensor[],
  mask: readonly boolean[],
  w: Float64Array,
  opts: GradcheckOptions,
): string[] {
  const what = `${opts.what ?? ""} second order:`;
  const leaves = xs.map((x, i) => toLib(x, mask[i]));
  const y = lib(leaves);
  const wLib = toLib(R.make([...y.shape], w), true);
  const wanted = leaves.filter((_, i) => mask[i]);
  const gs = autograd.grad(y, wanted, { gradOutputs: wLib, createGraph: true, allowUnused: true });
  const rand = mulberry32((opts.seed ?? 12345) + 1);
  const vs = xs.map((x, i) => (mask[i] ? new Float64Array(x.data.length).map(() => Math.fround(gaussian(rand))) : null));
  let s: Tensor | null = null;
  const problems: string[] = [];
  wanted.forEach((_, k) => {
    const i = leaves.indexOf(wanted[k]);
    const g = gs[k];
    // the gradient is linear in the cotangent, which requires grad: it must carry a graph
    if (g && !g.requiresGrad && g.data().some((v) => v !== 0)) problems.push(`${what} the gradient of input ${i} has no graph (createGraph recorded nothing)`);
    if (g && g.requiresGrad) {
      const term = g.mul(toLib(R.make(xs[i].shape, vs[i]!))).sum();
      s = s ? s.add(term) : term;
    }
  });
  if (s === null || problems.length > 0) return problems;
  const sum = s as Tensor;
  if (opts.secondOrder === "error") {
    try {
      autograd.grad(sum, [...wanted, wLib], { allowUnused: true });
    } catch (e) {
      return /has no double backward/.test(String(e)) ? [] : [`${what} expected "has no double backward", got ${String(e)}`];
    }
    return [`${what} expected an error naming the op without double backward, but it ran`];
  }
  const got = autograd.grad(sum, [...wanted, wLib], { allowUnused: true });

  const h = 1e-4;
  const moved = (base: RTensor[], dir: (Float64Array | null)[], t: number) =>
    base.map((x, i) => (dir[i] ? { ...x, data: x.data.map((v, j) => v + t * dir[i]![j]) } : x));
  // D(x) = d/dt ⟨w, f(x + t v)⟩ at 0
  const directional = (base: RTensor[]) => (weighted(ref(moved(base, vs, h)), w) - weighted(ref(moved(base, vs, -h)), w)) / (2 * h);
  const tol = (ref: Float64Array) => {
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    return { atol: (opts.atol ?? 1e-4) * 10 * scale, rtol: (opts.rtol ?? 1e-3) * 5 };
  };
  wanted.forEach((leaf, k) => {
    const i = leaves.indexOf(leaf);
    const hv = new Float64Array(xs[i].data.length);
    for (let j = 0; j < hv.length; j++) {
      const e = xs.map((x, m) => (m === i ? new Float64Array(x.data.length).map((_, q) => (q === j ? 1 : 0)) : null));
      const hj = h * Math.max(1, Math.abs(xs[i].data[j]));
      hv[j] = (directional(moved(xs, e, hj)) - directional(moved(xs, e, -hj))) / (2 * hj);
    }
    const g = got[k];
    const lhs = g === null ? R.full(xs[i].shape, 0) : fromLib(g);
    problems.push(...mismatches(lhs, R.make(xs[i].shape, hv), tol(hv)).map((p) => `${what} (H·v)/dx${i} [${xs[i].shape}] ${p}`));
  });
  // J·v, the derivative of f along v: what ∂s/∂w must be
  const yp = ref(moved(xs, vs, h)), ym = ref(moved(xs, vs, -h));
  const jv = yp.data.map((v, q) => (v - ym.data[q]) / (2 * h));
  const gw = got[wanted.length];
  const lhs = gw === null ? R.full(yp.shape, 0) : fromLib(gw);
  problems.push(...mismatches(lhs, R.make(yp.shape, jv), tol(jv)).map((p) => `${what} (J·v) ${p}`));
  return problems;
}

/** Asserts that the library's gradients match the float64 finite differences. */
export function gradcheck(
  lib: (xs: Tensor[]) => Tensor,
  ref: (xs: RTensor[]) => RTensor,
  inputs: RTensor[],
  opts: GradcheckOptions = {},
): void {
  expect(gradcheckProblems(lib, ref, inputs, opts), opts.what).toEqual([]);
}
