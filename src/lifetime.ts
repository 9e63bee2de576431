// When a tensor's memory goes back to the allocator: `dispose()` or the end of
// a `scope`. A tensor no scope owns and nobody disposes is reclaimed without
// the garbage collector's help, which cannot see linear memory nor report a
// collected object during a synchronous loop: its block is spilled out of
// linear memory when the memory would otherwise grow and it has not been used
// lately, and the copy is freed by the GC with the tensor (see storage.ts).
// Loops should still use scope() or dispose(): it is cheaper than a copy.

import type { Tensor } from "./tensor";
import type { Storage } from "./storage";

const scopes: Tensor[][] = [];

/**
 * Called for every new tensor. Inside a scope the scope frees it; otherwise its
 * storage becomes a candidate for spilling.
 */
export function track(t: Tensor, storage: Storage): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
  else storage.unscope();
}

/**
 * Exempts a tensor from the innermost scope's cleanup (tf.keep): gradients and
 * optimizer state created inside a scope belong to their owner, not to the scope.
 */
export function keep<T extends Tensor>(t: T): T {
  if (!isTensorFn(t)) throw new TypeError(`keep: expected a Tensor, got ${t === null ? "null" : typeof t}`);
  for (let i = scopes.length - 1; i >= 0; i--) {
    const idx = scopes[i].lastIndexOf(t);
    if (idx >= 0) {
      scopes[i].splice(idx, 1);
      if (!t.isDisposed) t.storageRef().unscope();
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
  if (typeof fn !== "function") throw new TypeError(`scope: expected a function, got ${fn === null ? "null" : typeof fn}`);
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
  const returned = new Set<Tensor>();
  collect(result, returned, isTensorFn);
  const survivors = new Set(returned);
  const saved = new Set<Tensor>();
  for (const t of returned) {
    const graph = t.graphTensors();
    for (const s of graph.saved) survivors.add(s), saved.add(s);
    for (const s of graph.inputs) survivors.add(s);
  }
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of mine) {
    if (!survivors.has(t)) {
      t.dispose();
      continue;
    }
    // made here and kept only for the graph's backward: freed with the graph (a tensor from
    // outside the scope that a node saved is the caller's, and stays)
    if (saved.has(t) && !returned.has(t)) t.graphOwned = true;
    if (outer) outer.push(t);
    else if (!t.isDisposed) t.storageRef().unscope();
  }
  return result;
}

/**
 * Runs a backward rule (a lightweight scope): frees every tensor the rule
 * created except the gradients it returns, which move on like a scope's survivors.
 */
export function runRule(rule: (g: Tensor) => (Tensor | null)[], g: Tensor): (Tensor | null)[] {
  const mine: Tensor[] = [];
  scopes.push(mine);
  let grads: (Tensor | null)[];
  try {
    grads = rule(g);
  } catch (e) {
    scopes.pop();
    for (const t of mine) t.dispose();
    throw e;
  }
  scopes.pop();
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of mine) {
    if (!grads.includes(t)) t.dispose();
    else if (outer) outer.push(t);
    else if (!t.isDisposed) t.storageRef().unscope();
  }
  return grads;
}

/** For tests and diagnostics: how many scopes are open. */
export function scopeDepth(): number {
  return scopes.length;
}
