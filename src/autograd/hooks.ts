// Tensor hooks (torch's Tensor.register_hook): functions called with a tensor's
// gradient when backward computes it, which may return a replacement. Kept
// beside the tensors rather than on them: most tensors never have one.

import type { Tensor } from "../tensor";
import { fmt, sameShape } from "../shape";

export type GradHook = (grad: Tensor) => Tensor | void | null | undefined;

/** What registerHook returns: remove() unregisters the hook (torch's RemovableHandle). */
export interface RemovableHandle {
  remove(): void;
}

const hooks = new WeakMap<Tensor, GradHook[]>();
/** Whether any hook was ever registered: until then the backward pass looks for none. */
export let anyHooks = false;

export function registerHook(t: Tensor, hook: GradHook): RemovableHandle {
  t.assertAlive("registerHook");
  if (typeof hook !== "function") throw new TypeError(`registerHook: expected a function, got ${hook === null ? "null" : typeof hook}`);
  if (!t.requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require gradient");
  const list = hooks.get(t) ?? [];
  hooks.set(t, list);
  list.push(hook);
  anyHooks = true;
  return { remove: () => void (list.includes(hook) && list.splice(list.indexOf(hook), 1)) };
}

/**
 * The gradient g of t after t's hooks, in registration order. The hooks see g
 * and may keep it: the backward pass then goes on with a copy of its own.
 */
export function runHooks(t: Tensor, g: Tensor, createGraph: boolean): Tensor {
  const list = hooks.get(t);
  if (!list || list.length === 0) return g;
  for (const hook of list.slice()) {
    const r = hook(g);
    if (r == null) continue;
    if (typeof r !== "object" || !("shape" in r)) throw new TypeError(`registerHook: a hook must return a Tensor or nothing, got ${typeof r}`);
    r.assertAlive("registerHook");
    if (!sameShape(r.shape, g.shape)) {
      throw new Error(`registerHook: a hook changed the gradient's shape from ${fmt(g.shape)} to ${fmt(r.shape)}`);
    }
    g = r;
  }
  return createGraph ? g : g.clone();
}
