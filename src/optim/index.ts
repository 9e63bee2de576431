// torch.optim: SGD, Adam, AdamW. Each step updates a parameter with one fused
// kernel over its buffer (assembly/optim.ts). The classes are exported through
// requireNew, so `optim.Adam(params)` without `new` says what to write.
import { requireNew } from "../spelling";
import { SGD as SGDClass } from "./sgd";
import { Adam as AdamClass, AdamW as AdamWClass } from "./adam";

export { Optimizer } from "./optimizer";
export type { SGDOptions } from "./sgd";
export type { AdamOptions } from "./adam";

export const SGD = requireNew(SGDClass, "optim.SGD");
export type SGD = SGDClass;
export const Adam = requireNew(AdamClass, "optim.Adam");
export type Adam = AdamClass;
export const AdamW = requireNew(AdamWClass, "optim.AdamW");
export type AdamW = AdamWClass;
