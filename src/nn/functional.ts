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
export { mseLoss } from "../ops/loss";

// ---- joining, splitting and indexing -------------------------------------------------

// ---- reductions and normalizations ----------------------------------------------------

// ---- layers ----------------------------------------------------------------------------
