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
  klDiv,
} from "../ops/loss";

// ---- joining, splitting and indexing -------------------------------------------------
export { glu } from "../ops/join";

// ---- reductions and normalizations ----------------------------------------------------
export { softmax, logSoftmax, normalize } from "../ops/softmax";

// ---- layers ----------------------------------------------------------------------------
export { linear, embedding, dropout, type EmbeddingOptions, type DropoutOptions } from "../ops/layer";
export { conv1d, conv2d, type ConvOptions } from "../ops/conv";
export { maxPool2d, avgPool2d, adaptiveAvgPool2d, pad, type PoolOptions, type PadMode } from "../ops/pool";
export { layerNorm, groupNorm, batchNorm, type LayerNormOptions, type BatchNormOptions } from "../ops/normalization";
