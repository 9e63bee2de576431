// The backward pass: walk the graph from the roots in reverse topological
// order, so each node's output gradient is complete before its rule runs;
// accumulate into the `.grad` of leaves (and of non-leaves that retain grad),
// as torch.autograd.backward does, or hand the gradients of chosen tensors
// back instead (torch.autograd.grad).
//
// With createGraph the rules run in grad mode, so the gradients they return
// are themselves recorded and can be differentiated again. Nothing is then
// updated in place or freed early: the new graph may have saved any of them.

import type { Tensor } from "../tensor";
import type { Node } from "./node";
import { isGradEnabled, setGradEnabled } from "./grad-mode";
import { keep, runRule, recordingGradGraph, setRecordingGradGraph } from "../lifetime";
import { fmt, sameShape } from "../shape";
import { filled, named, checkTensor } from "../ops/dispatch";

export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (torch's retain_graph; default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again (torch's create_graph). */
  createGraph?: boolean;
}

export interface TensorBackwardOptions extends BackwardOptions {
  /** The gradient of the tensor (torch's gradient); null or absent: ones, for a one-element tensor. */
  gradient?: Tensor | null;
  /** Accumulate into the .grad of these tensors only, leaves or not (torch's inputs). */
  inputs?: Tensor | readonly Tensor[];
}

/** A tensor or a list of them, as a list; names the argument when it is neither. */
export function tensorList(op: string, what: string, value: Tensor | readonly (Tensor | null)[]): (Tensor | null)[] {
  const list = Array.isArray(value) ? value : [value];
  for (const t of list) {
    if (t !== null && (typeof t !== "object" || typeof (t as Tensor).assertAlive !== "function")) {
      throw new TypeError(`${op}: ${what} must be a Tensor or an array of Tensors, got ${typeof t}`);
    }
  }
  return list as (Tensor | null)[];
}

let pass = 0;
/** What run returns to backward(), which wants nothing: one shared empty array, never written. */
const NONE: never[] = [];

/** topoOrder's stacks, empty between calls (kept: a backward pass allocates little). */
const nodes: Node[] = [];
const next: number[] = [];

/** Nodes reachable from the roots, each after every node that feeds it a gradient. */
function topoOrder(roots: readonly Tensor[], stamp: number): Node[] {
  const order: Node[] = [];
  for (const r of roots) {
    const root = r.gradFn;
    if (!root || root.visited === stamp) continue;
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
  }
  return order.reverse();
}

/**
 * Adds g into t.grad, or makes g (which the caller hands over) the new .grad.
 * In place unless either is part of a graph: then grad + g, as torch does.
 */
function accumulateGrad(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (t.grad === null) {
    // a gradient in a graph may also be another tensor's: .grad must be t's own to update in place later
    t.grad = keep(createGraph && !g.requiresGrad ? g.clone() : g);
  } else if (createGraph || t.grad.requiresGrad) {
    t.grad = keep(t.grad.add(g));
  } else {
    t.grad.add_(g);
    g.dispose();
  }
}

/** Checks one root and its gradient as torch does; `op` names the caller in the message. */
export function checkRoot(op: string, root: Tensor, gradient: Tensor | null | undefined): void {
  root.assertAlive(op);
  if (!root.requiresGrad) {
    throw new Error(`${op}: the tensor does not require grad and has no grad_fn; nothing to differentiate`);
  }
  if (gradient == null) {
    if (root.numel() !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs, but the tensor has shape ${fmt(root.shape)}; ` +
          "pass a gradient of the same shape, e.g. onesLike(y)",
      );
    }
  } else {
    checkTensor(op, gradient);
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(`${op}: gradient has shape ${fmt(gradient.shape)} but the tensor has shape ${fmt(root.shape)}`);
    }
    if (gradient.dtype !== "float32") throw new TypeError(`${op}: gradient must be float32, got ${gradient.dtype}`);
  }
}

/** backward()'s one root and seed, reused: run reads them before any user code (a hook) could call backward again. */
const oneRoot: Tensor[] = [];
const oneSeed: (Tensor | null)[] = [];

/**
 * Tensor.backward's arguments as torch takes them, by position (gradient,
 * retainGraph, createGraph, inputs) or, from any position on, in an options object.
 */
export function backward(root: Tensor, ...args: unknown[]): void {
  const [gradient, retainGraph, createGraph, inputs] = args;
  const options = named<TensorBackwardOptions>("backward", { gradient, retainGraph, createGraph, inputs });
  const seed = options.gradient ?? null;
  checkRoot("backward", root, seed);
  oneRoot[0] = root;
  oneSeed[0] = seed;
  if (options.inputs == null) {
    run(oneRoot, oneSeed, options, null);
    return;
  }
  const ins = tensorList("backward", "inputs", options.inputs) as Tensor[];
  if (ins.length === 0) throw new RangeError("backward: inputs cannot be empty");
  ins.forEach((t, i) => checkInput("backward", t, i));
  run(oneRoot, oneSeed, options, ins).forEach((g, i) => g && accumulateGrad(ins[i], g, !!options.createGraph));
}

/** An input to differentiate with respect to must be alive and require grad. */
export function checkInput(op: string, t: Tensor, i: number): void {
  t.assertAlive(op);
  if (!t.requiresGrad) throw new Error(`${op}: input ${i} (shape ${fmt(t.shape)}) does not require grad`);
}

/**
 * Runs the backward pass from `roots` seeded with `seeds` (null: ones). Without
 * `wanted` it accumulates into .grad; with it, it returns the gradients of those
 * tensors (null where none flowed) and touches no .grad.
 */
export function run(
  roots: readonly Tensor[],
  seeds: readonly (Tensor | null)[],
  options: BackwardOptions | undefined,
  wanted: readonly Tensor[] | null,
): (Tensor | null)[] {
  const createGraph = !!options?.createGraph;
  const order = topoOrder(roots, ++pass);
  for (const n of order) {
    if (n.released) {
      throw new Error(
        `backward: trying to backward through the graph a second time (${n.name} was already freed); ` +
          "pass { retainGraph: true } to the first backward() if you need to",
      );
    }
    n.checkSaved();
  }

  // grad mode, inline: a closure here would put every local above on the heap
  const mode = isGradEnabled(), recording = recordingGradGraph;
  setGradEnabled(createGraph);
  setRecordingGradGraph(createGraph);
  const found: (Tensor | null)[] = wanted ? wanted.map(() => null) : NONE;
  const placed: Tensor[] = [];
  // Like torch's AccumulateGrad input buffer, a leaf's contributions from this
  // pass are summed first and then added to .grad once: grad + (g1 + g2), not
  // (grad + g1) + g2, which rounds differently when .grad is not zero.
  const leaves: Tensor[] = [];
  const leafGrads: (Tensor | null)[] = [];
  try {
    // The engine owns every gradient tensor it holds (the caller's seeds are copied).
    for (let r = 0; r < roots.length; r++) {
      // not onesLike(): its options handling costs more than the fill
      const seed = seeds[r] ? (createGraph ? seeds[r]! : seeds[r]!.clone()) : filled(roots[r].shape, 1);
      if (!deliver(roots[r], seed, createGraph, leaves, leafGrads)) seed.dispose();
    }
    for (const n of order) {
      let g = n.pendingGrad;
      if (!g) continue;
      n.pendingGrad = null;
      const out = n.output;
      if (out) {
        if (wanted) {
          const k = wanted.indexOf(out);
          if (k >= 0) found[k] = createGraph ? g : g.clone();
        } else if (out.retainsGrad) accumulateGrad(out, createGraph ? g : g.clone(), createGraph);
      }
      // The rule's inputs are resident while it runs (storage.ts), and its temporaries die with it
      // (unless a new graph is being recorded: its nodes may have saved them).
      g.assertAlive("backward");
      for (const s of n.saved) s.assertAlive("backward");
      if (createGraph) {
        recordedRule(n, g, leaves, leafGrads);
        continue;
      }
      const inGrads = runRule(n.rule!, g);
      // `placed`: the tensors some gradient slot now owns. A rule may pass g straight
      // through (add, reshape) or return one tensor for two inputs: the first slot takes
      // it, a later empty slot a copy, a slot that has a gradient adds it in.
      while (placed.pop());
      for (let i = 0; i < n.inputs.length; i++) {
        const ig = inGrads[i];
        if (!ig || !n.inputs[i].requiresGrad) continue;
        const own = placed.includes(ig) ? ig.clone() : ig;
        if (deliver(n.inputs[i], own, false, leaves, leafGrads)) placed.push(own);
        else if (own !== ig) own.dispose();
      }
      // what no slot took
      if (!placed.includes(g)) g.dispose();
      for (const ig of inGrads) if (ig && !placed.includes(ig) && !ig.isDisposed) ig.dispose();
    }
    for (let j = 0; j < leaves.length; j++) {
      const leaf = leaves[j];
      const g = leafGrads[j]!;
      leafGrads[j] = null;
      const k = wanted ? wanted.indexOf(leaf) : -1;
      if (k >= 0) found[k] = g;
      else if (!wanted) accumulateGrad(leaf, g, createGraph);
      else if (!createGraph) g.dispose();
    }
  } catch (e) {
    for (const g of found) if (g && !createGraph) g.dispose();
    throw e;
  } finally {
    setGradEnabled(mode);
    setRecordingGradGraph(recording);
    if (!createGraph) for (const g of leafGrads) if (g) g.dispose();
    // after an error, drop the gradients still in flight so a retry starts clean
    for (const n of order) {
      if (n.pendingGrad && !createGraph) n.pendingGrad.dispose();
      n.pendingGrad = null;
    }
  }
  // torch's retain_graph defaults to create_graph; a new graph may hold what the old one saved.
  // As in torch, what is freed is the saved tensors: a node that saved none can run again.
  if (!(options?.retainGraph ?? createGraph)) for (const n of order) if (n.saved.length > 0) n.release(createGraph);
  return found;
}

/** Runs n's rule in grad mode, so the gradients it makes are recorded, and hands them on. */
function recordedRule(n: Node, g: Tensor, leaves: Tensor[], leafGrads: (Tensor | null)[]): void {
  const inGrads = n.rule!(g);
  if (n.firstOrder) n.markFirstOrder(g, inGrads);
  for (let i = 0; i < n.inputs.length; i++) {
    const ig = inGrads[i];
    if (ig && n.inputs[i].requiresGrad) deliver(n.inputs[i], ig, true, leaves, leafGrads);
  }
}

/**
 * Hands gradient g of tensor t to its slot: the node that made t, or t's entry among
 * the leaves. A slot that has a gradient adds g to it (in place unless createGraph)
 * and does not take g: then this returns false.
 */
function deliver(t: Tensor, g: Tensor, createGraph: boolean, leaves: Tensor[], leafGrads: (Tensor | null)[]): boolean {
  const child = t.gradFn;
  const j = child ? -1 : leaves.indexOf(t);
  const have = child ? child.pendingGrad : j >= 0 ? leafGrads[j] : null;
  if (have && !createGraph) {
    have.add_(g);
    return false;
  }
  const sum = have ? have.add(g) : g;
  if (child) child.pendingGrad = sum;
  else if (j >= 0) leafGrads[j] = sum;
  else leaves.push(t), leafGrads.push(sum);
  return true;
}
