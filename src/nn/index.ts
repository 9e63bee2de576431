// torch.nn: for now its functional layer (src/nn/functional.ts).
export * as functional from "./functional";
