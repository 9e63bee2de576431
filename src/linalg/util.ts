// Shared by linalg's ops: input checks, the float64 scratch block, the loop over
// a batch of matrices, and a few batched helpers written as differentiable ops.

import { Tensor } from "../tensor";
import { fmt, numel } from "../shape";
import { transpose, reshape, unsqueeze } from "../ops/shape";
import { mul } from "../ops/elementwise";
import { tensor, eye } from "../ops/creation";

export function checkMatrix(op: string, A: unknown, square = false): asserts A is Tensor {
  if (!(A instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${A === null ? "null" : typeof A}`);
  A.assertAlive(op);
  if (A.dtype !== "float32") {
    throw new TypeError(`${op}: expected a floating point tensor as input, got ${A.dtype}; convert with .float() first`);
  }
  if (A.ndim < 2) throw new RangeError(`${op}: the input must have at least 2 dimensions, got shape ${fmt(A.shape)}`);
  const m = A.shape[A.ndim - 2], n = A.shape[A.ndim - 1];
  if (square && m !== n) {
    throw new RangeError(`${op}: A must be batches of square matrices, but they are ${m} by ${n} matrices (shape ${fmt(A.shape)})`);
  }
}

export function checkFinite(op: string, A: Tensor): void {
  const v = A.data();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError(`${op}: the input contains ${v[i]} (at flat index ${i}); expected finite values`);
  }
}

/** A float64 scratch block of `f64s` doubles plus `i32s` ints (freed by each()). */
export function scratch(f64s: number, i32s = 0): Tensor {
  return Tensor.empty([Math.max(1, 2 * f64s + i32s)]);
}

/** The number of matrices in A's batch. */
export const count = (A: Tensor): number => numel(A.shape.slice(0, -2));

/**
 * Calls fn(b, work) for each of `n` matrices; on an error frees `outs`, and the
 * scratch block in any case. `where(b)` names the batch element as torch does.
 */
export function each(n: number, work: Tensor, outs: Tensor[], fn: (b: number, work: number, where: string) => void): void {
  try {
    for (let b = 0; b < n; b++) fn(b, work.ptr, n > 1 ? `(Batch element ${b}): ` : "");
  } catch (e) {
    for (const t of outs) t.dispose();
    throw e;
  } finally {
    work.dispose();
  }
}

/** The transpose of each matrix (torch's .mT). */
export const mT = (x: Tensor): Tensor => transpose(x, -2, -1);

/** x with two trailing dims of 1: a per-matrix scalar to broadcast over matrices. */
export const perMatrix = (x: Tensor): Tensor => reshape(x, [...x.shape, 1, 1]);

/** The matrices diag(v) of a batch of vectors v (torch.diag_embed). */
export const diagEmbed = (v: Tensor): Tensor => mul(unsqueeze(v, -1), eye(v.shape[v.ndim - 1]));

/** An n×n constant mask with entries f(i, j). */
export function mask(n: number, f: (i: number, j: number) => number): Tensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) v[i] = f((i / n) | 0, i % n);
  return reshape(tensor(v), [n, n]);
}
