// torch.autograd.functional: Jacobians, Hessians and their products with
// vectors, for a function of one tensor or of several (then passed as an
// array, and results come back as arrays in the same order). Built on
// autograd.grad; jvp is the double-vjp trick, so it needs double backward.

import type { Tensor } from "../tensor";
import { grad, tensorList } from "./grad";
import { reshape } from "../ops/shape";
import { fmt, sameShape } from "../shape";
import { zerosLike, eye } from "../ops/creation";
import { stack } from "../ops/join";
import { select } from "../ops/indexing";

export type Inputs = Tensor | readonly Tensor[];
type Fn = (...xs: Tensor[]) => Tensor | Tensor[];
export interface FunctionalOptions {
  /** Keep the results differentiable with respect to the inputs (torch's create_graph). */
  createGraph?: boolean;
}

/** The inputs as fresh graph leaves (or, for createGraph, views that stay connected to their own graph). */
function leavesOf(op: string, inputs: Inputs, createGraph: boolean): Tensor[] {
  return (tensorList(op, "inputs", inputs) as Tensor[]).map((x) => (createGraph && x.requiresGrad ? reshape(x, x.shape) : x.detach().requiresGrad_()));
}

/** Gradients of `outs` weighted by `ws` (null: ones) w.r.t. xs, zeros where none flows. */
function vjpOf(outs: readonly Tensor[], xs: readonly Tensor[], ws: readonly (Tensor | null)[], createGraph: boolean): Tensor[] {
  // an output that does not depend on the inputs contributes nothing
  const used = outs.map((o, i) => (o.requiresGrad ? i : -1)).filter((i) => i >= 0);
  const gs = used.length === 0 ? [] : grad(used.map((i) => outs[i]), xs, { gradOutputs: used.map((i) => ws[i]), retainGraph: true, createGraph, allowUnused: true });
  return xs.map((x, i) => gs[i] ?? zerosLike(x));
}

const shaped = (inputs: unknown, ts: Tensor[]): Tensor | Tensor[] => (Array.isArray(inputs) ? ts : ts[0]);
const outputs = (op: string, y: Tensor | Tensor[]) => tensorList(op, "the function's result", y) as Tensor[];
const detached = (y: Tensor | Tensor[], createGraph: boolean) => (createGraph ? y : Array.isArray(y) ? y.map((t) => t.detach()) : y.detach());

/** The vectors v, one per tensor of `like` and of its shape. */
function vectors(op: string, v: Inputs, like: readonly Tensor[]): Tensor[] {
  const vs = tensorList(op, "v", v) as Tensor[];
  if (vs.length !== like.length || vs.some((t, i) => !sameShape(t.shape, like[i].shape))) {
    throw new RangeError(`${op}: v has shapes ${vs.map((t) => fmt(t.shape))}, expected ${like.map((t) => fmt(t.shape))}`);
  }
  return vs;
}

/** The one-element output that hessian and hvp differentiate twice. */
function scalar(op: string, y: unknown): Tensor {
  if (Array.isArray(y) || (y as Tensor)?.numel?.() !== 1) throw new TypeError(`${op}: the function must return a single Tensor with one element`);
  return y as Tensor;
}

/** [func(inputs), vᵀ·J]: the vector-Jacobian product (v may be omitted for a one-element output). */
export function vjp(func: Fn, inputs: Inputs, v?: Inputs | null, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("vjp", inputs, createGraph);
  const y = func(...xs);
  const outs = outputs("vjp", y);
  return [detached(y, createGraph), shaped(inputs, vjpOf(outs, xs, v == null ? outs.map(() => null) : vectors("vjp", v, outs), createGraph))] as const;
}

/** [func(inputs), J·v]: the Jacobian-vector product, by differentiating a vjp w.r.t. its vector. */
export function jvp(func: Fn, inputs: Inputs, v: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("jvp", inputs, createGraph);
  const y = func(...xs);
  // uᵀJ is linear in u, so its vjp with v w.r.t. u is J·v
  const us = outputs("jvp", y).map((o) => zerosLike(o).requiresGrad_());
  const jv = vjpOf(vjpOf(outputs("jvp", y), xs, us, true), us, vectors("jvp", v, xs), createGraph);
  return [detached(y, createGraph), shaped(y, jv)] as const;
}

/**
 * The Jacobian of func at inputs: for output o and input i, a tensor of shape
 * [...o.shape, ...i.shape]; nested arrays [output][input] where either is a list.
 */
export function jacobian(func: Fn, inputs: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("jacobian", inputs, createGraph);
  const y = func(...xs);
  const J = outputs("jacobian", y).map((o) => {
    const n = o.numel();
    const rows: Tensor[][] = xs.map(() => []);
    const onehot = eye(n);
    for (let e = 0; e < n; e++) vjpOf([o], xs, [reshape(select(onehot, 0, e), o.shape)], createGraph).forEach((g, i) => rows[i].push(g));
    return xs.map((x, i) => (n === 0 ? zerosLike(x) : stack(rows[i])).reshape([...o.shape, ...x.shape]));
  });
  return Array.isArray(y) ? J.map((r) => shaped(inputs, r)) : shaped(inputs, J[0]);
}

/** The Hessian of a function with one-element output: H[i][j] = ∂²f/∂xᵢ∂xⱼ, shape [...xᵢ.shape, ...xⱼ.shape]. */
export function hessian(func: (...xs: Tensor[]) => Tensor, inputs: Inputs, options: FunctionalOptions = {}) {
  const H = jacobian((...xs) => vjpOf([scalar("hessian", func(...xs))], xs, [null], true), inputs, options) as Tensor[] | Tensor[][];
  return Array.isArray(inputs) ? H : H[0];
}

/**
 * [func(inputs), vᵀ·H] for a function with one-element output (torch's vhp). The
 * Hessian of a twice-differentiable function is symmetric, so this is also H·v (hvp).
 */
export function vhp(func: (...xs: Tensor[]) => Tensor, inputs: Inputs, v: Inputs, options: FunctionalOptions = {}) {
  const createGraph = !!options.createGraph;
  const xs = leavesOf("hvp", inputs, createGraph);
  const y = scalar("hvp", func(...xs));
  return [detached(y, createGraph), shaped(inputs, vjpOf(vjpOf([y], xs, [null], true), xs, vectors("hvp", v, xs), createGraph))] as const;
}
export const hvp = vhp;
