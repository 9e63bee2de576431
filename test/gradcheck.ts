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
import type { Tensor } from "../src/index";
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
