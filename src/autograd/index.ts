// The autograd namespace (torch.autograd): grad, backward over several
// outputs, and the functional API.

export { grad, backward, type GradOptions } from "./grad";
export type { BackwardOptions } from "./backward";
export type { GradHook, RemovableHandle } from "./hooks";
export * as functional from "./functional";
