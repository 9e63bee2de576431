// The module's exports: every kernel family, nothing else.
export * from "./elementwise";
export * from "./reduce";
export * from "./matmul";
export * from "./optim";
export * from "./loss";
export * from "./softmax";
export * from "./linalg";
export { transpose32 } from "./transpose";
export { im2col_f32 } from "./conv";
export { pool2d_f32 } from "./pool";
