// Recording the work of a step so capture() can replay it. While a tape is
// recording, every kernel call is logged with its arguments, and work done in
// TypeScript on linear memory is logged as a thunk (see `exec`). Replaying
// runs the log again: the same kernels on the same blocks, no graph, no
// allocation, no JS bookkeeping, hence the same bits as the eager run.

import type { Kernels } from "./kernels";
import { alloc, free } from "./memory";
import { k, kernelGeneration } from "./module";
import type { Storage } from "../storage";

// Kernels are named by property keys here, never by strings: the bundle shortens
// the kernels' names, in the module's exports and in these keys alike (scripts/bundle.mjs).
/** Kernels whose result is a value read in JS (a replay could not reproduce what JS did with it), and what calls them. */
const RETURNS_VALUE: Partial<Record<keyof Kernels, string>> = {
  inv_f32: "linalg.inv", svd_f32: "linalg.svd",
};
/** Pure functions of their (shape) arguments that touch no memory: called, not logged. */
const PURE: Partial<Record<keyof Kernels, 1>> = { matmul_f32_scratch: 1, matmul_f32_splits: 1 };

export class Tape {
  readonly fns: ((...args: never[]) => unknown)[] = [];
  readonly args: unknown[][] = [];
  /** The kernel each call was, by name (null for a thunk): to find it again in a new instance. */
  readonly names: (string | null)[] = [];
  /** Storages of tensors the recorded work touched (checked for disposal before each replay). */
  readonly storages = new Set<Storage>();
  /** The module instance the kernels in fns belong to (module.ts: threads move onto a new one). */
  #generation = kernelGeneration();

  push(fn: (...args: never[]) => unknown, args: unknown[], name: string | null = null): void {
    this.fns.push(fn);
    this.args.push(args);
    this.names.push(name);
  }

  replay(): void {
    if (this.#generation !== kernelGeneration()) this.#rebind();
    const { fns, args } = this;
    for (let i = 0; i < fns.length; i++) (fns[i] as (...a: unknown[]) => unknown).apply(null, args[i]);
  }

  /** Points each recorded kernel call at the current instance's kernel (same memory contents, same addresses). */
  #rebind(): void {
    const real = k() as unknown as Record<string, (...args: never[]) => unknown>;
    this.names.forEach((name, i) => {
      if (name !== null) this.fns[i] = real[name];
    });
    this.#generation = kernelGeneration();
  }
}

let active: Tape | null = null;
let recordingKernels: Kernels | null = null;

export function recordingTape(): Tape | null {
  return active;
}

/** Runs fn with `tape` recording. */
export function recordInto<T>(tape: Tape, fn: () => T): T {
  if (active) throw new Error("capture: a captured step cannot capture another step inside it");
  active = tape;
  try {
    return fn();
  } finally {
    active = null;
  }
}

/** Drops the recording facade (module.ts made a new instance). */
export function forgetFacade(): void {
  recordingKernels = null;
}

/** The kernels as seen while recording: each call is logged, then run. */
export function recordingFacade(real: Kernels): Kernels {
  if (recordingKernels) return recordingKernels;
  const facade: Record<string, unknown> = { memory: real.memory };
  for (const name of Object.keys(real)) {
    const fn = (real as unknown as Record<string, unknown>)[name];
    if (typeof fn !== "function") continue;
    const f = fn as (...args: unknown[]) => unknown;
    if (name in PURE) {
      facade[name] = f;
      continue;
    }
    const reader = RETURNS_VALUE[name as keyof Kernels];
    facade[name] = reader
      ? () => {
          throw new Error(`capture: this step reads a kernel's result (${reader}) in JavaScript, which a replay cannot reproduce`);
        }
      : (...args: unknown[]) => {
          active!.push(f, args, name);
          return f(...args);
        };
  }
  return (recordingKernels = facade as unknown as Kernels);
}

/**
 * Runs TypeScript work on linear memory so that a replay repeats it. The body
 * must capture element offsets, never Tensor objects (those are disposed after
 * the step), and must call kernels directly or touch memory only.
 */
export function exec(body: () => void): void {
  const tape = active;
  if (!tape) {
    body();
    return;
  }
  active = null;
  try {
    body();
  } finally {
    active = tape;
  }
  tape.push(body, []);
}

/**
 * Scratch memory for one kernel call (metadata, packing buffers): normally the
 * caller's shared block. While a step records, a block of its own instead: the
 * replays name it long after the shared block was rewritten or moved. Freed at
 * once, it goes to the recording's set-aside blocks, so nothing else gets it
 * while the capture lives.
 */
export function scratchFor(bytes: number, shared: (bytes: number) => number): number {
  if (!active) return shared(bytes);
  const ptr = alloc(bytes);
  free(ptr, bytes);
  return ptr;
}

/** Refuses work that a replay could not repeat faithfully, with the reason. */
export function refuseWhileRecording(reason: string): void {
  if (active) throw new Error(`capture: ${reason}`);
}

/** For reads of tensor data into JS, which a replay cannot repeat. */
export function assertNotRecording(what: string): void {
  if (active) {
    throw new Error(
      `capture: ${what} reads tensor data into JavaScript inside a captured step; ` +
        "return the tensor from the step and read it after the call",
    );
  }
}
