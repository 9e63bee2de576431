// The autograd namespace (torch.autograd): grad.

export { grad, type GradOptions } from "./grad";
export type { BackwardOptions, TensorBackwardOptions } from "./backward";
