// Loading the WebAssembly module. Synchronous by default: the main entry
// registers the embedded bytes and the first kernel call compiles them with
// `new WebAssembly.Module`. Where compiling from bytes is forbidden
// (Cloudflare Workers, Vercel Edge), the user passes the precompiled module to
// `init({ module })` before the first op.

import { instantiateSync } from "@assemblyscript/loader";
import type { Kernels } from "./kernels";
import { attachMemory } from "./memory";

let kernels: Kernels | null = null;
let embeddedBytes: (() => Uint8Array) | null = null;

/** Registers where the module's bytes come from when `init` is not called (main entry only). */
export function setEmbeddedModule(bytes: () => Uint8Array): void {
  embeddedBytes = bytes;
}

export interface InitOptions {
  /** A compiled module: what `import mod from "wasmgrad/wasmgrad.wasm"` gives on Workers. */
  module?: WebAssembly.Module;
  /** The module's bytes, for hosts that load the file themselves. */
  bytes?: BufferSource;
}

/** Instantiates the kernels. Idempotent: a second call after success does nothing. */
export function init(options: InitOptions = {}): void {
  if (kernels) return;
  const source = options.module ?? options.bytes ?? embeddedBytes?.();
  if (!source) {
    throw new Error(
      "wasmgrad: the WebAssembly module is not loaded. On this platform call init({ module }) first, " +
        'with the module imported from "wasmgrad/wasmgrad.wasm".',
    );
  }
  let instance;
  try {
    instance = instantiateSync<Record<string, unknown>>(source as WebAssembly.Module | BufferSource, {});
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/disallowed|code generation/i.test(msg)) {
      throw new Error(
        `wasmgrad: this runtime forbids compiling WebAssembly from bytes (${msg}). ` +
          'Import the module ("wasmgrad/wasmgrad.wasm") and call init({ module }) before the first op.',
      );
    }
    throw e;
  }
  // The raw exports: the loader's demangled wrappers add a rest-args call per kernel.
  kernels = instance.instance.exports as unknown as Kernels;
  attachMemory(kernels.memory);
}

/** The kernels, loading the module on first use. */
export function k(): Kernels {
  if (!kernels) init();
  return kernels!;
}

export function isInitialized(): boolean {
  return kernels !== null;
}
