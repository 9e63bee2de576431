// Loading the WebAssembly module. Synchronous by default: the main entry
// registers the embedded bytes and the first kernel call compiles them with
// `new WebAssembly.Module`. Where compiling from bytes is forbidden
// (Cloudflare Workers, Vercel Edge), the user passes the precompiled module to
// `init({ module })` before the first op.

import type { Kernels } from "./kernels";
import { attachMemory, MAX_PAGES, PAGE } from "./memory";
import { recordingTape, recordingFacade, forgetFacade } from "./tape";

let kernels: Kernels | null = null;
/**
 * Where init() takes the module from when it is given none, set by the entry: the
 * embedded bytes (src/index.ts), or an error that says how to pass it (src/index-workerd.ts).
 */
let defaultModule: () => Uint8Array;
export function setDefaultModule(source: () => Uint8Array): void {
  defaultModule = source;
}

export const HOW_TO_INIT =
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

/** Set by scripts/bundle.mjs to exportsFingerprint() of the bundle's own module; absent when src/ runs unbundled (tests). */
declare const WASMGRAD_EXPORTS: number | undefined;

/**
 * A 32-bit FNV-1a hash of the module's export names, in order, joined by commas: what
 * tells one build's module from another's (scripts/bundle.mjs computes the same).
 */
function exportsFingerprint(module: WebAssembly.Module): number {
  let h = 0x811c9dc5;
  for (const c of WebAssembly.Module.exports(module).map((e) => e.name).join(",")) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** Instantiates the kernels. Idempotent: a second call after success does nothing. */
export function init(options: InitOptions = {}): void {
  if (kernels) return;
  const source = options.module ?? options.bytes ?? defaultModule();
  let module: WebAssembly.Module;
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  try {
    module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source as BufferSource);
    memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    instance = new WebAssembly.Instance(module, { env: { memory, abort } });
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
  // Another build's module would instantiate, then fail at some op with "... is not a function":
  // the bundle knows the names its own module exports (scripts/bundle.mjs) and refuses others.
  if (typeof WASMGRAD_EXPORTS === "number" && exportsFingerprint(module) !== WASMGRAD_EXPORTS) {
    throw new Error("wasmgrad: init() was given a module this build of wasmgrad cannot call; pass the wasmgrad.wasm of the same package");
  }
  if (!(source instanceof WebAssembly.Module)) sourceBytes = toBytes(source as BufferSource);
  kernels = instance.exports as unknown as Kernels;
  attachMemory(memory);
}

/** The module's bytes, when init() had them: threads compile a variant of them for shared memory. */
let sourceBytes: Uint8Array | null = null;
/** The module the kernels now run, once on shared memory (what thread workers instantiate). */
let sharedModule: WebAssembly.Module | null = null;
/** Counts instances: a capture recorded on an earlier one looks its kernels up again (tape.ts). */
let generation = 0;

function toBytes(src: BufferSource): Uint8Array {
  return src instanceof Uint8Array ? src : ArrayBuffer.isView(src) ? new Uint8Array(src.buffer, src.byteOffset, src.byteLength) : new Uint8Array(src);
}

export function kernelGeneration(): number {
  return generation;
}

/**
 * Moves the kernels onto a shared WebAssembly memory, for threads: a new
 * instance of the module compiled for shared memory, over a copy of the memory
 * (same size, same addresses, so every tensor stays where it is). Returns the
 * module and memory that thread workers instantiate. Idempotent.
 */
export function shareMemory(): { module: WebAssembly.Module; memory: WebAssembly.Memory } {
  if (!kernels) init();
  if (sharedModule) return { module: sharedModule, memory: kernels!.memory };
  if (!sourceBytes) {
    throw new Error(
      "wasmgrad: threads need the module's bytes, and init() was given a compiled module; pass init({ bytes }) instead",
    );
  }
  const module = new WebAssembly.Module(withSharedMemory(sourceBytes));
  const old = kernels!.memory;
  const memory = new WebAssembly.Memory({ initial: old.buffer.byteLength / PAGE, maximum: MAX_PAGES, shared: true });
  new Uint8Array(memory.buffer).set(new Uint8Array(old.buffer));
  const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
  kernels = instance.exports as unknown as Kernels;
  sharedModule = module;
  generation++;
  forgetFacade();
  attachMemory(memory);
  return { module, memory };
}

/**
 * The module's bytes with its memory import marked shared. asc builds the
 * import as (import "env" "memory" (memory 1 65536)): the entry's bytes are
 * the two names, kind 0x02 (memory) and limits flag 0x01 (has a maximum);
 * shared is flag 0x03, same length.
 */
function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(bytes); // a copy
  // a single-byte decoding keeps offsets; the bytes searched for are ASCII
  const at = new TextDecoder("latin1").decode(b).indexOf("\x03env\x06memory\x02\x01");
  if (at < 0) throw new Error("wasmgrad: the module has no memory import env.memory with a maximum; rebuild it with asconfig.json");
  b[at + 12] = 3;
  return b;
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

/** While threads run: the kernels with the large elementwise ones split across them (threads.ts). */
let facade: Kernels | null = null;
export function setKernelFacade(f: Kernels | null): void {
  facade = f;
}

/** The kernels, loading the module on first use. A recording step logs the module's own kernels. */
export function k(): Kernels {
  if (!kernels) init();
  return recordingTape() ? recordingFacade(kernels!) : (facade ?? kernels!);
}

export function isInitialized(): boolean {
  return kernels !== null;
}
