// torch.optim: SGD, Adam, AdamW. Each step updates a parameter with one fused
// kernel over its buffer (assembly/optim.ts).
export { Optimizer } from "./optimizer";
export { SGD, type SGDOptions } from "./sgd";
export { Adam, AdamW, type AdamOptions } from "./adam";
