// A node of the autograd graph: the backward rule of one op application, the
// inputs it sends gradients to, and the tensors its rule reads (checked for
// disposal and in-place changes before the rule runs, as torch does).

import type { Tensor } from "../tensor";
import { isGradEnabled } from "./grad-mode";

/** Maps the gradient of an op's output to the gradients of its inputs (null: none). */
export type BackwardRule = (grad: Tensor) => (Tensor | null)[];

/** The saved tensors (and their versions) of the many nodes that save none: one shared empty array, never written. */
const NOTHING: never[] = [];

export class Node {
  released = false;
  /** The op's output; weakly conceptually, but a plain field keeps the engine free of Maps. */
  output: Tensor | null = null;
  /** Backward-pass scratch: the gradient flowing into `output`, and the pass that last visited. */
  pendingGrad: Tensor | null = null;
  visited = 0;
  #savedVersions: number[];

  constructor(
    /** torch's grad_fn name, e.g. "MulBackward0". */
    readonly name: string,
    readonly inputs: readonly Tensor[],
    public rule: BackwardRule | null,
    public saved: Tensor[],
    /** The rule computes with raw kernels: its gradients cannot be differentiated again (see markFirstOrder). */
    readonly firstOrder = false,
  ) {
    this.#savedVersions = saved.length === 0 ? NOTHING : saved.map((t) => t.version);
  }

  /** Throws if a saved tensor was disposed or modified in place since the forward pass. */
  checkSaved(): void {
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i];
      if (t.isDisposed) {
        throw new Error(
          `backward: a tensor of shape [${t.shape.join(", ")}] that ${this.name} saved for the backward pass was disposed; ` +
            "keep the tensors of a graph alive until backward() has run",
        );
      }
      if (t.version !== this.#savedVersions[i]) {
        throw new Error(
          `backward: one of the tensors needed for gradient computation (shape [${t.shape.join(", ")}], saved by ${this.name}) ` +
            `has been modified by an in-place operation (version ${t.version}, expected ${this.#savedVersions[i]})`,
        );
      }
    }
  }

  /**
   * After this first-order rule ran under createGraph: gives each gradient it made a
   * node that refuses to be differentiated, so a second derivative through this op
   * is a clear error rather than a silently missing term.
   */
  markFirstOrder(g: Tensor, grads: readonly (Tensor | null)[]): void {
    const name = this.name;
    const from = [g, ...this.inputs, ...this.saved];
    for (const gi of grads) {
      if (!gi || gi === g) continue;
      record(gi, name.replace(/Backward\d*$/, "BackwardBackward0"), from, () => {
        throw new Error(
          `backward: ${name} has no double backward yet, so a second derivative cannot pass through it; differentiate once`,
        );
      });
    }
  }

  /** Frees the saved tensors' hold on memory (unless a newer graph may share them); later backward through this node is an error. */
  release(keepSaved = false): void {
    this.released = true;
    this.rule = null;
    this.output = null;
    if (!keepSaved) for (const t of this.saved) if (t.graphOwned) t.dispose();
    this.saved = NOTHING;
  }
}

/**
 * Whether an op on these operands records a graph node: lets an op skip
 * building its backward closure when grad mode is off or nothing requires grad.
 */
export function tracks(a: unknown, b?: unknown): boolean {
  if (!isGradEnabled()) return false;
  return (a as Tensor | null)?.requiresGrad === true || (b as Tensor | null)?.requiresGrad === true;
}

/**
 * Attaches the backward rule of an op to its output when grad mode is on and
 * an input requires grad. `saved` lists the tensors the rule reads; `firstOrder`
 * says the rule uses raw kernels, so it has no double backward.
 */
export function record(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  rule: BackwardRule,
  saved: Tensor[] = NOTHING,
  firstOrder = false,
): Tensor {
  if (!isGradEnabled()) return out;
  let needed = false;
  for (const t of inputs) if (t.requiresGrad) needed = true;
  if (!needed) return out;
  const node = new Node(name, inputs, rule, saved, firstOrder);
  node.output = out;
  out.gradFn = node;
  out.setRequiresGradInternal(true);
  return out;
}
