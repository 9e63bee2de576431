// The losses of nn.functional (issue 17) against torch 1.13
// (test/fixtures/ops_loss.json), and finite-difference gradchecks.
import { describe, expect, it } from "vitest";
import { F, tensor, randn, manualSeed, mseLoss, scope, type Tensor } from "../../src/index";
import { runGolden, type OpFn } from "./golden-ops";

const ops: Record<string, OpFn> = {
  crossEntropy: ([x, t], kw) => F.crossEntropy(x, t, kw),
  nllLoss: ([x, t], kw) => F.nllLoss(x, t, kw),
  binaryCrossEntropy: ([x, t], kw) => F.binaryCrossEntropy(x, t, kw),
  binaryCrossEntropyWithLogits: ([x, t], kw) => F.binaryCrossEntropyWithLogits(x, t, kw),
  l1Loss: ([x, t], kw) => F.l1Loss(x, t, kw),
  smoothL1Loss: ([x, t], kw) => F.smoothL1Loss(x, t, kw),
  huberLoss: ([x, t], kw) => F.huberLoss(x, t, kw),
  klDiv: ([x, t], kw) => F.klDiv(x, t, kw),
  cosineEmbeddingLoss: ([a, b, t], kw) => F.cosineEmbeddingLoss(a, b, t, kw),
  marginRankingLoss: ([a, b, t], kw) => F.marginRankingLoss(a, b, t, kw),
};
runGolden("ops_loss.json", ops);
