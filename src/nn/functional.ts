// torch.nn.functional: the functional forms of activations, losses and layers.
// Each name here is defined once in src/ops/ (its kernel and backward rule
// beside it) and re-exported; a module in src/nn/ calls the function of the
// same name. Reach it as `nn.functional` or `F`.

// ---- activations -------------------------------------------------------------------
export { relu, sigmoid, tanh } from "../ops/elementwise";
export {
  gelu, silu, mish, elu, selu, celu, leakyRelu, relu6, hardtanh, hardsigmoid, hardswish, softplus, softsign, logsigmoid, tanhshrink,
  type GeluApproximate,
} from "../ops/activation";

// ---- losses --------------------------------------------------------------------------
export {
  mseLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, huberLoss,
  klDiv, cosineEmbeddingLoss, marginRankingLoss,
} from "../ops/loss";

// ---- joining, splitting and indexing -------------------------------------------------

// ---- reductions and normalizations ----------------------------------------------------
export { softmax, logSoftmax, normalize } from "../ops/softmax";

// ---- layers ----------------------------------------------------------------------------
export { linear, bilinear, embedding, dropout, type EmbeddingOptions, type DropoutOptions } from "../ops/layer";
export { conv1d, conv2d, convTranspose1d, convTranspose2d, unfold, fold, type ConvOptions, type ConvTransposeOptions, type UnfoldOptions } from "../ops/conv";
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, pad, interpolate, type PoolOptions, type PadMode, type InterpolateOptions } from "../ops/pool";
export { layerNorm, groupNorm, batchNorm, type LayerNormOptions, type BatchNormOptions } from "../ops/normalization";
