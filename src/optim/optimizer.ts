// What every optimizer shares: the parameters it updates, zeroGrad, and the
// per-parameter state it keeps between steps. A step calls one fused kernel
// per parameter (assembly/optim.ts), so it allocates nothing but the state on
// the first step, and that state outlives any scope() the step runs in.

import { Tensor } from "../tensor";
import { keep } from "../lifetime";
import { fmt, sameShape } from "../shape";
import { fillRaw, describeValue } from "../ops/dispatch";
import { guardTorchSpellings } from "../spelling";

export abstract class Optimizer {
  /** The tensors this optimizer updates, in the order given. */
  readonly params: readonly Tensor[];
  #stateTensors: Tensor[] = [];

  protected constructor(
    readonly name: string,
    params: Iterable<Tensor>,
  ) {
    if (params === null || typeof params !== "object" || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== "function") {
      throw new TypeError(`${name}: params must be an array (or iterable) of tensors, got ${describeValue(params)}`);
    }
    const list = [...params];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    const seen = new Set<Tensor>();
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: params[${i}] is not a Tensor`);
      p.assertAlive(name);
      if (p.dtype !== "float32") throw new TypeError(`${name}: params[${i}] has dtype ${p.dtype}; only float32 tensors can be optimized`);
      if (!p.isLeaf) throw new Error(`${name}: params[${i}] is not a leaf tensor (produced by ${p.gradFn!.name}); can't optimize a non-leaf Tensor`);
      if (seen.has(p)) throw new Error(`${name}: params[${i}] appears more than once in the parameter list`);
      seen.add(p);
    });
    this.params = Object.freeze(list);
  }

  /**
   * Resets the gradients of all parameters: fills them with zeros in place
   * (torch 1.13's default), or with setToNone disposes them and sets .grad to null.
   */
  zeroGrad(setToNone?: boolean | { setToNone?: boolean }): void {
    // a boolean has no setToNone property, so this reads the flag in either form
    const none = (setToNone as { setToNone?: boolean })?.setToNone ?? setToNone;
    for (const p of this.params) {
      if (p.grad === null) continue;
      if (none) {
        p.grad.dispose();
        p.grad = null;
      } else if (!p.grad.isDisposed) {
        p.grad.bumpVersion();
        fillRaw(p.grad, 0);
      }
    }
  }

  /** The learning rate; it may be changed between steps (a schedule), and is checked at each. */
  abstract lr: number;

  /** Updates every parameter that has a gradient. */
  step(): void {
    checkOption(this.name, "learning rate (lr)", this.lr, 0);
    this.params.forEach((p, i) => {
      const g = this.#gradOf(p, i);
      if (g) this.update(p, g);
    });
  }

  /** The update of one parameter p, by its gradient g. */
  protected abstract update(p: Tensor, g: Tensor): void;

  /** Frees the optimizer's state (momentum buffers, moments); the parameters are untouched. */
  dispose(): void {
    for (const t of this.#stateTensors) t.dispose();
    this.#stateTensors = [];
    this.resetState();
  }

  protected abstract resetState(): void;

  /** A zero-filled float32 buffer like p that lives until dispose(), whatever scope it is created in. */
  protected stateBuffer(p: Tensor): Tensor {
    const t = keep(Tensor.empty(p.shape));
    fillRaw(t, 0);
    this.#stateTensors.push(t);
    return t;
  }

  /** The parameter's gradient, checked; null when it has none (the parameter is skipped, as in torch). */
  #gradOf(p: Tensor, i: number): Tensor | null {
    p.assertAlive(`${this.name}.step`);
    const g = p.grad;
    if (g === null) return null;
    g.assertAlive(`${this.name}.step`);
    if (!sameShape(g.shape, p.shape)) {
      throw new Error(`${this.name}.step: params[${i}] has shape ${fmt(p.shape)} but its grad has shape ${fmt(g.shape)}`);
    }
    return g;
  }
}

/** Throws unless value is a finite number >= min (and < max when given), naming the option. */
export function checkOption(op: string, name: string, value: unknown, min: number, max?: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || (max !== undefined && value >= max)) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max})`;
    throw new RangeError(`${op}: invalid ${name}: ${String(value)} (expected a number ${range})`);
  }
  return value;
}

// opt.zero_grad() and friends: a TypeError naming the camelCase spelling (src/spelling.ts)
guardTorchSpellings(Optimizer, (opt) => (opt as Optimizer).name);
