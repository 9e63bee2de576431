// The entry for runtimes that forbid compiling WebAssembly from bytes
// (Cloudflare Workers / workerd, Vercel Edge): the same API as the main entry,
// without the embedded module bytes. The host gives the compiled module:
//
//   import wasm from "wasmgrad/wasmgrad.wasm";   // a WebAssembly.Module there
//   import { init, tensor } from "wasmgrad";
//   init({ module: wasm });
//
// An op before init throws an error that says exactly that.

export * from "./api";
