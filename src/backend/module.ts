// Loading the WebAssembly module. Synchronous by default: the main entry
// registers the embedded bytes and the first kernel call compiles them with
// `new WebAssembly.Module`. Where compiling from bytes is forbidden
// (Cloudflare Workers, Vercel Edge), the user passes the precompiled module to
// `init({ module })` before the first op.

import type { Kernels } from "./kernels";
import { attachMemory } from "./memory";
import { recordingTape, recordingFacade } from "./tape";

let kernels: Kernels | null = null;
let embeddedBytes: (() => Uint8Array) | null = null;

/** Registers where the module's bytes come from when `init` is not called (main entry only). */
export function setEmbeddedModule(bytes: () => Uint8Array): void {
  embeddedBytes = bytes;
}

const HOW_TO_INIT =
  "Import the compiled module and pass it to init() before the first op:\n" +
  '  import wasm from "wasmgrad/wasmgrad.wasm";\n' +
  '  import { init } from "wasmgrad";\n' +
  "  init({ module: wasm });";

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
      "wasmgrad: the WebAssembly module is not loaded. This build of wasmgrad (the one Cloudflare Workers and " +
        "other edge runtimes resolve) does not carry the module's bytes, since those runtimes forbid compiling " +
        `WebAssembly from bytes. ${HOW_TO_INIT}`,
    );
  }
  let instance: WebAssembly.Instance;
  try {
    const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source as BufferSource);
    instance = new WebAssembly.Instance(module, { env: { abort } });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/disallowed|code generation/i.test(msg)) {
      throw new Error(`wasmgrad: this runtime forbids compiling WebAssembly from bytes (${msg}). ${HOW_TO_INIT}`);
    }
    if (/Content.Security.Policy|unsafe-eval/i.test(msg)) {
      throw new Error(
        `wasmgrad: the page's Content Security Policy forbids compiling WebAssembly (${msg}). ` +
          "Allow it with 'wasm-unsafe-eval' in script-src (it does not allow eval).",
      );
    }
    throw e;
  }
  kernels = instance.exports as unknown as Kernels;
  attachMemory(kernels.memory);
}

/**
 * AssemblyScript's abort(message, file, line, column), should a kernel ever be
 * built with assertions: its strings are UTF-16 with the byte length stored
 * 4 bytes before them. (This, and accepting a compiled module, is all that
 * @assemblyscript/loader did for us; its wrappers cost a rest-args call per
 * kernel and 2 KB of the bundle, so the module is instantiated directly.)
 */
function abort(message: number, file: number, line: number, column: number): never {
  const text = (ptr: number): string => {
    if (!ptr || !kernels) return "?";
    const bytes = new Uint32Array(kernels.memory.buffer)[(ptr - 4) >>> 2];
    return String.fromCharCode(...new Uint16Array(kernels.memory.buffer, ptr, bytes >>> 1));
  };
  throw new Error(`wasmgrad kernel abort: ${text(message)} at ${text(file)}:${line}:${column}`);
}

/** The kernels, loading the module on first use. */
export function k(): Kernels {
  if (!kernels) init();
  return recordingTape() ? recordingFacade(kernels!) : kernels!;
}

export function isInitialized(): boolean {
  return kernels !== null;
}
