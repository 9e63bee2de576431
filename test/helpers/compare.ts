// Comparisons shared by the tests of the series' results.
import { expect } from "vitest";
import { Tensor } from "../../src/index";

/** The largest |a[i] - b[i]| over two tensors or arrays of the same length. */
export function maxAbsDiff(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>): number {
  const x = a instanceof Tensor ? a.data() : a, y = b instanceof Tensor ? b.data() : b;
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}
