// The entry for runtimes that forbid compiling WebAssembly from bytes
// (Cloudflare Workers / workerd, Vercel Edge): the same API as the main entry,
// without the embedded module bytes. The host gives the compiled module:
//
//   import wasm from "wasmgrad/wasmgrad.wasm";   // a WebAssembly.Module there
//   import { init, tensor } from "wasmgrad";
//   init({ module: wasm });
//
// An op before init throws an error that says exactly that.

import { setDefaultModule, HOW_TO_INIT } from "./backend/module";

setDefaultModule(() => {
  throw new Error(
    "wasmgrad: the WebAssembly module is not loaded. This build of wasmgrad (the one Cloudflare Workers and " +
      "other edge runtimes resolve) does not carry the module's bytes, since those runtimes forbid compiling " +
      `WebAssembly from bytes. ${HOW_TO_INIT}`,
  );
});

export * from "./api";
