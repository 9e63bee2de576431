// capture(step): run a training step eagerly a few times, record the kernel
// sequence of one steady-state call, and replay that sequence on later calls:
// no graph building, no allocation, no JS per op — the same kernels on the
// same memory, so the results are bit-identical to running the step eagerly.
//
// What a step may do: any ops, backward(), optimizer steps, in-place updates,
// with control flow that does not depend on tensor values. What it may not
// (each is an error while recording): read values into JS (item(), data()),
// draw random numbers, or read a kernel's result in JS. Tensors it returns are
// overwritten by each call: read or clone() them before the next one.

import { Tensor } from "./tensor";
import { Tape, recordInto } from "./backend/tape";
import { setAsideFreedBlocks, freeSetAside } from "./backend/memory";
import { scope } from "./lifetime";
import { settleAll, type Storage } from "./storage";


export interface CaptureOptions {
  /**
   * Eager calls before recording (default 2): the first steps create
   * gradients and optimizer state, which a steady-state step does not.
   */
  warmup?: number;
}

export interface CapturedStep<R> {
  (): R;
  /** Whether the step is recorded and now replays. */
  readonly recorded: boolean;
  /** Kernel calls and thunks per replay (0 before recording). */
  readonly kernelCalls: number;
  /** Frees the memory the recording holds; later calls throw. */
  dispose(): void;
}

function tensorsIn(value: unknown, out: Tensor[], depth = 0): void {
  if (value instanceof Tensor) out.push(value);
  else if (depth < 8 && value !== null && typeof value === "object" && !ArrayBuffer.isView(value)) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) tensorsIn(v, out, depth + 1);
  }
}

export function capture<R>(step: () => R, options: CaptureOptions = {}): CapturedStep<R> {
  if (typeof step !== "function") throw new TypeError(`capture: expected a function, got ${typeof step}`);
  const warmup = options.warmup ?? 2;
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`capture: warmup must be a non-negative integer, got ${warmup}`);
  let calls = 0;
  let tape: Tape | null = null;
  let result: R;
  let pinned: Tensor[] = [];
  const setAside: number[] = [];
  let disposed = false;
  let external: Storage[] = [];

  const run = (() => {
    if (disposed) throw new Error("capture: this captured step was disposed");
    if (tape) {
      for (const st of external) {
        if (st.freed) {
          throw new Error(
            "capture: a tensor the captured step uses was disposed since it was recorded; capture the step again",
          );
        }
      }
      settleAll(); // a replay may write blocks that deferred transposes read (storage.ts)
      tape.replay();
      return result;
    }
    if (calls++ < warmup) return scope(step);
    // Record one call. Blocks freed meanwhile are set aside: the tape names them.
    const t = new Tape();
    settleAll(); // a tape must not see a deferred transpose (storage.ts)
    setAsideFreedBlocks(setAside);
    try {
      result = recordInto(t, () => scope(step));
      const out: Tensor[] = [];
      tensorsIn(result, out);
      for (const r of out) {
        // a graph left on a result would hold temporaries the tape names; results of a captured step are data
        if (r.gradFn && !r.gradFn.released) r.gradFn.release();
        r.pinned = true;
      }
      pinned = out;
    } catch (e) {
      setAsideFreedBlocks(null);
      freeSetAside(setAside);
      throw e;
    } finally {
      setAsideFreedBlocks(null);
    }
    // Tensors from outside the step that it reads or writes: each replay checks they still exist.
    external = [...t.storages].filter((st) => !st.freed);
    // Replays name these blocks: they must not be spilled out of linear memory (storage.ts).
    for (const st of external) st.pins++;
    tape = t;
    return result;
  }) as CapturedStep<R>;

  Object.defineProperties(run, {
    recorded: { get: () => tape !== null },
    kernelCalls: { get: () => (tape ? tape.fns.length : 0) },
    dispose: {
      value: () => {
        if (disposed) return;
        disposed = true;
        for (const t of pinned) {
          t.pinned = false;
          t.dispose();
        }
        pinned = [];
        freeSetAside(setAside);
        tape = null;
        for (const st of external) st.pins--;
        external = [];
      },
    },
  });
  return run;
}


