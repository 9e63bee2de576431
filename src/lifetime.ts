// When a tensor's memory goes back to the allocator: `dispose()` or the end of
// a `scope`. A tensor no scope owns and nobody disposes is reclaimed without
// the garbage collector's help, which cannot see linear memory nor report a
// collected object during a synchronous loop: its block is spilled out of
// linear memory when the memory would otherwise grow and it has not been used
// lately, and the copy is freed by the GC with the tensor (see storage.ts).
// Loops should still use scope() or dispose(): it is cheaper than a copy.

import type { Tensor } from "./tensor";
import type { Storage } from "./storage";

/**
 * Set while a backward pass records a new graph (createGraph): dispose() is then
 * a no-op, since rules free temporaries that the new graph may have saved.
 * Scopes, and the spilling of what nobody reaches, still reclaim them.
 */
export let recordingGradGraph = false;
export function setRecordingGradGraph(on: boolean): void {
  recordingGradGraph = on;
}

/** The tensors made inside the open scopes, innermost last; scope i owns live[starts[i]..]. One array for all, so a scope allocates none. */
const live: Tensor[] = [];
const starts: number[] = [];

/**
 * Called for every new tensor. Inside a scope the scope frees it; otherwise its
 * storage becomes a candidate for spilling.
 */
export function track(t: Tensor, storage: Storage): void {
  if (starts.length > 0) live.push(t);
  else storage.unscope();
}

/**
 * Exempts a tensor from the innermost scope's cleanup (tf.keep): gradients and
 * optimizer state created inside a scope belong to their owner, not to the scope.
 */
export function keep<T extends Tensor>(t: T): T {
  if (!isTensorFn(t)) throw new TypeError(`keep: expected a Tensor, got ${t === null ? "null" : typeof t}`);
  const idx = live.lastIndexOf(t);
  if (idx >= 0) {
    live.splice(idx, 1);
    starts.forEach((s, i) => s > idx && starts[i]--);
    if (!t.isDisposed) t.storageRef().unscope();
  }
  return t;
}

/** Shortens live to n entries (pop: setting the length is a slow call). */
function cut(n: number): void {
  while (live.length > n) live.pop();
}

/** Frees the tensors made since `start` (an open scope's, after an error), and returns the error. */
function drop(start: number, e: unknown): unknown {
  for (let i = start; i < live.length; i++) live[i].dispose();
  cut(start);
  return e;
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
  if (typeof fn !== "function") throw new TypeError(`scope: expected a function, got ${fn === null ? "null" : typeof fn}`);
  // an op's own scope inside a backward that records a graph: what it makes stays with the enclosing scope
  if (recordingGradGraph) return fn();
  starts.push(live.length);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // Nothing computed inside can be returned now; free it all (tensors kept with keep() are not in the scope).
    throw drop(starts.pop()!, e);
  }
  // keep() may have moved the start
  const start = starts.pop()!;
  // nothing returned: every tensor made here goes (a training step's usual end)
  if (result === null || typeof result !== "object") return drop(start, result) as T;
  const returned = new Set<Tensor>();
  collect(result, returned, isTensorFn);
  const survivors = new Set(returned);
  const saved = new Set<Tensor>();
  for (const t of returned) {
    const graph = t.graphTensors();
    for (const s of graph.saved) survivors.add(s), saved.add(s);
    for (const s of graph.inputs) survivors.add(s);
  }
  let kept = start;
  for (let i = start; i < live.length; i++) {
    const t = live[i];
    if (!survivors.has(t)) {
      t.dispose();
      continue;
    }
    // made here and kept only for the graph's backward: freed with the graph (a tensor from
    // outside the scope that a node saved is the caller's, and stays)
    if (saved.has(t) && !returned.has(t)) t.graphOwned = true;
    // survivors move to the enclosing scope
    if (starts.length > 0) live[kept++] = t;
    else if (!t.isDisposed) t.storageRef().unscope();
  }
  cut(kept);
  return result;
}

/**
 * Runs a backward rule (a lightweight scope): frees every tensor the rule
 * created except the gradients it returns, which move on like a scope's survivors.
 */
export function runRule(rule: (g: Tensor) => (Tensor | null)[], g: Tensor): (Tensor | null)[] {
  starts.push(live.length);
  let grads: (Tensor | null)[];
  try {
    grads = rule(g);
  } catch (e) {
    throw drop(starts.pop()!, e);
  }
  const start = starts.pop()!;
  let kept = start;
  for (let i = start; i < live.length; i++) {
    const t = live[i];
    if (!grads.includes(t)) t.dispose();
    else if (starts.length > 0) live[kept++] = t;
    else if (!t.isDisposed) t.storageRef().unscope();
  }
  cut(kept);
  return grads;
}

/** For tests and diagnostics: how many scopes are open. */
export function scopeDepth(): number {
  return starts.length;
}
