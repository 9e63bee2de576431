// The backward pass: walk the graph from the root in reverse topological
// order, so each node's output gradient is complete before its rule runs;
// accumulate into the `.grad` of leaves (and of non-leaves that retain grad),
// as torch.autograd.backward does.

import type { Tensor } from "../tensor";
import type { Node } from "./node";
import { noGrad } from "./grad-mode";
import { keep } from "../lifetime";
import { fmt, sameShape } from "../shape";

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (torch's retain_graph). */
  retainGraph?: boolean;
}

function topoOrder(root: Node): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>([root]);
  // iterative post-order DFS: deep graphs (long loops of ops) must not overflow the stack
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i].gradFn;
      if (child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
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

export function backward(root: Tensor, gradient: Tensor | null, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error("backward: the tensor does not require grad and has no grad_fn; nothing to differentiate");
  }
  if (gradient === null) {
    if (root.numel !== 1) {
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
  const order = node ? topoOrder(node) : [];
  for (const n of order) {
    if (n.released) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${n.name} was already freed); ` +
          "pass { retainGraph: true } to the first backward() if you need to",
      );
    }
    n.checkSaved();
  }

  noGrad(() => {
    // The engine owns every gradient tensor it holds, except the caller's `gradient`.
    const seed = gradient ?? root.onesLike();
    if (!node) {
      accumulateGrad(root, gradient ? seed.clone() : seed);
      return;
    }
    const grads = new Map<Node, Tensor>([[node, seed]]);
    const outputs = new Map<Node, Tensor>([[node, root]]);
    for (const n of order) {
      const g = grads.get(n);
      if (!g) continue;
      grads.delete(n);
      const out = outputs.get(n);
      if (out && out.retainsGrad) accumulateGrad(out, g.clone());
      const inGrads = n.rule!(g);
      const placed = new Set<Tensor>();
      for (let i = 0; i < n.inputs.length; i++) {
        const inp = n.inputs[i];
        let ig = inGrads[i];
        if (!ig) continue;
        if (!inp.requiresGrad) {
          if (ig !== g && !placed.has(ig)) ig.dispose();
          continue;
        }
        // a rule may pass its incoming gradient straight through, or reuse one result twice
        if (ig === g || placed.has(ig)) ig = ig.clone();
        placed.add(ig);
        if (inp.gradFn) {
          outputs.set(inp.gradFn, inp);
          const prev = grads.get(inp.gradFn);
          if (prev) {
            prev.add_(ig);
            ig.dispose();
          } else grads.set(inp.gradFn, ig);
        } else {
          accumulateGrad(inp, ig);
        }
      }
      if (g !== gradient) g.dispose();
    }
    if (!options.retainGraph) for (const n of order) n.release();
  });
}
