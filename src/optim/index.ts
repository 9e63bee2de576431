// torch.optim: SGD, Adam, AdamW, and optim.lrScheduler. Each step updates a
// parameter with one fused kernel over its buffer (assembly/optim.ts). The
// classes are exported through requireNew, so `optim.Adam(params)` without
// `new` says what to write.
import { requireNew } from "../spelling";
import { SGD as SGDClass } from "./sgd";
import { Adam as AdamClass, AdamW as AdamWClass } from "./adam";
import * as S from "./lr-scheduler";

export { Optimizer, type ParamGroup, type ParamGroupSpec, type Params, type OptimizerStateDict } from "./optimizer";
export type { SGDOptions } from "./sgd";
export type { AdamOptions } from "./adam";

export const SGD = requireNew(SGDClass, "optim.SGD");
export type SGD = SGDClass;
export const Adam = requireNew(AdamClass, "optim.Adam");
export type Adam = AdamClass;
export const AdamW = requireNew(AdamWClass, "optim.AdamW");
export type AdamW = AdamWClass;

const n = <C extends abstract new (...args: never[]) => unknown>(c: C, name: string): C => requireNew(c, `optim.lrScheduler.${name}`);

/** torch.optim.lr_scheduler. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export namespace lrScheduler {
  export const LRScheduler = S.LRScheduler;
  export type LRScheduler = S.LRScheduler;
  export const StepLR = n(S.StepLR, "StepLR");
  export type StepLR = S.StepLR;
  export const MultiStepLR = n(S.MultiStepLR, "MultiStepLR");
  export type MultiStepLR = S.MultiStepLR;
  export const ConstantLR = n(S.ConstantLR, "ConstantLR");
  export type ConstantLR = S.ConstantLR;
  export const LinearLR = n(S.LinearLR, "LinearLR");
  export type LinearLR = S.LinearLR;
  export const ExponentialLR = n(S.ExponentialLR, "ExponentialLR");
  export type ExponentialLR = S.ExponentialLR;
  export const LambdaLR = n(S.LambdaLR, "LambdaLR");
  export type LambdaLR = S.LambdaLR;
  export const MultiplicativeLR = n(S.MultiplicativeLR, "MultiplicativeLR");
  export type MultiplicativeLR = S.MultiplicativeLR;
  export const PolynomialLR = n(S.PolynomialLR, "PolynomialLR");
  export type PolynomialLR = S.PolynomialLR;
  export const CosineAnnealingLR = n(S.CosineAnnealingLR, "CosineAnnealingLR");
  export type CosineAnnealingLR = S.CosineAnnealingLR;
  export const CosineAnnealingWarmRestarts = n(S.CosineAnnealingWarmRestarts, "CosineAnnealingWarmRestarts");
  export type CosineAnnealingWarmRestarts = S.CosineAnnealingWarmRestarts;
  export const OneCycleLR = n(S.OneCycleLR, "OneCycleLR");
  export type OneCycleLR = S.OneCycleLR;
  export const SequentialLR = n(S.SequentialLR, "SequentialLR");
  export type SequentialLR = S.SequentialLR;
  export const ReduceLROnPlateau = n(S.ReduceLROnPlateau, "ReduceLROnPlateau");
  export type ReduceLROnPlateau = S.ReduceLROnPlateau;
  export type LinearLROptions = S.LinearLROptions;
  export type OneCycleOptions = S.OneCycleOptions;
  export type ReduceLROnPlateauOptions = S.ReduceLROnPlateauOptions;
}
