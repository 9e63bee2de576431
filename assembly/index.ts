// The module's exports: every kernel family, nothing else.
export * from "./elementwise";
export * from "./reduce";
export * from "./matmul";
export * from "./optim";
export * from "./loss";
export * from "./linalg";
export { transpose32 } from "./transpose";
export * from "./decompositions";
