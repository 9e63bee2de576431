// Reductions and scans (issue 17) against torch 1.13 (test/fixtures/ops_reduce.json),
// the positional and options forms, and finite-difference gradchecks.
import { describe, expect, it } from "vitest";
import * as W from "../../src/index";
import { tensor, linalg, type Tensor } from "../../src/index";
import { runGolden, type OpFn } from "./golden-ops";

const reduceOps: Record<string, OpFn> = {
  prod: ([x], kw) => W.prod(x, kw),
  argmax: ([x], kw) => W.argmax(x, kw),
  argmin: ([x], kw) => W.argmin(x, kw),
  amax: ([x], kw) => W.amax(x, kw),
  amin: ([x], kw) => W.amin(x, kw),
  var: ([x], kw) => W.var(x, kw),
  std: ([x], kw) => W.std(x, kw),
  varMean: ([x], kw) => W.varMean(x, kw),
  stdMean: ([x], kw) => W.stdMean(x, kw),
  logsumexp: ([x], kw) => W.logsumexp(x, kw),
  cumsum: ([x], kw) => W.cumsum(x, kw as { dim: number }),
  cumprod: ([x], kw) => W.cumprod(x, kw as { dim: number }),
  norm: ([x], kw) => W.norm(x, kw),
  vectorNorm: ([x], kw) => linalg.vectorNorm(x, kw),
  matrixNorm: ([x], kw) => linalg.matrixNorm(x, kw),
  all: ([x], kw) => W.all(x, kw),
  any: ([x], kw) => W.any(x, kw),
  countNonzero: ([x], kw) => W.countNonzero(x, kw.dim),
  median: ([x], kw) => (kw.dim === undefined ? W.median(x) : W.median(x, kw)),
  kthvalue: ([x], kw) => W.kthvalue(x, kw.k, kw),
  topk: ([x], kw) => W.topk(x, kw.k, kw),
  trace: ([x]) => W.trace(x),
  outer: ([a, b]) => W.outer(a, b),
};

runGolden("ops_reduce.json", reduceOps);
