// torch.linalg: inv and svd, the factorizations and what is built on them, and
// the series' programs: the inverse and the SVD found by gradient descent.
export { inv, svd, svdvals, type SVDResult } from "./direct";
export {
  det, slogdet, solve, cholesky, qr, eigh, eigvalsh,
  type SlogdetResult, type QRMode, type QRResult, type EighResult,
} from "./decompositions";
export { pinv, lstsq, matrixPower, cross, type PinvOptions, type LstsqResult } from "./derived";
export {
  inverseGD, svdGD,
  type InverseGDOptions, type InverseGDResult, type SvdGDOptions, type SvdGDResult, type SeriesOptimizer, type OnStep,
} from "./series";
