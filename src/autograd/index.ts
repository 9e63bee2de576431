// The autograd namespace (torch.autograd): grad and the functional API.

export { grad, type GradOptions } from "./grad";
export type { BackwardOptions } from "./backward";
export type { GradHook, RemovableHandle } from "./hooks";
export * as functional from "./functional";
