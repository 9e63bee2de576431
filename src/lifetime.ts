// When a tensor's memory goes back to the allocator: `dispose()`, the end of a
// `scope`, or — as a safety net — when the garbage collector has collected the
// tensor object (FinalizationRegistry). The safety net is not prompt: the GC
// does not see linear memory, so loops should use scope() or dispose().

import type { Tensor } from "./tensor";
import type { Storage } from "./storage";

const registry =
  typeof FinalizationRegistry !== "undefined"
    ? new FinalizationRegistry<Storage>((storage) => storage.release())
    : null;

let scopes: Tensor[][] = [];

/**
 * Called for every new tensor. Inside a scope the scope frees it, so the
 * (costly) finalizer registration waits until the tensor outlives its scope.
 */
export function track(t: Tensor, storage: Storage): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
  else register(t, storage);
}

const registered = new WeakSet<Tensor>();

function register(t: Tensor, storage: Storage): void {
  if (!registry) return;
  registry.register(t, storage, t);
  registered.add(t);
}

/** Called when a tensor is disposed explicitly. */
export function untrackFinalizer(t: Tensor): void {
  if (registered.has(t)) registry!.unregister(t);
}

/**
 * Exempts a tensor from the innermost scope's cleanup (tf.keep): gradients and
 * optimizer state created inside a scope belong to their owner, not to the scope.
 */
export function keep<T extends Tensor>(t: T): T {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const idx = scopes[i].lastIndexOf(t);
    if (idx >= 0) {
      scopes[i].splice(idx, 1);
      if (!t.isDisposed) register(t, t.storageRef());
      break;
    }
  }
  return t;
}

/** Collects every tensor inside a (possibly nested) result of a scope. */
function collect(value: unknown, out: Set<Tensor>, isTensor: (v: unknown) => v is Tensor, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== "object") return;
  if (isTensor(value)) {
    out.add(value);
    return;
  }
  if (ArrayBuffer.isView(value)) return;
  for (const v of Array.isArray(value) ? value : Object.values(value)) collect(v, out, isTensor, depth + 1);
}

let isTensorFn: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
export function setTensorCheck(fn: (v: unknown) => v is Tensor): void {
  isTensorFn = fn;
}

/**
 * Runs fn and then frees every tensor created inside it, except the tensors it
 * returns (directly, or in an array or object) and the ones the returned
 * tensors' autograd graph still needs for backward (those are freed with the
 * graph). Scopes nest; survivors move to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const mine: Tensor[] = [];
  scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // Nothing computed inside can be returned now; free it all (tensors kept with keep() are not in `mine`).
    scopes.pop();
    for (const t of mine) t.dispose();
    throw e;
  }
  scopes.pop();
  const survivors = new Set<Tensor>();
  collect(result, survivors, isTensorFn);
  for (const t of [...survivors]) for (const s of t.graphTensors()) survivors.add(s);
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of mine) {
    if (!survivors.has(t)) t.dispose();
    else if (outer) outer.push(t);
    else if (!t.isDisposed) register(t, t.storageRef());
  }
  return result;
}

/** For tests and diagnostics: how many scopes are open. */
export function scopeDepth(): number {
  return scopes.length;
}

/** Resets scope bookkeeping (used after a failed run left scopes open). */
export function resetScopes(): void {
  scopes = [];
}
