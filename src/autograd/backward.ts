// The backward pass: walk the graph from the root in reverse topological
// order, so each node's output gradient is complete before its rule runs;
// accumulate into the `.grad` of leaves (and of non-leaves that retain grad),
// as torch.autograd.backward does.

import type { Tensor } from "../tensor";
import type { Node } from "./node";
import { isGradEnabled, setGradEnabled } from "./grad-mode";
import { keep, runRule } from "../lifetime";
import { fmt, sameShape } from "../shape";
import { filled } from "../ops/dispatch";

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (torch's retain_graph). */
  retainGraph?: boolean;
}

let pass = 0;

/** topoOrder's stacks, empty between calls (kept: a backward pass allocates little). */
const nodes: Node[] = [];
const next: number[] = [];

/** Nodes reachable from root, each after every node that feeds it a gradient. */
function topoOrder(root: Node, stamp: number): Node[] {
  const order: Node[] = [];
  root.visited = stamp;
  // iterative post-order DFS: deep graphs (long loops of ops) must not overflow the stack
  nodes.push(root);
  next.push(0);
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const i = next[top];
    if (i < node.inputs.length) {
      next[top] = i + 1;
      const child = node.inputs[i].gradFn;
      if (child && child.visited !== stamp) {
        child.visited = stamp;
        nodes.push(child);
        next.push(0);
      }
    } else {
      nodes.pop();
      next.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/** Adds g into t.grad in place, or makes g (which the caller hands over) the new .grad. */
function accumulateGrad(t: Tensor, g: Tensor): void {
  if (t.grad === null) {
    t.grad = keep(g);
  } else {
    t.grad.add_(g);
    g.dispose();
  }
}

export function backward(root: Tensor, gradient: Tensor | null, options?: BackwardOptions): void {
  if (!root.requiresGrad) {
    throw new Error("backward: the tensor does not require grad and has no grad_fn; nothing to differentiate");
  }
  if (gradient === null) {
    if (root.numel() !== 1) {
      throw new Error(
        `backward: grad can be implicitly created only for scalar outputs, but the tensor has shape ${fmt(root.shape)}; ` +
          "pass a gradient of the same shape, e.g. backward(onesLike(y))",
      );
    }
  } else {
    gradient.assertAlive("backward");
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(`backward: gradient has shape ${fmt(gradient.shape)} but the tensor has shape ${fmt(root.shape)}`);
    }
    if (gradient.dtype !== "float32") throw new TypeError(`backward: gradient must be float32, got ${gradient.dtype}`);
  }
  const node = root.gradFn;
  const order = node ? topoOrder(node, ++pass) : [];
  for (const n of order) {
    if (n.released) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${n.name} was already freed); ` +
          "pass { retainGraph: true } to the first backward() if you need to",
      );
    }
    n.checkSaved();
  }

  // noGrad, inline: a closure here would put every local above on the heap
  const mode = isGradEnabled();
  setGradEnabled(false);
  const placed: Tensor[] = [];
  // Like torch's AccumulateGrad input buffer, a leaf's contributions from this
  // pass are summed first and then added to .grad once: grad + (g1 + g2), not
  // (grad + g1) + g2, which rounds differently when .grad is not zero.
  const leaves: Tensor[] = [];
  const leafGrads: (Tensor | null)[] = [];
  try {
    // The engine owns every gradient tensor it holds, except the caller's `gradient`.
    const seed = gradient ?? filled(root.shape, 1); // not onesLike(): its options handling costs more than the fill
    if (!node) {
      accumulateGrad(root, gradient ? seed.clone() : seed);
      return;
    }
    node.pendingGrad = seed;
    for (const n of order) {
      const g = n.pendingGrad;
      if (!g) continue;
      n.pendingGrad = null;
      const out = n.output;
      if (out && out.retainsGrad) accumulateGrad(out, g.clone());
      // The rule's inputs are resident while it runs (storage.ts), and its temporaries die with it.
      g.assertAlive("backward");
      for (const s of n.saved) s.assertAlive("backward");
      const inGrads = runRule(n.rule!, g);
      // `placed`: the tensors some gradient slot now owns. A rule may pass g straight
      // through (add, reshape) or return one tensor for two inputs: the first slot takes
      // it, a later empty slot a copy, a slot that has a gradient adds it in.
      while (placed.pop());
      if (g === gradient) placed.push(g); // the caller's: never taken, never freed
      for (let i = 0; i < n.inputs.length; i++) {
        const inp = n.inputs[i];
        const ig = inGrads[i];
        if (!ig || !inp.requiresGrad) continue;
        const child = inp.gradFn;
        const j = child ? -1 : leaves.indexOf(inp);
        const have = child ? child.pendingGrad : j >= 0 ? leafGrads[j] : null;
        if (have) {
          have.add_(ig);
          continue;
        }
        const own = placed.includes(ig) ? ig.clone() : ig;
        placed.push(own);
        if (child) child.pendingGrad = own;
        else {
          leaves.push(inp);
          leafGrads.push(own);
        }
      }
      // what no slot took
      if (!placed.includes(g)) g.dispose();
      for (const ig of inGrads) if (ig && !placed.includes(ig) && !ig.isDisposed) ig.dispose();
    }
    for (let j = 0; j < leaves.length; j++) {
      const g = leafGrads[j]!;
      leafGrads[j] = null;
      accumulateGrad(leaves[j], g);
    }
  } finally {
    setGradEnabled(mode);
    for (const g of leafGrads) if (g) g.dispose();
    // after an error, drop the gradients still in flight so a retry starts clean
    for (const n of order) {
      if (n.pendingGrad && n.pendingGrad !== gradient) n.pendingGrad.dispose();
      n.pendingGrad = null;
    }
  }
  if (!options?.retainGraph) for (const n of order) n.release();
}
