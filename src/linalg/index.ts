// torch.linalg's inv and svd, and the series' programs: the inverse and the
// SVD found by gradient descent.
export { inv, svd, type SVDResult } from "./direct";
export {
  inverseGD, svdGD,
  type InverseGDOptions, type InverseGDResult, type SvdGDOptions, type SvdGDResult, type SeriesOptimizer, type OnStep,
} from "./series";
export { vectorNorm, matrixNorm, norm } from "../ops/statistics";
